//! The compiler: a loaded ruleset's conditions become trees of resolved
//! field checks with pre-compiled operands, indexed by the event types
//! each rule can match.
//!
//! - `evttypes.rs` — the event codes a condition can match
//! - `explain.rs` — a rule's condition traced on one event (`--explain`)
//! - `operand.rs` — right-hand sides compiled by field type
//! - `node.rs` — compiled checks and evaluation
//! - `prefilter.rs` — what the rules may care about on opens, for the
//!   drivers' open prefilter
//! - `report.rs` — compile issues added to the loader's per-file results
//! - `services.rs` — port literals by service name (`fd.sport = ssh`)
//! - `catalog.rs` — the syscall fields as the loader checks them, and
//!   which of them the load-time lint may treat as single-valued

pub(crate) mod catalog;
pub mod evttypes;
pub mod explain;
pub mod node;
pub mod operand;
pub mod prefilter;
pub mod report;
mod services;

use crate::condition::ast::{BinaryOp, Expr, ExprKind, FieldExpr, TransformKind, Value};
use crate::loader::{ErrorCode, Priority, Ruleset, WarningCode};
use evttypes::EventSet;
use falco_abi::EventCode;
use falco_sinsp::field::{FieldArg, FieldError, FieldSource};
use falco_sinsp::value::{FieldType, Value as FieldValue};
use node::{Lhs, Node, Scratch, Test};
use operand::{domain, Domain};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

/// What a compile step found wrong with a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    Error(ErrorCode, String),
    Warning(WarningCode, String),
}

/// A compile issue of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleIssue {
    pub rule: String,
    pub issue: Issue,
}

/// `rule_matching` of falco.yaml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Matching {
    /// Stop at the first rule that matches (Falco's default).
    #[default]
    First,
    All,
}

/// One compiled rule.
#[derive(Debug)]
pub struct CompiledRule<S: FieldSource> {
    pub name: String,
    pub priority: Priority,
    pub source: String,
    pub tags: BTreeSet<String>,
    pub output: String,
    pub condition: Node<S>,
    pub events: EventSet,
    pub enabled: bool,
}

/// Every compiled rule of one event source, indexed by event code.
#[derive(Debug)]
pub struct CompiledRuleset<S: FieldSource> {
    pub source: S,
    pub rules: Vec<CompiledRule<S>>,
    pub matching: Matching,
    /// With `Matching::First`, also find the rules an earlier match hides
    /// (`matching` then reports them after the first; see
    /// [`CompiledRuleset::split_alerting`]). Costs only on events that
    /// matched.
    pub count_shadowed: bool,
    /// Rules below this priority (less severe) do not run.
    pub min_priority: Priority,
    index: Vec<Vec<u32>>,
}

struct Compiler<'s, S: FieldSource> {
    src: &'s S,
    /// One memo slot per distinct field-with-transformers of the whole
    /// ruleset, so an event extracts each of them at most once.
    slots: &'s RefCell<HashMap<String, u32>>,
    /// The subexpressions (printed) that occur more than once in the
    /// ruleset, each with its result slot.
    shared: &'s HashMap<String, u32>,
}

