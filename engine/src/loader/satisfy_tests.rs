//! The unsatisfiability analysis on parsed conditions: what it proves
//! impossible, and near misses it must leave alone.

use super::satisfy::{Conflict, Satisfy};
use crate::compiler::catalog::syscall_value_kind;
use crate::parse_condition;

/// The conflict found in `condition`, with the syscall fields' kinds.
fn refute(condition: &str) -> Option<Conflict> {
    let expr = parse_condition(condition).unwrap();
    Satisfy {
        value_kind: syscall_value_kind,
    }
    .refute(&[&expr])
}

/// Whether `condition` is refuted, and on which field.
fn field_of(condition: &str) -> Option<String> {
    refute(condition).map(|c| c.field)
}

#[test]
fn two_values_of_one_single_valued_field() {
    let conflict = refute("evt.type = open and proc.name = a and proc.name = b").unwrap();
    assert_eq!(conflict.field, "proc.name");
    // At the check that completed the contradiction.
    assert_eq!(conflict.at, "evt.type = open and proc.name = a and ".len());
    assert_eq!(
        field_of("proc.name in (a, b) and proc.name in (c)").as_deref(),
        Some("proc.name")
    );
    assert_eq!(
        field_of("evt.type = open and evt.type = execve").as_deref(),
        Some("evt.type")
    );
}

#[test]
fn integer_bounds() {
    assert_eq!(
        field_of("fd.num > 5 and fd.num < 3").as_deref(),
        Some("fd.num")
    );
    // Literals are numbers: 0x5 is 5.
    assert!(field_of("fd.num = 0x5 and fd.num != 5").is_some());
    assert!(field_of("fd.num = 0x5 and fd.num = 6").is_some());
    // Every integer from 3 to 4 excluded.
    assert!(field_of("fd.num >= 3 and fd.num <= 4 and fd.num != 3 and fd.num != 4").is_some());
    // Near misses.
    assert_eq!(field_of("fd.num > 5 and fd.num < 7"), None);
    assert_eq!(field_of("fd.num = 0x5 and fd.num = 5"), None);
    assert_eq!(
        field_of("fd.num >= 3 and fd.num <= 4 and fd.num != 3"),
        None
    );
}

#[test]
fn a_check_and_its_negation() {
    assert!(field_of("proc.name = a and proc.name != a").is_some());
    assert!(field_of("not proc.name = a and proc.name = a").is_some());
    assert!(field_of("proc.name = a and not proc.name in (a, b)").is_some());
    assert!(field_of("proc.name != a and not proc.name != a").is_some());
    // Without anything known about the field: only the very same check.
    assert!(field_of("k.x = 1 and k.x != 1").is_some());
    assert!(field_of("k.x contains y and not k.x contains y").is_some());
    assert_eq!(field_of("k.x = 1 and k.x = 2"), None);
    assert_eq!(field_of("k.x = 1 and not k.x in (1, 2)"), None);
}

#[test]
fn absent_fields() {
    assert!(field_of("not proc.name exists and proc.name contains x").is_some());
    assert!(field_of("proc.name != a and not proc.name exists").is_some());
    // A negated check holds on an event without the field.
    assert_eq!(field_of("not proc.name = a and not proc.name exists"), None);
    assert_eq!(field_of("not fd.num > 5 and not fd.num <= 5"), None);
    assert!(field_of("not fd.num > 5 and not fd.num <= 5 and fd.num exists").is_some());
}

#[test]
fn alternatives_must_all_fail() {
    assert!(field_of("(proc.name = a or proc.name = b) and proc.name = c").is_some());
    assert!(
        field_of("proc.name = a and not (proc.name != a or fd.num = 1) and proc.name = b")
            .is_some()
    );
    assert_eq!(field_of("proc.name = a or proc.name = b"), None);
    assert_eq!(
        field_of("(proc.name = a or proc.name = c) and proc.name = c"),
        None
    );
    // An exception on two fields can fail on the other one.
    assert_eq!(
        field_of("proc.name = a and not (proc.name = a and fd.name = /x)"),
        None
    );
}

#[test]
fn what_it_leaves_alone() {
    // Several values: any ancestor, either end of a socket.
    assert_eq!(field_of("proc.aname = a and proc.aname = b"), None);
    assert_eq!(field_of("fd.ip = 1.1.1.1 and fd.ip = 2.2.2.2"), None);
    // Ports take service names: `ssh` may be 22.
    assert_eq!(field_of("fd.sport = ssh and fd.sport = 22"), None);
    // Other fields, transformers, case-insensitive operators.
    assert_eq!(field_of("proc.name = a and proc.pname = b"), None);
    assert_eq!(field_of("tolower(proc.name) = a and proc.name = A"), None);
    assert_eq!(field_of("proc.name icontains A and proc.name = a"), None);
    assert_eq!(
        field_of("proc.name = a and proc.name = val(proc.pname)"),
        None
    );
    assert_eq!(field_of("not proc.name = a and not proc.name = b"), None);
    // A macro the loader did not expand could be anything.
    assert_eq!(field_of("m and proc.name = a"), None);
}

#[test]
fn no_case_by_case_search() {
    // Pigeonhole: k + 1 alternatives `(f1 = i or ... or fk = i)` over k
    // single-valued fields can never all hold, but only trying every
    // combination shows it (exponential): the analysis does not, and
    // assumes the condition can hold.
    let fields = ["proc.name", "proc.pname", "proc.exe", "proc.exepath"];
    let pigeonhole = |k: usize| {
        (0..=k)
            .map(|i| {
                let alternatives: Vec<String> =
                    fields[..k].iter().map(|f| format!("{f} = v{i}")).collect();
                format!("({})", alternatives.join(" or "))
            })
            .collect::<Vec<_>>()
            .join(" and ")
    };
    assert_eq!(field_of(&pigeonhole(2)), None);
    // `or`s that collapse to one alternative each (fd.num is 2) say
    // proc.name is both a and b.
    assert_eq!(
        field_of("(proc.name = a or fd.num = 1) and fd.num = 2 and (proc.name = b or fd.num = 3)")
            .as_deref(),
        Some("proc.name")
    );
}

#[test]
fn large_conditions_stay_cheap() {
    // Hundreds of independent alternatives, as expanded upstream macros
    // have: one pass each.
    let parts: Vec<String> = (0..400)
        .map(|i| format!("(proc.pname = p{i} or proc.cmdline = c{i} or fd.num = {i})"))
        .collect();
    let condition = parts.join(" and ") + " and proc.name = a";
    let started = std::time::Instant::now();
    assert_eq!(field_of(&condition), None);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
