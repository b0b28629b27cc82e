// SPDX-License-Identifier: GPL-2.0
//! Sockets: socket, bind, connect, listen, accept, accept4, sendto,
//! recvfrom and socketpair (exit events), with Falco's sockaddr and
//! socket-tuple encodings (as driver/bpf/net.h writes them):
//!   sockaddr  inet: family u8, addr 4, port u16 (host order)
//!             inet6: family u8, addr 16, port u16; unix: family u8, path\0
//!   tuple     inet: family u8, saddr 4, sport u16, daddr 4, dport u16
//!             inet6: family u8, saddr 16, sport, daddr 16, dport
//!             unix: family u8, source u64, dest u64, path\0
//! The tuple's source is the side that connected (or sent): the local end
//! for connect and sendto, the peer for accept and recvfrom.

use super::io::moved;
use super::ipc::fd_pair;
use super::{fd_arg, read_str, Out, Syscall};
use crate::encode::{EncodeError, EventWriter};
use crate::events::EventCode as E;
use crate::flag_tables::open_flags as ppm_o;
// PPM's AF_* values are Linux's: kernel families are matched and carried as is.
use crate::flag_tables::socket_families::{AF_INET, AF_INET6, AF_UNIX};
use crate::sys;
use crate::sys::net::{SockFacts, UnixPath, UNIX_PATH_MAX};

/// `SOCK_NONBLOCK`, `SOCK_CLOEXEC` (they become `ppm_o::O_NONBLOCK`, `O_CLOEXEC`).
const SOCK_NONBLOCK: u64 = 0o4000;
const SOCK_CLOEXEC: u64 = 0o2000000;
/// The socket type without its flags.
const SOCK_TYPE_MASK: u64 = 0xf;

/// Bytes of a `struct sockaddr` read from user memory (as large as
/// `sockaddr_in6`).
const SOCKADDR_READ: usize = 28;

pub(super) fn handles(code: E) -> bool {
    matches!(
        code,
        E::SOCKET_SOCKET_X
            | E::SOCKET_BIND_X
            | E::SOCKET_CONNECT_X
            | E::SOCKET_LISTEN_X
            | E::SOCKET_ACCEPT_5_X
            | E::SOCKET_ACCEPT4_6_X
            | E::SOCKET_SENDTO_X
            | E::SOCKET_RECVFROM_X
            | E::SOCKET_SOCKETPAIR_X
    )
}

pub(super) fn fill(code: E, sc: &Syscall, out: &mut Out<'_>) -> Result<usize, EncodeError> {
    let a = sc.args;
    let fd = fd_arg(a[0]);
    let faults = &mut *out.faults;
    let mut w = EventWriter::new(out.buf, code as u16, out.ts, out.tid as u64)?;
    match code {
        // fd, domain, type, proto, flags (PPM_AF_* equal Linux's AF_*)
        E::SOCKET_SOCKET_X => {
            let mut flags = 0;
            if a[1] & SOCK_NONBLOCK != 0 {
                flags |= ppm_o::O_NONBLOCK;
            }
            if a[1] & SOCK_CLOEXEC != 0 {
                flags |= ppm_o::O_CLOEXEC;
            }
            w.i64(sc.ret)
                .u32(a[0] as u32)
                .u32((a[1] & SOCK_TYPE_MASK) as u32)
                .u32(a[2] as u32)
                .u32(flags);
        }
        // res, addr, fd
        E::SOCKET_BIND_X => {
            w.i64(sc.ret);
            sockaddr(&mut w, faults, a[1], a[2]);
            w.i64(fd);
        }
        // res, tuple, fd, addr
        E::SOCKET_CONNECT_X => {
            w.i64(sc.ret);
            tuple(&mut w, faults, fd, Source::Local, a[1], a[2]);
            w.i64(fd);
            sockaddr(&mut w, faults, a[1], a[2]);
        }
        // res, fd, backlog
        E::SOCKET_LISTEN_X => {
            w.i64(sc.ret).i64(fd).u32(a[1] as u32);
        }
        // fd, tuple, queuepct, queuelen, queuemax[, flags]: the new
        // descriptor and the listening socket's queue fill.
        E::SOCKET_ACCEPT_5_X | E::SOCKET_ACCEPT4_6_X => {
            let listener = sys::net::fd_socket(fd, UnixPath::Own);
            let (qlen, qmax) = listener.map_or((0, 0), |s| (s.ack_backlog, s.max_ack_backlog));
            // u32 arithmetic, cut to a byte, as the eBPF probe does it
            let pct = qlen.wrapping_mul(100).checked_div(qmax).map_or(0, |p| p as u8);
            w.i64(sc.ret);
            if sc.ret >= 0 {
                tuple(&mut w, faults, sc.ret, Source::Peer, 0, 0);
            } else {
                w.empty();
            }
            w.u8(pct).u32(qlen).u32(qmax);
            if code == E::SOCKET_ACCEPT4_6_X {
                w.u32(a[3] as u32);
            }
        }
        // res, data, fd, size, tuple: an unconnected socket sends to the
        // address argument.
        E::SOCKET_SENDTO_X => {
            w.i64(sc.ret);
            moved(&mut w, faults, a[1], sc.ret, sc.snaplen);
            w.i64(fd).u32(a[2] as u32);
            tuple(&mut w, faults, fd, Source::Local, a[4], a[5]);
        }
        // res, data, tuple, fd, size: the sender is the source; an
        // unconnected socket learns it from the address the call filled in.
        E::SOCKET_RECVFROM_X => {
            let src = a[4];
            let srclen = if src != 0 { read_u32(faults, a[5]) } else { 0 };
            w.i64(sc.ret);
            moved(&mut w, faults, a[1], sc.ret, sc.snaplen);
            tuple(&mut w, faults, fd, Source::Peer, src, u64::from(srclen));
            w.i64(fd).u32(a[2] as u32);
        }
        // res, fd1, fd2, source, peer (the two sockets' kernel addresses,
        // as unix tuples name them), domain, type, proto.
        E::SOCKET_SOCKETPAIR_X => {
            let (fd0, fd1) = fd_pair(sc.ret, a[3]);
            let s = if fd0 >= 0 { sys::net::fd_socket(fd0, UnixPath::Own) } else { None };
            let source = s.map_or(0, |s| s.sk);
            let peer = s.filter(|s| s.family == AF_UNIX).map_or(0, |s| s.peer);
            w.i64(sc.ret).i64(fd0).i64(fd1).u64(source).u64(peer);
            w.u32(a[0] as u32).u32(a[1] as u32).u32(a[2] as u32);
        }
        _ => return Err(EncodeError::UnknownEvent(code as u16)),
    }
    w.finish()
}

