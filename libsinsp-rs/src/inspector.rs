//! The inspector: keeps the state up to date from events, in timestamp
//! order, and tells field extraction which thread and fd an event is about.
//!
//! `process` parses an event into the state; removals it implies (a thread
//! exiting, an fd closing) are applied only when the next event arrives, so
//! rules evaluated on the event still see what it removes.

use crate::parsers;
use crate::state::{container, paths, Containers, Fd, FdKind, L4Proto, Thread, ThreadTable, Users};
use falco_scap::engine::Touch;
use falco_scap::state::{FdTarget, InitialState, MachineInfo};
use falco_scap::Event;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A removal deferred until the rules ran on the event that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Thread(i64),
    Fd { tid: i64, fd: i64 },
}

/// Anomalies met while parsing (counted, never fatal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anomalies {
    /// Events whose parameters were missing or malformed.
    pub bad_params: u64,
    /// Events that referred to an fd the table does not have.
    pub unknown_fds: u64,
    /// Events from threads the table did not know (created on the fly).
    pub unknown_threads: u64,
}

/// What the last processed event was about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventScope {
    /// `evt.num`: 1-based count of processed events.
    pub num: u64,
    /// The fd the event uses or creates, when it has one.
    pub fd: Option<i64>,
}

/// State plus the bookkeeping of the event being processed.
#[derive(Debug)]
pub struct Inspector {
    pub threads: ThreadTable,
    pub users: Users,
    pub containers: Containers,
    pub machine: Option<MachineInfo>,
    pub anomalies: Anomalies,
    pending: Vec<Removal>,
    scope: EventScope,
    /// The container a container event describes (its fields are that
    /// container's, whatever thread sent it).
    event_container: Option<String>,
}

impl Default for Inspector {
    fn default() -> Self {
        Inspector::new(InitialState::default())
    }
}

impl Inspector {
    /// Seeds the state from a capture's state blocks or a /proc scan.
    pub fn new(initial: InitialState) -> Inspector {
        let mut threads = ThreadTable::default();
        for (_, t) in initial.threads {
            threads.insert(thread_from_scap(t));
        }
        orient_seeded_sockets(&mut threads);
        Inspector {
            threads,
            users: Users::new(initial.users, initial.groups),
            containers: Containers::default(),
            machine: initial.machine,
            anomalies: Anomalies::default(),
            pending: Vec::new(),
            scope: EventScope::default(),
            event_container: None,
        }
    }

    /// Updates the state with `ev` (applying the previous event's removals
    /// first).
    pub fn process(&mut self, ev: &Event<'_>) -> EventScope {
        self.begin(ev.tid as i64, ev.evt_type);
        let mut cx = parsers::Cx { insp: self, ev };
        parsers::parse(&mut cx);
        self.scope
    }

    /// Updates the state with an event seen in outline: one that has no
    /// parser of its own ([`Inspector::has_parser`]), so that only its
    /// thread and the fd it uses matter.
    pub fn touch(&mut self, t: &Touch) -> EventScope {
        self.begin(t.tid as i64, t.evt_type);
        parsers::generic(self, t.tid as i64, t.fd);
        self.scope
    }

    /// Whether events of `code` have a parser of their own; the others can
    /// be given to [`Inspector::touch`] in outline.
    pub fn has_parser(code: u16) -> bool {
        parsers::has_parser(code)
    }

    /// What every event does first: the last event's removals, a new
    /// scope, and a stand-in for a thread never seen.
    fn begin(&mut self, tid: i64, code: u16) {
        self.flush_removals();
        self.event_container = None;
        self.scope = EventScope {
            num: self.scope.num + 1,
            fd: None,
        };
        let is_syscall = falco_abi::event_info(code)
            .is_some_and(|i| i.category.contains(falco_abi::Category::SYSCALL));
        if tid > 0
            && is_syscall
            && self.threads.get(tid).is_none()
            && !parsers::creates_thread(code)
        {
            // A thread we never saw: like libsinsp on a capture, stand in a
            // thread whose facts are unknown, so its fds can be tracked.
            self.anomalies.unknown_threads += 1;
            self.threads.insert(Thread::unknown(tid));
        }
    }

    /// What the last processed event was about.
    pub fn scope(&self) -> EventScope {
        self.scope
    }

