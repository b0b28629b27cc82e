// SPDX-License-Identifier: GPL-2.0
//! Probes on kernel tracepoints: [`Tracepoint`] attaches a [`Hooks`]
//! implementation to the tracepoint a [`Hook`] names (found by name in the
//! kernel's list), through one `extern "C"` trampoline per hook, and
//! detaches it on drop (unregister, then `tracepoint_synchronize_unregister`
//! before the hooks are released).

use super::task::{Bprm, Regs};
use core::ffi::c_void;
use kernel::c_str;
use kernel::ffi::{c_char, c_int, c_long, c_uint};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::Arc;

/// The kernel's `struct tracepoint`; only its first member, `name`, is
/// read here.
#[repr(C)]
struct RawTracepoint {
    name: *const c_char,
}

#[allow(improper_ctypes)]
extern "C" {
    fn for_each_kernel_tracepoint(
        visit: unsafe extern "C" fn(tp: *mut RawTracepoint, data: *mut c_void),
        data: *mut c_void,
    );
    fn tracepoint_probe_register(tp: *mut RawTracepoint, probe: *mut c_void, data: *mut c_void) -> c_int;
    fn tracepoint_probe_unregister(tp: *mut RawTracepoint, probe: *mut c_void, data: *mut c_void) -> c_int;

    // helpers.c
    fn falco_task_tid(task: *mut c_void) -> i64;
    fn falco_tracepoint_sync();
}

/// What the tracepoints call. Implementations run with preemption
/// disabled: they must not sleep or allocate with GFP_KERNEL.
pub(crate) trait Hooks: Send + Sync + 'static {
    fn sys_exit(&self, regs: &Regs, ret: i64);
    /// The current task is exiting (`sched_process_exit`).
    fn process_exit(&self);
    /// The current task has exec'd a new image (`sched_process_exec`).
    fn process_exec(&self, bprm: &Bprm);
    /// The current task is switched out for the thread `next_tid`
    /// (`sched_switch`; runs with the runqueue locked and IRQs off).
    fn sched_switch(&self, next_tid: i64);
}

/// The probe trampolines the tracepoints call, one per hook.
///
/// # Safety
/// Registered only by [`Tracepoint::attach`] with `data` pointing at a live
/// `T` kept alive by the `Tracepoint` guard.
unsafe extern "C" fn sys_exit_probe<T: Hooks>(data: *mut c_void, regs: *mut c_void, ret: c_long) {
    // SAFETY: `data` is the `Arc<T>` payload the guard keeps alive until
    // the probe is unregistered and synchronised (see `Tracepoint::drop`).
    let hooks = unsafe { &*(data as *const T) };
    hooks.sys_exit(&Regs(regs), ret as i64);
}

/// See [`sys_exit_probe`]; `sched_process_exit(struct task_struct *)`,
/// called by the exiting task itself.
unsafe extern "C" fn process_exit_probe<T: Hooks>(data: *mut c_void, _task: *mut c_void) {
    // SAFETY: as in `sys_exit_probe`.
    let hooks = unsafe { &*(data as *const T) };
    hooks.process_exit();
}

/// See [`sys_exit_probe`]; `sched_process_exec(task, old_pid, bprm)`.
unsafe extern "C" fn process_exec_probe<T: Hooks>(
    data: *mut c_void,
    _task: *mut c_void,
    _old_pid: c_int,
    bprm: *mut c_void,
) {
    // SAFETY: as in `sys_exit_probe`.
    let hooks = unsafe { &*(data as *const T) };
    hooks.process_exec(&Bprm(bprm));
}

/// See [`sys_exit_probe`]; `sched_switch(preempt, prev, next, prev_state)`.
unsafe extern "C" fn sched_switch_probe<T: Hooks>(
    data: *mut c_void,
    _preempt: bool,
    _prev: *mut c_void,
    next: *mut c_void,
    _prev_state: c_uint,
) {
    // SAFETY: as in `sys_exit_probe`.
    let hooks = unsafe { &*(data as *const T) };
    // SAFETY: `next` is the live task the scheduler switches to.
    let next_tid = unsafe { falco_task_tid(next) };
    hooks.sched_switch(next_tid);
}

/// Which tracepoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hook {
    SysExit,
    ProcessExit,
    ProcessExec,
    SchedSwitch,
}

