//! The state in scap's form and back: threads and fds of a capture's state
//! blocks (or of a /proc scan) as the inspector keeps them
//! ([`threads_from_scap`]), and the inspector's threads and fds as state
//! blocks ([`thread_to_scap`], which `Inspector::snapshot` uses to start a
//! new `.scap` file from where the state is now).
//!
//! What does not survive `thread_to_scap` and `threads_from_scap` of it
//! (everything else does, field for field):
//!
//! - threads: `pgid` (scap has only `vpgid`; reading sets both from it),
//!   `uid`/`gid` when they differ from `euid`/`egid` (scap has one of each,
//!   the effective one, as libscap's /proc scan reads it), an argument or
//!   environment list made of one empty string (written as a lone NUL,
//!   read back as no entries). Capture files do not carry `clone_ts`; the
//!   snapshot does.
//! - fds: `name_raw` (the name as the syscall gave it: reading sets it to
//!   the resolved name); `open_flags` and `dev` of anything but a regular
//!   file; the name of IP sockets (re-rendered from the tuple) and of
//!   netlink sockets (reading renders it from the absent tuple: empty);
//!   `l4proto` of anything but IP sockets (a datagram unix socket); an
//!   IP socket without a tuple (created, not connected) is written with an
//!   all-zero tuple, as upstream's dumper does, and reads back with it; a
//!   unix socket without peers reads back with peers 0 and 0; a server-side
//!   connection (accepted) is written local -> remote and is turned back to
//!   client -> server only when a socket listening on its port is in the
//!   state too.
//! - strings longer than the savefile reader accepts are cut to fit
//!   (1024 bytes for comm, exe, exepath and cwd, 1023 for fd names, 4096
//!   for args, env and cgroups, which keep their final NUL).
//! - threads' root directory is not kept by the inspector and is written
//!   empty; whether the executable is in an overlay's lower layer has no
//!   place in the process list (false after reading).

use super::thread::{parse_cgroups, split_nul};
use super::{container, paths, Fd, FdKind, FdTable, L4Proto, SockTuple, Thread, ThreadTable};
use falco_scap::savefile::proclist::{MAX_ARGS, MAX_CGROUPS, MAX_ENV, MAX_PATH};
use falco_scap::state::{
    ip_family_v6, ip_in_family, FdInfo, FdTarget, FdType, ThreadInfo, THREAD_FLAGS,
};
use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The longest fd name (or unix socket path) the savefile reader accepts:
/// upstream's 1024-byte buffer, NUL included.
const MAX_FD_NAME: usize = MAX_PATH - 1;

/// The fd kinds that scap describes by a type and a name only, with that
/// type: the one mapping between the two, read both ways.
const NAMED: [(FdKind, FdType); 13] = [
    (FdKind::Directory, FdType::Directory),
    (FdKind::Pipe, FdType::Fifo),
    (FdKind::Event, FdType::Event),
    (FdKind::Signalfd, FdType::Signalfd),
    (FdKind::Eventpoll, FdType::Eventpoll),
    (FdKind::Inotify, FdType::Inotify),
    (FdKind::Timerfd, FdType::Timerfd),
    (FdKind::Netlink, FdType::Netlink),
    (FdKind::Bpf, FdType::Bpf),
    (FdKind::Userfaultfd, FdType::Userfaultfd),
    (FdKind::IoUring, FdType::IoUring),
    (FdKind::Memfd, FdType::Memfd),
    (FdKind::Pidfd, FdType::Pidfd),
];

/// The kind of a named scap fd: an old capture's plain `File` is a file,
/// a type without a kind of its own is `Unknown`.
fn kind_of(fd_type: FdType) -> FdKind {
    if fd_type == FdType::File {
        return FdKind::File;
    }
    NAMED
        .iter()
        .find(|(_, t)| *t == fd_type)
        .map_or(FdKind::Unknown, |(k, _)| *k)
}

/// The scap type a named fd of `kind` is written as; a kind without its
/// own type (`Unknown`) is "unsupported".
fn type_of(kind: FdKind) -> FdType {
    NAMED
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(FdType::Unsupported, |(_, t)| *t)
}