    /// For a container event: the id of the container it describes.
    pub fn event_container(&self) -> Option<&str> {
        self.event_container.as_deref()
    }

    pub(crate) fn set_event_container(&mut self, id: &str) {
        self.event_container = Some(id.to_string());
    }

    pub(crate) fn set_scope_fd(&mut self, fd: i64) {
        self.scope.fd = Some(fd);
    }

    pub(crate) fn defer(&mut self, r: Removal) {
        self.pending.push(r);
    }

    /// Applies removals deferred by the last event (also done by `process`).
    pub fn flush_removals(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        // Drained from a taken buffer that goes back afterwards: no
        // allocation per event.
        let mut pending = std::mem::take(&mut self.pending);
        for r in pending.drain(..) {
            match r {
                Removal::Thread(tid) => {
                    self.threads.remove(tid);
                }
                Removal::Fd { tid, fd } => {
                    if let Some(t) = self.threads.fds_mut(tid) {
                        t.remove(fd);
                    }
                }
            }
        }
        self.pending = pending;
    }

    /// Removals the last event deferred, not applied yet.
    pub(crate) fn pending_removals(&self) -> &[Removal] {
        &self.pending
    }

    /// The fd the last event is about, in its thread's table.
    pub fn event_fd(&self, tid: i64) -> Option<(i64, &Fd)> {
        let n = self.scope.fd?;
        self.threads.fds(tid)?.get(n).map(|f| (n, f))
    }
}

/// Sockets from the initial state are stored local -> remote. A socket
/// whose local port is one a server socket listens on is the server side
/// of its connection: swap it so that the tuple reads client -> server.
fn orient_seeded_sockets(threads: &mut ThreadTable) {
    let listening: std::collections::HashSet<u16> = threads
        .iter()
        .flat_map(|t| t.fds.iter())
        .filter(|(_, f)| f.is_server)
        .filter_map(|(_, f)| f.tuple.map(|t| t.dport))
        .collect();
    let tids: Vec<i64> = threads.iter().map(|t| t.tid).collect();
    for tid in tids {
        let Some(t) = threads.get_mut(tid) else {
            continue;
        };
        let fds: Vec<i64> = t.fds.iter().map(|(n, _)| n).collect();
        for n in fds {
            let Some(f) = t.fds.get_mut(n) else { continue };
            let Some(tu) = f.tuple.filter(|_| !f.is_server) else {
                continue;
            };
            if listening.contains(&tu.sport) {
                f.tuple = Some(crate::state::SockTuple {
                    sip: tu.dip,
                    sport: tu.dport,
                    dip: tu.sip,
                    dport: tu.sport,
                });
                f.is_server = true;
                f.name = crate::fields::fd::render_tuple(f);
                f.name_raw = f.name.clone();
            }
        }
    }
}

/// A thread of the initial state in the inspector's form.
fn thread_from_scap(t: falco_scap::state::ThreadInfo) -> Thread {
    use crate::state::thread::split_nul;
    let cgroups: Vec<(String, String)> = split_nul(&t.cgroups)
        .into_iter()
        .map(|c| match c.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (String::new(), c),
        })
        .collect();
    let container_id = container::id_from_cgroups(cgroups.iter().map(|(_, p)| p.as_str()));
    let mut fds = crate::state::FdTable::default();
    for f in &t.fds {
        if let Some(fd) = fd_from_scap(&f.target, f.ino) {
            fds.insert(f.fd, fd);
        }
    }
    let args = split_nul(&t.args);
    Thread {
        tid: t.tid as i64,
        pid: t.pid as i64,
        ptid: t.ptid as i64,
        sid: t.sid as i64,
        vpgid: t.vpgid as i64,
        pgid: t.vpgid as i64,
        vtid: t.vtid,
        vpid: t.vpid,
        comm: t.comm,
        exe: t.exe,
        exepath: t.exepath,
        args,
        env: split_nul(&t.env),
        cwd: if t.cwd.is_empty() {
            String::new()
        } else {
            paths::normalize(&t.cwd)
        },
        uid: t.uid,
        gid: t.gid,
        euid: t.uid,
        egid: t.gid,
        loginuid: t.loginuid,
        cap_inheritable: t.cap_inheritable,
        cap_permitted: t.cap_permitted,
        cap_effective: t.cap_effective,
        tty: t.tty,
        fdlimit: t.fdlimit,
        cgroups,
        container_id,
        clone_ts: t.clone_ts,
        pidns_init_start_ts: t.pidns_init_start_ts,
        exe_writable: t.exe_writable,
        exe_upper_layer: t.exe_upper_layer,
        exe_from_memfd: t.exe_from_memfd,
        exe_ino: t.exe_ino,
        exe_ino_ctime: t.exe_ino_ctime,
        exe_ino_mtime: t.exe_ino_mtime,
        fds,
        exited: false,
    }
}