impl Hook {
    fn name(self) -> &'static CStr {
        match self {
            Hook::SysExit => c_str!("sys_exit"),
            Hook::ProcessExit => c_str!("sched_process_exit"),
            Hook::ProcessExec => c_str!("sched_process_exec"),
            Hook::SchedSwitch => c_str!("sched_switch"),
        }
    }

    fn probe<T: Hooks>(self) -> *mut c_void {
        match self {
            Hook::SysExit => sys_exit_probe::<T> as *mut c_void,
            Hook::ProcessExit => process_exit_probe::<T> as *mut c_void,
            Hook::ProcessExec => process_exec_probe::<T> as *mut c_void,
            Hook::SchedSwitch => sched_switch_probe::<T> as *mut c_void,
        }
    }
}

/// The search state of [`find`].
struct Search {
    name: &'static CStr,
    found: *mut RawTracepoint,
}

/// Called for every kernel tracepoint by `for_each_kernel_tracepoint`.
///
/// # Safety
/// `data` is the `Search` that `find` passes; `tp` a live tracepoint.
unsafe extern "C" fn visit(tp: *mut RawTracepoint, data: *mut c_void) {
    // SAFETY: `find` passes a pointer to its own `Search`, alive for the
    // whole walk, and nothing else aliases it meanwhile.
    let search = unsafe { &mut *(data as *mut Search) };
    // SAFETY: the kernel passes live tracepoints whose `name` is a
    // NUL-terminated string that lives as long as the kernel.
    let name = unsafe { CStr::from_char_ptr((*tp).name) };
    if name.as_bytes() == search.name.as_bytes() {
        search.found = tp;
    }
}

fn find(name: &'static CStr) -> Result<*mut RawTracepoint> {
    let mut search = Search {
        name,
        found: core::ptr::null_mut(),
    };
    // SAFETY: `visit` matches the callback type and only touches `search`
    // through the pointer given here, which outlives the call.
    unsafe { for_each_kernel_tracepoint(visit, &mut search as *mut Search as *mut c_void) };
    if search.found.is_null() {
        pr_err!("tracepoint {} not found\n", name);
        return Err(ENOENT);
    }
    Ok(search.found)
}

/// A probe attached to a tracepoint; detached (and waited for) on drop.
pub(crate) struct Tracepoint<T: Hooks> {
    tp: *mut RawTracepoint,
    probe: *mut c_void,
    hooks: Arc<T>,
}

// SAFETY: the raw pointers name kernel objects (a tracepoint, a function)
// that live as long as the kernel and are only passed back to the kernel.
unsafe impl<T: Hooks> Send for Tracepoint<T> {}
// SAFETY: as above; `&Tracepoint` gives access to nothing but `hooks`,
// which is `Sync`.
unsafe impl<T: Hooks> Sync for Tracepoint<T> {}

impl<T: Hooks> Tracepoint<T> {
    /// Attaches `hooks` to the tracepoint `which`.
    pub(crate) fn attach(which: Hook, hooks: Arc<T>) -> Result<Self> {
        let tp = find(which.name())?;
        let probe = which.probe::<T>();
        let data = &*hooks as *const T as *mut c_void;
        // SAFETY: `tp` is a live tracepoint whose prototype is the one
        // `probe` was chosen for by `which`; `data` stays valid until
        // `drop` has unregistered and synchronised.
        let err = unsafe { tracepoint_probe_register(tp, probe, data) };
        if err != 0 {
            pr_err!("registering on {} failed: {}\n", which.name(), err);
            return Err(Error::from_errno(err));
        }
        Ok(Tracepoint { tp, probe, hooks })
    }
}

impl<T: Hooks> Drop for Tracepoint<T> {
    fn drop(&mut self) {
        let data = &*self.hooks as *const T as *mut c_void;
        // SAFETY: the same (tracepoint, probe, data) triple `attach`
        // registered.
        let err = unsafe { tracepoint_probe_unregister(self.tp, self.probe, data) };
        if err != 0 {
            pr_err!("unregistering a probe failed: {}\n", err);
        }
        // SAFETY: plain call; after it no CPU runs the probe any more, so
        // `hooks` may be released when this guard's fields drop.
        unsafe { falco_tracepoint_sync() };
    }
}