impl<S: FieldSource> Compiler<'_, S> {
    fn lhs(&self, f: &FieldExpr) -> Result<Lhs<S>, Issue> {
        let mut transforms = Vec::new();
        let mut cur = f;
        while let FieldExpr::Transform { kind, inner, .. } = cur {
            transforms.push(*kind);
            cur = inner;
        }
        transforms.reverse();
        let field = match cur {
            FieldExpr::Field(field) => field,
            FieldExpr::Transform { .. } => unreachable!("loop above consumed every transformer"),
        };
        let arg = field.arg.as_ref().map(|a| FieldArg::Key(a.value.clone()));
        let resolved = self
            .src
            .resolve(&field.name, arg.as_ref())
            .map_err(|e| match e {
                FieldError::Unknown(n) => Issue::Error(
                    ErrorCode::CompileCondition,
                    format!("filter_check called with nonexistent field {n}"),
                ),
                other => Issue::Error(ErrorCode::CompileCondition, other.to_string()),
            })?;
        let mut d = domain(self.src.field_type(&resolved));
        for t in &transforms {
            d = match (t, d) {
                (TransformKind::Len, _) => Domain::Num,
                (_, Domain::Str) => Domain::Str,
                _ => {
                    return Err(Issue::Error(
                        ErrorCode::CompileCondition,
                        format!(
                            "transformer '{}' cannot be applied to field {}",
                            t.as_str(),
                            field.name
                        ),
                    ))
                }
            };
        }
        let key = format!("{resolved:?}{transforms:?}");
        let mut slots = self.slots.borrow_mut();
        let next = slots.len() as u32;
        let slot = *slots.entry(key).or_insert(next);
        Ok(Lhs {
            field: resolved,
            transforms,
            domain: d,
            slot,
        })
    }

    fn expr(&self, e: &Expr) -> Result<Node<S>, Issue> {
        let node = self.unshared(e)?;
        Ok(match shared_key(e).and_then(|k| self.shared.get(&k)) {
            Some(&slot) => Node::Shared(slot, Box::new(node)),
            None => node,
        })
    }

    fn unshared(&self, e: &Expr) -> Result<Node<S>, Issue> {
        Ok(match &e.kind {
            ExprKind::And(xs) => {
                Node::And(xs.iter().map(|x| self.expr(x)).collect::<Result<_, _>>()?)
            }
            ExprKind::Or(xs) => {
                Node::Or(xs.iter().map(|x| self.expr(x)).collect::<Result<_, _>>()?)
            }
            ExprKind::Not(x) => Node::Not(Box::new(self.expr(x)?)),
            ExprKind::Unary { lhs, .. } => Node::Check(self.lhs(lhs)?, Test::Exists),
            ExprKind::MacroRef(name) => {
                return Err(Issue::Error(
                    ErrorCode::CompileCondition,
                    format!("undefined macro '{name}'"),
                ))
            }
            ExprKind::Compare { lhs, op, rhs } => {
                if evttypes::is_evt_type(lhs) {
                    check_type_names(rhs)?;
                }
                let l = self.lhs(lhs)?;
                let test = match rhs {
                    Value::Field(f) => Test::Field(*op, self.lhs(f)?),
                    Value::Str(lit) => Test::Literal(
                        *op,
                        self.operand(&l, *op, std::slice::from_ref(&lit.bytes), false, lhs)?,
                    ),
                    Value::List { items, .. } => {
                        let items: Vec<Vec<u8>> = items.iter().map(|i| i.bytes.clone()).collect();
                        Test::Literal(*op, self.operand(&l, *op, &items, true, lhs)?)
                    }
                    // A list name the loader did not know stands for itself.
                    Value::ListRef { name, .. } => Test::Literal(
                        *op,
                        self.operand(&l, *op, &[name.as_bytes().to_vec()], true, lhs)?,
                    ),
                };
                let check = Node::Check(l, test);
                match Self::event_codes(lhs, *op, rhs) {
                    Some(set) => Node::Codes(set, Box::new(check)),
                    None => check,
                }
            }
        })
    }

    /// The codes an `evt.type` check accepts, when that is exactly the
    /// check: `=`, `in` and `!=` against literal names. Not when a name
    /// falls to the generic events or the async event, whose `evt.type` is
    /// the syscall's or the async event's own name and so must be compared
    /// as text.
    fn event_codes(lhs: &FieldExpr, op: BinaryOp, rhs: &Value) -> Option<EventSet> {
        if !evttypes::is_evt_type(lhs) || matches!(rhs, Value::Field(_) | Value::ListRef { .. }) {
            return None;
        }
        let set = evttypes::positive(rhs)?;
        let generic = [EventCode::GENERIC_E, EventCode::GENERIC_X, EventCode::ASYNCEVENT_E];
        if generic.iter().any(|&g| set.contains(g as u16)) {
            return None;
        }
        match op {
            BinaryOp::Eq | BinaryOp::In => Some(set),
            BinaryOp::Ne => Some(set.complement()),
            _ => None,
        }
    }

    fn operand(
        &self,
        l: &Lhs<S>,
        op: crate::condition::ast::BinaryOp,
        items: &[Vec<u8>],
        list: bool,
        lhs: &FieldExpr,
    ) -> Result<operand::Operand, Issue> {
        // PORT fields take service names too, as libsinsp parses them.
        let ports;
        let items = if l.transforms.is_empty() && self.src.field_type(&l.field) == FieldType::Port {
            ports = items
                .iter()
                .map(|i| services::port_literal(i).map(|p| p.into_owned()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|m| Issue::Error(ErrorCode::CompileCondition, m))?;
            &ports[..]
        } else {
            items
        };
        operand::compile(l.domain, op, items, list).map_err(|m| {
            Issue::Error(
                ErrorCode::CompileCondition,
                format!("field {}: {m}", lhs.base_field().name),
            )
        })
    }
}