fn ip4(b: [u8; 4]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(b))
}
fn ip6(b: [u8; 16]) -> IpAddr {
    IpAddr::V6(Ipv6Addr::from(b))
}

/// An fd of the initial state in the inspector's form.
fn fd_from_scap(t: &FdTarget, ino: u64) -> Option<Fd> {
    use crate::state::SockTuple;
    use falco_scap::state::FdType;
    let mut fd = match t {
        FdTarget::Ipv4Sock {
            sip,
            dip,
            sport,
            dport,
            l4proto,
        } => {
            let mut f = Fd::new(FdKind::Ipv4, "");
            f.l4proto = L4Proto::from_scap(*l4proto);
            f.tuple = Some(SockTuple {
                sip: ip4(*sip),
                sport: *sport,
                dip: ip4(*dip),
                dport: *dport,
            });
            f
        }
        FdTarget::Ipv6Sock {
            sip,
            dip,
            sport,
            dport,
            l4proto,
        } => {
            let mut f = Fd::new(FdKind::Ipv6, "");
            f.l4proto = L4Proto::from_scap(*l4proto);
            f.tuple = Some(SockTuple {
                sip: ip6(*sip),
                sport: *sport,
                dip: ip6(*dip),
                dport: *dport,
            });
            f
        }
        FdTarget::Ipv4ServSock { ip, port, l4proto } => {
            let mut f = Fd::new(FdKind::Ipv4, "");
            f.l4proto = L4Proto::from_scap(*l4proto);
            f.is_server = true;
            f.tuple = Some(SockTuple {
                sip: ip4([0; 4]),
                sport: 0,
                dip: ip4(*ip),
                dport: *port,
            });
            f
        }
        FdTarget::Ipv6ServSock { ip, port, l4proto } => {
            let mut f = Fd::new(FdKind::Ipv6, "");
            f.l4proto = L4Proto::from_scap(*l4proto);
            f.is_server = true;
            f.tuple = Some(SockTuple {
                sip: ip6([0; 16]),
                sport: 0,
                dip: ip6(*ip),
                dport: *port,
            });
            f
        }
        FdTarget::UnixSock { source, dest, path } => {
            let mut f = Fd::new(FdKind::Unix, path.clone());
            f.unix_peers = Some((*source, *dest));
            f
        }
        FdTarget::File {
            open_flags,
            name,
            dev,
        } => {
            let mut f = Fd::new(FdKind::File, name.clone());
            f.open_flags = *open_flags;
            f.dev = dev.unwrap_or(0);
            f
        }
        FdTarget::Named { fd_type, name } => {
            let kind = match fd_type {
                FdType::File => FdKind::File,
                FdType::Directory => FdKind::Directory,
                FdType::Fifo => FdKind::Pipe,
                FdType::Event => FdKind::Event,
                FdType::Signalfd => FdKind::Signalfd,
                FdType::Eventpoll => FdKind::Eventpoll,
                FdType::Inotify => FdKind::Inotify,
                FdType::Timerfd => FdKind::Timerfd,
                FdType::Netlink => FdKind::Netlink,
                FdType::Bpf => FdKind::Bpf,
                FdType::Userfaultfd => FdKind::Userfaultfd,
                FdType::IoUring => FdKind::IoUring,
                FdType::Memfd => FdKind::Memfd,
                FdType::Pidfd => FdKind::Pidfd,
                _ => FdKind::Unknown,
            };
            Fd::new(kind, name.clone())
        }
        FdTarget::UnknownType(_) => return None,
    };
    if fd.kind.is_socket() && fd.kind != FdKind::Unix {
        fd.name = crate::fields::fd::render_tuple(&fd);
        fd.name_raw = fd.name.clone();
    }
    fd.ino = ino;
    Some(fd)
}