/// Which end of a tuple comes first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    /// This socket (connect, sendto).
    Local,
    /// Its peer (accept, recvfrom).
    Peer,
}

/// A sockaddr or tuple value being built. The largest, a unix tuple, is
/// 1 + 8 + 8 + 108 bytes.
struct Value {
    b: [u8; 128],
    n: usize,
}

impl Value {
    fn new(family: u32) -> Self {
        let mut v = Value { b: [0; 128], n: 0 };
        v.put(&[family as u8]);
        v
    }

    /// Appends `bytes` (all of them, or none when they do not fit).
    fn put(&mut self, bytes: &[u8]) -> &mut Self {
        let end = self.n.saturating_add(bytes.len());
        if let Some(dst) = self.b.get_mut(self.n..end) {
            dst.copy_from_slice(bytes);
            self.n = end;
        }
        self
    }

    /// Appends what `f` writes in the free space (it returns the count).
    fn put_with(&mut self, f: impl FnOnce(&mut [u8]) -> usize) {
        if let Some(dst) = self.b.get_mut(self.n..) {
            let n = f(dst).min(dst.len());
            self.n = self.n.saturating_add(n);
        }
    }

    fn as_bytes(&self) -> &[u8] {
        self.b.get(..self.n).unwrap_or(&[])
    }
}

/// The user sockaddr at `uaddr` (`ulen` bytes) as the next parameter:
/// inet and inet6 as family, address and port; unix as family and path.
/// Empty for other families, a NULL or short address, or a fault.
fn sockaddr(w: &mut EventWriter<'_>, faults: &mut u32, uaddr: u64, ulen: u64) {
    if uaddr == 0 || ulen < 2 {
        w.empty();
        return;
    }
    let mut buf = [0u8; SOCKADDR_READ];
    let n = ulen.min(SOCKADDR_READ as u64) as usize;
    let Some(part) = buf.get_mut(..n) else {
        w.empty();
        return;
    };
    if sys::read_user(uaddr, part).is_err() {
        *faults = faults.saturating_add(1);
        w.empty();
        return;
    }
    let family = u32::from(u16::from_le_bytes([buf[0], buf[1]]));
    let port = u16::from_be_bytes([buf[2], buf[3]]).to_le_bytes();
    let mut v = Value::new(family);
    match family {
        // sockaddr_in: family, port, addr
        AF_INET => {
            v.put(&buf[4..8]).put(&port);
        }
        // sockaddr_in6: family, port, flowinfo, addr
        AF_INET6 => {
            v.put(&buf[8..24]).put(&port);
        }
        AF_UNIX => user_path(&mut v, faults, uaddr.wrapping_add(2)),
        _ => {
            w.empty();
            return;
        }
    }
    w.bytes(v.as_bytes());
}

