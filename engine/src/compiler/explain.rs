//! Why a rule matched an event, or why not: the rule's condition as a
//! tree (macros expanded, each expansion named by the macro it came from,
//! each exception clause by its exception), every node's result on the
//! event and every leaf's extracted value.
//!
//! Built only on request (`--explain`, `falco explain`): the leaves are
//! compiled on their own, once per rule, and evaluated without
//! short-circuits so that every leaf shows its value. The rules'
//! evaluation (`CompiledRuleset::matching`) never comes here.

use super::node::{Node, Scratch};
use super::{Compiler, Issue};
use crate::condition::ast::{Expr, ExprKind};
use crate::condition::print_condition;
use crate::loader::{Rule, Ruleset};
use falco_sinsp::field::FieldSource;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

/// Where part of a condition came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Macro(String),
    Exception(String),
}

/// A rule's condition, ready to explain events.
#[derive(Debug)]
pub struct Explainer<S: FieldSource> {
    pub rule: String,
    root: XNode<S>,
}

#[derive(Debug)]
struct XNode<S: FieldSource> {
    origin: Option<Origin>,
    kind: XKind<S>,
}

#[derive(Debug)]
enum XKind<S: FieldSource> {
    And(Vec<XNode<S>>),
    Or(Vec<XNode<S>>),
    Not(Box<XNode<S>>),
    /// A comparison or `exists`, as written, and compiled.
    Leaf(String, Node<S>),
}

/// One node of an explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub origin: Option<Origin>,
    /// `and`, `or`, `not`, or the leaf's text.
    pub text: String,
    pub result: bool,
    /// A leaf's extracted values (empty: the field has no value here).
    pub values: Option<Vec<String>>,
    pub children: Vec<Trace>,
}

/// The name of the macro, among `spans`, whose text holds `offset`.
fn macro_at(spans: &[(String, Vec<Range<usize>>)], offset: usize) -> Option<&str> {
    spans
        .iter()
        .find(|(_, ranges)| ranges.iter().any(|r| r.contains(&offset)))
        .map(|(name, _)| name.as_str())
}

struct Builder<'c, 's, S: FieldSource> {
    compiler: &'c Compiler<'s, S>,
    macros: Vec<(String, Vec<Range<usize>>)>,
    exceptions: &'c [(usize, String)],
}

impl<S: FieldSource> Builder<'_, '_, S> {
    /// Where `e` came from: an exception clause (its `not`), a macro, or
    /// the rule itself.
    fn origin_of(&self, e: &Expr) -> Option<Origin> {
        if let ExprKind::Not(_) = e.kind {
            if let Some((_, name)) = self.exceptions.iter().find(|(at, _)| *at == e.pos.offset) {
                return Some(Origin::Exception(name.clone()));
            }
        }
        macro_at(&self.macros, e.pos.offset).map(|m| Origin::Macro(m.to_owned()))
    }

    fn node(&self, e: &Expr, parent: Option<&Origin>) -> Result<XNode<S>, Issue> {
        let here = self.origin_of(e);
        // Only where the origin changes is it worth naming.
        let (origin, inherited) = match (&here, parent) {
            (Some(h), Some(p)) if h == p => (None, here.as_ref()),
            (None, p) => (None, p),
            (Some(_), _) => (here.clone(), here.as_ref()),
        };
        let kind = match &e.kind {
            ExprKind::And(xs) => XKind::And(self.all(xs, inherited)?),
            ExprKind::Or(xs) => XKind::Or(self.all(xs, inherited)?),
            ExprKind::Not(x) => XKind::Not(Box::new(self.node(x, inherited)?)),
            _ => XKind::Leaf(print_condition(e), self.compiler.unshared(e)?),
        };
        Ok(XNode { origin, kind })
    }

    fn all(&self, xs: &[Expr], parent: Option<&Origin>) -> Result<Vec<XNode<S>>, Issue> {
        xs.iter().map(|x| self.node(x, parent)).collect()
    }
}

impl<S: FieldSource> Explainer<S> {
    /// The explainer of `rule` (of `ruleset`, whose macros name the
    /// parts of its condition).
    pub fn new(rule: &Rule, ruleset: &Ruleset, src: &S) -> Result<Explainer<S>, Issue> {
        let slots = RefCell::new(HashMap::new());
        let shared = HashMap::new();
        let compiler = Compiler {
            src,
            slots: &slots,
            shared: &shared,
        };
        let builder = Builder {
            compiler: &compiler,
            macros: ruleset
                .macros
                .iter()
                .map(|m| (m.name.clone(), m.spans.clone()))
                .collect(),
            exceptions: &rule.exception_clauses,
        };
        Ok(Explainer {
            rule: rule.name.clone(),
            root: builder.node(&rule.condition, None)?,
        })
    }

    /// The explanation of the event `ev`.
    pub fn explain<'a>(&self, src: &S, ev: &S::Event<'a>) -> Trace {
        let mut sc = Scratch::default();
        sc.begin_event();
        trace(&self.root, src, ev, &mut sc)
    }
}

