//! Sockets: creation, connection, acceptance, binding.

use super::Cx;
use crate::state::{Fd, FdKind, L4Proto, SockTuple};
use falco_abi::flag_tables::socket_families::{AF_INET, AF_INET6, AF_NETLINK, AF_UNIX};
use falco_scap::event::{SockAddr, SockTuple as EvTuple};
use falco_scap::ParamValue;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const SOCK_STREAM: u64 = 1;
const SOCK_DGRAM: u64 = 2;
const SOCK_RAW: u64 = 3;
const IPPROTO_ICMP: u64 = 1;
const IPPROTO_ICMPV6: u64 = 58;
/// -EINPROGRESS: a non-blocking connect that is under way.
const EINPROGRESS: i64 = -115;

fn l4proto(ty: u64, proto: u64) -> L4Proto {
    // The type carries SOCK_NONBLOCK/SOCK_CLOEXEC in its high bits.
    match (ty & 0xf, proto) {
        (_, IPPROTO_ICMP | IPPROTO_ICMPV6) => L4Proto::Icmp,
        (SOCK_STREAM, _) => L4Proto::Tcp,
        (SOCK_DGRAM, _) => L4Proto::Udp,
        (SOCK_RAW, _) => L4Proto::Raw,
        _ => L4Proto::Unknown,
    }
}

fn new_socket(domain: u64, ty: u64, proto: u64) -> Fd {
    let kind = match u32::try_from(domain) {
        Ok(AF_INET) => FdKind::Ipv4,
        Ok(AF_INET6) => FdKind::Ipv6,
        Ok(AF_UNIX) => FdKind::Unix,
        Ok(AF_NETLINK) => FdKind::Netlink,
        _ => FdKind::Unknown,
    };
    let mut f = Fd::new(kind, "");
    f.l4proto = l4proto(ty, proto);
    f
}

pub fn socket(cx: &mut Cx<'_, '_, '_>) {
    let Some(fd) = cx.i64("fd").filter(|fd| *fd >= 0) else {
        return;
    };
    let f = new_socket(
        cx.u64("domain").unwrap_or(0),
        cx.u64("type").unwrap_or(0),
        cx.u64("proto").unwrap_or(0),
    );
    if let Some(t) = cx.insp.threads.fds_mut(cx.tid()) {
        t.insert(fd, f);
    }
    cx.insp.set_scope_fd(fd);
}

pub fn socketpair(cx: &mut Cx<'_, '_, '_>) {
    if cx.i64("res").is_none_or(|r| r < 0) {
        return;
    }
    let (domain, ty, proto) = (
        cx.u64("domain").unwrap_or(0),
        cx.u64("type").unwrap_or(0),
        cx.u64("proto").unwrap_or(0),
    );
    let (src, peer) = (cx.u64("source").unwrap_or(0), cx.u64("peer").unwrap_or(0));
    let fds = [cx.i64("fd1"), cx.i64("fd2")];
    let tid = cx.tid();
    if let Some(t) = cx.insp.threads.fds_mut(tid) {
        for (i, fd) in fds.into_iter().enumerate() {
            let Some(fd) = fd else { continue };
            let mut f = new_socket(domain, ty, proto);
            if f.kind == FdKind::Unix {
                f.unix_peers = Some(if i == 0 { (src, peer) } else { (peer, src) });
            }
            t.insert(fd, f);
        }
    }
}

fn ip_tuple(t: &EvTuple<'_>) -> Option<SockTuple> {
    Some(match t {
        EvTuple::Inet {
            sip,
            sport,
            dip,
            dport,
        } => SockTuple {
            sip: IpAddr::V4(Ipv4Addr::from(*sip)),
            sport: *sport,
            dip: IpAddr::V4(Ipv4Addr::from(*dip)),
            dport: *dport,
        },
        EvTuple::Inet6 {
            sip,
            sport,
            dip,
            dport,
        } => SockTuple {
            sip: IpAddr::V6(Ipv6Addr::from(*sip)),
            sport: *sport,
            dip: IpAddr::V6(Ipv6Addr::from(*dip)),
            dport: *dport,
        }
        .unmapped(),
        _ => return None,
    })
}

/// Fills an fd from an event's tuple parameter: IP endpoints or unix
/// peers. Whether its name changed.
fn apply_tuple(f: &mut Fd, v: Option<ParamValue<'_>>) -> bool {
    let Some(ParamValue::SockTuple(t)) = v else {
        return false;
    };
    let name = if let Some(ip) = ip_tuple(&t) {
        f.kind = if ip.sip.is_ipv4() {
            FdKind::Ipv4
        } else {
            FdKind::Ipv6
        };
        f.tuple = Some(ip);
        f.tuple_name()
    } else if let EvTuple::Unix { source, dest, path } = t {
        f.kind = FdKind::Unix;
        f.unix_peers = Some((source, dest));
        format!("{source:x}->{dest:x} {}", String::from_utf8_lossy(path))
    } else {
        return false;
    };
    let changed = f.name != name;
    f.name_raw = name.clone();
    f.name = name;
    changed
}