/// The tuple of the socket behind `fd` as the next parameter (empty when
/// it is not a socket, or of a family without one). `uaddr` (`ulen`
/// bytes) names the remote end an unconnected inet socket does not know,
/// and the path of a unix peer without an address.
fn tuple(w: &mut EventWriter<'_>, faults: &mut u32, fd: i64, source: Source, uaddr: u64, ulen: u64) {
    // The path a unix tuple carries is the connected-to end's: the
    // peer's when this socket connected, its own when it accepted.
    let path_of = match source {
        Source::Local => UnixPath::Peer,
        Source::Peer => UnixPath::Own,
    };
    let Some(s) = sys::net::fd_socket(fd, path_of) else {
        w.empty();
        return;
    };
    let mut v = Value::new(s.family);
    match s.family {
        AF_INET => {
            let (mut raddr, mut rport) = (s.raddr4, s.rport());
            if raddr == [0; 4] && uaddr != 0 && ulen >= 8 {
                // sockaddr_in: family, port, addr (zeroes when unreadable)
                let mut ua = [0u8; 8];
                if sys::read_user(uaddr, &mut ua).is_err() {
                    *faults = faults.saturating_add(1);
                    ua = [0; 8];
                }
                rport = u16::from_be_bytes([ua[2], ua[3]]);
                raddr = [ua[4], ua[5], ua[6], ua[7]];
            }
            ends(&mut v, source, (&s.laddr4, s.lport), (&raddr, rport));
        }
        AF_INET6 => ends(&mut v, source, (&s.laddr6, s.lport), (&s.raddr6, s.rport())),
        AF_UNIX => unix_tuple(&mut v, faults, &s, source, uaddr, ulen),
        _ => {
            w.empty();
            return;
        }
    }
    w.bytes(v.as_bytes());
}

/// The two ends of an inet or inet6 tuple, source first.
fn ends(v: &mut Value, source: Source, local: (&[u8], u16), remote: (&[u8], u16)) {
    let (first, second) = match source {
        Source::Local => (local, remote),
        Source::Peer => (remote, local),
    };
    v.put(first.0).put(&first.1.to_le_bytes());
    v.put(second.0).put(&second.1.to_le_bytes());
}

/// A unix tuple after its family: source and destination sockets (kernel
/// addresses), then the path of the connected-to end (its bound address,
/// else the one the caller passed).
fn unix_tuple(v: &mut Value, faults: &mut u32, s: &SockFacts, source: Source, uaddr: u64, ulen: u64) {
    let (first, second) = match source {
        Source::Local => (s.sk, s.peer),
        Source::Peer => (s.peer, s.sk),
    };
    v.put(&first.to_le_bytes()).put(&second.to_le_bytes());
    match s.unix_path() {
        Some(path) => kernel_path(v, path),
        None if uaddr != 0 && ulen > 2 => user_path(v, faults, uaddr.wrapping_add(2)),
        None => {
            v.put(&[0]);
        }
    }
}

/// A unix path from kernel memory, as a string read of at most 108 bytes
/// gives it: up to its NUL (kept), cut and terminated when longer.
fn kernel_path(v: &mut Value, path: &[u8]) {
    match path.iter().position(|&b| b == 0) {
        Some(z) => {
            v.put(path.get(..=z).unwrap_or(&[0]));
        }
        None => {
            let n = path.len().min(UNIX_PATH_MAX - 1);
            v.put(path.get(..n).unwrap_or(&[])).put(&[0]);
        }
    }
}

/// A unix path from user memory at `addr`, the same way; an unreadable
/// one is the empty string (just the NUL, the fault counted).
fn user_path(v: &mut Value, faults: &mut u32, addr: u64) {
    let mut faulted = false;
    v.put_with(|dst| {
        let room = dst.len().min(UNIX_PATH_MAX);
        if room == 0 {
            return 0;
        }
        let dst = dst.get_mut(..room).unwrap_or(&mut []);
        let n = read_str(addr, dst, &mut faulted);
        if faulted {
            if let Some(first) = dst.first_mut() {
                *first = 0;
            }
            return 1;
        }
        n
    });
    if faulted {
        *faults = faults.saturating_add(1);
    }
}

/// The u32 at user address `addr` (0 when unreadable, the fault counted).
fn read_u32(faults: &mut u32, addr: u64) -> u32 {
    let mut b = [0u8; 4];
    if sys::read_user(addr, &mut b).is_err() {
        *faults = faults.saturating_add(1);
        return 0;
    }
    u32::from_le_bytes(b)
}
