//! The system state a capture starts from: machine, processes and their
//! fds, users, groups and network interfaces. Savefiles carry it in their
//! state blocks; live engines fill it from /proc and /etc.

use falco_abi::flag_tables::clone_flags::{CLONE_FILES, CLONE_THREAD};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The machine the events come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MachineInfo {
    pub num_cpus: u32,
    pub memory_size_bytes: u64,
    pub max_pid: u64,
    pub hostname: String,
    /// Boot time, ns since the epoch (0 when the capture predates it).
    pub boot_ts_epoch: u64,
    pub flags: u64,
    pub reserved3: u64,
    pub reserved4: u64,
}

/// The [`ThreadInfo::flags`] of a thread that is not its group's leader,
/// as libscap's /proc scan sets them.
pub const THREAD_FLAGS: u32 = CLONE_FILES | CLONE_THREAD;

/// One thread of the initial process table, with upstream's defaults for
/// fields that older capture versions do not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadInfo {
    pub tid: u64,
    pub pid: u64,
    pub ptid: u64,
    pub sid: u64,
    pub vpgid: u64,
    pub comm: String,
    pub exe: String,
    pub exepath: String,
    /// Arguments, each NUL-terminated.
    pub args: Vec<u8>,
    pub cwd: String,
    pub fdlimit: u64,
    /// PPM clone flags (`falco_abi::flag_tables::clone_flags`).
    pub flags: u32,
    pub uid: u32,
    pub gid: u32,
    pub vmsize_kb: u32,
    pub vmrss_kb: u32,
    pub vmswap_kb: u32,
    pub pfmajor: u64,
    pub pfminor: u64,
    /// Environment, each entry NUL-terminated.
    pub env: Vec<u8>,
    pub vtid: i64,
    pub vpid: i64,
    /// `subsys=path` entries, each NUL-terminated.
    pub cgroups: Vec<u8>,
    pub root: String,
    pub pidns_init_start_ts: u64,
    pub tty: u32,
    pub loginuid: u32,
    pub exe_writable: bool,
    pub cap_inheritable: u64,
    pub cap_permitted: u64,
    pub cap_effective: u64,
    pub exe_upper_layer: bool,
    pub exe_ino: u64,
    pub exe_ino_ctime: u64,
    pub exe_ino_mtime: u64,
    pub exe_from_memfd: bool,
    /// Creation time, ns since the epoch, when known (a live scan knows it;
    /// capture files do not carry it).
    pub clone_ts: u64,
    pub fds: Vec<FdInfo>,
}

impl Default for ThreadInfo {
    fn default() -> Self {
        ThreadInfo {
            tid: 0,
            pid: 0,
            ptid: 0,
            sid: u64::MAX,
            vpgid: u64::MAX,
            comm: String::new(),
            exe: String::new(),
            exepath: String::new(),
            args: Vec::new(),
            cwd: String::new(),
            fdlimit: 0,
            flags: 0,
            uid: 0,
            gid: 0,
            vmsize_kb: 0,
            vmrss_kb: 0,
            vmswap_kb: 0,
            pfmajor: 0,
            pfminor: 0,
            env: Vec::new(),
            vtid: -1,
            vpid: -1,
            cgroups: Vec::new(),
            root: String::new(),
            pidns_init_start_ts: 0,
            tty: 0,
            loginuid: u32::MAX,
            exe_writable: false,
            cap_inheritable: 0,
            cap_permitted: 0,
            cap_effective: 0,
            exe_upper_layer: false,
            exe_ino: 0,
            exe_ino_ctime: 0,
            exe_ino_mtime: 0,
            exe_from_memfd: false,
            clone_ts: 0,
            fds: Vec::new(),
        }
    }
}

/// Upstream's scap fd types, with their numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FdType {
    Unknown = 0,
    File = 1,
    Directory = 2,
    Ipv4Sock = 3,
    Ipv6Sock = 4,
    Ipv4ServSock = 5,
    Ipv6ServSock = 6,
    Fifo = 7,
    UnixSock = 8,
    Event = 9,
    Unsupported = 10,
    Signalfd = 11,
    Eventpoll = 12,
    Inotify = 13,
    Timerfd = 14,
    Netlink = 15,
    FileV2 = 16,
    Bpf = 17,
    Userfaultfd = 18,
    IoUring = 19,
    Memfd = 20,
    Pidfd = 21,
}

