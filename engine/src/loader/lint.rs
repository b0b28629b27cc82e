//! Load-time lint of rules: conditions that can never be true
//! (`LOAD_NEVER_MATCHES`) and exception items that can never match an
//! event the rule condition accepts (`LOAD_EXCEPTION_NEVER_MATCHES`).
//! Falco has neither; the codes are ours. The analysis is `satisfy.rs`
//! plus, for the syscall source, the event-type sets of
//! `compiler/evttypes.rs`.
//!
//! Event types: a syscall rule whose condition selects no event code at
//! all is what Falco's own `LOAD_NO_EVTTYPE` reports (the compiler adds it
//! when the rule has `warn_evttypes`); that warning is left to say it, and
//! `LOAD_NEVER_MATCHES` reports such a rule only when `warn_evttypes:
//! false` silences it. Contradictions on other fields, or on `evt.type`
//! names the code sets cannot tell apart (two syscalls without events of
//! their own), are this lint's.

use super::codes::WarningCode;
use super::exceptions::ExceptionInfo;
use super::satisfy::{checked_fields, Satisfy};
use crate::compiler::catalog::syscall_value_kind;
use crate::compiler::evttypes::event_set;
use crate::condition::ast::{BinaryOp, Expr, ExprKind, Value};
use crate::condition::print_condition;

/// Where a finding points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum At {
    /// A check of the condition, by global offset.
    Condition(usize),
    /// An exception (by index in the rule's list), at the global offset
    /// of the values that never match.
    Exception { index: usize, at: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub code: WarningCode,
    pub message: String,
    pub at: At,
}

/// One assembled rule, as the lint sees it.
pub(crate) struct RuleLint<'a> {
    /// The condition with exceptions folded in, macros and lists expanded.
    pub expr: &'a Expr,
    pub exceptions: &'a [ExceptionInfo],
    /// Whether the rule is of the syscall source: event codes apply, and
    /// what is known of the syscall fields' values.
    pub syscall: bool,
    pub warn_evttypes: bool,
}

impl RuleLint<'_> {
    pub fn findings(&self) -> Vec<Finding> {
        let satisfy = Satisfy {
            value_kind: if self.syscall {
                syscall_value_kind
            } else {
                |_| None
            },
        };
        let conflict = satisfy.refute(&[self.expr]);
        let split = self.split();
        // The event types cost a walk of the whole tree: worked out only
        // when something below needs them.
        let needs_types = conflict.is_some() || !self.warn_evttypes || split.is_some();
        let types = (self.syscall && needs_types).then(|| event_set(self.expr));
        if types.is_some_and(|t| t.is_empty()) {
            if self.warn_evttypes {
                return Vec::new();
            }
            return vec![Finding {
                code: WarningCode::NeverMatches,
                message: "Rule can never match: no event type satisfies its evt.type checks"
                    .to_owned(),
                at: At::Condition(self.expr.pos.offset),
            }];
        }
        if let Some(conflict) = conflict {
            return vec![Finding {
                code: WarningCode::NeverMatches,
                message: format!(
                    "Rule can never match: its checks on {} contradict each other",
                    conflict.field
                ),
                at: At::Condition(conflict.at),
            }];
        }
        // The rule can fire: now each exception item against it.
        let Some((condition, clauses)) = split else {
            return Vec::new();
        };
        // Worked out once per rule, not per item: an item on fields the
        // condition never checks can only contradict itself.
        let condition_types = types.map(|_| event_set(condition));
        let condition_fields = checked_fields(condition);
        let mut out = Vec::new();
        for (index, clause) in clauses {
            let name = &self.exceptions[index].name;
            for (item, at) in items(clause, self.exceptions[index].fields.is_list) {
                // The event types of `a and b` are those of a and of b.
                let no_type = condition_types
                    .is_some_and(|types| types.intersect(&event_set(&item)).is_empty());
                let related = checked_fields(&item)
                    .iter()
                    .any(|f| condition_fields.contains(f));
                let conflict = if related {
                    satisfy.refute(&[condition, &item])
                } else {
                    satisfy.refute(&[&item])
                };
                let never = no_type || conflict.is_some();
                if never {
                    out.push(Finding {
                        code: WarningCode::ExceptionNeverMatches,
                        message: format!(
                            "Exception '{name}' can never match: '{}' is never true when the rule condition is",
                            print_condition(&item)
                        ),
                        at: At::Exception { index, at },
                    });
                }
            }
        }
        out
    }

    /// The rule's own condition and, per exception with values, its folded
    /// clause (the part under `not`), when the tree has the shape
    /// `fold_exceptions` gives it: `(condition) and not (...) and ...`.
    fn split(&self) -> Option<(&Expr, Vec<(usize, &Expr)>)> {
        let with_values: Vec<usize> = (0..self.exceptions.len())
            .filter(|&i| !self.exceptions[i].values.is_empty())
            .collect();
        if with_values.is_empty() {
            return None;
        }
        let ExprKind::And(children) = &self.expr.kind else {
            return None;
        };
        if children.len() != with_values.len() + 1 {
            return None;
        }
        let mut clauses = Vec::new();
        for (index, child) in with_values.into_iter().zip(&children[1..]) {
            let ExprKind::Not(clause) = &child.kind else {
                return None;
            };
            clauses.push((index, &**clause));
        }
        Some((&children[0], clauses))
    }
}

/// The items of a folded exception clause, each with the global offset of
/// its values: one per values tuple (`fields` a list), or one per value
/// (`fields` a single field: `f in (a, b)` is `f in (a)`, `f in (b)`).
fn items(clause: &Expr, fields_list: bool) -> Vec<(Expr, usize)> {
    if fields_list {
        let tuples = match &clause.kind {
            ExprKind::Or(tuples) => tuples.iter().collect(),
            _ => vec![clause],
        };
        return tuples
            .into_iter()
            .map(|t| (t.clone(), first_value_at(t).unwrap_or(t.pos.offset)))
            .collect();
    }
    match &clause.kind {
        ExprKind::Compare {
            lhs,
            op,
            rhs: Value::List { items, .. },
        } if *op == BinaryOp::In => items
            .iter()
            .map(|item| {
                let one = Expr {
                    kind: ExprKind::Compare {
                        lhs: lhs.clone(),
                        op: *op,
                        rhs: Value::List {
                            items: vec![item.clone()],
                            pos: item.pos,
                        },
                    },
                    pos: clause.pos,
                };
                (one, item.pos.offset)
            })
            .collect(),
        _ => vec![(
            clause.clone(),
            first_value_at(clause).unwrap_or(clause.pos.offset),
        )],
    }
}

/// Where the first compared value of `e` lies (a tuple's values are
/// folded in at the position of their YAML node).
fn first_value_at(e: &Expr) -> Option<usize> {
    match &e.kind {
        ExprKind::Compare { rhs, .. } => Some(rhs.pos().offset),
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().find_map(first_value_at),
        ExprKind::Not(x) => first_value_at(x),
        _ => None,
    }
}
