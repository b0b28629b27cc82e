//! Whether a condition can be true at all, judged from its tree only: the
//! load-time lint's analysis (see `lint.rs`). It answers "provably never
//! true" or "don't know", never "true": when in doubt (an operator it does
//! not model, a field it knows nothing about, alternatives that only a
//! case-by-case search would rule out) it assumes the condition can hold.
//! It runs at load only, in time about linear in the condition's size
//! times the number of its `or`s that collapse (see [`Satisfy::refute`]).
//!
//! The checks of one conjunction are gathered per field (same name, same
//! argument, same transformers); negations are pushed down to the checks.
//! What a field's checks tell, as the compiled condition evaluates them
//! (`compiler/node.rs`):
//! - every comparison is false on an event without the field, so any
//!   comparison means "present", and `not x exists` means "absent";
//! - `x op v` and `not x op v` never hold together, whatever `op` is and
//!   however many values `x` has; `x != v` is `x` present and not `x = v`;
//! - with a [`ValueKind`] for the field (one value, compared as text or
//!   as an integer; `compiler/catalog.rs` says which syscall fields have
//!   one): `=`, `in`, `<`, `<=`, `>`, `>=` bound that value, and bounds
//!   with nothing in common contradict each other.

use crate::compiler::catalog::ValueKind;
use crate::compiler::operand::parse_num;
use crate::condition::ast::{BinaryOp, Expr, ExprKind, FieldExpr, UnaryOp, Value};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Why a conjunction can never hold: the field whose checks contradict
/// each other, and the global offset of the check that completed the
/// contradiction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conflict {
    pub field: String,
    pub at: usize,
}

/// The analysis, with what it may assume about the values of a field
/// (by name, as written without argument or transformer).
#[derive(Clone, Copy)]
pub(crate) struct Satisfy {
    pub value_kind: fn(&str) -> Option<ValueKind>,
}

/// An expression to take as true, negated or not.
type Item<'e> = (&'e Expr, bool);

impl Satisfy {
    /// A conflict when `all` (every expression must hold) can never hold.
    /// Expressions are taken in order, so the conflict points at a check
    /// of the last one that takes part in it.
    ///
    /// Alternatives are not searched (that is exponential): an
    /// alternative is dropped when it contradicts what the conjunction
    /// surely says, an `or` left with one alternative says that one
    /// surely, and one left with none is the contradiction. An `or` with
    /// two live alternatives is assumed to hold.
    pub fn refute(&self, all: &[&Expr]) -> Option<Conflict> {
        let mut todo: Vec<Item<'_>> = all.iter().rev().map(|e| (*e, false)).collect();
        let mut facts = Facts::default();
        let mut splits = Vec::new();
        loop {
            if let Some(conflict) = self.take(&mut todo, &mut facts, &mut splits) {
                return Some(conflict);
            }
            let mut open = Vec::new();
            for split in splits.drain(..) {
                let mut last = None;
                let mut live = Vec::new();
                for alternative in alternatives(split) {
                    match self.dies(alternative, &facts) {
                        Some(conflict) => last = Some(conflict),
                        None => live.push(alternative),
                    }
                }
                match live.len() {
                    0 => return last,
                    1 => todo.push(live[0]),
                    _ => open.push(split),
                }
            }
            if todo.is_empty() {
                return None;
            }
            splits = open;
        }
    }

    /// Takes the checks of the conjunction `todo` into `facts`, setting
    /// its alternatives aside in `splits`; the conflict when the checks
    /// contradict each other.
    fn take<'e>(
        &self,
        todo: &mut Vec<Item<'e>>,
        facts: &mut Facts,
        splits: &mut Vec<Item<'e>>,
    ) -> Option<Conflict> {
        while let Some((e, negated)) = todo.pop() {
            match (&e.kind, negated) {
                (ExprKind::And(xs), false) | (ExprKind::Or(xs), true) => {
                    todo.extend(xs.iter().rev().map(|x| (x, negated)))
                }
                (ExprKind::And(_), true) | (ExprKind::Or(_), false) => splits.push((e, negated)),
                (ExprKind::Not(x), _) => todo.push((x, !negated)),
                // An unresolved macro could be anything.
                (ExprKind::MacroRef(_), _) => {}
                (ExprKind::Compare { .. } | ExprKind::Unary { .. }, _) => {
                    let Some((key, kind)) = check_key(e, self.value_kind) else {
                        continue;
                    };
                    let field = facts.0.entry(key.clone()).or_default();
                    if field.add(None, e, negated, kind) {
                        return Some(Conflict {
                            field: key,
                            at: e.pos.offset,
                        });
                    }
                }
            }
        }
        None
    }

    /// Whether the alternative `item` contradicts `facts`: its own
    /// conjunction of checks only (its inner alternatives are assumed to
    /// hold), gathered apart from `facts`.
    fn dies(&self, item: Item<'_>, facts: &Facts) -> Option<Conflict> {
        let mut touched: HashMap<String, FieldFacts> = HashMap::new();
        let mut todo = vec![item];
        while let Some((e, negated)) = todo.pop() {
            match (&e.kind, negated) {
                (ExprKind::And(xs), false) | (ExprKind::Or(xs), true) => {
                    todo.extend(xs.iter().rev().map(|x| (x, negated)))
                }
                (ExprKind::Not(x), _) => todo.push((x, !negated)),
                (ExprKind::Compare { .. } | ExprKind::Unary { .. }, _) => {
                    let Some((key, kind)) = check_key(e, self.value_kind) else {
                        continue;
                    };
                    let under = facts.0.get(&key);
                    let field = touched.entry(key.clone()).or_default();
                    if field.add(under, e, negated, kind) {
                        return Some(Conflict {
                            field: key,
                            at: e.pos.offset,
                        });
                    }
                }
                _ => {}
            }
        }
        None
    }
}

