//! Bounded state (issue 19): the periodic purge of threads whose exit was
//! lost and of containers whose removal was lost, and the container cache's
//! limit. Everything is driven by event time: events carry timestamps, no
//! test sleeps.

use falco_abi::EventCode as C;
use falco_scap::builder::events::close_exit;
use falco_scap::builder::{view, EventBuilder};
use falco_scap::engine::Touch;
use falco_scap::state::{InitialState, ThreadInfo};
use falco_sinsp::state::Container;
use falco_sinsp::{Inspector, Purging};

const S: u64 = 1_000_000_000;

/// Event times start here (ns since the epoch, like live events).
const T0: u64 = 1_700_000_000 * S;

/// systemd (1); sshd (100) with a second thread 101; bash (200); sleep
/// (300).
fn machine() -> InitialState {
    let mut st = InitialState::default();
    for (tid, pid, ptid, comm) in [
        (1, 1, 0, "systemd"),
        (100, 100, 1, "sshd"),
        (101, 100, 1, "sshd"),
        (200, 200, 100, "bash"),
        (300, 300, 200, "sleep"),
    ] {
        st.threads.insert(
            tid,
            ThreadInfo {
                tid,
                pid,
                ptid,
                comm: comm.into(),
                exe: comm.into(),
                ..Default::default()
            },
        );
    }
    st
}

/// One event of thread `tid` at `secs` seconds of event time.
fn event(insp: &mut Inspector, tid: i64, secs: u64) {
    let bytes = close_exit(tid, 9).ts(T0 + secs * S).build();
    insp.process(&view(&bytes));
}

fn has(insp: &Inspector, tid: i64) -> bool {
    insp.threads.get(tid).is_some()
}

/// Runs the same events through an inspector with `purging`: systemd and
/// thread 101 are busy until 40 s, then systemd alone until 80 s; the rest
/// is silent. Returns the threads present after 41 s and at the end.
fn run(purging: Option<Purging>) -> (Inspector, Vec<i64>) {
    let mut insp = Inspector::new(machine());
    insp.set_purging(purging);
    for secs in [1, 5, 12, 20, 30, 40] {
        event(&mut insp, 1, secs);
        event(&mut insp, 101, secs);
    }
    event(&mut insp, 1, 41);
    let mut at_41: Vec<i64> = insp.threads.iter().map(|t| t.tid).collect();
    at_41.sort_unstable();
    for secs in [50, 60, 71, 80] {
        event(&mut insp, 1, secs);
    }
    (insp, at_41)
}

#[test]
fn inactive_threads_go_on_event_time_but_a_leader_stays_with_its_threads() {
    // A scan every 10 s, the first 10 s after the first event; threads
    // silent for more than 20 s go.
    let (insp, at_41) = run(Some(Purging::every(10, 20)));
    // The first scan (12 s) only starts the clock of the threads known
    // from the start; the one at 30 s finds bash and sleep silent for 18 s
    // only; the one at 41 s removes them. sshd's leader is silent too but
    // its thread 101 is busy: it stays.
    assert_eq!(at_41, [1, 100, 101]);
    // 101 falls silent after 40 s: the scan at 60 s finds it silent for
    // exactly 20 s (not more), the one at 71 s removes it and its leader
    // with it.
    assert!(has(&insp, 1) && !has(&insp, 101) && !has(&insp, 100));
    assert_eq!(insp.threads.len(), 1);
    assert_eq!(insp.threads.stats.auto_purged, 4);
    assert_eq!(insp.threads.stats.purged, 4, "purges count as removals");
    assert_eq!(insp.threads.stats.evicted, 0);
}

#[test]
fn without_purging_silent_threads_stay() {
    let (insp, at_41) = run(None);
    assert_eq!(at_41, [1, 100, 101, 200, 300]);
    assert_eq!(insp.threads.len(), 5);
    assert_eq!(insp.threads.stats.auto_purged, 0);
}

#[test]
fn scans_wait_for_the_interval_and_the_first_within_30_seconds() {
    // Interval 300 s, timeout 1 s: the first scan comes 30 s after the
    // first event (libsinsp's early first scan), the next 300 s later.
    let mut insp = Inspector::new(machine());
    insp.set_purging(Some(Purging::every(300, 1)));
    event(&mut insp, 1, 0);
    event(&mut insp, 200, 10);
    event(&mut insp, 1, 30);
    assert!(has(&insp, 200), "30 s is not past the first scan's time");
    // The first scan: bash (10 s) goes; 100, 101 and 300 were never
    // accessed, so their clock starts now.
    event(&mut insp, 1, 31);
    assert!(!has(&insp, 200) && has(&insp, 300));
    event(&mut insp, 1, 300);
    assert!(has(&insp, 300), "the next scan is 300 s after the first");
    event(&mut insp, 1, 332);
    assert!(!has(&insp, 300) && !has(&insp, 100) && !has(&insp, 101));
    assert_eq!(insp.threads.stats.auto_purged, 4);
}

#[test]
fn events_seen_in_outline_keep_their_thread_alive() {
    let mut insp = Inspector::new(machine());
    insp.set_purging(Some(Purging::every(10, 20)));
    for secs in [1, 12, 25, 35, 45] {
        event(&mut insp, 1, secs);
        // bash only reads (an event without a parser of its own).
        insp.touch(&Touch {
            ts: T0 + secs * S,
            tid: 200,
            evt_type: C::SYSCALL_READ_X as u16,
            fd: Some(0),
        });
    }
    assert_eq!(
        insp.threads.get(200).map(|t| t.last_access_ts),
        Some(T0 + 45 * S)
    );
    assert!(has(&insp, 200) && !has(&insp, 300));
}

