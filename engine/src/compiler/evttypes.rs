//! Which event codes a condition can match, so the ruleset can be indexed
//! by event type: an event only meets the rules that can match it.
//!
//! `evt.type = open` stands for every event code named `open` (enter and
//! exit, all versions); generic events stand for the syscalls Falco shows
//! under their own names. Conditions are analysed as sets: `and`
//! intersects, `or` unites, `not` complements — a check on another field
//! can match any event type, and so can its negation.

use crate::condition::ast::{BinaryOp, Expr, ExprKind, FieldExpr, Value};
use falco_abi::{EventCode, EVENTS, EVENT_COUNT};

const WORDS: usize = EVENT_COUNT.div_ceil(64);

/// A set of event codes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EventSet([u64; WORDS]);

impl EventSet {
    pub const fn empty() -> EventSet {
        EventSet([0; WORDS])
    }

    pub fn all() -> EventSet {
        let mut s = EventSet::empty();
        for c in 0..EVENT_COUNT {
            s.insert(c as u16);
        }
        s
    }

    pub fn insert(&mut self, code: u16) {
        if (code as usize) < EVENT_COUNT {
            self.0[code as usize / 64] |= 1 << (code % 64);
        }
    }

    pub fn contains(&self, code: u16) -> bool {
        (code as usize) < EVENT_COUNT && self.0[code as usize / 64] & (1 << (code % 64)) != 0
    }

    pub fn union(mut self, o: &EventSet) -> EventSet {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a |= b;
        }
        self
    }

    pub fn intersect(mut self, o: &EventSet) -> EventSet {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a &= b;
        }
        self
    }

    pub fn complement(&self) -> EventSet {
        let mut s = EventSet::all();
        for (a, b) in s.0.iter_mut().zip(self.0) {
            *a &= !b;
        }
        s
    }

    pub fn is_all(&self) -> bool {
        *self == EventSet::all()
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        (0..EVENT_COUNT as u16).filter(move |c| self.contains(*c))
    }

    /// Event names of the codes in the set, sorted and deduplicated
    /// (generic events under the name `syscall`).
    pub fn names(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self
            .iter()
            .map(|c| EVENTS[c as usize].name)
            .filter(|n| *n != "NA")
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// Every event code named `name`, plus the generic events when `name` is a
/// syscall without events of its own.
pub fn codes_named(name: &str) -> EventSet {
    let mut s = EventSet::empty();
    for e in EVENTS {
        if e.name == name {
            s.insert(e.code);
        }
    }
    if s.is_empty() && falco_abi::syscalls::PPM_SC.iter().any(|sc| sc.name == name) {
        s.insert(EventCode::GENERIC_E as u16);
        s.insert(EventCode::GENERIC_X as u16);
    }
    s
}

pub(crate) fn is_evt_type(lhs: &FieldExpr) -> bool {
    matches!(lhs, FieldExpr::Field(f) if f.name == "evt.type" && f.arg.is_none())
}

fn literal_names(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Str(l) => Some(vec![String::from_utf8_lossy(&l.bytes).into_owned()]),
        Value::List { items, .. } => Some(
            items
                .iter()
                .map(|l| String::from_utf8_lossy(&l.bytes).into_owned())
                .collect(),
        ),
        _ => None,
    }
}

/// The event codes `e` can be true for.
pub fn event_set(e: &Expr) -> EventSet {
    match &e.kind {
        ExprKind::And(xs) => xs
            .iter()
            .fold(EventSet::all(), |acc, x| acc.intersect(&event_set(x))),
        ExprKind::Or(xs) => xs
            .iter()
            .fold(EventSet::empty(), |acc, x| acc.union(&event_set(x))),
        ExprKind::Not(x) => {
            // `not evt.type = open` excludes open; `not <other check>`
            // constrains nothing.
            match &x.kind {
                ExprKind::Compare {
                    lhs,
                    op: BinaryOp::Eq | BinaryOp::In,
                    rhs,
                } if is_evt_type(lhs) => positive(rhs)
                    .map(|s| s.complement())
                    .unwrap_or_else(EventSet::all),
                ExprKind::Compare { .. } | ExprKind::Unary { .. } | ExprKind::MacroRef(_) => {
                    EventSet::all()
                }
                _ => event_set(x).complement().union(&not_exact(x)),
            }
        }
        ExprKind::Compare { lhs, op, rhs } if is_evt_type(lhs) => match op {
            BinaryOp::Eq | BinaryOp::In => positive(rhs).unwrap_or_else(EventSet::all),
            BinaryOp::Ne => positive(rhs)
                .map(|s| s.complement())
                .unwrap_or_else(EventSet::all),
            _ => EventSet::all(),
        },
        _ => EventSet::all(),
    }
}

/// For `not (compound)`: the codes where the compound may be false despite
/// its event types (its other checks can fail anywhere it applies).
fn not_exact(e: &Expr) -> EventSet {
    if mentions_only_evt_type(e) {
        EventSet::empty()
    } else {
        event_set(e)
    }
}

fn mentions_only_evt_type(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().all(mentions_only_evt_type),
        ExprKind::Not(x) => mentions_only_evt_type(x),
        ExprKind::Compare { lhs, .. } => is_evt_type(lhs),
        _ => false,
    }
}

pub(crate) fn positive(rhs: &Value) -> Option<EventSet> {
    let names = literal_names(rhs)?;
    Some(
        names
            .iter()
            .fold(EventSet::empty(), |acc, n| acc.union(&codes_named(n))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_condition;

    fn names(c: &str) -> Vec<&'static str> {
        event_set(&parse_condition(c).unwrap()).names()
    }

    #[test]
    fn equality_and_lists_select_named_events() {
        assert_eq!(names("evt.type = execve"), ["execve"]);
        assert_eq!(
            names("evt.type in (open, openat) and fd.name = /etc"),
            ["open", "openat"]
        );
        assert_eq!(
            names("evt.type = open or evt.type = connect"),
            ["connect", "open"]
        );
        // Generic syscalls come through the generic event.
        assert_eq!(names("evt.type = arch_prctl"), ["syscall"]);
    }

    #[test]
    fn negations_complement() {
        let s = event_set(&parse_condition("evt.type != open").unwrap());
        assert!(!s.contains(EventCode::SYSCALL_OPEN_X as u16));
        assert!(s.contains(EventCode::SYSCALL_OPENAT_2_X as u16));
        let s = event_set(&parse_condition("not evt.type in (open, openat)").unwrap());
        assert!(
            !s.contains(EventCode::SYSCALL_OPENAT_2_X as u16)
                && s.contains(EventCode::SYSCALL_CLOSE_X as u16)
        );
        // A negated check on another field says nothing about event types.
        assert!(event_set(&parse_condition("not proc.name = bash").unwrap()).is_all());
        // not (evt.type = open and proc.name = bash) can be true on open too.
        let s = event_set(&parse_condition("not (evt.type = open and proc.name = bash)").unwrap());
        assert!(s.contains(EventCode::SYSCALL_OPEN_X as u16) && s.is_all());
        assert!(event_set(&parse_condition("proc.name = bash").unwrap()).is_all());
    }
}
