use super::*;
use crate::builder::{view, EventBuilder};
use falco_abi::EventCode as C;

fn run(c: &mut Converter, bytes: &[u8]) -> (Outcome, Option<Vec<u8>>) {
    let ev = view(bytes);
    let o = c.process(&ev);
    let out = if o == Outcome::Converted {
        c.event().map(|e| e.raw().to_vec())
    } else {
        None
    };
    (o, out)
}

fn u(ev: &Event<'_>, name: &str) -> Option<u64> {
    ev.param_by_name(name).and_then(|p| p.as_u64())
}

#[test]
fn rules_are_sorted_and_unique() {
    for w in table::RULES.windows(2) {
        assert!(
            (w[0].code, w[0].nparams) < (w[1].code, w[1].nparams),
            "{:?} then {:?}",
            w[0],
            w[1]
        );
    }
}

/// Every rule, applied to an event of its (code, nparams) with placeholder
/// parameters, must end at an event the schema calls current, with all its
/// parameters, or be a stored/dropped enter.
#[test]
fn every_rule_reaches_the_current_schema() {
    for r in table::RULES {
        let info = falco_abi::event_info(r.code).unwrap();
        let mut b = EventBuilder::new(C::from_u16(r.code).unwrap()).tid(7).ts(1);
        for i in 0..r.nparams as usize {
            let p = &info.params[i];
            b = match p.ptype.fixed_size() {
                Some(n) if n > 0 => b.raw(&vec![0u8; n]),
                _ if p.ptype == ParamType::DYN => b.raw(&[0, 1, 0, 0, 0, 0, 0, 0, 0]),
                _ => b.raw(b"x\0"),
            };
        }
        let mut c = Converter::new();
        let (o, out) = run(&mut c, &b.build());
        assert_eq!(
            c.stats().failed,
            0,
            "rule {:?}: {:?}",
            r,
            c.stats().first_failure
        );
        match o {
            // Enter events may end stored (dropped) after a few steps.
            Outcome::Drop => assert!(
                matches!(r.action, Action::Store)
                    || info.direction() == falco_abi::Direction::Enter,
                "rule {r:?} dropped"
            ),
            Outcome::Pass => assert!(
                matches!(r.action, Action::Pass | Action::StoreAndPass),
                "rule {r:?} passed"
            ),
            Outcome::Touch(_) => panic!("rule {r:?}: an outline nobody asked for"),
            Outcome::Converted => {
                let bytes = out.unwrap();
                let ev = view(&bytes);
                let fi = ev.info();
                assert!(
                    !fi.is_old_version() || fi.direction() == falco_abi::Direction::Enter,
                    "rule {r:?} ends at old exit {}",
                    ev.evt_type
                );
                assert_eq!(
                    ev.nparams as usize,
                    fi.nparams(),
                    "rule {r:?} ends at {} with too few params",
                    fi.name
                );
            }
        }
    }
}

#[test]
fn old_open_exit_gains_dev_and_ino_as_empty() {
    let old = EventBuilder::new(C::SYSCALL_OPEN_X)
        .tid(5)
        .int(3)
        .str("/etc/passwd")
        .int(1)
        .int(0o644)
        .build();
    let mut c = Converter::new();
    let (o, out) = run(&mut c, &old);
    assert_eq!(o, Outcome::Converted);
    let bytes = out.unwrap();
    let ev = view(&bytes);
    assert_eq!(ev.nparams, 6);
    assert_eq!(
        ev.param_by_name("name").unwrap().as_str_bytes(),
        b"/etc/passwd"
    );
    assert_eq!(u(&ev, "mode"), Some(0o644));
    assert!(ev.param_by_name("dev").unwrap().is_empty());
    assert!(ev.param_by_name("ino").unwrap().is_empty());
}

