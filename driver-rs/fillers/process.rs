// SPDX-License-Identifier: GPL-2.0
//! Processes: execve/execveat, clone/clone3/fork/vfork (exit events) and
//! procexit (sched_process_exit), plus the exec'd file name kept from
//! sched_process_exec for the execve exit.

use super::{user_area, user_str, Out, Syscall, STR_MAX};
use crate::convert::{clone_flags, exe_writable, VFORK_CLONE_FLAGS};
use crate::encode::{EncodeError, EventWriter};
use crate::events::EventCode as E;
use crate::flag_tables::clone_flags::CLONE_CHILD_IN_PIDNS;
use crate::flag_tables::execve_flags::{EXE_FROM_MEMFD, EXE_WRITABLE};
use crate::producer::ExecName;
use crate::sys::{self, Bprm, MemFacts, TaskFacts};

/// Bytes of the argument and environment areas kept.
const ARGS_MAX: usize = 4096;
const ENV_MAX: usize = 4096;
const CGROUPS_MAX: usize = 4096;
/// Memory counters are pages; events carry KiB.
const PAGE_KB_SHIFT: u32 = 2;

/// `PR_SET_NAME`, `PR_GET_NAME`: the prctl options whose arg2 is a name.
const PR_SET_NAME: u64 = 15;
const PR_GET_NAME: u64 = 16;

pub(super) fn handles(code: E) -> bool {
    matches!(
        code,
        E::SYSCALL_EXECVE_19_X
            | E::SYSCALL_EXECVEAT_X
            | E::SYSCALL_CLONE_20_X
            | E::SYSCALL_FORK_20_X
            | E::SYSCALL_VFORK_20_X
            | E::SYSCALL_CLONE3_X
            | E::SYSCALL_PRCTL_X
            | E::SYSCALL_MEMFD_CREATE_X
    )
}

pub(super) fn fill(code: E, sc: &Syscall, out: &mut Out<'_>, exec: &mut ExecName) -> Result<usize, EncodeError> {
    match code {
        E::SYSCALL_EXECVE_19_X | E::SYSCALL_EXECVEAT_X => execve(code, sc, out, exec, &sys::current_facts()),
        E::SYSCALL_PRCTL_X | E::SYSCALL_MEMFD_CREATE_X => small(code, sc, out),
        _ => clone(code, sc, out, &sys::current_facts()),
    }
}

/// prctl (res, option, arg2 as a string for the name options, as an
/// integer otherwise; PR_* values are PPM's) and memfd_create (fd, name,
/// flags; MFD_* values are PPM's).
fn small(code: E, sc: &Syscall, out: &mut Out<'_>) -> Result<usize, EncodeError> {
    let a = sc.args;
    let faults = &mut *out.faults;
    let mut w = EventWriter::new(out.buf, code as u16, out.ts, out.tid as u64)?;
    w.i64(sc.ret);
    if code == E::SYSCALL_PRCTL_X {
        w.u32(a[0] as u32);
        if a[0] == PR_SET_NAME || a[0] == PR_GET_NAME {
            user_str(&mut w, faults, a[1], STR_MAX);
            w.i64(0);
        } else {
            w.empty().i64(a[1] as i64);
        }
    } else {
        user_str(&mut w, faults, a[0], STR_MAX);
        w.u32(a[1] as u32);
    }
    w.finish()
}

/// exe (argv[0]) and args (the rest, NUL-separated) from the process's
/// own argument area: after a successful exec the caller's argv is gone.
fn exe_args(w: &mut EventWriter<'_>, faults: &mut u32, t: &TaskFacts) {
    let before = w.position();
    user_str(w, faults, t.arg_start, (t.arg_end.saturating_sub(t.arg_start) as usize).min(STR_MAX));
    let exe_len = (w.position() - before) as u64;
    if exe_len == 0 || t.arg_start + exe_len >= t.arg_end {
        w.empty();
        return;
    }
    user_area(w, faults, t.arg_start + exe_len, t.arg_end, ARGS_MAX);
}

/// tid, pid, ptid, cwd, fdlimit, pgft_maj, pgft_min, vm_size, vm_rss,
/// vm_swap, comm, cgroups: the run of parameters clone and execve share.
fn task_info(w: &mut EventWriter<'_>, t: &TaskFacts) {
    w.i64(t.tid).i64(t.pid).i64(t.ptid);
    // cwd: empty, as upstream drivers send it; userspace keeps it.
    w.empty();
    w.u64(t.fdlimit);
    mem_params(w, &t.mem);
    let comm_len = t.comm.iter().position(|&b| b == 0).unwrap_or(t.comm.len() - 1);
    let mut comm = [0u8; 16];
    comm[..comm_len].copy_from_slice(&t.comm[..comm_len]);
    w.bytes(&comm[..comm_len + 1]);
    w.fill(CGROUPS_MAX, sys::current_cgroups);
}

fn exe_flags(t: &TaskFacts) -> u32 {
    let mut f = 0;
    if t.has_exe == 0 {
        return 0;
    }
    if exe_writable(t.exe_mode, t.exe_uid, t.exe_gid, t.euid, t.egid, t.cap_effective, t.exe_sb_rdonly != 0) {
        f |= EXE_WRITABLE;
    }
    if t.exe_name.starts_with(b"memfd:") {
        f |= EXE_FROM_MEMFD;
    }
    f
}

