// SPDX-License-Identifier: GPL-2.0
//! The fillers: one exit event per syscall, in Falco's current schema,
//! built with falco-abi's `EventWriter`. One file per syscall family;
//! this file dispatches by the exit event the ABI's x86-64 table names
//! and sends every syscall without a filler as the generic event.

mod file;
mod io;
mod ipc;
mod net;
mod privilege;
mod process;

pub(crate) use process::{exec_name, procexit, switch};

use crate::encode::{EncodeError, EventWriter};
use crate::events::EventCode as E;
use crate::producer::Scratch;
use crate::sys;

/// Longest string (path, name) read from user memory, NUL included.
pub(crate) const STR_MAX: usize = 4096;
const PAGE: u64 = 4096;

/// The syscall being reported.
pub(crate) struct Syscall {
    pub(crate) nr: u16,
    pub(crate) ppm_sc: u16,
    /// The exit event the ABI's table gives this syscall (0: none).
    pub(crate) exit_event: u16,
    pub(crate) args: [u64; 6],
    pub(crate) ret: i64,
    /// Bytes of I/O buffers kept (`IOCTL_SET_SNAPLEN`).
    pub(crate) snaplen: u32,
}

/// Where the event goes and who it is about.
pub(crate) struct Out<'a> {
    pub(crate) buf: &'a mut [u8],
    pub(crate) ts: u64,
    pub(crate) tid: i64,
    /// Parameters lost to user-memory faults (counted by the ring).
    pub(crate) faults: &'a mut u32,
}

impl<'a> Out<'a> {
    pub(crate) fn of(scratch: &'a mut Scratch, ts: u64, tid: i64) -> (Out<'a>, &'a mut crate::producer::ExecName) {
        let Scratch { buf, exec, faults } = scratch;
        (
            Out {
                buf: &mut buf[..],
                ts,
                tid,
                faults,
            },
            exec,
        )
    }

    pub(crate) fn writer(&mut self, code: E) -> Result<EventWriter<'_>, EncodeError> {
        EventWriter::new(self.buf, code as u16, self.ts, self.tid as u64)
    }
}

/// The exit event of `sc`: its filler's, or the generic one.
pub(crate) fn syscall_exit(sc: &Syscall, out: &mut Out<'_>, exec: &mut crate::producer::ExecName) -> Result<usize, EncodeError> {
    let Some(&code) = E::ALL.get(sc.exit_event as usize) else {
        return generic(sc, out);
    };
    match code {
        c if file::handles(c) => file::fill(c, sc, out),
        c if process::handles(c) => process::fill(c, sc, out, exec),
        c if io::handles(c) => io::fill(c, sc, out),
        c if ipc::handles(c) => ipc::fill(c, sc, out),
        c if net::handles(c) => net::fill(c, sc, out),
        c if privilege::handles(c) => privilege::fill(c, sc, out),
        _ => generic(sc, out),
    }
}

/// Falco's generic event: which syscall (PPM_SC code and native number).
fn generic(sc: &Syscall, out: &mut Out<'_>) -> Result<usize, EncodeError> {
    let mut w = out.writer(E::GENERIC_X)?;
    w.u16(sc.ppm_sc).u16(sc.nr);
    w.finish()
}

/// The NUL-terminated user string at `addr` as the next parameter (with
/// its NUL; cut to `max` bytes). A fault leaves the parameter empty and
/// counts it; a NULL pointer is just empty.
pub(crate) fn user_str(w: &mut EventWriter<'_>, faults: &mut u32, addr: u64, max: usize) {
    let mut faulted = false;
    w.fill(max, |dst| read_str(addr, dst, &mut faulted));
    if faulted {
        *faults = faults.saturating_add(1);
    }
}

/// The user memory `[start, end)` (cut to `max` bytes) as the next
/// parameter; what could be read before a fault is kept.
pub(crate) fn user_area(w: &mut EventWriter<'_>, faults: &mut u32, start: u64, end: u64, max: usize) {
    let mut faulted = false;
    let len = end.saturating_sub(start).min(max as u64) as usize;
    w.fill(len, |dst| read_area(start, dst, &mut faulted));
    if faulted {
        *faults = faults.saturating_add(1);
    }
}

/// `len` bytes of the user buffer at `addr`, cut to `snaplen`, as the
/// next parameter: all of them, or (on a fault, counted) none.
pub(crate) fn user_buf(w: &mut EventWriter<'_>, faults: &mut u32, addr: u64, len: u64, snaplen: u32) {
    if addr == 0 {
        w.empty();
        return;
    }
    let want = len.min(u64::from(snaplen)) as usize;
    let mut faulted = false;
    w.fill(want, |dst| {
        let n = read_area(addr, dst, &mut faulted);
        if faulted {
            0
        } else {
            n
        }
    });
    if faulted {
        *faults = faults.saturating_add(1);
    }
}

/// Bytes from `at` to the end of its page, at most `room`.
fn chunk(at: u64, room: usize) -> usize {
    let to_page_end = (PAGE - at % PAGE) as usize;
    to_page_end.min(room)
}

/// The NUL-terminated user string at `addr` into `dst`, page by page (a
/// string ending before an unmapped page is read whole), cut and
/// terminated when longer: its length with the NUL; 0 for NULL or a fault
/// (`faulted` set).
pub(crate) fn read_str(addr: u64, dst: &mut [u8], faulted: &mut bool) -> usize {
    if addr == 0 || dst.is_empty() {
        return 0;
    }
    let mut done = 0usize;
    while done < dst.len() {
        let at = addr.wrapping_add(done as u64);
        let n = chunk(at, dst.len() - done);
        let part = &mut dst[done..done + n];
        if sys::read_user(at, part).is_err() {
            *faulted = true;
            return 0;
        }
        if let Some(z) = part.iter().position(|&b| b == 0) {
            return done + z + 1;
        }
        done += n;
    }
    // No NUL within the room: cut, and terminate.
    if let Some(last) = dst.last_mut() {
        *last = 0;
    }
    dst.len()
}

fn read_area(start: u64, dst: &mut [u8], faulted: &mut bool) -> usize {
    let mut done = 0usize;
    while done < dst.len() {
        let at = start.wrapping_add(done as u64);
        let n = chunk(at, dst.len() - done);
        if sys::read_user(at, &mut dst[done..done + n]).is_err() {
            *faulted = true;
            break;
        }
        done += n;
    }
    done
}

/// A file descriptor argument as the ABI wants it: the low 32 bits, signed.
pub(crate) fn fd_arg(v: u64) -> i64 {
    v as i32 as i64
}
