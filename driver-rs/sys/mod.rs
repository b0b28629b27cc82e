// SPDX-License-Identifier: GPL-2.0
//! Everything unsafe in the module: the kernel functions 6.12's `kernel`
//! crate does not wrap, declared here (and in `net.rs`, the socket facts)
//! and wrapped in safe types. Nothing outside `sys/` uses `unsafe`.
//!
//! - [`Tracepoint`]: a probe attached to a kernel tracepoint, found by name
//!   (`__tracepoint_sys_enter` is not exported, so the kernel's list is
//!   searched). Dropping it unregisters the probe and waits until no CPU
//!   can still be running it (`tracepoint_synchronize_unregister`), and only
//!   then releases the probe's data.
//! - [`RingMemory`]: a `vmalloc_user` area (zeroed, mappable) holding one
//!   CPU's control page and event data.
//! - [`Devices`]: one misc device per CPU whose file operations call a
//!   [`DeviceOps`]; `mmap` maps the CPU's [`RingMemory`].
//! - [`Regs`], [`TaskFacts`], [`read_user`], [`now_ns`]: what the probes
//!   read about the syscall, the current task and user memory, without
//!   sleeping.

pub(crate) mod net;

use core::ffi::c_void;
use core::sync::atomic::AtomicU64;
use kernel::bindings;
use kernel::c_str;
use kernel::ffi::{c_char, c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::Arc;

/// The kernel's `struct tracepoint`; only its first member, `name`, is
/// read here.
#[repr(C)]
struct RawTracepoint {
    name: *const c_char,
}

/// helpers.c's `struct falco_dev` (opaque here).
#[repr(C)]
struct RawDev {
    _private: [u8; 0],
}

/// helpers.c's `struct falco_mem_facts`: page faults and memory counters
/// (in pages) of the current task.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct MemFacts {
    pub(crate) maj_flt: u64,
    pub(crate) min_flt: u64,
    pub(crate) total_vm: u64,
    pub(crate) rss_file: u64,
    pub(crate) rss_anon: u64,
    pub(crate) rss_shmem: u64,
    pub(crate) swap_ents: u64,
}

/// helpers.c's `struct falco_task_facts`, field for field.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct TaskFacts {
    pub(crate) tid: i64,
    pub(crate) pid: i64,
    pub(crate) ptid: i64,
    pub(crate) vtid: i64,
    pub(crate) vpid: i64,
    pub(crate) pgid: i64,
    pub(crate) vpgid: i64,
    pub(crate) ns_level: u32,
    pub(crate) tty: u32,
    pub(crate) loginuid: u32,
    pub(crate) euid: u32,
    pub(crate) egid: u32,
    pub(crate) exit_code: u32,
    pub(crate) fdlimit: u64,
    pub(crate) mem: MemFacts,
    pub(crate) arg_start: u64,
    pub(crate) arg_end: u64,
    pub(crate) env_start: u64,
    pub(crate) env_end: u64,
    pub(crate) cap_inheritable: u64,
    pub(crate) cap_permitted: u64,
    pub(crate) cap_effective: u64,
    pub(crate) has_exe: u32,
    pub(crate) exe_mode: u32,
    pub(crate) exe_uid: u32,
    pub(crate) exe_gid: u32,
    pub(crate) exe_sb_rdonly: u32,
    pad: u32,
    pub(crate) exe_ino: u64,
    pub(crate) exe_ctime_ns: u64,
    pub(crate) exe_mtime_ns: u64,
    pub(crate) exe_name: [u8; 8],
    pub(crate) comm: [u8; 16],
}

