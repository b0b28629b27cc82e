//! Event-level tests of the modern eBPF engine on this host (the shared
//! workload of tests/common/syscall_events.rs, plus eBPF-specific cases).
//! Needs root; skipped with a message otherwise (CI runs as root).

#![cfg(feature = "modern-bpf")]

mod common;

use common::syscall_events::{int, is_root, text, uint, PYTHON};
use falco_abi::EventCode as E;
use falco_scap::modern_ebpf::{ModernEbpfEngine, ModernEbpfOptions};
use falco_scap::{Engine, Next};
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn every_supported_syscall_carries_its_parameters() {
    if !is_root() {
        return;
    }
    common::syscall_events::check_every_supported_syscall(|syscalls| {
        let engine = ModernEbpfEngine::open(&ModernEbpfOptions {
            buffer_bytes: 8 << 20,
            syscalls: Some(syscalls),
            scan: None,
            ..ModernEbpfOptions::default()
        })
        .expect("the probe loads and attaches");
        Box::new(engine)
    });
}

#[test]
fn connect_on_a_non_socket_has_no_tuple() {
    if !is_root() {
        return;
    }
    common::syscall_events::check_connect_on_a_non_socket(|syscalls| {
        let engine = ModernEbpfEngine::open(&ModernEbpfOptions {
            syscalls: Some(syscalls),
            scan: None,
            ..ModernEbpfOptions::default()
        })
        .expect("the probe loads and attaches");
        Box::new(engine)
    });
}

#[test]
fn drop_failed_exit_keeps_only_successful_calls() {
    if !is_root() {
        return;
    }
    let openat = falco_abi::syscalls::PPM_SC
        .iter()
        .find(|s| s.name == "openat")
        .unwrap()
        .code;
    let mut engine = ModernEbpfEngine::open(&ModernEbpfOptions {
        syscalls: Some([openat].into_iter().collect()),
        drop_failed_exit: true,
        scan: None,
        ..ModernEbpfOptions::default()
    })
    .expect("the probe loads and attaches");
    let script = "import os\n\
        for p in ('/nonexistent/falco-rs-a', '/etc/hostname', '/nonexistent/falco-rs-b', '/dev/null'):\n\
        \x20   try:\n\
        \x20       os.close(os.open(p, os.O_RDONLY))\n\
        \x20   except OSError:\n\
        \x20       pass\n";
    let child = Command::new(PYTHON).arg("-c").arg(script).spawn().unwrap();
    let pid = child.id() as u64;
    assert!(child.wait_with_output().unwrap().status.success());
    // Until the last open (/dev/null) has come through: one thread's
    // events enter the shared ring in the order they happen, so a failed
    // open before it would have come first.
    let mut names = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && !names.iter().any(|n| n == "/dev/null") {
        if let Next::Event(ev) = engine.next().unwrap() {
            if ev.tid == pid && ev.evt_type == E::SYSCALL_OPENAT_2_X as u16 {
                assert!(
                    int(&ev, "fd") >= 0,
                    "a failed openat came through: {}",
                    text(&ev, "name")
                );
                names.push(text(&ev, "name"));
            }
        }
    }
    assert!(
        names.iter().any(|n| n == "/etc/hostname"),
        "openats seen: {names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with("/nonexistent")));
}

#[test]
fn an_exec_from_a_memfd_is_flagged() {
    if !is_root() {
        return;
    }
    let code = |n: &str| {
        falco_abi::syscalls::PPM_SC
            .iter()
            .find(|s| s.name == n)
            .unwrap()
            .code
    };
    let mut engine = ModernEbpfEngine::open(&ModernEbpfOptions {
        syscalls: Some([code("execve"), code("execveat")].into_iter().collect()),
        scan: None,
        ..ModernEbpfOptions::default()
    })
    .expect("the probe loads and attaches");
    // Fileless execution: a copy of `true` in a memfd, run with fexecve
    // (glibc execs /proc/self/fd/N, or execveat with AT_EMPTY_PATH). Its
    // argv[0] stays "true": busybox (in the test VM) picks the applet by it.
    let script = "import os, shutil\n\
        fd = os.memfd_create('rs-fileless', 0)\n\
        os.write(fd, open(os.path.realpath(shutil.which('true')), 'rb').read())\n\
        os.execve(fd, ['true'], {})\n";
    let child = Command::new(PYTHON).arg("-c").arg(script).spawn().unwrap();
    let pid = child.id() as u64;
    assert!(child.wait_with_output().unwrap().status.success());
    let mut flags = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && flags.is_none() {
        if let Next::Event(ev) = engine.next().unwrap() {
            let exec = [E::SYSCALL_EXECVE_19_X as u16, E::SYSCALL_EXECVEAT_X as u16];
            let exec_ok = ev.tid == pid && exec.contains(&ev.evt_type) && int(&ev, "res") == 0;
            // (the first exec is the interpreter's own)
            if exec_ok && text(&ev, "exe") == "true" {
                flags = Some(uint(&ev, "flags"));
            }
        }
    }
    let flags = flags.expect("the exec of the memfd");
    assert_eq!(flags & 0x4, 0x4, "EXE_FROM_MEMFD in {flags:#x}");
}

/// Ids of the loaded BPF programs named like our dispatcher.
fn dispatcher_ids() -> std::collections::BTreeSet<u32> {
    aya::programs::loaded_programs()
        .filter_map(Result::ok)
        .filter(|p| p.name_as_str() == Some("sys_exit"))
        .map(|p| p.id())
        .collect()
}

#[test]
fn dropping_the_engine_detaches_and_unloads_the_probe() {
    if !is_root() {
        return;
    }
    let before = dispatcher_ids();
    let engine = ModernEbpfEngine::open(&ModernEbpfOptions {
        scan: None,
        ..ModernEbpfOptions::default()
    })
    .expect("the probe loads and attaches");
    let ours: Vec<u32> = dispatcher_ids().difference(&before).copied().collect();
    assert!(
        !ours.is_empty(),
        "the dispatcher is loaded while the engine lives"
    );
    drop(engine);
    // The kernel frees a program once its last fd and link are gone.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = dispatcher_ids();
        if ours.iter().all(|id| !now.contains(id)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "program(s) {ours:?} still loaded after the engine was dropped"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
