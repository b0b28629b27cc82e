// SPDX-License-Identifier: GPL-2.0
//! Sockets behind the current task's descriptors (helpers_net.c), read as
//! plain data for the network events: family, addresses and ports, the
//! listen queue, and for unix sockets the `struct sock` addresses Falco
//! names them by and a bound path.

use kernel::ffi::c_int;

/// Bytes of `sun_path`.
pub(crate) const UNIX_PATH_MAX: usize = 108;

/// helpers_net.c's `struct falco_sock_facts`, field for field.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct SockFacts {
    /// The `struct sock`, as an address (unix tuples name sockets by it).
    pub(crate) sk: u64,
    /// unix: the peer's `struct sock` (0: none).
    pub(crate) peer: u64,
    /// `sk_family` (AF_*).
    pub(crate) family: u32,
    /// The listen queue: `sk_ack_backlog` and `sk_max_ack_backlog`.
    pub(crate) ack_backlog: u32,
    pub(crate) max_ack_backlog: u32,
    /// unix: whether the socket asked for (see [`UnixPath`]) has an
    /// address, and how many bytes of its `sun_path` are in `path`.
    pub(crate) has_path: u32,
    pub(crate) path_len: u32,
    /// The local port (`skc_num`), host order.
    pub(crate) lport: u16,
    /// The remote port (`skc_dport`), network order.
    pub(crate) dport_be: u16,
    /// inet: local (`skc_rcv_saddr`) and remote (`skc_daddr`) addresses,
    /// network order.
    pub(crate) laddr4: [u8; 4],
    pub(crate) raddr4: [u8; 4],
    /// inet6: the same (`skc_v6_rcv_saddr`, `skc_v6_daddr`).
    pub(crate) laddr6: [u8; 16],
    pub(crate) raddr6: [u8; 16],
    pub(crate) path: [u8; UNIX_PATH_MAX],
}

// helpers_net.c asserts the same size.
const _: () = assert!(core::mem::size_of::<SockFacts>() == 192);

impl SockFacts {
    /// The remote port, host order.
    pub(crate) fn rport(&self) -> u16 {
        u16::from_be(self.dport_be)
    }

    /// unix: the `sun_path` bytes of the address asked for, if it has one.
    pub(crate) fn unix_path(&self) -> Option<&[u8]> {
        if self.has_path == 0 {
            return None;
        }
        let n = (self.path_len as usize).min(UNIX_PATH_MAX);
        self.path.get(..n)
    }
}

/// Whose address [`fd_socket`] copies for a unix socket.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnixPath {
    /// The socket's own.
    Own,
    /// Its peer's.
    Peer,
}

extern "C" {
    fn falco_fd_sock_facts(fd: c_int, peer_path: c_int, out: *mut SockFacts) -> c_int;
}

/// The socket behind the current task's descriptor `fd` (None: no such
/// descriptor, or not a socket). Does not sleep.
pub(crate) fn fd_socket(fd: i64, path: UnixPath) -> Option<SockFacts> {
    let fd = c_int::try_from(fd).ok()?;
    let mut f = core::mem::MaybeUninit::<SockFacts>::uninit();
    // SAFETY: `f` is valid for a write of the whole struct, whose layout
    // matches helpers_net.c field for field (both sides assert the size);
    // the helper memsets it first, so every byte is written even when it
    // fails. It takes only a spinlock and a file reference: no sleeping.
    let err = unsafe { falco_fd_sock_facts(fd, c_int::from(path == UnixPath::Peer), f.as_mut_ptr()) };
    if err != 0 {
        return None;
    }
    // SAFETY: written in full by the helper (see above).
    Some(unsafe { f.assume_init() })
}
