//! Each rule of the contract on a small synthetic stream: what comes out,
//! in which order.

use super::*;
use crate::builder::{EventBuilder, TestEngine};
use crate::state::ThreadInfo;
use falco_abi::EventCode as C;

/// Process 100 (thread 100, named `app`) and its second thread 101.
fn initial() -> InitialState {
    let mut s = InitialState::default();
    for tid in [100, 101] {
        s.threads.insert(
            tid,
            ThreadInfo {
                tid,
                pid: 100,
                comm: "app".into(),
                ..Default::default()
            },
        );
    }
    s
}

fn interest() -> OpenInterest {
    OpenInterest {
        exact: ["/etc/shadow".to_string()].into(),
        comms: ["tar".to_string()].into(),
        ..Default::default()
    }
}

fn open(ts: u64, tid: u64, fd: i64, name: &str) -> EventBuilder {
    EventBuilder::new(C::SYSCALL_OPENAT_2_X)
        .ts(ts)
        .tid(tid)
        .set("fd", fd)
        .set("dirfd", -100)
        .set("name", name)
}

fn close(ts: u64, tid: u64, fd: i64, res: i64) -> EventBuilder {
    EventBuilder::new(C::SYSCALL_CLOSE_X)
        .ts(ts)
        .tid(tid)
        .set("res", res)
        .set("fd", fd)
}

fn read(ts: u64, tid: u64, fd: i64) -> EventBuilder {
    EventBuilder::new(C::SYSCALL_READ_X)
        .ts(ts)
        .tid(tid)
        .set("res", 1)
        .set("fd", fd)
}

fn clone(ts: u64, tid: u64, res: i64, flags: u32) -> EventBuilder {
    EventBuilder::new(C::SYSCALL_CLONE_20_X)
        .ts(ts)
        .tid(tid)
        .set("res", res)
        .set("pid", if res == 0 { tid as i64 } else { 100 })
        .set("ptid", 1)
        .set("comm", "app")
        .set("flags", flags)
}

/// What comes out: (event name, ts), and the counts.
fn run(events: &[EventBuilder]) -> (Vec<(String, u64)>, HoldBackStats) {
    let mut inner = TestEngine::new(initial());
    for e in events {
        inner.push(e);
    }
    let mut h = HoldBack::new(inner, interest());
    h.take_initial_state();
    let mut out = Vec::new();
    loop {
        match h.next().unwrap() {
            Next::Event(e) => out.push((e.name().to_string(), e.ts)),
            Next::Eof => break,
            other => panic!("{other:?}"),
        }
    }
    (out, h.hold_back_stats().clone())
}

fn names(v: &[(&str, u64)]) -> Vec<(String, u64)> {
    v.iter().map(|(n, t)| (n.to_string(), *t)).collect()
}

#[test]
fn an_open_and_its_close_are_never_delivered() {
    let (out, s) = run(&[
        open(1, 100, 3, "/tmp/a"),
        close(2, 101, 3, 0),
        open(3, 100, 4, "/etc/shadow"),
    ]);
    assert_eq!(out, names(&[("openat", 3)]));
    assert_eq!((s.held, s.pairs), (1, 1));
}

#[test]
fn an_event_naming_the_fd_releases_the_open_before_it() {
    let (out, s) = run(&[
        open(1, 100, 3, "/tmp/a"),
        read(2, 101, 3),
        close(3, 100, 3, 0),
    ]);
    assert_eq!(out, names(&[("openat", 1), ("read", 2), ("close", 3)]));
    assert_eq!((s.held, s.released, s.pairs), (1, 1, 0));
}

#[test]
fn a_failed_close_releases_the_open() {
    let (out, _) = run(&[open(1, 100, 3, "/tmp/a"), close(2, 100, 3, -4)]);
    assert_eq!(out, names(&[("openat", 1), ("close", 2)]));
}

#[test]
fn a_new_process_releases_its_creators_opens_a_new_thread_does_not() {
    let (out, _) = run(&[
        open(1, 100, 3, "/tmp/a"),
        open(2, 100, 4, "/tmp/b"),
        clone(3, 100, 101, 0x2000), // CLONE_THREAD
        clone(4, 101, 200, 0),      // a new process, from the other thread
        close(5, 100, 3, 0),
    ]);
    assert_eq!(
        out,
        names(&[
            ("clone", 3),
            ("openat", 1),
            ("openat", 2),
            ("clone", 4),
            ("close", 5)
        ])
    );
    // The child's side comes first: its creator (ptid) is thread 1 here,
    // a process we do not know: nothing to release.
    let (out, _) = run(&[
        open(1, 100, 3, "/tmp/a"),
        clone(2, 300, 0, 0),
        close(3, 100, 3, 0),
    ]);
    assert_eq!(out, names(&[("clone", 2)]));
}

#[test]
fn the_last_thread_leaving_forgets_the_opens_and_the_end_delivers_the_rest() {
    let exit = |ts, tid| EventBuilder::new(C::PROCEXIT_1_E).ts(ts).tid(tid);
    let (out, s) = run(&[
        open(1, 100, 3, "/tmp/a"),
        exit(2, 100),
        open(3, 101, 4, "/tmp/b"),
        exit(4, 101),
    ]);
    assert_eq!(out, names(&[("procexit", 2), ("procexit", 4)]));
    assert_eq!((s.held, s.forgotten, s.flushed), (2, 2, 0));
    let (out, s) = run(&[open(1, 100, 3, "/tmp/a"), exit(2, 101)]);
    assert_eq!(out, names(&[("procexit", 2), ("openat", 1)]));
    assert_eq!(s.flushed, 1);
}

#[test]
fn only_plain_absolute_paths_no_rule_names_by_threads_no_rule_names_are_held() {
    let exec = EventBuilder::new(C::SYSCALL_EXECVE_19_X)
        .ts(5)
        .tid(101)
        .set("res", 0)
        .set("pid", 100)
        .set("exe", "/usr/bin/tar")
        .set("comm", "tar");
    let (out, s) = run(&[
        open(1, 100, 3, "tmp/a"),
        open(2, 100, 4, "/tmp/../etc/x"),
        open(3, 100, 5, "/etc/shadow"),
        open(4, 999, 6, "/tmp/unknown-thread"),
        exec,
        open(6, 101, 7, "/tmp/by-tar"),
        open(7, 100, 8, "/tmp/by-app"),
    ]);
    assert_eq!(
        out,
        names(&[
            ("openat", 1),
            ("openat", 2),
            ("openat", 3),
            ("openat", 4),
            ("execve", 5),
            ("openat", 6),
            ("openat", 7)
        ])
    );
    // Only the last one was held, and came out at the end.
    assert_eq!((s.held, s.flushed), (1, 1));
}

#[test]
fn a_new_open_of_a_held_fd_replaces_it() {
    let (out, s) = run(&[
        open(1, 100, 3, "/tmp/a"),
        open(2, 100, 3, "/tmp/b"),
        close(3, 100, 3, 0),
    ]);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!((s.held, s.pairs), (2, 1));
}
