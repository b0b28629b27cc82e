//! Snapshots of the state reference captures leave behind: written as a
//! new capture's state blocks and read back, they are what was written,
//! and an inspector seeded from them sees the threads the replay built.
//!
//! Needs the reference captures in ../shared/reference/scap (skipped
//! without them).

use falco_scap::state::{FdTarget, InitialState};
use falco_scap::{Engine, Next, SavefileEngine, SavefileReader, SavefileWriter};
use falco_sinsp::state::{FdKind, L4Proto, SockTuple, Thread};
use falco_sinsp::Inspector;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

fn reference(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference/scap")
        .join(name);
    if !p.is_file() {
        eprintln!("skipped: {} not found", p.display());
        return None;
    }
    Some(p)
}

/// Replays a whole capture through an inspector (removals applied).
fn replay(path: &PathBuf) -> Inspector {
    let mut e = SavefileEngine::open(path).expect("open");
    let mut insp = Inspector::new(e.take_initial_state());
    let mut n = 0u64;
    while let Next::Event(ev) = e.next().expect("read") {
        insp.process(&ev);
        n += 1;
    }
    assert!(n > 0, "{}: no events", path.display());
    insp
}

fn write_and_read(st: &InitialState) -> InitialState {
    let bytes = SavefileWriter::new(Vec::new(), st)
        .expect("write")
        .finish()
        .expect("finish");
    let mut r = SavefileReader::from_reader(std::io::Cursor::new(bytes)).expect("read back");
    r.take_initial_state()
}

fn live_threads(insp: &Inspector) -> Vec<&Thread> {
    let mut v: Vec<&Thread> = insp.threads.iter().filter(|t| !t.exited).collect();
    v.sort_by_key(|t| t.tid);
    v
}

/// Replays `name`, snapshots the state, writes and reads it back and
/// checks both ways; returns the state read back (`None`: no captures).
fn check(name: &str) -> Option<InitialState> {
    let path = reference(name)?;
    let mut insp = replay(&path);
    let snap = insp.snapshot();
    insp.flush_removals();
    let live = live_threads(&insp);
    assert!(!live.is_empty(), "{name}: no threads");
    assert_eq!(snap.threads.len(), live.len(), "{name}: thread count");
    assert!(snap.machine.is_some(), "{name}: machine info");

    let read = write_and_read(&snap);
    // Capture files do not carry creation times.
    let mut want = snap.clone();
    for t in want.threads.values_mut() {
        t.clone_ts = 0;
    }
    assert_eq!(read.threads.len(), snap.threads.len(), "{name}");
    for (tid, w) in &want.threads {
        assert_eq!(read.threads.get(tid), Some(w), "{name}: thread {tid}");
    }
    assert_eq!(read, want, "{name}");

    // An inspector seeded from it sees the threads the replay left, but
    // for what scap cannot say (see `Inspector::snapshot`).
    let back = Inspector::new(read.clone());
    assert_eq!(back.threads.len(), live.len(), "{name}");
    for a in &live {
        let b = back.threads.get(a.tid).expect("thread read back");
        assert_eq!(*b, as_scap_says(a), "{name}: thread {}", a.tid);
    }
    eprintln!("{name}: {} threads", live.len());
    Some(read)
}

/// `t` as a capture's state blocks can carry it.
fn as_scap_says(t: &Thread) -> Thread {
    let mut t = t.clone();
    t.clone_ts = 0;
    // Bookkeeping of the purge, not in captures.
    t.last_access_ts = 0;
    t.pgid = t.vpgid;
    t.uid = t.euid;
    t.gid = t.egid;
    let fds: Vec<i64> = t.fds.iter().map(|(n, _)| n).collect();
    for n in fds {
        let f = t.fds.get_mut(n).unwrap();
        if f.kind != FdKind::File {
            f.open_flags = 0;
            f.dev = 0;
        }
        match f.kind {
            FdKind::Ipv4 | FdKind::Ipv6 => {
                if f.tuple.is_none() {
                    let any = if f.kind == FdKind::Ipv4 {
                        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
                    } else {
                        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
                    };
                    f.tuple = Some(SockTuple {
                        sip: any,
                        sport: 0,
                        dip: any,
                        dport: 0,
                    });
                }
                f.name = f.tuple_name();
            }
            FdKind::Unix => {
                f.l4proto = L4Proto::Unknown;
                f.unix_peers = f.unix_peers.or(Some((0, 0)));
            }
            FdKind::Netlink => {
                f.l4proto = L4Proto::Unknown;
                f.name = String::new();
            }
            _ => f.l4proto = L4Proto::Unknown,
        }
        f.name_raw = f.name.clone();
    }
    t
}

#[test]
fn snapshot_of_cat_shadow_writes_and_reads_back() {
    let Some(st) = check("vm_cat_shadow.scap.gz") else {
        return;
    };
    // cat has exited: init and the sysdig that recorded the capture remain.
    assert_eq!(st.threads.keys().copied().collect::<Vec<_>>(), [1, 110]);
    let sysdig = &st.threads[&110];
    assert_eq!(sysdig.comm, "sysdig");
    assert_eq!(sysdig.args, b"-v\0-w\0/tmp/out/capture.scap\0");
    let fd5 = sysdig.fds.iter().find(|f| f.fd == 5).expect("fd 5");
    assert!(
        matches!(&fd5.target, FdTarget::File { name, .. } if name == "/tmp/out/capture.scap"),
        "{fd5:?}"
    );
    assert_eq!(sysdig.fds.len(), 8);
    assert_eq!((st.users.len(), st.groups.len()), (5, 6));
    assert!(st.users.iter().any(|u| u.uid == 0 && u.name == "root"));
    let m = st.machine.as_ref().expect("machine");
    assert_eq!((m.num_cpus, m.hostname.as_str()), (2, "realcap"));
}

#[test]
fn snapshot_of_other_reference_captures_writes_and_reads_back() {
    for name in [
        "falco_test_trace_files_connect_localhost.scap",
        "libs_sample.scap",
        "libs_single_ipv6_conn.scap",
        "falco_test_trace_files_psp_run_as_user_0_container.scap",
        "vm_bench_small.scap.gz",
    ] {
        if check(name).is_none() {
            return;
        }
    }
}
