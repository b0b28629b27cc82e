// SPDX-License-Identifier: GPL-2.0
//! Privilege and system changes: the setuid/setgid family, ptrace, mount,
//! umount2, init_module, finit_module, setns, unshare and bpf (exit
//! events).

use super::{fd_arg, user_buf, user_str, Out, Syscall, STR_MAX};
use crate::convert::{clone_flags, ptrace_request};
use crate::encode::{EncodeError, EventWriter};
use crate::events::EventCode as E;

/// The old mount magic number in the flags' high half (not a flag).
const MS_MGC_VAL: u32 = 0xC0ED_0000;
const MS_MGC_MSK: u32 = 0xffff_0000;

pub(super) fn handles(code: E) -> bool {
    ids(code).is_some()
        || matches!(
            code,
            E::SYSCALL_PTRACE_X
                | E::SYSCALL_MOUNT_X
                | E::SYSCALL_UMOUNT2_X
                | E::SYSCALL_INIT_MODULE_X
                | E::SYSCALL_FINIT_MODULE_X
                | E::SYSCALL_SETNS_X
                | E::SYSCALL_UNSHARE_X
                | E::SYSCALL_BPF_2_X
        )
}

/// How many ids the setuid-family call takes.
fn ids(code: E) -> Option<usize> {
    match code {
        E::SYSCALL_SETUID_X | E::SYSCALL_SETGID_X => Some(1),
        E::SYSCALL_SETREUID_X | E::SYSCALL_SETREGID_X => Some(2),
        E::SYSCALL_SETRESUID_X | E::SYSCALL_SETRESGID_X => Some(3),
        _ => None,
    }
}

/// A PT_DYN value of its first type (a plain u64): index 0, then the value.
fn dyn_u64(w: &mut EventWriter<'_>, v: u64) {
    let mut b = [0u8; 9];
    b[1..].copy_from_slice(&v.to_le_bytes());
    w.bytes(&b);
}

pub(super) fn fill(code: E, sc: &Syscall, out: &mut Out<'_>) -> Result<usize, EncodeError> {
    let a = sc.args;
    let faults = &mut *out.faults;
    let mut w = EventWriter::new(out.buf, code as u16, out.ts, out.tid as u64)?;
    w.i64(sc.ret);
    if let Some(n) = ids(code) {
        // the ids as passed
        for &id in a.iter().take(n) {
            w.u32(id as u32);
        }
        return w.finish();
    }
    match code {
        E::SYSCALL_PTRACE_X => {
            dyn_u64(&mut w, a[2]);
            dyn_u64(&mut w, a[3]);
            w.u16(ptrace_request(a[0])).i64(fd_arg(a[1]));
        }
        E::SYSCALL_MOUNT_X => {
            let mut flags = a[3] as u32;
            if flags & MS_MGC_MSK == MS_MGC_VAL {
                flags &= !MS_MGC_MSK;
            }
            user_str(&mut w, faults, a[0], STR_MAX);
            user_str(&mut w, faults, a[1], STR_MAX);
            user_str(&mut w, faults, a[2], STR_MAX);
            w.u32(flags);
        }
        E::SYSCALL_UMOUNT2_X => {
            user_str(&mut w, faults, a[0], STR_MAX);
            // MNT_* values are PPM's
            w.u32(a[1] as u32);
        }
        E::SYSCALL_INIT_MODULE_X => {
            user_buf(&mut w, faults, a[0], a[1], sc.snaplen);
            w.u64(a[1]);
            user_str(&mut w, faults, a[2], STR_MAX);
        }
        E::SYSCALL_FINIT_MODULE_X => {
            w.i64(fd_arg(a[0]));
            user_str(&mut w, faults, a[1], STR_MAX);
            // MODULE_INIT_* values are PPM's
            w.u32(a[2] as u32);
        }
        E::SYSCALL_SETNS_X => {
            w.i64(fd_arg(a[0])).u32(clone_flags(a[1]));
        }
        E::SYSCALL_UNSHARE_X => {
            w.u32(clone_flags(a[0]));
        }
        E::SYSCALL_BPF_2_X => {
            // BPF_* commands are PPM's
            w.u32(a[0] as u32);
        }
        _ => return Err(EncodeError::UnknownEvent(code as u16)),
    }
    w.finish()
}
