// SPDX-License-Identifier: GPL-2.0
//! What the probes read about the syscall and the current task, without
//! sleeping: the syscall's registers ([`Regs`]) and an exec's binprm
//! ([`Bprm`]), the task's facts from helpers.c ([`TaskFacts`],
//! [`MemFacts`], [`FdFacts`], ids, cgroups, exe path), user memory
//! ([`read_user`]: `copy_from_user_nofault`), the CPU and the clock.

use core::ffi::c_void;
use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_long, c_uint, c_ulong};
use kernel::str::CStr;

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
    // helpers.c
    fn falco_cpu_id() -> c_uint;
    fn falco_syscall_nr(regs: *mut c_void) -> c_long;
    fn falco_syscall_args(regs: *mut c_void, args: *mut c_ulong);
    fn falco_in_compat_syscall() -> c_int;
    fn falco_current_facts(out: *mut TaskFacts);
    fn falco_current_mem(out: *mut MemFacts);
    fn falco_exe_path(buf: *mut c_char, len: c_int) -> c_int;
    fn falco_fd_facts(fd: c_int, dev: *mut u32, ino: *mut u64, f_mode: *mut u32) -> c_int;
    fn falco_current_ids(tid: *mut i64, tgid: *mut i64);
    fn falco_bprm_filename(bprm: *mut c_void) -> *const c_char;
    fn falco_current_cgroups(buf: *mut c_char, len: c_int) -> c_int;
}

/// The CPU this code runs on. Stable only where preemption is disabled
/// (the probes); elsewhere a hint.
pub(crate) fn cpu_id() -> usize {
    // SAFETY: no preconditions.
    unsafe { falco_cpu_id() as usize }
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
pub(crate) struct Regs(pub(super) *mut c_void);

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
pub(crate) struct Bprm(pub(super) *mut c_void);
