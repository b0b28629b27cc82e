//! File descriptors of a process.

use std::collections::BTreeMap;
use std::net::IpAddr;

/// What an fd refers to, with Falco's `fd.type` names and `fd.typechar`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FdKind {
    File,
    Directory,
    Ipv4,
    Ipv6,
    Unix,
    Pipe,
    Event,
    Signalfd,
    Eventpoll,
    Inotify,
    Timerfd,
    Netlink,
    Bpf,
    Userfaultfd,
    IoUring,
    Memfd,
    Pidfd,
    Unknown,
}

/// One row per kind: (kind, fd.type, fd.typechar).
const KINDS: &[(FdKind, &str, char)] = &[
    (FdKind::File, "file", 'f'),
    (FdKind::Directory, "directory", 'd'),
    (FdKind::Ipv4, "ipv4", '4'),
    (FdKind::Ipv6, "ipv6", '6'),
    (FdKind::Unix, "unix", 'u'),
    (FdKind::Pipe, "pipe", 'p'),
    (FdKind::Event, "event", 'e'),
    (FdKind::Signalfd, "signalfd", 's'),
    (FdKind::Eventpoll, "eventpoll", 'l'),
    (FdKind::Inotify, "inotify", 'i'),
    (FdKind::Timerfd, "timerfd", 't'),
    (FdKind::Netlink, "netlink", 'n'),
    (FdKind::Bpf, "bpf", 'b'),
    (FdKind::Userfaultfd, "userfaultfd", 'u'),
    (FdKind::IoUring, "io_uring", 'r'),
    (FdKind::Memfd, "memfd", 'm'),
    (FdKind::Pidfd, "pidfd", 'P'),
    (FdKind::Unknown, "<NA>", 'o'),
];

impl FdKind {
    fn row(self) -> &'static (FdKind, &'static str, char) {
        KINDS
            .iter()
            .find(|r| r.0 == self)
            .unwrap_or(&KINDS[KINDS.len() - 1])
    }

    /// `fd.type` as Falco renders it.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// `fd.typechar` as Falco renders it.
    pub fn typechar(self) -> char {
        self.row().2
    }

    pub fn is_socket(self) -> bool {
        matches!(
            self,
            FdKind::Ipv4 | FdKind::Ipv6 | FdKind::Unix | FdKind::Netlink
        )
    }
}

/// Transport protocol of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum L4Proto {
    Unknown,
    Tcp,
    Udp,
    Icmp,
    Raw,
}

impl L4Proto {
    /// scap's numbering (SCAP_L4_*).
    pub fn from_scap(v: u8) -> L4Proto {
        match v {
            2 => L4Proto::Tcp,
            3 => L4Proto::Udp,
            4 => L4Proto::Icmp,
            5 => L4Proto::Raw,
            _ => L4Proto::Unknown,
        }
    }

    /// scap's number for it (the inverse of [`from_scap`](Self::from_scap);
    /// unknown is SCAP_L4_UNKNOWN, 0).
    pub fn to_scap(self) -> u8 {
        match self {
            L4Proto::Unknown => 0,
            L4Proto::Tcp => 2,
            L4Proto::Udp => 3,
            L4Proto::Icmp => 4,
            L4Proto::Raw => 5,
        }
    }

    /// `fd.l4proto` as Falco renders it.
    pub fn name(self) -> &'static str {
        match self {
            L4Proto::Tcp => "tcp",
            L4Proto::Udp => "udp",
            L4Proto::Icmp => "icmp",
            L4Proto::Raw => "raw",
            L4Proto::Unknown => "<NA>",
        }
    }
}

/// The endpoints of an IP socket: source/client and destination/server as
/// the tuple was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SockTuple {
    pub sip: IpAddr,
    pub sport: u16,
    pub dip: IpAddr,
    pub dport: u16,
}

/// One open file descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fd {
    pub kind: FdKind,
    /// `fd.name`: the path, or the rendered socket tuple, or `pipe:[ino]`...
    pub name: String,
    /// The name as the syscall gave it, before resolution against cwd/dirfd.
    pub name_raw: String,
    pub open_flags: u32,
    pub dev: u32,
    pub ino: u64,
    pub l4proto: L4Proto,
    /// IP sockets: the connected tuple, or the bound address for servers.
    pub tuple: Option<SockTuple>,
    /// A listening/accepting socket (server side).
    pub is_server: bool,
    /// Unix sockets: the peer addresses.
    pub unix_peers: Option<(u64, u64)>,
}

impl Fd {
    pub fn new(kind: FdKind, name: impl Into<String>) -> Fd {
        let name = name.into();
        Fd {
            kind,
            name_raw: name.clone(),
            name,
            open_flags: 0,
            dev: 0,
            ino: 0,
            l4proto: L4Proto::Unknown,
            tuple: None,
            is_server: false,
            unix_peers: None,
        }
    }
}

/// The fds of one process (shared by its threads).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FdTable {
    fds: BTreeMap<i64, Fd>,
}

impl FdTable {
    pub fn get(&self, fd: i64) -> Option<&Fd> {
        self.fds.get(&fd)
    }

    pub fn get_mut(&mut self, fd: i64) -> Option<&mut Fd> {
        self.fds.get_mut(&fd)
    }

    pub fn insert(&mut self, fd: i64, f: Fd) {
        self.fds.insert(fd, f);
    }

    pub fn remove(&mut self, fd: i64) -> Option<Fd> {
        self.fds.remove(&fd)
    }

    pub fn len(&self) -> usize {
        self.fds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fds.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&i64, &Fd)> {
        self.fds.iter()
    }
}
