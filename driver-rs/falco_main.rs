// SPDX-License-Identifier: GPL-2.0
//! falco: the Rust-for-Linux syscall capture module of falco-rs.
//!
//! This first stage hooks the raw syscall tracepoints and counts what they
//! see, classifying each syscall with the ABI's x86-64 table (which event
//! it exits with, or the generic one); the event encoding into per-CPU mmap
//! rings builds on these hooks. All FFI lives in `sys`.

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;

mod sys;

// The ABI of driver/ (falco-abi), compiled in from its own files, not
// copied: each file sits at this crate's root under the name falco-abi's
// lib.rs gives it, so its `crate::` and `$crate::` paths resolve here as
// they do there. The driver-rs tree must sit beside driver/ (as in the
// repository and the DKMS source).
#[allow(dead_code, unreachable_pub)]
#[path = "../driver/src/flag_tables.rs"]
mod flag_tables;
#[allow(dead_code, unreachable_pub)]
#[path = "../driver/src/flags.rs"]
mod flags;
#[allow(dead_code, unreachable_pub)]
#[path = "../driver/src/schema.rs"]
mod schema;
#[allow(dead_code, unreachable_pub)]
#[path = "../driver/src/events.rs"]
mod events;
#[allow(dead_code, unreachable_pub)]
#[path = "../driver/src/syscall_table.rs"]
mod syscall_table;
#[allow(dead_code, unreachable_pub)]
#[path = "../driver/src/syscalls.rs"]
mod syscalls;

use sys::{SyscallHooks, SyscallTracepoint, Tracepoint};

module! {
    type: Falco,
    name: "falco",
    author: "falco-rs",
    description: "falco-rs syscall capture",
    license: "GPL",
}

/// What the probes update. Atomics: probes run on every CPU at once.
struct Counters {
    enters: AtomicU64,
    exits: AtomicU64,
    /// Entries of syscalls that exit with an event of their own (not the
    /// generic one), by the ABI's x86-64 table.
    with_event: AtomicU64,
}

impl SyscallHooks for Counters {
    fn sys_enter(&self, id: i64) {
        self.enters.fetch_add(1, Ordering::Relaxed);
        let own_event = u16::try_from(id)
            .ok()
            .and_then(syscalls::x86_64_syscall)
            .is_some_and(|sc| sc.exit_event != 0);
        if own_event {
            self.with_event.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn sys_exit(&self, _ret: i64) {
        self.exits.fetch_add(1, Ordering::Relaxed);
    }
}

struct Falco {
    counters: Arc<Counters>,
    // Each guard holds its own reference to the counters, so they outlive
    // the probes whatever the drop order.
    _exit: Tracepoint<Counters>,
    _enter: Tracepoint<Counters>,
}

impl kernel::Module for Falco {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let counters = Arc::new(
            Counters {
                enters: AtomicU64::new(0),
                exits: AtomicU64::new(0),
                with_event: AtomicU64::new(0),
            },
            GFP_KERNEL,
        )?;
        let enter = Tracepoint::attach(SyscallTracepoint::Enter, counters.clone())?;
        let exit = Tracepoint::attach(SyscallTracepoint::Exit, counters.clone())?;
        pr_info!("attached to sys_enter and sys_exit\n");
        Ok(Falco {
            counters,
            _exit: exit,
            _enter: enter,
        })
    }
}

impl Drop for Falco {
    fn drop(&mut self) {
        // The guards detach after this body, when the fields drop; the
        // counts printed here are final up to the last few in flight.
        pr_info!(
            "detaching; {} syscall entries and {} exits seen, {} entries of syscalls with an event of their own\n",
            self.counters.enters.load(Ordering::Relaxed),
            self.counters.exits.load(Ordering::Relaxed),
            self.counters.with_event.load(Ordering::Relaxed)
        );
    }
}
