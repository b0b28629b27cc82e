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

impl SockTuple {
    /// The tuple as libsinsp keeps it: when both ends are IPv4-mapped IPv6
    /// addresses (`::ffff:a.b.c.d`, a dual-stack socket's IPv4 peer), the
    /// socket is an IPv4 one with those IPv4 addresses, so that rules on
    /// `fd.sip`/`fd.rip` against IPv4 addresses see it. A tuple with a real
    /// IPv6 end stays as it is.
    pub fn unmapped(self) -> SockTuple {
        let mapped = |ip: IpAddr| match ip {
            IpAddr::V6(a) => a.to_ipv4_mapped(),
            IpAddr::V4(_) => None,
        };
        match (mapped(self.sip), mapped(self.dip)) {
            (Some(s), Some(d)) => SockTuple {
                sip: IpAddr::V4(s),
                dip: IpAddr::V4(d),
                ..self
            },
            _ => self,
        }
    }
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

    /// An IP socket only bound or listening (libsinsp's server socket
    /// types), not a connection.
    pub fn is_listening(&self) -> bool {
        self.is_server
            && self
                .tuple
                .is_some_and(|t| t.sport == 0 && t.sip.is_unspecified())
    }

    /// `fd.name` of an IP socket: `cip:cport->sip:sport`, or `ip:port` for
    /// a server socket that is only bound; empty without a tuple.
    pub fn tuple_name(&self) -> String {
        let Some(t) = self.tuple else {
            return String::new();
        };
        if self.is_listening() {
            return format!("{}:{}", t.dip, t.dport);
        }
        format!("{}:{}->{}:{}", t.sip, t.sport, t.dip, t.dport)
    }

    /// Names an IP socket after its tuple (`name` and `name_raw`).
    pub fn name_by_tuple(&mut self) {
        self.name = self.tuple_name();
        self.name_raw = self.name.clone();
    }
}

/// Fd numbers below this live in a dense vector indexed by number (the
/// fds nearly every process uses: lookups without a search, inserts and
/// removals without moving other entries); the rest in an ordered map.
const DENSE_FDS: i64 = 1024;

/// The most fds one process's table holds, as libsinsp's
/// `MAX_FD_TABLE_SIZE`: a process with more open files or sockets must not
/// grow the state without bound. A new fd past it is not tracked (its
/// events see no fd information), as in libsinsp, and is counted.
pub const MAX_FDS_PER_PROCESS: usize = 4096;

/// The fds of one process (shared by its threads).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FdTable {
    /// `low[n]` is fd `n` (0 <= n < DENSE_FDS); trailing `None`s trimmed.
    low: Vec<Option<Fd>>,
    /// Negative fds and fds from `DENSE_FDS` up.
    high: BTreeMap<i64, Fd>,
    len: usize,
    /// New fds not tracked because the table was full.
    pub discarded: u64,
}

impl FdTable {
    fn dense(fd: i64) -> Option<usize> {
        (0..DENSE_FDS).contains(&fd).then_some(fd as usize)
    }

    pub fn get(&self, fd: i64) -> Option<&Fd> {
        match Self::dense(fd) {
            Some(i) => self.low.get(i)?.as_ref(),
            None => self.high.get(&fd),
        }
    }

    pub fn get_mut(&mut self, fd: i64) -> Option<&mut Fd> {
        match Self::dense(fd) {
            Some(i) => self.low.get_mut(i)?.as_mut(),
            None => self.high.get_mut(&fd),
        }
    }

    /// Adds or replaces fd `fd`. A new fd finds no room in a full table
    /// ([`MAX_FDS_PER_PROCESS`]): it is dropped and counted; replacing an
    /// fd the table has always works.
    pub fn insert(&mut self, fd: i64, f: Fd) {
        if self.len >= MAX_FDS_PER_PROCESS && self.get(fd).is_none() {
            self.discarded += 1;
            return;
        }
        let old = match Self::dense(fd) {
            Some(i) => {
                if i >= self.low.len() {
                    self.low.resize(i + 1, None);
                }
                self.low[i].replace(f)
            }
            None => self.high.insert(fd, f),
        };
        if old.is_none() {
            self.len += 1;
        }
    }

