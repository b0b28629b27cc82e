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
use std::collections::BTreeSet;
use std::sync::OnceLock;

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

    /// How many codes the set holds (enter and exit counted apart).
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
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
/// syscall without events of its own, plus the async event when `name` is
/// one an async event goes by.
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
    if ASYNC_NAMES.contains(&name) {
        s.insert(EventCode::ASYNCEVENT_E as u16);
    }
    s
}

/// Whether `name` is one `evt.type` can take: an event's, a syscall's or
/// an async event's. libsinsp refuses any other ("unknown event type").
pub fn is_known_type_name(name: &str) -> bool {
    !codes_named(name).is_empty()
}

/// The names async events go by (Falco's container plugin's), which an
/// `evt.type` check also matches on an async event of that name.
pub const ASYNC_NAMES: &[&str] = &[
    falco_sinsp::state::containers::ASYNC_ADDED,
    falco_sinsp::state::containers::ASYNC_REMOVED,
];

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

/// A set of event types a condition can match, as Falco's resolvers
/// analyse it: by event code ([`EventSet`]) or by the name of a syscall
/// without events of its own ([`GenericSyscalls`]).
pub trait TypeSet: Sized {
    fn all() -> Self;
    fn empty() -> Self;
    fn union(self, o: &Self) -> Self;
    fn intersect(self, o: &Self) -> Self;
    fn complement(&self) -> Self;
    /// What `evt.type = name` selects.
    fn named(name: &str) -> Self;
}

impl TypeSet for EventSet {
    fn all() -> Self {
        EventSet::all()
    }
    fn empty() -> Self {
        EventSet::empty()
    }
    fn union(self, o: &Self) -> Self {
        EventSet::union(self, o)
    }
    fn intersect(self, o: &Self) -> Self {
        EventSet::intersect(self, o)
    }
    fn complement(&self) -> Self {
        EventSet::complement(self)
    }
    fn named(name: &str) -> Self {
        codes_named(name)
    }
}

/// The event codes `e` can be true for.
pub fn event_set(e: &Expr) -> EventSet {
    type_set(e)
}

/// What `e` can be true for, in the terms of `T`. `and` intersects, `or`
/// unites, `not` complements; a check on another field constrains nothing.
pub fn type_set<T: TypeSet>(e: &Expr) -> T {
    match &e.kind {
        ExprKind::And(xs) => xs
            .iter()
            .fold(T::all(), |acc, x| acc.intersect(&type_set(x))),
        ExprKind::Or(xs) => xs.iter().fold(T::empty(), |acc, x| acc.union(&type_set(x))),
        ExprKind::Not(x) => {
            // `not evt.type = open` excludes open; `not <other check>`
            // constrains nothing.
            match &x.kind {
                ExprKind::Compare {
                    lhs,
                    op: BinaryOp::Eq | BinaryOp::In,
                    rhs,
                } if is_evt_type(lhs) => positive_in::<T>(rhs)
                    .map(|s| s.complement())
                    .unwrap_or_else(T::all),
                ExprKind::Compare { .. } | ExprKind::Unary { .. } | ExprKind::MacroRef(_) => {
                    T::all()
                }
                _ => type_set::<T>(x).complement().union(&not_exact::<T>(x)),
            }
        }
        ExprKind::Compare { lhs, op, rhs } if is_evt_type(lhs) => match op {
            BinaryOp::Eq | BinaryOp::In => positive_in(rhs).unwrap_or_else(T::all),
            BinaryOp::Ne => positive_in::<T>(rhs)
                .map(|s| s.complement())
                .unwrap_or_else(T::all),
            _ => T::all(),
        },
        _ => T::all(),
    }
}

