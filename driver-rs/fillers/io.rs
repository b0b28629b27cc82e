// SPDX-License-Identifier: GPL-2.0
//! Data I/O: read and write (exit events). Buffers are cut to the
//! snaplen; a failed call carries no data.

use super::{fd_arg, user_buf, Out, Syscall};
use crate::encode::{EncodeError, EventWriter};
use crate::events::EventCode as E;

pub(super) fn handles(code: E) -> bool {
    matches!(code, E::SYSCALL_READ_X | E::SYSCALL_WRITE_X)
}

/// res, data, fd, size.
pub(super) fn fill(code: E, sc: &Syscall, out: &mut Out<'_>) -> Result<usize, EncodeError> {
    let a = sc.args;
    let faults = &mut *out.faults;
    let mut w = EventWriter::new(out.buf, code as u16, out.ts, out.tid as u64)?;
    w.i64(sc.ret);
    moved(&mut w, faults, a[1], sc.ret, sc.snaplen);
    w.i64(fd_arg(a[0])).u32(a[2] as u32);
    w.finish()
}

/// The bytes the call moved: `ret` of them from `buf`, cut to `snaplen`.
pub(super) fn moved(w: &mut EventWriter<'_>, faults: &mut u32, buf: u64, ret: i64, snaplen: u32) {
    match u64::try_from(ret) {
        Ok(n) if n > 0 => user_buf(w, faults, buf, n, snaplen),
        _ => {
            w.empty();
        }
    }
}
