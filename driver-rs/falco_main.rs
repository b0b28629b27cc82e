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
#[allow(dead_code, unreachable_pub)]
#[path = "../driver/src/header.rs"]
mod header;
#[allow(dead_code, unreachable_pub)]
#[path = "../driver/src/encode.rs"]
mod encode;

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
    /// Generic events encoded (into a probe-local buffer for now: the
    /// per-CPU rings come next), their bytes, and encoding failures.
    encoded: AtomicU64,
    encoded_bytes: AtomicU64,
    encode_errors: AtomicU64,
}

/// Falco's generic event for syscall `nr` (PPM_SC code, native number),
/// encoded with the ABI's writer. Time and thread are 0 until the module
/// reads them (next stage).
fn encode_generic(buf: &mut [u8], nr: u16) -> Result<usize, encode::EncodeError> {
    let ppm_sc = syscalls::x86_64_syscall(nr).map_or(0, |sc| sc.ppm_sc);
    let mut w = encode::EventWriter::new(buf, events::EventCode::GENERIC_X as u16, 0, 0)?;
    w.u16(ppm_sc).u16(nr);
    w.finish()
}

impl SyscallHooks for Counters {
    fn sys_enter(&self, id: i64) {
        self.enters.fetch_add(1, Ordering::Relaxed);
        let Ok(nr) = u16::try_from(id) else {
            return;
        };
        if syscalls::x86_64_syscall(nr).is_some_and(|sc| sc.exit_event != 0) {
            self.with_event.fetch_add(1, Ordering::Relaxed);
        }
        let mut buf = [0u8; 64];
        match encode_generic(&mut buf, nr) {
            Ok(len) => {
                self.encoded.fetch_add(1, Ordering::Relaxed);
                self.encoded_bytes.fetch_add(len as u64, Ordering::Relaxed);
            }
            Err(_) => {
                self.encode_errors.fetch_add(1, Ordering::Relaxed);
            }
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
                encoded: AtomicU64::new(0),
                encoded_bytes: AtomicU64::new(0),
                encode_errors: AtomicU64::new(0),
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
        pr_info!(
            "encoded {} generic events, {} bytes, {} failures\n",
            self.counters.encoded.load(Ordering::Relaxed),
            self.counters.encoded_bytes.load(Ordering::Relaxed),
            self.counters.encode_errors.load(Ordering::Relaxed)
        );
    }
}