/// For `not (compound)`: where the compound may be false despite its
/// event types (its other checks can fail anywhere it applies).
fn not_exact<T: TypeSet>(e: &Expr) -> T {
    if mentions_only_evt_type(e) {
        T::empty()
    } else {
        type_set(e)
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
    positive_in(rhs)
}

fn positive_in<T: TypeSet>(rhs: &Value) -> Option<T> {
    let names = literal_names(rhs)?;
    Some(
        names
            .iter()
            .fold(T::empty(), |acc, n| acc.union(&T::named(n))),
    )
}

/// The syscalls without events of their own (they come as the generic
/// `syscall` event): every `PPM_SC` name but the tracepoints and
/// `unknown`, and but the syscalls an event is named after.
fn generic_syscalls() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        const NOT_SYSCALLS: [&str; 6] = [
            "unknown",
            "sched_process_exit",
            "sched_switch",
            "page_fault_user",
            "page_fault_kernel",
            "signal_deliver",
        ];
        let mut names: Vec<&'static str> = falco_abi::syscalls::PPM_SC
            .iter()
            .map(|sc| sc.name)
            .filter(|name| !NOT_SYSCALLS.contains(name))
            .filter(|name| !EVENTS.iter().any(|e| e.name == *name))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    })
}

/// A set of generic syscalls (by name), for what Falco's `ppm_sc_codes`
/// adds to a rule's event names: `evt.type = mlock2` is the `syscall`
/// event to the event-code analysis, and `mlock2` to this one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenericSyscalls(BTreeSet<&'static str>);

impl GenericSyscalls {
    /// The names in the set, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().copied().collect()
    }
}

impl TypeSet for GenericSyscalls {
    fn all() -> Self {
        GenericSyscalls(generic_syscalls().iter().copied().collect())
    }
    fn empty() -> Self {
        GenericSyscalls(BTreeSet::new())
    }
    fn union(mut self, o: &Self) -> Self {
        self.0.extend(o.0.iter().copied());
        self
    }
    fn intersect(mut self, o: &Self) -> Self {
        self.0.retain(|n| o.0.contains(n));
        self
    }
    fn complement(&self) -> Self {
        GenericSyscalls(
            generic_syscalls()
                .iter()
                .copied()
                .filter(|n| !self.0.contains(n))
                .collect(),
        )
    }
    fn named(name: &str) -> Self {
        let mut set = Self::empty();
        if let Ok(i) = generic_syscalls().binary_search(&name) {
            set.0.insert(generic_syscalls()[i]);
        }
        set
    }
}

/// The event names Falco's `-L` lists for a condition of the `syscall`
/// source (`get_json_evt_types`): the names of the events it can match,
/// the generic syscalls it names (or all of them when unconstrained), and
/// `asyncevent`, which every syscall rule can see. Sorted.
pub fn describe_names(e: &Expr) -> Vec<&'static str> {
    let mut names = event_set(e).names();
    names.extend(type_set::<GenericSyscalls>(e).names());
    names.push(EVENTS[EventCode::ASYNCEVENT_E as usize].name);
    names.sort_unstable();
    names.dedup();
    names
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
    fn describe_names_are_falcos_event_list() {
        let names = |c: &str| describe_names(&parse_condition(c).unwrap());
        assert_eq!(
            names("evt.type in (execve, execveat) and evt.dir = <"),
            ["asyncevent", "execve", "execveat"]
        );
        // A generic syscall is both the `syscall` event and its own name.
        assert_eq!(
            names("evt.type in (open, arch_prctl)"),
            ["arch_prctl", "asyncevent", "open", "syscall"]
        );
        // Unconstrained: every event and every generic syscall, but no
        // tracepoint names.
        let all = names("proc.name = bash");
        for name in ["arch_prctl", "execve", "procexit", "syscall", "asyncevent"] {
            assert!(all.contains(&name), "{name}");
        }
        for name in ["sched_process_exit", "unknown", "NA"] {
            assert!(!all.contains(&name), "{name}");
        }
        let not_generic = type_set::<GenericSyscalls>(
            &parse_condition("not evt.type in (arch_prctl, open)").unwrap(),
        )
        .names();
        assert!(!not_generic.contains(&"arch_prctl") && !not_generic.contains(&"open"));
        assert!(not_generic.len() + 1 == GenericSyscalls::all().names().len());
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
