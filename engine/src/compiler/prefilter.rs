//! The paths the loaded rules may care about on an open or a close: the
//! [`OpenInterest`] a driver's open prefilter holds back against (see
//! `falco_scap::prefilter` for the contract).
//!
//! For each rule that can run on an open or a close, the condition is
//! over-approximated by path and thread-name tests: a rule can only match
//! an event that passes one of them. A comparison of the path (`fd.name`,
//! `fd.directory`, `fd.filename` and their kin) with literals gives path
//! tests, `proc.name =` / `in` thread names;
//! `a or b` needs the tests of both; `a and b` those of either (the one
//! with fewer); a part only other event types satisfy needs none; anything
//! else (other fields, `not`, case-insensitive or
//! regular-expression operators, transformers) may match any path. One
//! rule that may match any path on an open or a close, or a rule or an
//! output that counts the process's open fds, turns the prefilter off.

use super::evttypes::{codes_named, event_set, EventSet};
use super::CompiledRuleset;
use crate::condition::ast::{BinaryOp, Expr, ExprKind, FieldExpr, Value};
use crate::loader::Ruleset;
use falco_scap::prefilter::OpenInterest;
use falco_sinsp::field::FieldSource;

/// Fields whose value depends on every fd of the process: an fd held back
/// would change them.
const TABLE_FIELDS: [&str; 2] = ["proc.fdopencount", "proc.fdusage"];

/// Why no open can be held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Off {
    /// This rule may match an open or a close of any path.
    AnyPath(String),
    /// This rule (or an appended output, `None`) counts the process's fds.
    CountsFds(Option<String>),
}

impl std::fmt::Display for Off {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Off::AnyPath(rule) => write!(f, "rule '{rule}' may match an open of any path"),
            Off::CountsFds(Some(rule)) => write!(f, "rule '{rule}' counts the open fds"),
            Off::CountsFds(None) => write!(f, "an appended output counts the open fds"),
        }
    }
}

/// The paths the rules of `compiled` that can run (enabled, at or above
/// the minimum priority) may care about on an open or a close, or why
/// every path may matter. `outputs` are output formats used besides the
/// rules' own (Falco's appended fields).
pub fn open_interest<'a, S: FieldSource>(
    ruleset: &Ruleset,
    compiled: &CompiledRuleset<S>,
    outputs: impl IntoIterator<Item = &'a str>,
) -> Result<OpenInterest, Off> {
    let watched = ["open", "openat", "openat2", "creat", "close"]
        .iter()
        .map(|n| codes_named(n))
        .fold(EventSet::empty(), |a, b| a.union(&b));
    let mut interest = OpenInterest::default();
    for rule in &compiled.rules {
        if !rule.enabled || rule.priority > compiled.min_priority {
            continue;
        }
        let any = || Off::AnyPath(rule.name.clone());
        let source = ruleset.rule(&rule.name).ok_or_else(any)?;
        if mentions_table_fields(&rule.output) || uses_table_fields(&source.condition) {
            return Err(Off::CountsFds(Some(rule.name.clone())));
        }
        if rule.events.intersect(&watched).is_empty() {
            continue;
        }
        match tests(&source.condition, &watched) {
            Tests::Paths(p) => interest.extend(p),
            Tests::Any => return Err(any()),
        }
        if interest.is_everything() {
            return Err(any());
        }
    }
    if outputs.into_iter().any(mentions_table_fields) {
        return Err(Off::CountsFds(None));
    }
    Ok(interest)
}

fn mentions_table_fields(output: &str) -> bool {
    TABLE_FIELDS.iter().any(|f| output.contains(f))
}

fn uses_table_fields(e: &Expr) -> bool {
    let field = |f: &FieldExpr| TABLE_FIELDS.contains(&base_field(f).unwrap_or(""));
    match &e.kind {
        ExprKind::And(v) | ExprKind::Or(v) => v.iter().any(uses_table_fields),
        ExprKind::Not(x) => uses_table_fields(x),
        ExprKind::Compare { lhs, rhs, .. } => {
            field(lhs) || matches!(rhs, Value::Field(f) if field(f))
        }
        ExprKind::Unary { lhs, .. } => field(lhs),
        ExprKind::MacroRef(_) => false,
    }
}

/// The field under any transformers.
fn base_field(f: &FieldExpr) -> Option<&str> {
    match f {
        FieldExpr::Field(f) => Some(&f.name),
        FieldExpr::Transform { inner, .. } => base_field(inner),
    }
}

/// The path tests an expression needs, or any path.
enum Tests {
    Any,
    Paths(OpenInterest),
}

