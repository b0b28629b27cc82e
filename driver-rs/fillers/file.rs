// SPDX-License-Identifier: GPL-2.0
//! Files and directories: open, openat, openat2, creat, close, the dup
//! family, chdir/fchdir, rename*, link*, symlink*, unlink*, mkdir*, rmdir
//! and the chmod family (exit events).

use super::{fd_arg, user_str, Out, Syscall, STR_MAX};
use crate::convert::{open_flags, open_mode, FMODE_CREATED};
use crate::encode::{EncodeError, EventWriter};
use crate::events::EventCode as E;
use crate::flag_tables::open_flags::{O_CLOEXEC, O_F_CREATED};
use crate::sys;

pub(super) fn fill(code: E, sc: &Syscall, out: &mut Out<'_>) -> Result<usize, EncodeError> {
    let a = sc.args;
    let fd = sc.ret;
    // What the new descriptor refers to, when the call succeeded.
    let file = if fd >= 0 { sys::fd_facts(fd) } else { None };
    let created = file.map_or(0, |f| if f.f_mode & FMODE_CREATED != 0 { O_F_CREATED } else { 0 });
    let dev_ino = |w: &mut EventWriter<'_>| {
        let f = file.unwrap_or_default();
        w.u32(f.dev).u64(f.ino);
    };
    let faults = &mut *out.faults;
    let mut w = EventWriter::new(out.buf, code as u16, out.ts, out.tid as u64)?;
    match code {
        E::SYSCALL_OPEN_X => {
            w.i64(fd);
            user_str(&mut w, faults, a[0], STR_MAX);
            w.u32(open_flags(a[1]) | created).u32(open_mode(a[1], a[2]));
            dev_ino(&mut w);
        }
        E::SYSCALL_OPENAT_2_X => {
            w.i64(fd).i64(fd_arg(a[0]));
            user_str(&mut w, faults, a[1], STR_MAX);
            w.u32(open_flags(a[2]) | created).u32(open_mode(a[2], a[3]));
            dev_ino(&mut w);
        }
        E::SYSCALL_OPENAT2_X => {
            // struct open_how { u64 flags, mode, resolve; }
            let mut how = [0u8; 24];
            if sys::read_user(a[2], &mut how).is_err() {
                *faults = faults.saturating_add(1);
            }
            let word = |i: usize| {
                let mut b = [0u8; 8];
                b.copy_from_slice(&how[i * 8..i * 8 + 8]);
                u64::from_le_bytes(b)
            };
            let (flags, mode, resolve) = (word(0), word(1), word(2));
            w.i64(fd).i64(fd_arg(a[0]));
            user_str(&mut w, faults, a[1], STR_MAX);
            // RESOLVE_* values are PPM's.
            w.u32(open_flags(flags) | created).u32(open_mode(flags, mode)).u32(resolve as u32);
            dev_ino(&mut w);
        }
        E::SYSCALL_CREAT_X => {
            w.i64(fd);
            user_str(&mut w, faults, a[0], STR_MAX);
            w.u32(a[1] as u32);
            dev_ino(&mut w);
            // creat_flags: overlay layers are not computed.
            w.u16(0);
        }
        E::SYSCALL_CLOSE_X => {
            w.i64(sc.ret).i64(fd_arg(a[0]));
        }
        // res, oldfd[, newfd[, flags]]
        E::SYSCALL_DUP_1_X => {
            w.i64(sc.ret).i64(fd_arg(a[0]));
        }
        E::SYSCALL_DUP2_X => {
            w.i64(sc.ret).i64(fd_arg(a[0])).i64(fd_arg(a[1]));
        }
        E::SYSCALL_DUP3_X => {
            w.i64(sc.ret).i64(fd_arg(a[0])).i64(fd_arg(a[1]));
            w.u32(open_flags(a[2]) & O_CLOEXEC);
        }
        E::SYSCALL_CHDIR_X => {
            w.i64(sc.ret);
            user_str(&mut w, faults, a[0], STR_MAX);
        }
        E::SYSCALL_FCHDIR_X => {
            w.i64(sc.ret).i64(fd_arg(a[0]));
        }
        _ => {
            // res, then the syscall's own arguments in order.
            let Some(kinds) = path_args(code) else {
                return Err(EncodeError::UnknownEvent(code as u16));
            };
            w.i64(sc.ret);
            for (kind, &v) in kinds.iter().zip(a.iter()) {
                match kind {
                    Arg::Str => user_str(&mut w, faults, v, STR_MAX),
                    Arg::Fd => {
                        w.i64(fd_arg(v));
                    }
                    Arg::U32 => {
                        w.u32(v as u32);
                    }
                }
            }
        }
    }
    w.finish()
}

/// How a syscall argument goes into its event.
#[derive(Clone, Copy)]
enum Arg {
    /// A user string (a path).
    Str,
    /// A descriptor (dirfd, fd).
    Fd,
    /// Flags or a mode, as passed.
    U32,
}

/// The events whose parameters are res followed by the syscall's
/// arguments in order, with the kind of each argument.
fn path_args(code: E) -> Option<&'static [Arg]> {
    use Arg::*;
    Some(match code {
        E::SYSCALL_RENAME_X | E::SYSCALL_LINK_2_X | E::SYSCALL_SYMLINK_X => &[Str, Str],
        E::SYSCALL_RENAMEAT_X => &[Fd, Str, Fd, Str],
        E::SYSCALL_RENAMEAT2_X | E::SYSCALL_LINKAT_2_X => &[Fd, Str, Fd, Str, U32],
        E::SYSCALL_SYMLINKAT_X => &[Str, Fd, Str],
        E::SYSCALL_UNLINK_2_X | E::SYSCALL_RMDIR_2_X => &[Str],
        E::SYSCALL_UNLINKAT_2_X | E::SYSCALL_MKDIRAT_X | E::SYSCALL_FCHMODAT_X => &[Fd, Str, U32],
        E::SYSCALL_MKDIR_2_X | E::SYSCALL_CHMOD_X => &[Str, U32],
        E::SYSCALL_FCHMOD_X => &[Fd, U32],
        _ => return None,
    })
}

/// Whether `fill` handles `code`.
pub(super) fn handles(code: E) -> bool {
    matches!(
        code,
        E::SYSCALL_OPEN_X
            | E::SYSCALL_OPENAT_2_X
            | E::SYSCALL_OPENAT2_X
            | E::SYSCALL_CREAT_X
            | E::SYSCALL_CLOSE_X
            | E::SYSCALL_DUP_1_X
            | E::SYSCALL_DUP2_X
            | E::SYSCALL_DUP3_X
            | E::SYSCALL_CHDIR_X
            | E::SYSCALL_FCHDIR_X
    ) || path_args(code).is_some()
}
