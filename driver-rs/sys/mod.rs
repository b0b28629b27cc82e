// SPDX-License-Identifier: GPL-2.0
//! Everything unsafe in the module: the kernel functions 6.12's `kernel`
//! crate does not wrap, declared `extern "C"` in the file that uses them
//! and wrapped in safe types. Nothing outside `sys/` uses `unsafe`.
//!
//! - `tracepoint.rs`: [`Tracepoint`], a probe attached to a kernel
//!   tracepoint, found by name (`__tracepoint_sys_enter` is not exported,
//!   so the kernel's list is searched); the [`Hooks`] it calls and the
//!   trampolines for each [`Hook`]. Dropping it unregisters the probe and
//!   waits until no CPU can still be running it
//!   (`tracepoint_synchronize_unregister`), and only then releases the
//!   probe's data.
//! - `cell.rs`: [`ProbeCell`], one CPU's probe state behind an atomic flag
//!   (probes never wait; the control path spins).
//! - `ring.rs`: [`RingMemory`], a `vmalloc_user` area (zeroed, mappable)
//!   holding one CPU's control page and event data.
//! - `device.rs`: [`Devices`], one misc device per CPU whose file
//!   operations call a [`DeviceOps`]; `mmap` maps the CPU's [`RingMemory`].
//! - `task.rs`: [`Regs`], [`Bprm`], [`TaskFacts`], [`read_user`],
//!   [`now_ns`], ...: what the probes read about the syscall, the current
//!   task and user memory, without sleeping.
//! - `net.rs`: the sockets behind the current task's descriptors.
//! - here: the module parameters and the number of CPU ids.

mod cell;
mod device;
pub(crate) mod net;
mod ring;
mod task;
mod tracepoint;

pub(crate) use cell::ProbeCell;
pub(crate) use device::{DeviceOps, Devices};
pub(crate) use ring::RingMemory;
pub(crate) use task::{
    bprm_filename, cpu_id, current_cgroups, current_facts, current_ids, current_mem, exe_path, fd_facts,
    in_compat_syscall, now_ns, read_user, Bprm, MemFacts, Regs, TaskFacts,
};
pub(crate) use tracepoint::{Hook, Hooks, Tracepoint};

use kernel::ffi::{c_uint, c_ulong};

#[allow(improper_ctypes)]
extern "C" {
    // helpers.c
    fn falco_param_buffer_bytes() -> c_ulong;
    fn falco_param_sched_switch() -> bool;
    fn falco_nr_cpu_ids() -> c_uint;
}

/// The `buffer_bytes` module parameter (declared in helpers.c).
pub(crate) fn param_buffer_bytes() -> usize {
    // SAFETY: reads a module parameter; no preconditions.
    unsafe { falco_param_buffer_bytes() }
}

/// The `sched_switch` module parameter (declared in helpers.c).
pub(crate) fn param_sched_switch() -> bool {
    // SAFETY: reads a module parameter; no preconditions.
    unsafe { falco_param_sched_switch() }
}

/// How many CPU ids the kernel may use (`nr_cpu_ids`).
pub(crate) fn nr_cpu_ids() -> usize {
    // SAFETY: reads a variable set at boot.
    unsafe { falco_nr_cpu_ids() as usize }
}