#[test]
fn exit_takes_parameters_from_its_enter_which_is_dropped() {
    let mut c = Converter::new();
    let enter = EventBuilder::new(C::SYSCALL_READ_E)
        .tid(9)
        .int(4)
        .int(100)
        .build();
    assert_eq!(run(&mut c, &enter).0, Outcome::Drop);
    let exit = EventBuilder::new(C::SYSCALL_READ_X)
        .tid(9)
        .int(10)
        .bytes(b"0123456789")
        .build();
    let (o, out) = run(&mut c, &exit);
    assert_eq!(o, Outcome::Converted);
    let bytes = out.unwrap();
    let ev = view(&bytes);
    assert_eq!((u(&ev, "fd"), u(&ev, "size")), (Some(4), Some(100)));
    assert_eq!(ev.param_by_name("data").unwrap().bytes, b"0123456789");
    assert_eq!(c.stats().missing_enter, 0);
    // The enter was consumed: a second exit gets defaults.
    let (_, out) = run(&mut c, &exit);
    let bytes = out.unwrap();
    assert_eq!(u(&view(&bytes), "fd"), Some(0));
    assert_eq!(c.stats().missing_enter, 1);
}

#[test]
fn enters_do_not_leak_across_threads_or_syscalls() {
    let mut c = Converter::new();
    run(
        &mut c,
        &EventBuilder::new(C::SYSCALL_READ_E)
            .tid(1)
            .int(4)
            .int(100)
            .build(),
    );
    let other_tid = EventBuilder::new(C::SYSCALL_READ_X)
        .tid(2)
        .int(0)
        .bytes(b"")
        .build();
    let (_, out) = run(&mut c, &other_tid);
    assert_eq!(u(&view(&out.unwrap()), "fd"), Some(0));
    // A stale enter of another syscall on the same thread is not used.
    let write_exit = EventBuilder::new(C::SYSCALL_WRITE_X)
        .tid(1)
        .int(0)
        .bytes(b"")
        .build();
    let (_, out) = run(&mut c, &write_exit);
    assert_eq!(u(&view(&out.unwrap()), "fd"), Some(0));
    assert_eq!(c.stats().missing_enter, 2);
}

#[test]
fn uid_defaults_to_unknown_and_fallback_to_empty_is_empty() {
    let mut c = Converter::new();
    // SETUID_X takes uid from the enter, falling back to empty.
    let (_, out) = run(
        &mut c,
        &EventBuilder::new(C::SYSCALL_SETUID_X).tid(3).int(0).build(),
    );
    assert!(view(&out.unwrap()).param_by_name("uid").unwrap().is_empty());
    assert_eq!(default_value(ParamType::UID), &[0xff; 4]);
    assert_eq!(default_value(ParamType::SOCKADDR), &[0]);
    assert_eq!(default_value(ParamType::FD), &[0; 8]);
    assert!(default_value(ParamType::CHARBUF).is_empty());
}

#[test]
fn execve_chain_of_many_steps_ends_at_the_current_execve() {
    let mut b = EventBuilder::new(C::SYSCALL_EXECVE_8_X)
        .tid(11)
        .int(0)
        .str("/bin/cat")
        .bytes(b"cat\0x\0");
    b = b.int(11).int(11).int(1).str("/root").int(1024);
    let mut c = Converter::new();
    run(
        &mut c,
        &EventBuilder::new(C::SYSCALL_EXECVE_8_E).tid(11).build(),
    );
    let (o, out) = run(&mut c, &b.build());
    assert_eq!(o, Outcome::Converted);
    let bytes = out.unwrap();
    let ev = view(&bytes);
    assert_eq!(ev.evt_type, C::SYSCALL_EXECVE_19_X as u16);
    assert_eq!(ev.nparams, 31);
    assert_eq!(ev.param_by_name("exe").unwrap().as_str_bytes(), b"/bin/cat");
    assert_eq!(ev.param_by_name("cwd").unwrap().as_str_bytes(), b"/root");
    assert_eq!(u(&ev, "fdlimit"), Some(1024));
    assert!(ev.param_by_name("env").unwrap().is_empty());
}