/// The threads of an initial state, as the inspector keeps them.
pub fn threads_from_scap(threads: BTreeMap<u64, ThreadInfo>) -> ThreadTable {
    let mut table = ThreadTable::default();
    for (_, t) in threads {
        table.insert(thread_from_scap(t));
    }
    orient_seeded_sockets(&mut table);
    table
}

/// Sockets from the initial state are stored local -> remote. A socket
/// whose local port is one a server socket listens on is the server side
/// of its connection: swap it so that the tuple reads client -> server.
fn orient_seeded_sockets(threads: &mut ThreadTable) {
    let listening: HashSet<u16> = threads
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
                f.tuple = Some(SockTuple {
                    sip: tu.dip,
                    sport: tu.dport,
                    dip: tu.sip,
                    dport: tu.sport,
                });
                f.is_server = true;
                f.name_by_tuple();
            }
        }
    }
}

/// A thread of the initial state in the inspector's form.
fn thread_from_scap(t: ThreadInfo) -> Thread {
    let cgroups = parse_cgroups(&t.cgroups);
    let container_id = container::id_from_cgroups(cgroups.iter().map(|(_, p)| p.as_str()));
    let mut fds = FdTable::default();
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
        exe_lower_layer: false,
        vmsize_kb: t.vmsize_kb,
        vmrss_kb: t.vmrss_kb,
        vmswap_kb: t.vmswap_kb,
        pfmajor: t.pfmajor,
        pfminor: t.pfminor,
        exec_filename: None,
        fds,
        exited: false,
        last_access_ts: 0,
    }
}

/// An IP socket fd of `l4proto`, of the family of `ip`.
fn ip_fd(ip: IpAddr, l4proto: u8) -> Fd {
    let kind = if ip.is_ipv6() {
        FdKind::Ipv6
    } else {
        FdKind::Ipv4
    };
    let mut f = Fd::new(kind, "");
    f.l4proto = L4Proto::from_scap(l4proto);
    f
}

/// The unspecified address of a family: `::` or `0.0.0.0` (not the
/// IPv4-mapped `::ffff:0.0.0.0`).
fn unspecified(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    }
}