/// The alternatives of an `or` (or of a negated `and`), negated as it is.
fn alternatives<'e>((e, negated): Item<'e>) -> Vec<Item<'e>> {
    match &e.kind {
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().map(|x| (x, negated)).collect(),
        _ => vec![(e, negated)],
    }
}

/// The field key of a check and what is known of its values.
fn check_key(
    e: &Expr,
    value_kind: fn(&str) -> Option<ValueKind>,
) -> Option<(String, Option<ValueKind>)> {
    let lhs = match &e.kind {
        ExprKind::Compare { lhs, .. } | ExprKind::Unary { lhs, .. } => lhs,
        _ => return None,
    };
    let kind = match lhs {
        FieldExpr::Field(f) if f.arg.is_none() => value_kind(&f.name),
        _ => None,
    };
    Some((field_key(lhs), kind))
}

/// The keys of every field `e` checks (left-hand sides), to tell cheaply
/// whether two expressions can constrain each other at all.
pub(crate) fn checked_fields(e: &Expr) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::And(xs) | ExprKind::Or(xs) => stack.extend(xs),
            ExprKind::Not(x) => stack.push(x),
            ExprKind::Compare { lhs, .. } | ExprKind::Unary { lhs, .. } => {
                out.insert(field_key(lhs));
            }
            ExprKind::MacroRef(_) => {}
        }
    }
    out
}

/// The key checks on the same value share: the field with its argument
/// and transformers, as written.
fn field_key(f: &FieldExpr) -> String {
    match f {
        FieldExpr::Field(field) => match &field.arg {
            Some(arg) => format!("{}[{}]", field.name, arg.value),
            None => field.name.clone(),
        },
        FieldExpr::Transform { kind, inner, .. } => {
            format!("{}({})", kind.as_str(), field_key(inner))
        }
    }
}

/// The literal operands of a comparison, or `None` for a field operand.
fn operands(rhs: &Value) -> Option<Vec<Vec<u8>>> {
    match rhs {
        Value::Str(lit) => Some(vec![lit.bytes.clone()]),
        Value::List { items, .. } => Some(items.iter().map(|i| i.bytes.clone()).collect()),
        // A list name the loader did not know stands for itself.
        Value::ListRef { name, .. } => Some(vec![name.as_bytes().to_vec()]),
        Value::Field(_) => None,
    }
}

/// A value of a single-valued field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Val {
    Int(i128),
    Text(Vec<u8>),
}

fn val(kind: ValueKind, bytes: &[u8]) -> Option<Val> {
    match kind {
        ValueKind::Text => Some(Val::Text(bytes.to_vec())),
        ValueKind::Integer => parse_num(std::str::from_utf8(bytes).ok()?).map(Val::Int),
    }
}

/// A set of values: exactly some, or a range (integers from `lo` to `hi`;
/// every text) without some.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Set {
    Only(BTreeSet<Val>),
    Range {
        lo: i128,
        hi: i128,
        except: BTreeSet<Val>,
    },
}

impl Set {
    fn all() -> Set {
        Set::Range {
            lo: i128::MIN,
            hi: i128::MAX,
            except: BTreeSet::new(),
        }
    }

    fn all_but(values: BTreeSet<Val>) -> Set {
        Set::Range {
            lo: i128::MIN,
            hi: i128::MAX,
            except: values,
        }
    }

    fn between(lo: i128, hi: i128) -> Set {
        Set::Range {
            lo,
            hi,
            except: BTreeSet::new(),
        }
    }

    fn contains(&self, v: &Val) -> bool {
        match self {
            Set::Only(values) => values.contains(v),
            Set::Range { lo, hi, except } => {
                !except.contains(v) && !matches!(v, Val::Int(n) if n < lo || n > hi)
            }
        }
    }

    fn intersect(&self, other: &Set) -> Set {
        match (self, other) {
            (Set::Only(values), set) | (set, Set::Only(values)) => {
                Set::Only(values.iter().filter(|v| set.contains(v)).cloned().collect())
            }
            (
                Set::Range { lo, hi, except },
                Set::Range {
                    lo: lo2,
                    hi: hi2,
                    except: except2,
                },
            ) => Set::Range {
                lo: *lo.max(lo2),
                hi: *hi.min(hi2),
                except: except.union(except2).cloned().collect(),
            },
        }
    }