#[test]
fn old_container_event_becomes_container_json() {
    let old = EventBuilder::new(C::CONTAINER_E)
        .str("abc")
        .int(0)
        .str("web")
        .str("nginx:1")
        .build();
    let mut c = Converter::new();
    let (o, out) = run(&mut c, &old);
    assert_eq!(o, Outcome::Converted);
    let bytes = out.unwrap();
    let ev = view(&bytes);
    assert_eq!(ev.evt_type, C::CONTAINER_JSON_2_E as u16);
    assert_eq!(ev.len_width(), 4);
    assert_eq!(
        ev.param(0).unwrap().as_str_bytes(),
        br#"{"id":"abc","type":0,"name":"web","image":"nginx:1"}"#
    );
}

#[test]
fn unused_events_are_dropped_and_current_ones_pass() {
    let mut c = Converter::new();
    assert_eq!(
        run(&mut c, &EventBuilder::new(C::PROCEXIT_X).build()).0,
        Outcome::Drop
    );
    let cur = EventBuilder::new(C::SYSCALL_CLOSE_X).int(0).int(3).build();
    assert_eq!(run(&mut c, &cur).0, Outcome::Pass);
}

#[test]
fn an_event_without_a_rule_is_delivered_unchanged_and_counted() {
    // OPEN_X with 2 parameters has no rule.
    let odd = EventBuilder::new(C::SYSCALL_OPEN_X)
        .int(3)
        .str("/x")
        .build();
    let mut c = Converter::new();
    assert_eq!(run(&mut c, &odd).0, Outcome::Pass);
    assert_eq!(c.stats().failed, 1);
    assert!(c
        .stats()
        .first_failure
        .as_deref()
        .unwrap()
        .contains("no conversion for 2 parameters"));
}

#[test]
fn old_dup2_gets_its_old_fd_from_the_enter() {
    let mut c = Converter::new();
    let enter = EventBuilder::new(C::SYSCALL_DUP2_E).tid(4).int(3).build();
    assert_eq!(run(&mut c, &enter).0, Outcome::Drop);
    let exit = EventBuilder::new(C::SYSCALL_DUP2_X).tid(4).int(1).build();
    let (o, out) = run(&mut c, &exit);
    assert_eq!(o, Outcome::Converted);
    let bytes = out.unwrap();
    let ev = view(&bytes);
    assert_eq!(
        (u(&ev, "res"), u(&ev, "oldfd"), u(&ev, "newfd")),
        (Some(1), Some(3), Some(1))
    );
    // A current dup2 exit passes unchanged.
    let cur = EventBuilder::new(C::SYSCALL_DUP2_X)
        .int(1)
        .int(3)
        .int(1)
        .build();
    assert_eq!(run(&mut c, &cur).0, Outcome::Pass);
}

#[test]
fn replayed_conversions_keep_the_cpu_and_flags_of_their_block() {
    use crate::engine::{Engine, Next, SavefileEngine};
    let mut w = crate::SavefileWriter::new(Vec::new(), &Default::default()).unwrap();
    let put = |w: &mut crate::SavefileWriter<Vec<u8>>, b: EventBuilder, cpu: u16| {
        let bytes = b.tid(42).build();
        let ev = view(&bytes).with_origin(cpu, 0x4);
        w.write_event(&ev).unwrap();
    };
    put(
        &mut w,
        EventBuilder::new(C::SYSCALL_OPENAT_E)
            .ts(10)
            .int(-100)
            .str("/etc/hosts")
            .int(1)
            .int(0),
        3,
    );
    put(
        &mut w,
        EventBuilder::new(C::SYSCALL_OPENAT_X).ts(20).int(5),
        3,
    );
    put(
        &mut w,
        EventBuilder::new(C::SYSCALL_CLOSE_X).ts(30).int(0).int(5),
        1,
    );
    let bytes = w.finish().unwrap();
    let mut e = SavefileEngine::new(
        crate::SavefileReader::from_reader(std::io::Cursor::new(bytes)).unwrap(),
    );
    let mut got = Vec::new();
    while let Next::Event(ev) = e.next().unwrap() {
        got.push((ev.evt_type, ev.cpu, ev.flags));
    }
    assert_eq!(
        got,
        [
            (C::SYSCALL_OPENAT_2_X as u16, 3, 0x4),
            (C::SYSCALL_CLOSE_X as u16, 1, 0x4)
        ]
    );
}