fn trace<'a, S: FieldSource>(
    n: &XNode<S>,
    src: &S,
    ev: &S::Event<'a>,
    sc: &mut Scratch<'a>,
) -> Trace {
    let (text, children, values, result) = match &n.kind {
        XKind::And(xs) | XKind::Or(xs) => {
            let children: Vec<Trace> = xs.iter().map(|x| trace(x, src, ev, sc)).collect();
            let result = if matches!(n.kind, XKind::And(_)) {
                children.iter().all(|c| c.result)
            } else {
                children.iter().any(|c| c.result)
            };
            let word = if matches!(n.kind, XKind::And(_)) {
                "and"
            } else {
                "or"
            };
            (word.to_owned(), children, None, result)
        }
        XKind::Not(x) => {
            let child = trace(x, src, ev, sc);
            let result = !child.result;
            ("not".to_owned(), vec![child], None, result)
        }
        XKind::Leaf(text, node) => {
            let result = node.eval(src, ev, sc);
            (
                text.clone(),
                Vec::new(),
                node.leaf_values(src, ev, sc),
                result,
            )
        }
    };
    Trace {
        origin: n.origin.clone(),
        text,
        result,
        values,
        children,
    }
}

impl Trace {
    /// How near the event came to matching, from 0 to 1: the share of an
    /// `and`'s parts that hold, the best part of an `or`, all or nothing
    /// for a leaf or a `not`.
    pub fn closeness(&self) -> f64 {
        if self.result {
            return 1.0;
        }
        match self.text.as_str() {
            "and" if !self.children.is_empty() => {
                self.children.iter().map(Trace::closeness).sum::<f64>() / self.children.len() as f64
            }
            "or" => self
                .children
                .iter()
                .map(Trace::closeness)
                .fold(0.0, f64::max),
            _ => 0.0,
        }
    }

    /// The path from this node to the part that made it false: the first
    /// false part of an `and`, the first part of an `or` (none held), down
    /// to a leaf or to a false `not` (whose part held). Empty when the
    /// node holds.
    pub fn failure_path(&self) -> Vec<&Trace> {
        let mut path = Vec::new();
        let mut at = self;
        while !at.result {
            path.push(at);
            match at.text.as_str() {
                "and" | "or" if !at.children.is_empty() => {
                    match at.children.iter().find(|c| !c.result) {
                        Some(c) => at = c,
                        None => break,
                    }
                }
                _ => break,
            }
        }
        path
    }

    /// What made this node false, in one line: the failing part (`not X`
    /// for a negation that found X true), its values, and the innermost
    /// macro or exception it sits in.
    pub fn failure(&self) -> Option<String> {
        let path = self.failure_path();
        let last = *path.last()?;
        let origin = path.iter().rev().find_map(|t| t.origin.as_ref());
        let mut line = String::new();
        match origin {
            Some(Origin::Macro(m)) => line.push_str(&format!("[macro {m}] ")),
            Some(Origin::Exception(e)) => line.push_str(&format!("[exception {e}] ")),
            None => {}
        }
        let (text, values) = match (last.text.as_str(), last.children.as_slice()) {
            ("not", [inner]) => (format!("not {}", inner.text), inner.values.as_ref()),
            _ => (last.text.clone(), last.values.as_ref()),
        };
        line.push_str(&shorten(&text));
        if let Some(v) = values {
            line.push_str(&format!("  <- {}", show_values(v)));
        }
        Some(line)
    }

    /// The tree as indented lines: each node's result, origin and, for a
    /// leaf, its values.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out, 0);
        out
    }

    fn render_into(&self, out: &mut String, depth: usize) {
        let _ = write!(out, "{:indent$}{} ", "", self.result, indent = depth * 2);
        match &self.origin {
            Some(Origin::Macro(m)) => {
                let _ = write!(out, "[macro {m}] ");
            }
            Some(Origin::Exception(e)) => {
                let _ = write!(out, "[exception {e}] ");
            }
            None => {}
        }
        out.push_str(&shorten(&self.text));
        if let Some(values) = &self.values {
            let _ = write!(out, "  <- {}", show_values(values));
        }
        out.push('\n');
        for c in &self.children {
            c.render_into(out, depth + 1);
        }
    }

    /// The tree as JSON: `result`, `macro`/`exception`, `node` or
    /// `condition`, `values`, `children`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("result".into(), self.result.into());
        match &self.origin {
            Some(Origin::Macro(n)) => {
                m.insert("macro".into(), n.as_str().into());
            }
            Some(Origin::Exception(n)) => {
                m.insert("exception".into(), n.as_str().into());
            }
            None => {}
        }
        if self.children.is_empty() {
            m.insert("condition".into(), self.text.as_str().into());
        } else {
            m.insert("node".into(), self.text.as_str().into());
        }
        if let Some(v) = &self.values {
            m.insert("values".into(), v.clone().into());
        }
        if !self.children.is_empty() {
            m.insert(
                "children".into(),
                self.children.iter().map(Trace::to_json).collect(),
            );
        }
        serde_json::Value::Object(m)
    }
}

/// Leaves longer than this print their start and `...`: long lists would
/// bury the tree (JSON keeps the whole text).
const SHOWN_CHARS: usize = 160;

fn shorten(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{} ...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A leaf's values as the explanation prints them.
pub fn show_values(values: &[String]) -> String {
    match values {
        [] => "<NA>".to_owned(),
        [v] => format!("{v:?}"),
        many => format!(
            "[{}]",
            many.iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
