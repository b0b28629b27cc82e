// SPDX-License-Identifier: GPL-2.0
//! Everything unsafe in the module: the kernel functions 6.12's `kernel`
//! crate does not wrap, declared here and wrapped in safe types. Nothing
//! outside this file uses `unsafe`.
//!
//! - [`Tracepoint`]: a probe attached to a kernel tracepoint, found by name
//!   (`__tracepoint_sys_enter` is not exported, so the kernel's list is
//!   searched). Dropping it unregisters the probe and waits until no CPU
//!   can still be running it (`tracepoint_synchronize_unregister`), and only
//!   then releases the probe's data.

use core::ffi::c_void;
use kernel::ffi::{c_char, c_int, c_long};
use kernel::prelude::*;
use kernel::c_str;
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
    /// helpers.c: `tracepoint_synchronize_unregister()` (static inline).
    fn falco_tracepoint_sync();
}

/// What the raw syscall tracepoints call: `sys_enter(regs, id)` and
/// `sys_exit(regs, ret)`. Implementations run with preemption disabled:
/// they must not sleep or allocate with GFP_KERNEL.
pub(crate) trait SyscallHooks: Send + Sync + 'static {
    fn sys_enter(&self, id: i64);
    fn sys_exit(&self, ret: i64);
}

/// The probe trampolines the tracepoints call, one per hook.
///
/// # Safety
/// Registered only by [`Tracepoint::attach`] with `data` pointing at a live
/// `T` kept alive by the `Tracepoint` guard.
unsafe extern "C" fn sys_enter_probe<T: SyscallHooks>(data: *mut c_void, _regs: *mut c_void, id: c_long) {
    // SAFETY: `data` is the `Arc<T>` payload the guard keeps alive until
    // the probe is unregistered and synchronised (see `Tracepoint::drop`).
    let hooks = unsafe { &*(data as *const T) };
    hooks.sys_enter(id as i64);
}

/// See [`sys_enter_probe`].
unsafe extern "C" fn sys_exit_probe<T: SyscallHooks>(data: *mut c_void, _regs: *mut c_void, ret: c_long) {
    // SAFETY: as in `sys_enter_probe`.
    let hooks = unsafe { &*(data as *const T) };
    hooks.sys_exit(ret as i64);
}

/// Which raw syscall tracepoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SyscallTracepoint {
    Enter,
    Exit,
}

impl SyscallTracepoint {
    fn name(self) -> &'static CStr {
        match self {
            SyscallTracepoint::Enter => c_str!("sys_enter"),
            SyscallTracepoint::Exit => c_str!("sys_exit"),
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
pub(crate) struct Tracepoint<T: SyscallHooks> {
    tp: *mut RawTracepoint,
    probe: *mut c_void,
    hooks: Arc<T>,
}

// SAFETY: the raw pointers name kernel objects (a tracepoint, a function)
// that live as long as the kernel and are only passed back to the kernel.
unsafe impl<T: SyscallHooks> Send for Tracepoint<T> {}
// SAFETY: as above; `&Tracepoint` gives access to nothing but `hooks`,
// which is `Sync`.
unsafe impl<T: SyscallHooks> Sync for Tracepoint<T> {}

impl<T: SyscallHooks> Tracepoint<T> {
    /// Attaches `hooks` to the raw syscall tracepoint `which`.
    pub(crate) fn attach(which: SyscallTracepoint, hooks: Arc<T>) -> Result<Self> {
        let tp = find(which.name())?;
        let probe = match which {
            SyscallTracepoint::Enter => sys_enter_probe::<T> as *mut c_void,
            SyscallTracepoint::Exit => sys_exit_probe::<T> as *mut c_void,
        };
        let data = &*hooks as *const T as *mut c_void;
        // SAFETY: `tp` is a live tracepoint whose prototype is
        // `(struct pt_regs *, long)`, which `probe` matches; `data` stays
        // valid until `drop` has unregistered and synchronised.
        let err = unsafe { tracepoint_probe_register(tp, probe, data) };
        if err != 0 {
            pr_err!("registering on {} failed: {}\n", which.name(), err);
            return Err(Error::from_errno(err));
        }
        Ok(Tracepoint { tp, probe, hooks })
    }
}

impl<T: SyscallHooks> Drop for Tracepoint<T> {
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