/// Every name an `evt.type` check compares with must be an event's, a
/// syscall's or an async event's, as libsinsp checks them; a list name
/// left after the loader's one-level expansion is such a name too.
fn check_type_names(rhs: &Value) -> Result<(), Issue> {
    let names: Vec<&[u8]> = match rhs {
        Value::Str(lit) => vec![&lit.bytes],
        Value::List { items, .. } => items.iter().map(|i| i.bytes.as_slice()).collect(),
        Value::ListRef { name, .. } => vec![name.as_bytes()],
        Value::Field(_) => Vec::new(),
    };
    for n in names {
        let n = String::from_utf8_lossy(n);
        if !evttypes::is_known_type_name(&n) {
            return Err(Issue::Error(
                ErrorCode::CompileCondition,
                format!("unknown event type {n}"),
            ));
        }
    }
    Ok(())
}

/// The text that identifies a subexpression worth sharing between the
/// places that hold it: operators and comparisons, not the `evt.type`
/// checks and `exists` tests that cost less than a look-up.
fn shared_key(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::And(_) | ExprKind::Not(_) | ExprKind::Or(_) => {}
        ExprKind::Compare { lhs, .. } if !evttypes::is_evt_type(lhs) => {}
        _ => return None,
    }
    Some(crate::condition::print_condition(e))
}

/// Counts every shareable subexpression of `conditions` and numbers those
/// that occur more than once.
fn shared_subexpressions<'e>(conditions: impl Iterator<Item = &'e Expr>) -> HashMap<String, u32> {
    fn walk(e: &Expr, counts: &mut HashMap<String, u32>) {
        if let Some(k) = shared_key(e) {
            *counts.entry(k).or_default() += 1;
        }
        match &e.kind {
            ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().for_each(|x| walk(x, counts)),
            ExprKind::Not(x) => walk(x, counts),
            _ => {}
        }
    }
    let mut counts = HashMap::new();
    conditions.for_each(|c| walk(c, &mut counts));
    let mut keys: Vec<String> = counts
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, _)| k)
        .collect();
    keys.sort();
    keys.into_iter()
        .enumerate()
        .map(|(i, k)| (k, i as u32))
        .collect()
}

impl<S: FieldSource> CompiledRuleset<S> {
    /// Compiles every rule of `ruleset` for `source` (rules of other
    /// sources are left out). Rules that do not compile are reported and
    /// left out; a rule with `skip-if-unknown-filter` that names an unknown
    /// field is left out with a warning.
    pub fn compile(ruleset: &Ruleset, source: S) -> (CompiledRuleset<S>, Vec<RuleIssue>) {
        let mut rules = Vec::new();
        let mut issues = Vec::new();
        let slots = RefCell::default();
        let ours = |r: &&crate::loader::Rule| r.source == source.source_name();
        let shared = shared_subexpressions(ruleset.rules.iter().filter(ours).map(|r| &r.condition));
        for r in ruleset.rules.iter().filter(ours) {
            let c = Compiler {
                src: &source,
                slots: &slots,
                shared: &shared,
            };
            match c.expr(&r.condition) {
                Ok(condition) => {
                    let events = evttypes::event_set(&r.condition);
                    // Falco's test: no code at all, or more than 100 of
                    // them (enter and exit apart).
                    if (events.is_empty() || events.len() > 100) && r.warn_evttypes {
                        issues.push(RuleIssue {
                            rule: r.name.clone(),
                            issue: Issue::Warning(
                                WarningCode::NoEvttype,
                                "Rule matches too many evt.type values. This has a significant performance penalty.".to_string(),
                            ),
                        });
                    }
                    rules.push(CompiledRule {
                        name: r.name.clone(),
                        priority: r.priority,
                        source: r.source.clone(),
                        tags: r.tags.clone(),
                        output: r.output.clone(),
                        condition,
                        events,
                        enabled: r.enabled,
                    });
                }
                Err(Issue::Error(ErrorCode::CompileCondition, m))
                    if r.skip_if_unknown_filter
                        && (m.contains("nonexistent field")
                            || m.starts_with("unknown event type")) =>
                {
                    issues.push(RuleIssue {
                        rule: r.name.clone(),
                        issue: Issue::Warning(WarningCode::UnknownFilter, m),
                    });
                }
                Err(issue) => issues.push(RuleIssue {
                    rule: r.name.clone(),
                    issue,
                }),
            }
        }
        let mut set = CompiledRuleset {
            source,
            rules,
            matching: Matching::default(),
            count_shadowed: false,
            min_priority: Priority::Debug,
            index: Vec::new(),
        };
        set.reindex();
        (set, issues)
    }

    /// Rebuilds the per-event-code index (after enabling/disabling rules or
    /// changing the priority threshold). System call enter events are in
    /// no rule's index: as with libsinsp, rules see the exits only (the
    /// state still parses the enters).
    pub fn reindex(&mut self) {
        self.index = vec![Vec::new(); falco_abi::EVENT_COUNT];
        for (i, r) in self.rules.iter().enumerate() {
            if !r.enabled || r.priority > self.min_priority {
                continue;
            }
            let codes = r.events.iter();
            for code in codes.filter(|&c| !falco_abi::EVENTS[c as usize].is_syscall_enter()) {
                self.index[code as usize].push(i as u32);
            }
        }
    }