/// The enter event of connect (kept by current drivers against TOCTOU
/// races): names a socket that has no name yet with the address it
/// connects to, so that even a failed connect shows where it went.
pub fn connect_enter(cx: &mut Cx<'_, '_, '_>) {
    let Some(fd) = cx.i64("fd").filter(|fd| *fd >= 0) else {
        return;
    };
    cx.insp.set_scope_fd(fd);
    let addr = cx.ev.param_by_name("addr").and_then(|p| p.value());
    let name = match addr {
        Some(ParamValue::SockAddr(SockAddr::Unix { path })) => {
            String::from_utf8_lossy(path).into_owned()
        }
        Some(ParamValue::SockAddr(SockAddr::Inet { ip, port })) => {
            format!("{}:{port}", Ipv4Addr::from(ip))
        }
        Some(ParamValue::SockAddr(SockAddr::Inet6 { ip, port })) => {
            format!("{}:{port}", Ipv6Addr::from(ip))
        }
        _ => return,
    };
    if let Some(f) = cx
        .insp
        .threads
        .fds_mut(cx.ev.tid as i64)
        .and_then(|t| t.get_mut(fd))
    {
        if f.name.is_empty() {
            f.name_raw = name.clone();
            f.name = name;
            cx.insp.fd_renamed(true);
        }
    }
}

pub fn connect(cx: &mut Cx<'_, '_, '_>) {
    let res = cx.i64("res").unwrap_or(-1);
    let Some(fd) = cx.i64("fd").filter(|fd| *fd >= 0) else {
        return;
    };
    cx.insp.set_scope_fd(fd);
    // A failed connect keeps the socket as it was (fd.name still shows the
    // tuple it tried, from the event).
    if res < 0 && res != EINPROGRESS {
        return;
    }
    let tuple = cx.ev.param_by_name("tuple").and_then(|p| p.value());
    let tid = cx.tid();
    let Some(table) = cx.insp.threads.fds_mut(tid) else {
        return;
    };
    let renamed = match table.get_mut(fd) {
        Some(f) => apply_tuple(f, tuple),
        None => {
            let mut f = Fd::new(FdKind::Unknown, "");
            let named = apply_tuple(&mut f, tuple);
            table.insert(fd, f);
            cx.insp.anomalies.unknown_fds += 1;
            named
        }
    };
    cx.insp.fd_renamed(renamed);
}

pub fn accept(cx: &mut Cx<'_, '_, '_>) {
    let Some(fd) = cx.i64("fd").filter(|fd| *fd >= 0) else {
        return;
    };
    let tuple = cx.ev.param_by_name("tuple").and_then(|p| p.value());
    let mut f = Fd::new(FdKind::Unknown, "");
    f.l4proto = L4Proto::Tcp;
    f.is_server = true;
    let named = apply_tuple(&mut f, tuple);
    if let Some(t) = cx.insp.threads.fds_mut(cx.tid()) {
        t.insert(fd, f);
    }
    cx.insp.set_scope_fd(fd);
    cx.insp.fd_renamed(named);
}

pub fn bind(cx: &mut Cx<'_, '_, '_>) {
    let Some(fd) = cx.i64("fd").filter(|fd| *fd >= 0) else {
        return;
    };
    cx.insp.set_scope_fd(fd);
    if cx.i64("res") != Some(0) {
        return;
    }
    let addr = cx.ev.param_by_name("addr").and_then(|p| p.value());
    let tid = cx.tid();
    let Some(f) = cx.insp.threads.fds_mut(tid).and_then(|t| t.get_mut(fd)) else {
        return;
    };
    let (ip, port) = match addr {
        Some(ParamValue::SockAddr(SockAddr::Inet { ip, port })) => {
            (IpAddr::V4(Ipv4Addr::from(ip)), port)
        }
        Some(ParamValue::SockAddr(SockAddr::Inet6 { ip, port })) => {
            (IpAddr::V6(Ipv6Addr::from(ip)), port)
        }
        Some(ParamValue::SockAddr(SockAddr::Unix { path })) => {
            let name = String::from_utf8_lossy(path).into_owned();
            let changed = f.name != name;
            f.name_raw = name.clone();
            f.name = name;
            cx.insp.fd_renamed(changed);
            return;
        }
        _ => return,
    };
    let any = if ip.is_ipv4() {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    };
    f.is_server = true;
    f.tuple = Some(SockTuple {
        sip: any,
        sport: 0,
        dip: ip,
        dport: port,
    });
    let before = std::mem::take(&mut f.name);
    f.name_by_tuple();
    let changed = f.name != before;
    cx.insp.fd_renamed(changed);
}

pub fn listen(cx: &mut Cx<'_, '_, '_>) {
    let Some(fd) = cx.i64("fd").filter(|fd| *fd >= 0) else {
        return;
    };
    cx.insp.set_scope_fd(fd);
    if cx.i64("res") == Some(0) {
        if let Some(f) = cx
            .insp
            .threads
            .fds_mut(cx.ev.tid as i64)
            .and_then(|t| t.get_mut(fd))
        {
            f.is_server = true;
        }
    }
}