#[allow(improper_ctypes)]
extern "C" {
    fn for_each_kernel_tracepoint(
        visit: unsafe extern "C" fn(tp: *mut RawTracepoint, data: *mut c_void),
        data: *mut c_void,
    );
    fn tracepoint_probe_register(tp: *mut RawTracepoint, probe: *mut c_void, data: *mut c_void) -> c_int;
    fn tracepoint_probe_unregister(tp: *mut RawTracepoint, probe: *mut c_void, data: *mut c_void) -> c_int;
    fn vmalloc_user_noprof(size: c_ulong) -> *mut c_void;
    fn vfree(addr: *const c_void);
    fn remap_vmalloc_range(vma: *mut bindings::vm_area_struct, addr: *mut c_void, pgoff: c_ulong) -> c_int;

    // helpers.c
    fn falco_param_buffer_bytes() -> c_ulong;
    fn falco_param_sched_switch() -> bool;
    fn falco_task_tid(task: *mut c_void) -> i64;
    fn falco_tracepoint_sync();
    fn falco_cpu_id() -> c_uint;
    fn falco_nr_cpu_ids() -> c_uint;
    fn falco_syscall_nr(regs: *mut c_void) -> c_long;
    fn falco_syscall_args(regs: *mut c_void, args: *mut c_ulong);
    fn falco_in_compat_syscall() -> c_int;
    fn falco_dev_create(
        index: c_uint,
        fops: *const bindings::file_operations,
        data: *mut c_void,
        out: *mut *mut RawDev,
    ) -> c_int;
    fn falco_dev_destroy(dev: *mut RawDev);
    fn falco_file_dev(file: *mut bindings::file, index: *mut c_uint) -> *mut c_void;
    fn falco_vma_len(vma: *mut bindings::vm_area_struct) -> c_ulong;
    fn falco_current_facts(out: *mut TaskFacts);
    fn falco_current_mem(out: *mut MemFacts);
    fn falco_exe_path(buf: *mut c_char, len: c_int) -> c_int;
    fn falco_fd_facts(fd: c_int, dev: *mut u32, ino: *mut u64, f_mode: *mut u32) -> c_int;
    fn falco_current_ids(tid: *mut i64, tgid: *mut i64);
    fn falco_bprm_filename(bprm: *mut c_void) -> *const c_char;
    fn falco_current_cgroups(buf: *mut c_char, len: c_int) -> c_int;
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

/// The CPU this code runs on. Stable only where preemption is disabled
/// (the probes); elsewhere a hint.
pub(crate) fn cpu_id() -> usize {
    // SAFETY: no preconditions.
    unsafe { falco_cpu_id() as usize }
}

/// How many CPU ids the kernel may use (`nr_cpu_ids`).
pub(crate) fn nr_cpu_ids() -> usize {
    // SAFETY: reads a variable set at boot.
    unsafe { falco_nr_cpu_ids() as usize }
}

/// Wall-clock nanoseconds (`ktime_get_real_fast_ns`: lock free, usable in
/// any context).
pub(crate) fn now_ns() -> u64 {
    // SAFETY: no preconditions; safe in any context.
    unsafe { bindings::ktime_get_real_fast_ns() }
}

/// Whether the current syscall is a 32-bit compat one (other numbers).
pub(crate) fn in_compat_syscall() -> bool {
    // SAFETY: reads the current task's state; no preconditions.
    unsafe { falco_in_compat_syscall() != 0 }
}

/// The facts about the current task (pids, credentials, memory, exe).
pub(crate) fn current_facts() -> TaskFacts {
    let mut f = core::mem::MaybeUninit::<TaskFacts>::uninit();
    // SAFETY: `falco_current_facts` writes every byte of the struct (it
    // memsets it first); its layout matches helpers.c field for field.
    unsafe {
        falco_current_facts(f.as_mut_ptr());
        f.assume_init()
    }
}

/// The current task's page faults and memory counters only (what a
/// context switch carries: cheaper than `current_facts`).
pub(crate) fn current_mem() -> MemFacts {
    let mut m = core::mem::MaybeUninit::<MemFacts>::uninit();
    // SAFETY: `falco_current_mem` writes every byte of the struct (it
    // memsets it first); its layout matches helpers.c field for field.
    unsafe {
        falco_current_mem(m.as_mut_ptr());
        m.assume_init()
    }
}

/// The current executable's path into `buf` (NUL included); its length.
pub(crate) fn exe_path(buf: &mut [u8]) -> Option<usize> {
    let len = c_int::try_from(buf.len()).ok()?;
    // SAFETY: `buf` is writable for `len` bytes; the helper writes inside.
    let n = unsafe { falco_exe_path(buf.as_mut_ptr() as *mut c_char, len) };
    usize::try_from(n).ok().filter(|&n| n > 0 && n <= buf.len())
}

/// What a file descriptor of the current task refers to.
#[derive(Clone, Copy, Default)]
pub(crate) struct FdFacts {
    pub(crate) dev: u32,
    pub(crate) ino: u64,
    pub(crate) f_mode: u32,
}

/// The device, inode and open mode of the current task's descriptor `fd`.
pub(crate) fn fd_facts(fd: i64) -> Option<FdFacts> {
    let fd = c_int::try_from(fd).ok()?;
    let mut f = FdFacts::default();
    // SAFETY: the out-pointers are valid for their writes.
    let err = unsafe { falco_fd_facts(fd, &mut f.dev, &mut f.ino, &mut f.f_mode) };
    (err == 0).then_some(f)
}

/// The current thread's id and thread-group id.
pub(crate) fn current_ids() -> (i64, i64) {
    let (mut tid, mut tgid) = (0i64, 0i64);
    // SAFETY: the out-pointers are valid for their writes.
    unsafe { falco_current_ids(&mut tid, &mut tgid) };
    (tid, tgid)
}

/// `subsys=/path\0` for each cgroup subsystem of the current task, into
/// `buf` (whole entries only); the bytes written.
pub(crate) fn current_cgroups(buf: &mut [u8]) -> usize {
    let Ok(len) = c_int::try_from(buf.len()) else {
        return 0;
    };
    // SAFETY: `buf` is writable for `len` bytes; the helper writes inside.
    let n = unsafe { falco_current_cgroups(buf.as_mut_ptr() as *mut c_char, len) };
    usize::try_from(n).map_or(0, |n| n.min(buf.len()))
}

/// A user-memory read that faulted (counted by the caller, never an oops).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fault;

/// Copies `out.len()` bytes of the current task's memory at `addr` without
/// sleeping (`copy_from_user_nofault`).
pub(crate) fn read_user(addr: u64, out: &mut [u8]) -> Result<(), Fault> {
    if out.is_empty() {
        return Ok(());
    }
    // SAFETY: `out` is writable for its length; the source is a user
    // address checked by the kernel function, which returns an error
    // instead of faulting.
    let r = unsafe {
        bindings::copy_from_user_nofault(out.as_mut_ptr() as *mut c_void, addr as usize as *const c_void, out.len())
    };
    if r == 0 {
        Ok(())
    } else {
        Err(Fault)
    }
}

/// A kernel string (NUL-terminated) the probe was handed, copied into
/// `out` with its NUL; returns the bytes written.
pub(crate) fn bprm_filename(bprm: &Bprm, out: &mut [u8]) -> usize {
    // SAFETY: `bprm` is the live linux_binprm sched_process_exec passed.
    let p = unsafe { falco_bprm_filename(bprm.0) };
    if p.is_null() || out.is_empty() {
        return 0;
    }
    // SAFETY: the kernel keeps `bprm->filename` NUL-terminated and alive
    // for the whole exec, which encloses this probe.
    let name = unsafe { CStr::from_char_ptr(p) }.as_bytes_with_nul();
    let n = name.len().min(out.len());
    out[..n].copy_from_slice(&name[..n]);
    if let Some(last) = out[..n].last_mut() {
        *last = 0;
    }
    n
}

/// The registers a syscall tracepoint passes.
pub(crate) struct Regs(*mut c_void);

impl Regs {
    /// The syscall number (from `orig_ax`).
    pub(crate) fn nr(&self) -> i64 {
        // SAFETY: `self.0` is the live pt_regs of the current syscall.
        unsafe { falco_syscall_nr(self.0) as i64 }
    }

    /// The six argument registers.
    pub(crate) fn args(&self) -> [u64; 6] {
        let mut a: [c_ulong; 6] = [0; 6];
        // SAFETY: `a` holds the six values `syscall_get_arguments` writes.
        unsafe { falco_syscall_args(self.0, a.as_mut_ptr()) };
        a.map(|v| v as u64)
    }
}

/// The `linux_binprm` of an exec in progress (sched_process_exec).
pub(crate) struct Bprm(*mut c_void);

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

/// One CPU's probe state: taken by the probes with `try_lock` (they
/// never wait: a busy cell means the control path is resetting the ring,
/// and the event is dropped and counted) and by the control path with
/// `lock` (it spins while a probe holds the cell, for one event with
/// preemption off). An atomic flag, not a kernel spinlock: the
/// sched_switch probe runs under the runqueue lock, and a spinlock held
/// there would order it before everything the other probes take while
/// holding it (d_path's fs->seq, ...), which lockdep rightly refuses.
pub(crate) struct ProbeCell<T> {
    busy: core::sync::atomic::AtomicBool,
    value: core::cell::UnsafeCell<T>,
}

// SAFETY: the value is only reached through a `CellGuard`, of which the
// `busy` flag (acquire on taking, release on dropping) allows one at a
// time, whatever the CPU.
unsafe impl<T: Send> Sync for ProbeCell<T> {}

impl<T> ProbeCell<T> {
    pub(crate) fn new(value: T) -> Self {
        ProbeCell {
            busy: core::sync::atomic::AtomicBool::new(false),
            value: core::cell::UnsafeCell::new(value),
        }
    }

    pub(crate) fn try_lock(&self) -> Option<CellGuard<'_, T>> {
        use core::sync::atomic::Ordering;
        self.busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| CellGuard { cell: self })
    }

    pub(crate) fn lock(&self) -> CellGuard<'_, T> {
        loop {
            if let Some(g) = self.try_lock() {
                return g;
            }
            core::hint::spin_loop();
        }
    }
}