fn execve(code: E, sc: &Syscall, out: &mut Out<'_>, exec: &mut ExecName, t: &TaskFacts) -> Result<usize, EncodeError> {
    let ok = sc.ret == 0;
    let is_at = code == E::SYSCALL_EXECVEAT_X;
    let filename_arg = if is_at { sc.args[1] } else { sc.args[0] };
    let faults = &mut *out.faults;
    let mut w = EventWriter::new(out.buf, code as u16, out.ts, out.tid as u64)?;
    w.i64(sc.ret);
    if ok {
        exe_args(&mut w, faults, t);
    } else {
        // The old image still runs: name the file the caller asked for.
        user_str(&mut w, faults, filename_arg, STR_MAX);
        w.empty();
    }
    task_info(&mut w, t);
    user_area(&mut w, faults, t.env_start, t.env_end, ENV_MAX);
    w.u32(t.tty).i64(t.vpgid).u32(t.loginuid);
    w.u32(if ok { exe_flags(t) } else { 0 });
    w.u64(t.cap_inheritable).u64(t.cap_permitted).u64(t.cap_effective);
    w.u64(t.exe_ino).u64(t.exe_ctime_ns).u64(t.exe_mtime_ns);
    w.u32(t.euid);
    if ok {
        w.fill(STR_MAX, |dst| sys::exe_path(dst).unwrap_or(0));
    } else {
        w.empty();
    }
    w.i64(t.pgid).u32(t.egid);
    // The exec'd file name this thread recorded, used once.
    let recorded = (exec.tid == t.tid && exec.len > 0).then(|| &exec.name[..exec.len]);
    if !is_at {
        match (ok, recorded) {
            (true, Some(name)) => {
                w.bytes(name);
            }
            (true, None) => {
                w.empty();
            }
            (false, _) => user_str(&mut w, faults, filename_arg, STR_MAX),
        }
    }
    if ok {
        exec.tid = 0;
        exec.len = 0;
    }
    w.finish()
}

/// clone, clone3, fork and vfork: one event shape, sent by the parent
/// (res = the child's tid) and by the child (res = 0).
fn clone(code: E, sc: &Syscall, out: &mut Out<'_>, t: &TaskFacts) -> Result<usize, EncodeError> {
    let faults = &mut *out.faults;
    let raw = match code {
        E::SYSCALL_CLONE_20_X => sc.args[0],
        E::SYSCALL_CLONE3_X => {
            // struct clone_args starts with u64 flags.
            let mut b = [0u8; 8];
            if sys::read_user(sc.args[0], &mut b).is_err() {
                *faults = faults.saturating_add(1);
            }
            u64::from_le_bytes(b)
        }
        E::SYSCALL_VFORK_20_X => VFORK_CLONE_FLAGS,
        _ => 0,
    };
    let mut flags = clone_flags(raw);
    if t.ns_level > 0 {
        flags |= CLONE_CHILD_IN_PIDNS;
    }
    let mut w = EventWriter::new(out.buf, code as u16, out.ts, out.tid as u64)?;
    w.i64(sc.ret);
    exe_args(&mut w, faults, t);
    task_info(&mut w, t);
    w.u32(flags).u32(t.euid).u32(t.egid).i64(t.vtid).i64(t.vpid);
    // pidns_init_start_ts: not computed yet.
    w.u64(0);
    w.finish()
}

/// procexit: the exit status of the current (exiting) task.
pub(crate) fn procexit(out: &mut Out<'_>) -> Result<usize, EncodeError> {
    let code = sys::current_facts().exit_code as i64;
    let mut w = out.writer(E::PROCEXIT_1_E)?;
    w.i64(code)
        .i64((code >> 8) & 0xff)
        .u8((code & 0x7f) as u8)
        .u8(u8::from(code & 0x80 != 0))
        // reaper_tid: userspace reparents to the namespace's init.
        .i64(0);
    w.finish()
}

/// switch: the thread switched to, and the memory counters of the one
/// switched out (the current task).
pub(crate) fn switch(out: &mut Out<'_>, next_tid: i64) -> Result<usize, EncodeError> {
    let mut w = out.writer(E::SCHEDSWITCH_6_E)?;
    w.i64(next_tid);
    mem_params(&mut w, &sys::current_mem());
    w.finish()
}

/// pgft_maj, pgft_min, vm_size, vm_rss, vm_swap (KiB): the run clone,
/// execve and switch share.
fn mem_params(w: &mut EventWriter<'_>, m: &MemFacts) {
    let kb = |pages: u64| (pages << PAGE_KB_SHIFT) as u32;
    let rss = m.rss_file.wrapping_add(m.rss_anon).wrapping_add(m.rss_shmem);
    w.u64(m.maj_flt)
        .u64(m.min_flt)
        .u32(kb(m.total_vm))
        .u32(kb(rss))
        .u32(kb(m.swap_ents));
}

/// Keeps the file name an exec is running for its exit event.
pub(crate) fn exec_name(exec: &mut ExecName, tid: i64, bprm: &Bprm) {
    exec.len = sys::bprm_filename(bprm, &mut exec.name[..]);
    exec.tid = tid;
}
