//! Event-level tests of the kernel module through the kmod engine: the
//! shared workload of tests/common/syscall_events.rs, every parameter of
//! every supported syscall. They need the module loaded (/dev/falco0), so
//! they run inside the test VM (scripts/kmod-test.sh builds this binary
//! statically and runs it there); on a host without the module they are
//! skipped with a message.

mod common;

use falco_abi::EventCode as E;
use falco_scap::kmod::{KmodEngine, KmodOptions};
use falco_scap::{Engine, Next};
use std::path::Path;
use std::time::{Duration, Instant};

fn module_loaded() -> bool {
    let loaded = Path::new("/dev/falco0").exists();
    if !loaded {
        eprintln!(
            "skipped: no /dev/falco0 (scripts/kmod-test.sh runs these in a VM with the module)"
        );
    }
    loaded && common::syscall_events::is_root()
}

/// The kmod engine capturing `syscalls`, without the /proc scan.
fn kmod(syscalls: std::collections::BTreeSet<u16>) -> Box<dyn Engine> {
    let engine = KmodEngine::open(&KmodOptions {
        syscalls: Some(syscalls),
        scan: None,
        ..KmodOptions::default()
    })
    .expect("the kmod engine opens every CPU's device");
    Box::new(engine)
}

#[test]
fn every_supported_syscall_carries_its_parameters() {
    if !module_loaded() {
        return;
    }
    common::syscall_events::check_every_supported_syscall(kmod);
}

#[test]
fn connect_on_a_non_socket_has_no_tuple() {
    if !module_loaded() {
        return;
    }
    common::syscall_events::check_connect_on_a_non_socket(kmod);
}

#[test]
fn a_second_consumer_is_refused_while_the_first_holds_the_devices() {
    if !module_loaded() {
        return;
    }
    let opts = KmodOptions {
        scan: None,
        ..KmodOptions::default()
    };
    let first = KmodEngine::open(&opts).expect("the first consumer opens");
    let err = KmodEngine::open(&opts)
        .expect_err("a second consumer is refused")
        .to_string();
    assert!(err.contains("another consumer holds /dev/falco0"), "{err}");
    drop(first);
    KmodEngine::open(&opts).expect("the devices are free again once the first is gone");
}

/// With `sched_switch=1` the module reports context switches: switch
/// events naming the next thread, with the memory counters of the thread
/// switched out. On one CPU the thread a switch names is the one the next
/// switch there switches out (our own threads' switches are not captured,
/// so chains through them are not checked). (scripts/kmod-test.sh loads
/// the module that way for its second round.)
#[test]
fn context_switches_are_reported_when_the_module_was_loaded_with_sched_switch() {
    if !module_loaded() {
        return;
    }
    let on =
        std::fs::read_to_string("/sys/module/falco/parameters/sched_switch").unwrap_or_default();
    if on.trim() != "Y" {
        eprintln!("skipped: the module was loaded without sched_switch=1");
        return;
    }
    let mut engine = KmodEngine::open(&KmodOptions {
        syscalls: Some(Default::default()),
        scan: None,
        ..KmodOptions::default()
    })
    .expect("the kmod engine opens");
    // A workload that sleeps and wakes: it is switched out and in.
    let child = std::process::Command::new(common::syscall_events::PYTHON)
        .arg("-c")
        .arg("import time\nfor _ in range(20): time.sleep(0.005)")
        .spawn()
        .unwrap();
    let pid = child.id() as u64;
    let mut switches = Vec::new();
    let mut out_of_it = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && (out_of_it < 5 || switches.len() < 200) {
        if let Next::Event(ev) = engine.next().unwrap() {
            assert_ne!(
                ev.evt_type,
                E::SYSCALL_OPENAT_2_X as u16,
                "no syscalls were asked for"
            );
            if ev.evt_type != E::SCHEDSWITCH_6_E as u16 {
                continue;
            }
            // (its last switch, after exit_mm, has no memory to report)
            if ev.tid == pid && common::syscall_events::uint(&ev, "vm_size") > 0 {
                out_of_it += 1;
            }
            switches.push((
                ev.cpu,
                ev.tid as i64,
                common::syscall_events::int(&ev, "next"),
            ));
        }
    }
    child.wait_with_output().unwrap();
    assert!(
        out_of_it >= 5,
        "switches out of the workload, with its memory: {out_of_it}"
    );
    let own: std::collections::BTreeSet<i64> = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| t.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    let mut last_next = std::collections::HashMap::new();
    let (mut chained, mut broken) = (0, Vec::new());
    for &(cpu, tid, next) in &switches {
        if let Some(prev) = last_next.insert(cpu, next) {
            if own.contains(&prev) {
                continue;
            }
            if prev == tid {
                chained += 1;
            } else {
                broken.push((cpu, prev, tid));
            }
        }
    }
    assert!(chained >= 20, "chained switches: {chained}");
    assert!(
        broken.is_empty(),
        "switched in vs switched out next on that CPU: {broken:?}"
    );
}