/// Exclusive access to a `ProbeCell`'s value until dropped.
pub(crate) struct CellGuard<'a, T> {
    cell: &'a ProbeCell<T>,
}

impl<T> core::ops::Deref for CellGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the cell's flag: no other reference to
        // the value exists until it is dropped.
        unsafe { &*self.cell.value.get() }
    }
}

impl<T> core::ops::DerefMut for CellGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only one.
        unsafe { &mut *self.cell.value.get() }
    }
}

impl<T> Drop for CellGuard<'_, T> {
    fn drop(&mut self) {
        self.cell.busy.store(false, core::sync::atomic::Ordering::Release);
    }
}

/// A zeroed `vmalloc_user` area: one CPU's control page and data.
pub(crate) struct RingMemory {
    base: *mut u8,
    len: usize,
}

// SAFETY: the area is plain memory owned by this value; concurrent access
// goes through atomics (control words) or `write`, whose single producer
// per CPU the caller guarantees (see `write`).
unsafe impl Send for RingMemory {}
// SAFETY: as above.
unsafe impl Sync for RingMemory {}

impl RingMemory {
    /// Allocates `len` bytes (a multiple of the page size), zeroed.
    pub(crate) fn new(len: usize) -> Result<Self> {
        // SAFETY: plain allocation; may sleep, called from init only.
        let base = unsafe { vmalloc_user_noprof(len as c_ulong) } as *mut u8;
        if base.is_null() {
            return Err(ENOMEM);
        }
        Ok(RingMemory { base, len })
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The u64 control word at byte `offset` (8-aligned, inside the area),
    /// shared with the mapping process.
    pub(crate) fn word(&self, offset: usize) -> Option<&AtomicU64> {
        if offset % 8 != 0 || offset.checked_add(8)? > self.len {
            return None;
        }
        // SAFETY: in bounds and 8-aligned (vmalloc areas are page
        // aligned); the memory lives as long as `self`, and every access
        // to control words (here and in userspace) is atomic.
        Some(unsafe { &*(self.base.add(offset) as *const AtomicU64) })
    }

    /// Copies `bytes` to byte `offset` of the area. Returns false (and
    /// writes nothing) when they do not fit.
    ///
    /// Only one producer writes a given area at a time (its CPU's probe,
    /// under the ring's `busy` flag); the consumer only reads bytes the
    /// producer has published, and never those being written.
    pub(crate) fn write(&self, offset: usize, bytes: &[u8]) -> bool {
        match offset.checked_add(bytes.len()) {
            Some(end) if end <= self.len => {}
            _ => return false,
        }
        // SAFETY: in bounds (checked above); `bytes` cannot overlap the
        // area (it is the probe's scratch); see the comment above for
        // why no one else writes these bytes meanwhile.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(offset), bytes.len()) };
        true
    }

    /// Zeroes the area (between captures, with the producer held off).
    pub(crate) fn clear(&self) {
        // SAFETY: in bounds; the caller holds the producer off.
        unsafe { core::ptr::write_bytes(self.base, 0, self.len) };
    }
}

impl Drop for RingMemory {
    fn drop(&mut self) {
        // SAFETY: `base` came from vmalloc_user and is freed once; the
        // owner drops it only after the probes are gone and no file maps
        // it (a mapping holds the module, which cannot unload meanwhile).
        unsafe { vfree(self.base as *const c_void) };
    }
}

/// What the per-CPU devices do; `index` is the device's CPU.
pub(crate) trait DeviceOps: Send + Sync + 'static {
    fn open(&self, index: usize) -> Result;
    fn release(&self, index: usize);
    fn ioctl(&self, index: usize, cmd: u32, arg: usize) -> Result<isize>;
    /// The memory `mmap` maps for this device.
    fn memory(&self, index: usize) -> Option<&RingMemory>;
}

