// SPDX-License-Identifier: GPL-2.0
//! falco: the Rust-for-Linux syscall capture module of falco-rs.
//!
//! Hooks sys_exit, sched_process_exit and sched_process_exec, encodes
//! Falco's current (exit-only) events with falco-abi's encoder and writes
//! them into one ring per CPU, mapped by userspace through `/dev/falco<N>`
//! (falco-abi's `ring.rs` and `ioctl.rs` are the contract).
//!
//! - `sys/`: all FFI and unsafe, one file per concept: `tracepoint.rs`
//!   (probes on tracepoints), `cell.rs` (per-CPU probe state), `ring.rs`
//!   (ring memory), `device.rs` (the `/dev/falco<N>` devices), `task.rs`
//!   (syscall registers, task facts, user memory), `net.rs` (sockets);
//!   `mod.rs` the module parameters.
//! - `producer.rs`: one CPU's ring, the producer side.
//! - `capture.rs`: the rings, what userspace asked for, the probes and the
//!   device operations.
//! - `fillers/`: one file per syscall family.

use kernel::prelude::*;
use kernel::sync::Arc;

mod capture;
mod fillers;
mod producer;
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
#[allow(dead_code, unreachable_pub)]
#[path = "../driver/src/convert.rs"]
mod convert;
#[allow(dead_code, unreachable_pub)]
#[path = "../driver/src/ring.rs"]
mod ring;
#[allow(dead_code, unreachable_pub)]
#[path = "../driver/src/ioctl.rs"]
mod ioctl;

use capture::Capture;
use sys::{Devices, Hook, Tracepoint};

module! {
    type: Falco,
    name: "falco",
    author: "falco-rs",
    description: "falco-rs syscall capture",
    license: "GPL",
}

struct Falco {
    // Dropped in this order: the probes first (unregistered and waited
    // for), then the devices, then (with the last reference) the rings.
    _switch: Option<Tracepoint<Capture>>,
    _sys_exit: Tracepoint<Capture>,
    _exec: Tracepoint<Capture>,
    _exit: Tracepoint<Capture>,
    _devices: Devices<Capture>,
    capture: Arc<Capture>,
}

impl kernel::Module for Falco {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let data_size = sys::param_buffer_bytes();
        if !data_size.is_power_of_two() || !(ring::RING_MIN_DATA_SIZE..=ring::RING_MAX_DATA_SIZE).contains(&data_size) {
            pr_err!(
                "buffer_bytes={} is not a power of two between {} and {}\n",
                data_size,
                ring::RING_MIN_DATA_SIZE,
                ring::RING_MAX_DATA_SIZE
            );
            return Err(EINVAL);
        }
        let cpus = sys::nr_cpu_ids();
        let capture = Arc::new(Capture::new(cpus, data_size)?, GFP_KERNEL)?;
        let devices = Devices::register(module, cpus, capture.clone())?;
        // Process exits and execs first, so no process ends unseen and no
        // execve exit misses its file name between the attaches.
        let exit = Tracepoint::attach(Hook::ProcessExit, capture.clone())?;
        let exec = Tracepoint::attach(Hook::ProcessExec, capture.clone())?;
        let sys_exit = Tracepoint::attach(Hook::SysExit, capture.clone())?;
        let switch = if sys::param_sched_switch() {
            Some(Tracepoint::attach(Hook::SchedSwitch, capture.clone())?)
        } else {
            None
        };
        pr_info!(
            "{} devices, {} bytes per ring; attached to sys_exit, sched_process_exit, sched_process_exec{}\n",
            cpus,
            data_size,
            if switch.is_some() { ", sched_switch" } else { "" }
        );
        Ok(Falco {
            _switch: switch,
            _sys_exit: sys_exit,
            _exec: exec,
            _exit: exit,
            _devices: devices,
            capture,
        })
    }
}

impl Drop for Falco {
    fn drop(&mut self) {
        // The guards detach after this body, when the fields drop; the
        // counts printed here are final up to the last few in flight.
        let t = capture::totals(&self.capture);
        pr_info!(
            "unloading; last capture: {} events written, {} tracepoint hits, drops: {} buffer, {} page fault, {} bug, {} scratch\n",
            t.n_evts,
            t.n_hits,
            t.n_drops_buffer,
            t.n_drops_pf,
            t.n_drops_bug,
            t.n_drops_scratch
        );
    }
}