/// The path tests `e` needs on the `watched` events.
fn tests(e: &Expr, watched: &EventSet) -> Tests {
    // A part that only event types other than these satisfy (`evt.type =
    // execve and ...`) is false on them: it needs no path.
    if event_set(e).intersect(watched).is_empty() {
        return Tests::Paths(OpenInterest::default());
    }
    match &e.kind {
        ExprKind::Or(v) => {
            let mut all = OpenInterest::default();
            for x in v {
                match tests(x, watched) {
                    Tests::Any => return Tests::Any,
                    Tests::Paths(p) => all.extend(p),
                }
            }
            Tests::Paths(all)
        }
        // Any conjunct's tests are needed by the whole: take the fewest.
        ExprKind::And(v) => v
            .iter()
            .filter_map(|x| match tests(x, watched) {
                Tests::Paths(p) => Some(p),
                Tests::Any => None,
            })
            .min_by_key(|p| p.len())
            .map_or(Tests::Any, Tests::Paths),
        ExprKind::Compare { lhs, op, rhs } => {
            compare(lhs, *op, rhs).map_or(Tests::Any, Tests::Paths)
        }
        ExprKind::Not(_) | ExprKind::Unary { .. } | ExprKind::MacroRef(_) => Tests::Any,
    }
}

/// What part of an open's path a field shows.
#[derive(Clone, Copy)]
enum Part {
    /// The whole path (for a plain absolute path, the name as given too).
    Whole,
    /// Everything before the last `/`.
    Directory,
    /// Everything after it.
    FileName,
}

/// Whether `field` is `name`, without argument or transformer.
fn is_plain(field: &FieldExpr, name: &str) -> bool {
    matches!(field, FieldExpr::Field(f) if f.arg.is_none() && f.name == name)
}

fn part(field: &FieldExpr) -> Option<Part> {
    let FieldExpr::Field(f) = field else {
        return None;
    };
    if f.arg.is_some() {
        return None;
    }
    match f.name.as_str() {
        "fd.name" | "fd.nameraw" | "fs.path.name" | "fs.path.nameraw" | "evt.arg.name"
        | "evt.rawarg.name" => Some(Part::Whole),
        "fd.directory" => Some(Part::Directory),
        "fd.filename" => Some(Part::FileName),
        _ => None,
    }
}

/// The literals of a right-hand side (`None`: not literals).
fn literals(rhs: &Value) -> Option<Vec<String>> {
    let text = |b: &[u8]| std::str::from_utf8(b).ok().map(str::to_owned);
    match rhs {
        Value::Str(l) => Some(vec![text(&l.bytes)?]),
        Value::List { items, .. } => items.iter().map(|l| text(&l.bytes)).collect(),
        Value::ListRef { .. } | Value::Field(_) => None,
    }
}

const WILDCARDS: [char; 3] = ['*', '?', '['];

/// The path tests a comparison needs; `None`: any path may pass it.
fn compare(lhs: &FieldExpr, op: BinaryOp, rhs: &Value) -> Option<OpenInterest> {
    use BinaryOp as B;
    let mut p = OpenInterest::default();
    if is_plain(lhs, "proc.name") && matches!(op, B::Eq | B::In) {
        p.comms.extend(literals(rhs)?);
        return Some(p);
    }
    let part = part(lhs)?;
    for lit in literals(rhs)? {
        if lit.contains('\\') && matches!(op, B::Glob | B::PMatch) {
            return None;
        }
        // The literal text before the first wildcard, and after the last
        // (none after a class: its `]` may end the pattern's classes).
        let head = lit.split(WILDCARDS).next().unwrap_or("").to_owned();
        let tail = match lit.contains('[') {
            true => String::new(),
            false => lit.rsplit(WILDCARDS).next().unwrap_or("").to_owned(),
        };
        let wild = lit.contains(WILDCARDS);
        match (part, op) {
            (Part::Whole, B::Eq | B::In) => p.exact.insert(lit),
            (Part::Whole, B::StartsWith) => p.prefixes.insert(lit),
            (Part::Whole, B::EndsWith) => p.suffixes.insert(lit),
            (Part::Whole, B::Contains) => p.contains.insert(lit),
            (Part::Whole, B::Glob) if !wild => p.exact.insert(lit),
            (Part::Whole | Part::Directory, B::Glob | B::PMatch) if !head.is_empty() => {
                p.prefixes.insert(head)
            }
            (Part::Whole, B::Glob) if !tail.is_empty() => p.suffixes.insert(tail),
            (Part::Directory, B::Eq | B::In) => p.dirs.insert(lit),
            (Part::Directory, B::StartsWith) => p.prefixes.insert(lit),
            (Part::Directory, B::Contains | B::EndsWith) => p.contains.insert(lit),
            (Part::FileName, B::Eq | B::In) => p.suffixes.insert(format!("/{lit}")),
            (Part::FileName, B::EndsWith) => p.suffixes.insert(lit),
            (Part::FileName, B::Contains | B::StartsWith) => p.contains.insert(lit),
            (Part::FileName, B::Glob) if !wild => p.suffixes.insert(format!("/{lit}")),
            (Part::FileName, B::Glob) if !tail.is_empty() => p.suffixes.insert(tail),
            (Part::FileName, B::Glob) if !head.is_empty() => p.contains.insert(head),
            _ => return None,
        };
    }
    Some(p)
}

#[cfg(test)]
mod tests;
