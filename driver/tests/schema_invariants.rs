//! Invariants the event schema must keep whatever rows are added.

use falco_abi::{Category, Direction, EventCode, EventFlags, ParamAux, ParamType, EVENTS};
use std::collections::HashMap;

#[test]
fn enter_and_exit_alternate_and_pair_by_name() {
    for pair in EVENTS.chunks(2) {
        let (e, x) = (&pair[0], &pair[1]);
        assert_eq!(
            e.direction(),
            Direction::Enter,
            "{} should be an enter event",
            e.code
        );
        assert_eq!(
            x.direction(),
            Direction::Exit,
            "{} should be an exit event",
            x.code
        );
        if e.name != x.name {
            // Only a half that does not exist may differ: it is called NA and unused.
            let unused = if e.name == "NA" { e } else { x };
            assert_eq!(
                unused.name, "NA",
                "pair {}/{} has names {} and {}",
                e.code, x.code, e.name, x.name
            );
            assert!(
                unused.flags.contains(EventFlags::UNUSED),
                "NA half {} must be UNUSED",
                unused.code
            );
        }
    }
}

#[test]
fn every_exit_event_name_has_exactly_one_current_version() {
    let mut current: HashMap<(&str, Direction), Vec<u16>> = HashMap::new();
    for e in EVENTS.iter().filter(|e| e.name != "NA") {
        let v = current.entry((e.name, e.direction())).or_default();
        if !e.is_old_version() {
            v.push(e.code);
        }
    }
    for ((name, dir), codes) in &current {
        match dir {
            Direction::Exit => {
                assert_eq!(codes.len(), 1, "exit {name} has current versions {codes:?}")
            }
            Direction::Enter => assert!(
                codes.len() <= 1,
                "enter {name} has current versions {codes:?}"
            ),
        }
    }
}

#[test]
fn old_versions_never_have_more_parameters_than_the_current_one() {
    for old in EVENTS
        .iter()
        .filter(|e| e.is_old_version() && e.direction() == Direction::Exit)
    {
        let cur = EVENTS
            .iter()
            .find(|c| c.name == old.name && c.direction() == Direction::Exit && !c.is_old_version())
            .unwrap_or_else(|| panic!("old exit {} has no current version", old.code));
        assert!(
            old.nparams() <= cur.nparams(),
            "{} has more params than {}",
            old.code,
            cur.code
        );
    }
}

#[test]
fn flags_are_consistent() {
    for e in EVENTS {
        if e.flags.contains(EventFlags::LARGE_PAYLOAD) {
            assert!(
                !e.category.contains(Category::SYSCALL),
                "syscall event {} is LARGE_PAYLOAD",
                e.code
            );
        }
        assert_eq!(
            e.param_len_size(),
            if e.flags.contains(EventFlags::LARGE_PAYLOAD) {
                4
            } else {
                2
            }
        );
        if e.name == "NA" {
            assert!(
                e.flags.contains(EventFlags::UNUSED),
                "placeholder event {} is not UNUSED",
                e.code
            );
        }
    }
}

#[test]
fn parameter_aux_matches_parameter_type() {
    for e in EVENTS {
        for p in e.params {
            let is_flags = p.ptype.is_flags() || p.ptype == ParamType::MODE;
            match p.aux {
                ParamAux::Flags(t) => {
                    assert!(
                        is_flags && !t.is_empty(),
                        "{}.{} has a flag table",
                        e.code,
                        p.name
                    )
                }
                ParamAux::Dyn(d) => assert!(p.ptype == ParamType::DYN && !d.is_empty()),
                ParamAux::DirFd(i) => {
                    assert_eq!(p.ptype, ParamType::FSRELPATH);
                    assert_eq!(
                        e.params[i as usize].ptype,
                        ParamType::FD,
                        "{}.{} dirfd",
                        e.code,
                        p.name
                    );
                }
                ParamAux::None => {
                    assert!(
                        !is_flags && p.ptype != ParamType::DYN,
                        "{}.{} lacks its aux",
                        e.code,
                        p.name
                    )
                }
            }
        }
    }
}

#[test]
fn codes_round_trip() {
    for (i, e) in EVENTS.iter().enumerate() {
        let c = EventCode::from_u16(i as u16).unwrap();
        assert_eq!(c as usize, i);
        assert_eq!(c.info().code, e.code);
    }
    assert_eq!(EventCode::from_u16(EVENTS.len() as u16), None);
    assert_eq!(EventCode::SYSCALL_EXECVE_19_X.info().name, "execve");
    assert_eq!(EventCode::SYSCALL_OPENAT_2_X as u16, 307);
}

#[test]
fn param_types_round_trip_and_sizes_are_sane() {
    for (i, t) in ParamType::ALL.iter().enumerate() {
        assert_eq!(*t as usize, i);
        assert_eq!(ParamType::from_u8(i as u8), Some(*t));
    }
    assert_eq!(ParamType::from_u8(49), None);
    assert_eq!(ParamType::FD.fixed_size(), Some(8));
    assert_eq!(ParamType::CHARBUF.fixed_size(), None);
}