impl FdType {
    const ALL: [FdType; 22] = [
        FdType::Unknown,
        FdType::File,
        FdType::Directory,
        FdType::Ipv4Sock,
        FdType::Ipv6Sock,
        FdType::Ipv4ServSock,
        FdType::Ipv6ServSock,
        FdType::Fifo,
        FdType::UnixSock,
        FdType::Event,
        FdType::Unsupported,
        FdType::Signalfd,
        FdType::Eventpoll,
        FdType::Inotify,
        FdType::Timerfd,
        FdType::Netlink,
        FdType::FileV2,
        FdType::Bpf,
        FdType::Userfaultfd,
        FdType::IoUring,
        FdType::Memfd,
        FdType::Pidfd,
    ];

    pub fn from_u8(v: u8) -> Option<FdType> {
        Self::ALL.get(v as usize).copied()
    }
}

/// What an fd of the initial state refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FdTarget {
    /// A connected IP socket, local side as source, remote side as
    /// destination; ports in host order. The family is the addresses'
    /// (an IPv6 socket's IPv4 peer is IPv4-mapped, so both have it):
    /// scap's IPv4 and IPv6 socket types, told apart only where their
    /// bytes are read or written ([`ip_family_v6`]).
    IpSock {
        sip: IpAddr,
        dip: IpAddr,
        sport: u16,
        dport: u16,
        l4proto: u8,
    },
    /// A bound or listening IP socket (scap's "server" socket types), on
    /// `ip:port`.
    IpServSock { ip: IpAddr, port: u16, l4proto: u8 },
    UnixSock {
        source: u64,
        dest: u64,
        path: String,
    },
    /// A regular file with its open flags (and device, when recorded).
    File {
        open_flags: u32,
        name: String,
        dev: Option<u32>,
    },
    /// Any other fd type that is described by a name only.
    Named { fd_type: FdType, name: String },
    /// A type number this reader does not know.
    UnknownType(u8),
}

/// Whether addresses are written as IPv6: when any of them is.
pub fn ip_family_v6(addrs: &[IpAddr]) -> bool {
    addrs.iter().any(IpAddr::is_ipv6)
}

/// The 4 bytes (network order) of an IPv4 address; an IPv6 one gives its
/// mapped IPv4 address, or 0.0.0.0.
pub fn ipv4_octets(ip: IpAddr) -> [u8; 4] {
    match ip {
        IpAddr::V4(a) => a.octets(),
        IpAddr::V6(a) => a.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED).octets(),
    }
}

/// The 16 bytes (network order) of an IPv6 address; an IPv4 one is
/// IPv4-mapped.
pub fn ipv6_octets(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

/// `ip` in the IPv6 family (mapped) when `v6`, in the IPv4 one otherwise.
pub fn ip_in_family(ip: IpAddr, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(ipv6_octets(ip)))
    } else {
        IpAddr::V4(Ipv4Addr::from(ipv4_octets(ip)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdInfo {
    pub fd: i64,
    pub ino: u64,
    pub target: FdTarget,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserInfo {
    pub uid: u32,
    pub gid: u32,
    pub name: String,
    pub homedir: String,
    pub shell: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupInfo {
    pub gid: u32,
    pub name: String,
}

/// Addresses of one interface, in network byte order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterfaceAddr {
    V4 {
        addr: [u8; 4],
        netmask: [u8; 4],
        bcast: [u8; 4],
    },
    V6 {
        addr: [u8; 16],
        netmask: [u8; 16],
        bcast: [u8; 16],
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub addr: InterfaceAddr,
    /// Link speed, when the capture records it.
    pub linkspeed: Option<u64>,
}

/// Everything known before the first event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitialState {
    pub machine: Option<MachineInfo>,
    /// Threads by tid, fds attached.
    pub threads: BTreeMap<u64, ThreadInfo>,
    pub users: Vec<UserInfo>,
    pub groups: Vec<GroupInfo>,
    pub interfaces: Vec<Interface>,
}