#[test]
fn threads_that_exited_go_at_once_and_are_not_purged_twice() {
    let mut insp = Inspector::new(machine());
    insp.set_purging(Some(Purging::every(10, 5)));
    event(&mut insp, 1, 1);
    let exit = EventBuilder::new(C::PROCEXIT_1_E)
        .tid(300)
        .ts(T0 + 2 * S)
        .set("status", 0)
        .set("ret", 0)
        .set("sig", 0)
        .set("core", 0)
        .set("reaper_tid", 1)
        .build();
    insp.process(&view(&exit));
    event(&mut insp, 1, 12);
    event(&mut insp, 1, 23);
    assert!(!has(&insp, 300));
    // sleep's exit removed it; the purge took the silent ones.
    assert_eq!(
        insp.threads.stats.purged,
        1 + insp.threads.stats.auto_purged
    );
    assert_eq!(insp.threads.stats.auto_purged, 3, "100, 101, 200");
}

/// A procfs of the live machine where only bash (200) still runs.
struct FakeProc(std::path::PathBuf);

impl Drop for FakeProc {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fake_proc(tag: &str) -> FakeProc {
    let root = std::env::temp_dir().join(format!("falco-rs-purge-{tag}-{}", std::process::id()));
    let comm = root.join("200/task/200/comm");
    std::fs::create_dir_all(comm.parent().unwrap()).unwrap();
    std::fs::write(&comm, "bash\n").unwrap();
    // Thread 300's tid now belongs to another program.
    let reused = root.join("300/task/300/comm");
    std::fs::create_dir_all(reused.parent().unwrap()).unwrap();
    std::fs::write(&reused, "nginx\n").unwrap();
    FakeProc(root)
}

#[test]
fn live_engines_keep_silent_threads_that_still_run_in_proc() {
    let proc = fake_proc("live");
    let mut insp = Inspector::new(machine());
    insp.set_purging(Some(Purging {
        proc_root: Some(proc.0.clone()),
        ..Purging::every(10, 5)
    }));
    for secs in [1, 12, 23] {
        event(&mut insp, 1, secs);
    }
    // bash still runs; sleep's tid runs another program; sshd is gone.
    assert!(has(&insp, 200));
    assert!(!has(&insp, 300) && !has(&insp, 100) && !has(&insp, 101));
    assert_eq!(insp.threads.stats.auto_purged, 3);
}

fn container(id: &str) -> Container {
    Container {
        id: id.into(),
        name: format!("name-{id}"),
        ..Container::default()
    }
}

fn put_in(insp: &mut Inspector, tid: i64, id: &str) {
    insp.threads.get_mut(tid).unwrap().container_id = id.into();
}

#[test]
fn a_full_container_cache_evicts_containers_without_threads_first() {
    let mut insp = Inspector::new(machine());
    insp.containers.set_limit(2);
    put_in(&mut insp, 200, "aaaaaaaaaaaa");
    insp.insert_container(container("aaaaaaaaaaaa"));
    insp.insert_container(container("bbbbbbbbbbbb"));
    insp.insert_container(container("cccccccccccc"));
    // a is the oldest but bash is in it: b goes.
    assert!(insp.containers.contains("aaaaaaaaaaaa") && !insp.containers.contains("bbbbbbbbbbbb"));
    // Replacing a record evicts nothing.
    insp.insert_container(container("cccccccccccc"));
    assert_eq!(insp.containers.stats.evicted, 1);
    // Every container in use: the oldest goes.
    put_in(&mut insp, 300, "cccccccccccc");
    insp.insert_container(container("dddddddddddd"));
    assert!(!insp.containers.contains("aaaaaaaaaaaa"));
    assert!(insp.containers.contains("cccccccccccc") && insp.containers.contains("dddddddddddd"));
    assert_eq!(
        (insp.containers.len(), insp.containers.stats.evicted),
        (2, 2)
    );
}

#[test]
fn containers_no_live_thread_is_in_are_purged_after_the_timeout() {
    let mut insp = Inspector::new(machine());
    insp.set_purging(Some(Purging::every(10, 20)));
    put_in(&mut insp, 200, "aaaaaaaaaaaa");
    event(&mut insp, 1, 1);
    insp.insert_container(container("aaaaaaaaaaaa"));
    insp.insert_container(container("bbbbbbbbbbbb"));
    // bash keeps running in a; nothing runs in b (its removal was lost).
    for secs in [12, 23, 34] {
        event(&mut insp, 1, secs);
        event(&mut insp, 200, secs);
    }
    // Scans at 12 s (b's clock starts), 23 s and 34 s (22 s unused: gone).
    assert!(insp.containers.contains("aaaaaaaaaaaa"));
    assert!(!insp.containers.contains("bbbbbbbbbbbb"));
    assert_eq!(insp.containers.stats.purged, 1);
    // bash exits: a was last found in use by the scan at 34 s; it goes
    // with the first scan more than 20 s later.
    let exit = EventBuilder::new(C::PROCEXIT_1_E)
        .tid(200)
        .ts(T0 + 35 * S)
        .set("status", 0)
        .set("ret", 0)
        .set("sig", 0)
        .set("core", 0)
        .set("reaper_tid", 1)
        .build();
    insp.process(&view(&exit));
    event(&mut insp, 1, 45);
    assert!(insp.containers.contains("aaaaaaaaaaaa"), "unused 11 s only");
    event(&mut insp, 1, 56);
    assert!(insp.containers.is_empty());
    assert_eq!(insp.containers.stats.purged, 2);
    assert_eq!(insp.containers.stats.evicted, 0);
}
