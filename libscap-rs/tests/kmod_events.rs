//! Event-level tests of the kernel module through the kmod engine: the
//! shared workload of tests/common/syscall_events.rs, every parameter of
//! every supported syscall. They need the module loaded (/dev/falco0), so
//! they run inside the test VM (scripts/kmod-test.sh builds this binary
//! statically and runs it there); on a host without the module they are
//! skipped with a message.

mod common;

use falco_scap::kmod::{KmodEngine, KmodOptions};
use std::path::Path;

fn module_loaded() -> bool {
    let loaded = Path::new("/dev/falco0").exists();
    if !loaded {
        eprintln!(
            "skipped: no /dev/falco0 (scripts/kmod-test.sh runs these in a VM with the module)"
        );
    }
    loaded && common::syscall_events::is_root()
}

#[test]
fn every_supported_syscall_carries_its_parameters() {
    if !module_loaded() {
        return;
    }
    common::syscall_events::check_every_supported_syscall(|syscalls| {
        let engine = KmodEngine::open(&KmodOptions {
            syscalls: Some(syscalls),
            scan: None,
            ..KmodOptions::default()
        })
        .expect("the kmod engine opens every CPU's device");
        Box::new(engine)
    });
}

#[test]
fn connect_on_a_non_socket_has_no_tuple() {
    if !module_loaded() {
        return;
    }
    common::syscall_events::check_connect_on_a_non_socket(|syscalls| {
        let engine = KmodEngine::open(&KmodOptions {
            syscalls: Some(syscalls),
            scan: None,
            ..KmodOptions::default()
        })
        .expect("the kmod engine opens every CPU's device");
        Box::new(engine)
    });
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