    fn is_empty(&self, kind: ValueKind) -> bool {
        match self {
            Set::Only(values) => values.is_empty(),
            Set::Range { lo, hi, .. } if lo > hi => true,
            // Texts: no finite list of exceptions covers them all.
            Set::Range { .. } if kind == ValueKind::Text => false,
            Set::Range { lo, hi, except } => {
                let inside = except
                    .iter()
                    .filter(|v| matches!(v, Val::Int(n) if n >= lo && n <= hi))
                    .count();
                hi.checked_sub(*lo)
                    .and_then(|span| span.checked_add(1))
                    .is_some_and(|size| size == inside as i128)
            }
        }
    }
}

/// A check as written: operator and literal operands.
type Test = (BinaryOp, Vec<Vec<u8>>);

/// What the checks so far say about one field.
#[derive(Debug, Clone)]
struct FieldFacts {
    present: bool,
    absent: bool,
    /// Checks known true and checks known false.
    holds: HashSet<Test>,
    fails: HashSet<Test>,
    /// With a value kind: the set the value lies in, if there is one.
    within: Set,
}

impl Default for FieldFacts {
    fn default() -> Self {
        FieldFacts {
            present: false,
            absent: false,
            holds: HashSet::new(),
            fails: HashSet::new(),
            within: Set::all(),
        }
    }
}

/// What the checks so far say, per field key.
#[derive(Debug, Clone, Default)]
struct Facts(HashMap<String, FieldFacts>);

impl FieldFacts {
    /// Adds the check `e` (negated or not) on this field; true when the
    /// field's checks, with those of `under` (what the conjunction around
    /// an alternative says, kept apart so that trying the alternative
    /// copies nothing), can no longer all hold.
    fn add(
        &mut self,
        under: Option<&FieldFacts>,
        e: &Expr,
        negated: bool,
        kind: Option<ValueKind>,
    ) -> bool {
        let mut held = Vec::new();
        let mut failed = Vec::new();
        match &e.kind {
            ExprKind::Unary {
                op: UnaryOp::Exists,
                ..
            } => {
                if negated {
                    self.absent = true;
                } else {
                    self.present = true;
                }
            }
            ExprKind::Compare { op, rhs, .. } => {
                if !negated {
                    // Any comparison is false without the field.
                    self.present = true;
                }
                if let Some(items) = operands(rhs) {
                    if let Some(set) = kind.and_then(|k| bound(k, *op, negated, &items)) {
                        self.within = self.within.intersect(&set);
                    }
                    if negated {
                        failed.push((*op, items));
                    } else {
                        if *op == BinaryOp::Ne && items.len() == 1 {
                            failed.push((BinaryOp::Eq, items.clone()));
                        }
                        held.push((*op, items));
                    }
                }
            }
            _ => {}
        }
        let holds = |t: &Test| self.holds.contains(t) || under.is_some_and(|u| u.holds.contains(t));
        let fails = |t: &Test| self.fails.contains(t) || under.is_some_and(|u| u.fails.contains(t));
        let clash = held.iter().any(fails) || failed.iter().any(holds);
        self.holds.extend(held);
        self.fails.extend(failed);
        let present = self.present || under.is_some_and(|u| u.present);
        let absent = self.absent || under.is_some_and(|u| u.absent);
        if clash || (present && absent) {
            return true;
        }
        // A negated check also holds when the field is absent, so the set
        // alone decides only once a check says the field is there.
        let Some(kind) = kind.filter(|_| present) else {
            return false;
        };
        match under {
            Some(u) => u.within.intersect(&self.within).is_empty(kind),
            None => self.within.is_empty(kind),
        }
    }
}

/// The set a single value lies in when `x op items` holds (or, negated,
/// fails); `None` for what is not modelled (other operators, `not x !=
/// v`, literals that are not values of the kind).
fn bound(kind: ValueKind, op: BinaryOp, negated: bool, items: &[Vec<u8>]) -> Option<Set> {
    let values = || -> Option<BTreeSet<Val>> { items.iter().map(|i| val(kind, i)).collect() };
    let number = || match values()?.into_iter().next()? {
        Val::Int(n) if items.len() == 1 => Some(n),
        _ => None,
    };
    let set = match (op, negated) {
        (BinaryOp::Eq | BinaryOp::In, false) => Set::Only(values()?),
        (BinaryOp::Eq | BinaryOp::In, true) | (BinaryOp::Ne, false) => Set::all_but(values()?),
        // `not x != v`: absent, or `x = v`; the set alone cannot say.
        (BinaryOp::Ne, true) => return None,
        (BinaryOp::Lt, false) | (BinaryOp::Ge, true) => {
            Set::between(i128::MIN, number()?.checked_sub(1)?)
        }
        (BinaryOp::Le, false) | (BinaryOp::Gt, true) => Set::between(i128::MIN, number()?),
        (BinaryOp::Gt, false) | (BinaryOp::Le, true) => {
            Set::between(number()?.checked_add(1)?, i128::MAX)
        }
        (BinaryOp::Ge, false) | (BinaryOp::Lt, true) => Set::between(number()?, i128::MAX),
        _ => return None,
    };
    Some(set)
}