    pub fn remove(&mut self, fd: i64) -> Option<Fd> {
        let old = match Self::dense(fd) {
            Some(i) => {
                let old = self.low.get_mut(i)?.take();
                while matches!(self.low.last(), Some(None)) {
                    self.low.pop();
                }
                old
            }
            None => self.high.remove(&fd),
        };
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every fd in ascending order of number.
    pub fn iter(&self) -> impl Iterator<Item = (i64, &Fd)> {
        let negative = self.high.range(..0).map(|(n, f)| (*n, f));
        let low = self
            .low
            .iter()
            .enumerate()
            .filter_map(|(n, f)| Some((n as i64, f.as_ref()?)));
        let high = self.high.range(DENSE_FDS..).map(|(n, f)| (*n, f));
        negative.chain(low).chain(high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_table_drops_new_fds_and_counts_them_but_replaces_old_ones() {
        let mut t = FdTable::default();
        for n in 0..MAX_FDS_PER_PROCESS as i64 {
            t.insert(n, Fd::new(FdKind::File, "/f"));
        }
        assert_eq!((t.len(), t.discarded), (MAX_FDS_PER_PROCESS, 0));
        t.insert(1 << 20, Fd::new(FdKind::File, "/new"));
        assert!(t.get(1 << 20).is_none());
        assert_eq!((t.len(), t.discarded), (MAX_FDS_PER_PROCESS, 1));
        // An fd the table has is still replaced; a freed slot takes a new one.
        t.insert(5, Fd::new(FdKind::Pipe, "pipe:[1]"));
        assert_eq!(t.get(5).map(|f| f.kind), Some(FdKind::Pipe));
        t.remove(6);
        t.insert(1 << 20, Fd::new(FdKind::File, "/new"));
        assert!(t.get(1 << 20).is_some());
        assert_eq!(t.discarded, 1);
    }

    #[test]
    fn the_table_keeps_any_fd_number_and_lists_them_in_order() {
        let mut t = FdTable::default();
        let nums = [3, -5, 0, DENSE_FDS - 1, DENSE_FDS, 1 << 40, 7];
        for (i, n) in nums.iter().enumerate() {
            t.insert(*n, Fd::new(FdKind::File, format!("/f{i}")));
        }
        assert_eq!(t.len(), nums.len());
        let mut sorted = nums.to_vec();
        sorted.sort();
        assert_eq!(t.iter().map(|(n, _)| n).collect::<Vec<_>>(), sorted);
        assert_eq!(t.get(DENSE_FDS).map(|f| f.name.as_str()), Some("/f4"));
        assert_eq!(t.get(-5).map(|f| f.name.as_str()), Some("/f1"));
        assert!(t.get(4).is_none() && t.get(DENSE_FDS + 1).is_none());
        // Replacing is not adding.
        t.insert(3, Fd::new(FdKind::Pipe, "pipe:[1]"));
        assert_eq!(t.len(), nums.len());
        assert_eq!(t.get(3).map(|f| f.kind), Some(FdKind::Pipe));
        t.get_mut(7).unwrap().ino = 9;
        assert_eq!(t.get(7).map(|f| f.ino), Some(9));
        // Removing the highest dense fds leaves a table equal to one that
        // never had them.
        assert!(t.remove(DENSE_FDS - 1).is_some() && t.remove(7).is_some());
        assert!(t.remove(7).is_none() && t.remove(100).is_none());
        let mut fresh = FdTable::default();
        for n in [3, -5, 0, DENSE_FDS, 1 << 40] {
            fresh.insert(n, t.get(n).unwrap().clone());
        }
        assert_eq!(t, fresh);
        assert_eq!(t.len(), 5);
        for n in [3, -5, 0, DENSE_FDS, 1 << 40] {
            t.remove(n);
        }
        assert!(t.is_empty() && t.iter().next().is_none());
    }
}
