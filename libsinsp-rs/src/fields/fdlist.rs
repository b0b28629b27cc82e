//! `fdlist.*`: the fds a poll/ppoll event waits on, each rendered as a
//! comma-separated list.

use crate::field::{ArgKind, Ctx, FieldRow};
use crate::state::{Fd, FdKind};
use crate::value::{FieldType, Value};
use std::fmt::Write;
use std::net::IpAddr;

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "fdlist",
    desc: "Poll event related fields.",
    fields: FIELDS,
    unlisted: &[],
};

/// The fd numbers of a poll's `fds` parameter: a 16-bit count, then per fd
/// a 64-bit number and 16-bit flags.
fn polled_fds<'a>(c: &Ctx<'a>) -> Option<impl Iterator<Item = i64> + 'a> {
    if !matches!(c.ev.name(), "poll" | "ppoll")
        || c.ev.info().direction() != falco_abi::Direction::Exit
    {
        return None;
    }
    let b = c.ev.param_by_name("fds")?.bytes;
    let n = u16::from_le_bytes(b.get(..2)?.try_into().ok()?) as usize;
    let entries = b.get(2..)?;
    Some(
        entries
            .chunks_exact(10)
            .take(n)
            .map(|e| i64::from_le_bytes(e[..8].try_into().unwrap_or_default())),
    )
}

/// An IP connection's tuple, when the fd is one (not a listening socket).
fn connection(f: &Fd) -> Option<crate::state::SockTuple> {
    matches!(f.kind, FdKind::Ipv4 | FdKind::Ipv6)
        .then_some(f.tuple?)
        .filter(|_| !f.is_listening())
}

/// The server address libsinsp shows: a listening IPv6 socket's address
/// is printed from its first four bytes as an IPv4 one, as libsinsp does.
fn server_ip(f: &Fd) -> Option<IpAddr> {
    let t = f.tuple?;
    if !matches!(f.kind, FdKind::Ipv4 | FdKind::Ipv6) {
        return None;
    }
    match t.dip {
        IpAddr::V6(a) if f.is_listening() => {
            let o = a.octets();
            Some(IpAddr::from([o[0], o[1], o[2], o[3]]))
        }
        ip => Some(ip),
    }
}

/// Writes one entry of the list for fd `n` (or nothing, to leave it out).
type Entry = fn(i64, Option<&Fd>, &mut String);

/// The comma-separated entries of the polled fds; no value when none.
fn list<'a>(c: &Ctx<'a>, out: &mut Vec<Value<'a>>, entry: Entry) {
    let (Some(fds), Some(_)) = (polled_fds(c), c.thread()) else {
        return;
    };
    let table = c.insp.threads.fds(c.ev.tid as i64);
    let mut s = String::new();
    for n in fds {
        let at = s.len();
        entry(n, table.and_then(|t| t.get(n)), &mut s);
        if s.len() > at {
            s.push(',');
        }
    }
    if s.pop().is_some() {
        out.push(Value::str(s));
    }
}

macro_rules! fdlist {
    ($name:literal, $desc:literal, $entry:expr) => {
        FieldRow {
            name: $name,
            ftype: FieldType::CharBuf,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| list(c, out, $entry),
        }
    };
}

pub const FIELDS: &[FieldRow] = &[
    fdlist!(
        "fdlist.nums",
        "for poll events, this is a comma-separated list of the FD numbers in the 'fds' argument, returned as a string.",
        |n, _, s| {
            let _ = write!(s, "{n}");
        }
    ),
    fdlist!(
        "fdlist.names",
        "for poll events, this is a comma-separated list of the FD names in the 'fds' argument, returned as a string.",
        |_, f, s| s.push_str(f.map(|f| f.name.as_str()).filter(|n| !n.is_empty()).unwrap_or("<NA>"))
    ),
    fdlist!(
        "fdlist.cips",
        "for poll events, this is a comma-separated list of the client IP addresses in the 'fds' argument, returned as a string.",
        |_, f, s| {
            if let Some(t) = f.and_then(connection) {
                let _ = write!(s, "{}", t.sip);
            }
        }
    ),
    fdlist!(
        "fdlist.sips",
        "for poll events, this is a comma-separated list of the server IP addresses in the 'fds' argument, returned as a string.",
        |_, f, s| {
            if let Some(ip) = f.and_then(server_ip) {
                let _ = write!(s, "{ip}");
            }
        }
    ),
    fdlist!(
        "fdlist.cports",
        "for TCP/UDP FDs, for poll events, this is a comma-separated list of the client TCP/UDP ports in the 'fds' argument, returned as a string.",
        |_, f, s| {
            if let Some(t) = f.and_then(connection) {
                let _ = write!(s, "{}", t.sport);
            }
        }
    ),
    fdlist!(
        "fdlist.sports",
        "for poll events, this is a comma-separated list of the server TCP/UDP ports in the 'fds' argument, returned as a string.",
        |_, f, s| {
            if let Some(t) = f.and_then(connection) {
                let _ = write!(s, "{}", t.dport);
            }
        }
    ),
];