    /// Enables or disables the rules whose name matches `pattern` (`*` and
    /// `?` wildcards, as Falco allows). Returns how many matched.
    pub fn enable_by_name(&mut self, pattern: &str, enabled: bool) -> usize {
        let mut n = 0;
        for r in self
            .rules
            .iter_mut()
            .filter(|r| operand::glob(pattern.as_bytes(), r.name.as_bytes()))
        {
            r.enabled = enabled;
            n += 1;
        }
        self.reindex();
        n
    }

    /// Enables or disables the rules carrying `tag`.
    pub fn enable_by_tag(&mut self, tag: &str, enabled: bool) -> usize {
        let mut n = 0;
        for r in self.rules.iter_mut().filter(|r| r.tags.contains(tag)) {
            r.enabled = enabled;
            n += 1;
        }
        self.reindex();
        n
    }

    /// Sets the priority threshold.
    pub fn set_min_priority(&mut self, p: Priority) {
        self.min_priority = p;
        self.reindex();
    }

    /// Whether any enabled rule can match events of `code`.
    pub fn has_rules_for(&self, code: u16) -> bool {
        self.index.get(code as usize).is_some_and(|r| !r.is_empty())
    }

    /// Whether the enabled rules need every event a rule can see (some
    /// rule has no event type restriction): the drivers must then send
    /// every system call.
    pub fn needs_every_event(&self) -> bool {
        self.index
            .iter()
            .enumerate()
            .all(|(code, rules)| !rules.is_empty() || falco_abi::EVENTS[code].is_syscall_enter())
    }

    /// The event codes any enabled rule can match (Falco's interesting
    /// event set, for the drivers' filters).
    pub fn event_codes(&self) -> EventSet {
        let mut s = EventSet::empty();
        for (code, rules) in self.index.iter().enumerate() {
            if !rules.is_empty() {
                s.insert(code as u16);
            }
        }
        s
    }

    /// The rules that match event `ev` of code `code`, in rule order (only
    /// the first with `Matching::First`, unless `count_shadowed`). `out`
    /// receives rule indices.
    pub fn matching<'a>(
        &self,
        code: u16,
        ev: &S::Event<'a>,
        sc: &mut Scratch<'a>,
        out: &mut Vec<usize>,
    ) {
        out.clear();
        sc.begin_event();
        let Some(ids) = self.index.get(code as usize) else {
            return;
        };
        for &i in ids {
            let r = &self.rules[i as usize];
            if r.condition.eval(&self.source, ev, sc) {
                out.push(i as usize);
                if self.matching == Matching::First && !self.count_shadowed {
                    return;
                }
            }
        }
    }
}

impl<S: FieldSource> CompiledRuleset<S> {
    /// What `matching` found, split into the rules that alert and the
    /// rules a first match hides (`Matching::First` with
    /// `count_shadowed`; empty otherwise).
    pub fn split_alerting<'o>(&self, out: &'o [usize]) -> (&'o [usize], &'o [usize]) {
        match self.matching {
            Matching::First => out.split_at(out.len().min(1)),
            Matching::All => (out, &[]),
        }
    }
}

/// Keeps one scratch allocation across events whose values borrow
/// different data: empties it and re-types it to the next event's lifetime.
#[derive(Default)]
pub struct ScratchPool {
    values: Vec<FieldValue<'static>>,
    memo: Vec<node::Memo>,
    shared: Vec<(u64, bool)>,
    epoch: u64,
    buf: String,
}

impl std::fmt::Debug for ScratchPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScratchPool").finish()
    }
}

impl ScratchPool {
    /// The scratch space for one event.
    pub fn take<'a>(&mut self) -> Scratch<'a> {
        Scratch {
            values: std::mem::take(&mut self.values).into_iter().collect(),
            memo: std::mem::take(&mut self.memo),
            shared: std::mem::take(&mut self.shared),
            epoch: self.epoch,
            buf: std::mem::take(&mut self.buf),
        }
    }

    /// Returns the space after the event (values dropped, capacity kept).
    pub fn put(&mut self, mut sc: Scratch<'_>) {
        sc.values.clear();
        self.values = sc.values.into_iter().map(FieldValue::into_owned).collect();
        self.memo = sc.memo;
        self.shared = sc.shared;
        self.epoch = sc.epoch;
        self.buf = sc.buf;
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod upstream_tests;