/// An fd of the initial state in the inspector's form.
fn fd_from_scap(t: &FdTarget, ino: u64) -> Option<Fd> {
    let mut fd = match t {
        FdTarget::IpSock {
            sip,
            dip,
            sport,
            dport,
            l4proto,
        } => {
            let v6 = ip_family_v6(&[*sip, *dip]);
            // libsinsp makes an IPv6 socket of the state with both ends
            // IPv4-mapped an IPv4 one, as on accept and connect.
            let tuple = SockTuple {
                sip: ip_in_family(*sip, v6),
                sport: *sport,
                dip: ip_in_family(*dip, v6),
                dport: *dport,
            }
            .unmapped();
            let mut f = ip_fd(tuple.sip, *l4proto);
            f.tuple = Some(tuple);
            f
        }
        FdTarget::IpServSock { ip, port, l4proto } => {
            let mut f = ip_fd(*ip, *l4proto);
            f.is_server = true;
            f.tuple = Some(SockTuple {
                sip: unspecified(ip.is_ipv6()),
                sport: 0,
                dip: *ip,
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
        FdTarget::Named { fd_type, name } => Fd::new(kind_of(*fd_type), name.clone()),
        FdTarget::UnknownType(_) => return None,
    };
    // IP sockets are named after their tuple; netlink ones, which have
    // none, get an empty name.
    if fd.kind.is_socket() && fd.kind != FdKind::Unix {
        fd.name_by_tuple();
    }
    fd.ino = ino;
    Some(fd)
}

/// `s`, cut at a character boundary to at most `max` bytes.
fn clamp(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s[..cut].to_string()
}

/// NUL-terminated entries, the inverse of `split_nul`: at most `max`
/// bytes, the last (possibly cut) entry keeping its NUL.
fn join_nul<S: AsRef<str>>(items: impl IntoIterator<Item = S>, max: usize) -> Vec<u8> {
    let mut s = String::new();
    for i in items {
        s.push_str(i.as_ref());
        s.push('\0');
    }
    if s.len() > max {
        s = clamp(&s, max - 1);
        if !s.ends_with('\0') {
            s.push('\0');
        }
    }
    s.into_bytes()
}

/// One cgroup as `thread_from_scap` splits it back (at the first `=`):
/// `subsys=path`, or the bare path when it had no subsystem and has no
/// `=` to be misread. (A subsystem containing `=` cannot be written; the
/// parsers never make one, they split at the first `=` too.)
fn cgroup_entry((subsys, path): &(String, String)) -> String {
    if subsys.is_empty() && !path.is_empty() && !path.contains('=') {
        path.clone()
    } else {
        format!("{subsys}={path}")
    }
}

/// A thread in scap's form: the inverse of `thread_from_scap`.
pub fn thread_to_scap(t: &Thread) -> ThreadInfo {
    ThreadInfo {
        tid: t.tid as u64,
        pid: t.pid as u64,
        ptid: t.ptid as u64,
        sid: t.sid as u64,
        // Reading fills both vpgid and pgid from scap's vpgid.
        vpgid: t.vpgid as u64,
        comm: clamp(&t.comm, MAX_PATH),
        exe: clamp(&t.exe, MAX_PATH),
        exepath: clamp(&t.exepath, MAX_PATH),
        args: join_nul(&t.args, MAX_ARGS),
        cwd: clamp(&t.cwd, MAX_PATH),
        fdlimit: t.fdlimit,
        flags: if t.is_main() { 0 } else { THREAD_FLAGS },
        // scap's uid/gid are the effective ids (reading fills uid and euid,
        // gid and egid, from them).
        uid: t.euid,
        gid: t.egid,
        vmsize_kb: t.vmsize_kb,
        vmrss_kb: t.vmrss_kb,
        vmswap_kb: t.vmswap_kb,
        pfmajor: t.pfmajor,
        pfminor: t.pfminor,
        env: join_nul(&t.env, MAX_ENV),
        vtid: t.vtid,
        vpid: t.vpid,
        cgroups: join_nul(t.cgroups.iter().map(cgroup_entry), MAX_CGROUPS),
        root: String::new(),
        pidns_init_start_ts: t.pidns_init_start_ts,
        tty: t.tty,
        loginuid: t.loginuid,
        exe_writable: t.exe_writable,
        cap_inheritable: t.cap_inheritable,
        cap_permitted: t.cap_permitted,
        cap_effective: t.cap_effective,
        exe_upper_layer: t.exe_upper_layer,
        exe_ino: t.exe_ino,
        exe_ino_ctime: t.exe_ino_ctime,
        exe_ino_mtime: t.exe_ino_mtime,
        exe_from_memfd: t.exe_from_memfd,
        clone_ts: t.clone_ts,
        fds: t.fds.iter().map(|(n, f)| fd_to_scap(n, f)).collect(),
    }
}

/// An IP socket in scap's form, in the family of its kind. A socket that
/// is only bound or listening (as `fd_from_scap` builds a server socket,
/// and `bind` does) is a server socket; any other is a connection, stored
/// local -> remote, so that a server-side one (client -> server in the
/// inspector) is swapped back.
fn ip_target(f: &Fd) -> FdTarget {
    let v6 = f.kind == FdKind::Ipv6;
    let any = unspecified(v6);
    // Not connected yet: all zeros, as upstream's dumper writes it.
    let t = f.tuple.unwrap_or(SockTuple {
        sip: any,
        sport: 0,
        dip: any,
        dport: 0,
    });
    let l4proto = f.l4proto.to_scap();
    if f.is_server && t.sport == 0 && t.sip.is_unspecified() {
        return FdTarget::IpServSock {
            ip: ip_in_family(t.dip, v6),
            port: t.dport,
            l4proto,
        };
    }
    let (sip, sport, dip, dport) = if f.is_server {
        (t.dip, t.dport, t.sip, t.sport)
    } else {
        (t.sip, t.sport, t.dip, t.dport)
    };
    FdTarget::IpSock {
        sip: ip_in_family(sip, v6),
        dip: ip_in_family(dip, v6),
        sport,
        dport,
        l4proto,
    }
}

/// An fd in scap's form: the inverse of `fd_from_scap`. Kinds without a
/// scap type of their own (`Unknown`) are written as "unsupported" with
/// their name.
fn fd_to_scap(fd: i64, f: &Fd) -> FdInfo {
    let name = || clamp(&f.name, MAX_FD_NAME);
    let target = match f.kind {
        FdKind::Ipv4 | FdKind::Ipv6 => ip_target(f),
        FdKind::Unix => {
            let (source, dest) = f.unix_peers.unwrap_or((0, 0));
            FdTarget::UnixSock {
                source,
                dest,
                path: name(),
            }
        }
        FdKind::File => FdTarget::File {
            open_flags: f.open_flags,
            name: name(),
            dev: Some(f.dev),
        },
        kind => FdTarget::Named {
            fd_type: type_of(kind),
            name: name(),
        },
    };
    FdInfo {
        fd,
        ino: f.ino,
        target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_kind_goes_to_its_type_and_back() {
        for (kind, fd_type) in NAMED {
            assert_eq!(type_of(kind), fd_type);
            assert_eq!(kind_of(fd_type), kind);
        }
        assert_eq!(kind_of(FdType::File), FdKind::File);
        assert_eq!(kind_of(FdType::Unsupported), FdKind::Unknown);
        assert_eq!(type_of(FdKind::Unknown), FdType::Unsupported);
    }

    #[test]
    fn an_unconnected_ipv6_socket_is_written_all_zeros() {
        // Created, not connected: no tuple. Upstream's dumper writes `::`.
        let f = Fd::new(FdKind::Ipv6, "");
        let all_zeros = IpAddr::V6(Ipv6Addr::UNSPECIFIED);
        assert_eq!(
            fd_to_scap(3, &f).target,
            FdTarget::IpSock {
                sip: all_zeros,
                dip: all_zeros,
                sport: 0,
                dport: 0,
                l4proto: L4Proto::Unknown.to_scap(),
            }
        );
        // Bound only: a server socket on `:::443`.
        let mut b = Fd::new(FdKind::Ipv6, "");
        b.is_server = true;
        b.tuple = Some(SockTuple {
            sip: all_zeros,
            sport: 0,
            dip: all_zeros,
            dport: 443,
        });
        assert_eq!(
            fd_to_scap(4, &b).target,
            FdTarget::IpServSock {
                ip: all_zeros,
                port: 443,
                l4proto: L4Proto::Unknown.to_scap(),
            }
        );
    }

    #[test]
    fn an_ipv6_socket_with_an_ipv4_peer_keeps_its_family() {
        let v4 = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        let f = fd_from_scap(
            &FdTarget::IpSock {
                sip: v6,
                dip: v4,
                sport: 1,
                dport: 2,
                l4proto: 2,
            },
            7,
        )
        .unwrap();
        assert_eq!(f.kind, FdKind::Ipv6);
        let t = f.tuple.unwrap();
        assert_eq!(
            t.dip,
            IpAddr::V6(Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped())
        );
        assert_eq!(f.ino, 7);
        let back = fd_to_scap(3, &f).target;
        assert_eq!(
            back,
            FdTarget::IpSock {
                sip: v6,
                dip: t.dip,
                sport: 1,
                dport: 2,
                l4proto: 2,
            }
        );
    }

    #[test]
    fn an_ipv6_socket_with_both_ends_ipv4_mapped_becomes_ipv4() {
        let mapped = |a: [u8; 4]| IpAddr::V6(Ipv4Addr::from(a).to_ipv6_mapped());
        let f = fd_from_scap(
            &FdTarget::IpSock {
                sip: mapped([127, 0, 0, 1]),
                dip: mapped([127, 0, 0, 1]),
                sport: 44780,
                dport: 4444,
                l4proto: 2,
            },
            7,
        )
        .unwrap();
        assert_eq!(f.kind, FdKind::Ipv4);
        assert_eq!(f.name, "127.0.0.1:44780->127.0.0.1:4444");
        let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
        assert_eq!((f.tuple.unwrap().sip, f.tuple.unwrap().dip), (lo, lo));
    }
}
