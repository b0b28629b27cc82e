// SPDX-License-Identifier: GPL-2.0
//! Descriptors for communication and notification: pipe and pipe2 (the
//! pair comes back through a user array the call filled in), eventfd2,
//! signalfd4, inotify_init1 and epoll_create1 (exit events).

use super::{fd_arg, Out, Syscall};
use crate::convert::open_flags;
use crate::encode::{EncodeError, EventWriter};
use crate::events::EventCode as E;
use crate::flag_tables::open_flags::{O_CLOEXEC, O_DIRECT, O_NONBLOCK};
use crate::sys;

pub(super) fn handles(code: E) -> bool {
    matches!(
        code,
        E::SYSCALL_PIPE_X
            | E::SYSCALL_PIPE2_X
            | E::SYSCALL_EVENTFD2_X
            | E::SYSCALL_SIGNALFD4_X
            | E::SYSCALL_INOTIFY_INIT1_X
            | E::SYSCALL_EPOLL_CREATE1_X
    )
}

/// The two descriptors the call wrote to the int[2] at `ufds` (-1, -1
/// when it failed or the array cannot be read).
pub(super) fn fd_pair(ret: i64, ufds: u64) -> (i64, i64) {
    let mut b = [0u8; 8];
    if ret < 0 || ufds == 0 || sys::read_user(ufds, &mut b).is_err() {
        return (-1, -1);
    }
    let fd = |i: usize| i32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as i64;
    (fd(0), fd(4))
}

/// O_NONBLOCK and O_CLOEXEC (the values EFD_/SFD_/IN_ flags share with
/// open) as PPM open flags.
fn fd_flags(f: u64) -> u16 {
    (open_flags(f) & (O_NONBLOCK | O_CLOEXEC)) as u16
}

pub(super) fn fill(code: E, sc: &Syscall, out: &mut Out<'_>) -> Result<usize, EncodeError> {
    let a = sc.args;
    let mut w = EventWriter::new(out.buf, code as u16, out.ts, out.tid as u64)?;
    w.i64(sc.ret);
    match code {
        E::SYSCALL_PIPE_X | E::SYSCALL_PIPE2_X => {
            let (fd0, fd1) = fd_pair(sc.ret, a[0]);
            let ino = if fd0 >= 0 { sys::fd_facts(fd0).map_or(0, |f| f.ino) } else { 0 };
            w.i64(fd0).i64(fd1).u64(ino);
            if code == E::SYSCALL_PIPE2_X {
                // the access-mode bits of open flags do not apply here
                w.u32(open_flags(a[1]) & (O_CLOEXEC | O_NONBLOCK | O_DIRECT));
            }
        }
        E::SYSCALL_EVENTFD2_X => {
            w.u16(fd_flags(a[1])).u64(a[0] as u32 as u64);
        }
        E::SYSCALL_SIGNALFD4_X => {
            let mut m = [0u8; 4];
            if sys::read_user(a[1], &mut m).is_err() {
                *out.faults = out.faults.saturating_add(1);
            }
            w.u16(fd_flags(a[3])).i64(fd_arg(a[0])).u32(u32::from_le_bytes(m));
        }
        E::SYSCALL_INOTIFY_INIT1_X => {
            w.u16(fd_flags(a[0]));
        }
        // epoll_create1: EPOLL_CLOEXEC is PPM's 0x1
        _ => {
            w.u32(u32::from(a[0] & 0o2000000 != 0));
        }
    }
    w.finish()
}