fn ops_of<'a, T: DeviceOps>(file: *mut bindings::file) -> (&'a T, usize) {
    let mut index: c_uint = 0;
    // SAFETY: `file` is a file of one of our misc devices (the only users
    // of these file operations); its `private_data` is the miscdevice.
    let data = unsafe { falco_file_dev(file, &mut index) };
    // SAFETY: `data` is the `T` given to `Devices::register`, which
    // outlives every open file (files hold the module; devices are
    // deregistered before `T` is dropped).
    (unsafe { &*(data as *const T) }, index as usize)
}

unsafe extern "C" fn dev_open<T: DeviceOps>(_inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
    let (ops, index) = ops_of::<T>(file);
    match ops.open(index) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

unsafe extern "C" fn dev_release<T: DeviceOps>(_inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
    let (ops, index) = ops_of::<T>(file);
    ops.release(index);
    0
}

unsafe extern "C" fn dev_ioctl<T: DeviceOps>(file: *mut bindings::file, cmd: c_uint, arg: c_ulong) -> c_long {
    let (ops, index) = ops_of::<T>(file);
    match ops.ioctl(index, cmd, arg as usize) {
        Ok(v) => v as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

unsafe extern "C" fn dev_mmap<T: DeviceOps>(file: *mut bindings::file, vma: *mut bindings::vm_area_struct) -> c_int {
    let (ops, index) = ops_of::<T>(file);
    let Some(mem) = ops.memory(index) else {
        return ENODEV.to_errno();
    };
    // SAFETY: `vma` is the live area being set up for this mmap call.
    let (len, pgoff) = unsafe { (falco_vma_len(vma) as usize, (*vma).vm_pgoff) };
    // The whole mapping must come from the area, from its start (the
    // consumer maps the control page alone first, then everything).
    if pgoff != 0 || len > mem.len() {
        return EINVAL.to_errno();
    }
    // SAFETY: `mem.base` is a vmalloc_user area of `mem.len` bytes, at
    // least `len`; the mapping keeps the file (and so the module and the
    // area) alive until it is unmapped.
    unsafe { remap_vmalloc_range(vma, mem.base as *mut c_void, 0) }
}

/// Per-CPU misc devices `/dev/falco<N>` served by a `T`.
pub(crate) struct Devices<T: DeviceOps> {
    devs: KVec<*mut RawDev>,
    /// Referenced by the devices: freed after they are deregistered.
    _fops: KBox<bindings::file_operations>,
    _ops: Arc<T>,
}

// SAFETY: the device pointers are only passed back to helpers.c.
unsafe impl<T: DeviceOps> Send for Devices<T> {}
// SAFETY: as above; shared access reaches nothing mutable.
unsafe impl<T: DeviceOps> Sync for Devices<T> {}

impl<T: DeviceOps> Devices<T> {
    /// Registers `/dev/falco0` .. `/dev/falco<count-1>`.
    pub(crate) fn register(module: &'static ThisModule, count: usize, ops: Arc<T>) -> Result<Self> {
        // SAFETY: `file_operations` is plain data (pointers and options)
        // for which all-zeroes means "no such operation".
        let mut fops: bindings::file_operations = unsafe { core::mem::zeroed() };
        fops.owner = module.as_ptr();
        fops.open = Some(dev_open::<T>);
        fops.release = Some(dev_release::<T>);
        fops.unlocked_ioctl = Some(dev_ioctl::<T>);
        fops.mmap = Some(dev_mmap::<T>);
        let fops = KBox::new(fops, GFP_KERNEL)?;
        let mut devices = Devices {
            devs: KVec::with_capacity(count, GFP_KERNEL)?,
            _fops: fops,
            _ops: ops,
        };
        let data = &*devices._ops as *const T as *mut c_void;
        for i in 0..count {
            let index = c_uint::try_from(i).map_err(|_| EINVAL)?;
            let mut dev: *mut RawDev = core::ptr::null_mut();
            // SAFETY: `fops` and `data` outlive the device (both are owned
            // by `devices`, which deregisters in Drop before freeing).
            let err = unsafe { falco_dev_create(index, &*devices._fops, data, &mut dev) };
            if err != 0 {
                pr_err!("registering /dev/falco{} failed: {}\n", i, err);
                return Err(Error::from_errno(err));
            }
            if let Err(e) = devices.devs.push(dev, GFP_KERNEL) {
                // SAFETY: registered just above, not yet tracked.
                unsafe { falco_dev_destroy(dev) };
                return Err(e.into());
            }
        }
        Ok(devices)
    }
}

impl<T: DeviceOps> Drop for Devices<T> {
    fn drop(&mut self) {
        for dev in self.devs.iter() {
            // SAFETY: each was registered by `register` and is destroyed
            // once; no file is open (open files hold the module).
            unsafe { falco_dev_destroy(*dev) };
        }
    }
}
