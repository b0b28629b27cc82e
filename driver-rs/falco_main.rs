// SPDX-License-Identifier: GPL-2.0
//! falco: the Rust-for-Linux syscall capture module of falco-rs.
//!
//! This first stage hooks the raw syscall tracepoints and counts what they
//! see per direction; the event encoding into per-CPU mmap rings (the ABI
//! of driver/, compiled in by `#[path]`) builds on these hooks. All FFI
//! lives in `sys`.

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;

mod sys;

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
}

impl SyscallHooks for Counters {
    fn sys_enter(&self, _id: i64) {
        self.enters.fetch_add(1, Ordering::Relaxed);
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
            "detaching; {} syscall entries and {} exits seen\n",
            self.counters.enters.load(Ordering::Relaxed),
            self.counters.exits.load(Ordering::Relaxed)
        );
    }
}
