//! `fd.*`: the file descriptor the event uses or creates.

use super::push_str;
use crate::field::{ArgKind, Ctx, Extract, FieldArg, FieldRow};
use crate::state::{paths, Fd, FdKind};
use crate::value::{FieldType, Value};
use falco_abi::flag_tables::open_flags::{FD_LOWER_LAYER, FD_UPPER_LAYER};
use falco_scap::state::InterfaceAddr;
use std::net::IpAddr;

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "fd",
    desc: "Every syscall that has a file descriptor in its arguments has these fields set with information related to the file.",
    fields: FIELDS,
    unlisted: &[],
};

/// Endpoints of an IP socket: (client ip, client port, server ip, server port).
fn endpoints(f: &Fd) -> Option<(IpAddr, u16, IpAddr, u16)> {
    let t = f.tuple?;
    Some((t.sip, t.sport, t.dip, t.dport))
}

/// Whether `ip` is this machine's, as libsinsp decides it: for a thread in
/// a container, its container's IPv4 address (any container's when its
/// own is unknown; containers have no IPv6 here); else an address of one
/// of the machine's interfaces (IPv6: the same /64).
fn is_local(c: &Ctx<'_>, ip: IpAddr) -> bool {
    let container = c
        .thread()
        .map(|t| t.container_id.as_str())
        .filter(|id| !id.is_empty());
    if let Some(id) = container {
        let IpAddr::V4(a) = ip else { return false };
        let is = |k: &str| k.parse::<std::net::Ipv4Addr>() == Ok(a);
        match c.insp.containers.get(id).map(|k| k.ip.as_str()) {
            Some(own) if !own.is_empty() => {
                if is(own) {
                    return true;
                }
            }
            _ => return c.insp.containers.iter().any(|k| is(&k.ip)),
        }
    }
    c.insp.interfaces.iter().any(|i| match (&i.addr, ip) {
        (InterfaceAddr::V4 { addr, .. }, IpAddr::V4(a)) => *addr == a.octets(),
        (InterfaceAddr::V6 { addr, .. }, IpAddr::V6(a)) => addr[..8] == a.octets()[..8],
        _ => false,
    })
}

/// (local ip, local port, remote ip, remote port) of a connection: the
/// client's end is local when its address is this machine's (libsinsp's
/// rule, so a connection to oneself reads from the client's side). None
/// for a listening socket, which has no remote end.
fn local_remote(c: &Ctx<'_>, f: &Fd) -> Option<(IpAddr, u16, IpAddr, u16)> {
    let (cip, cport, sip, sport) = endpoints(f).filter(|_| !f.is_listening())?;
    Some(if is_local(c, cip) {
        (cip, cport, sip, sport)
    } else {
        (sip, sport, cip, cport)
    })
}

fn with_fd<'a>(
    c: &Ctx<'a>,
    out: &mut Vec<Value<'a>>,
    f: impl Fn(i64, &'a Fd, &mut Vec<Value<'a>>),
) {
    if let Some((n, fd)) = c.fd() {
        f(n, fd, out);
    }
}

/// Events that open files: when they failed (no fd in the table), Falco
/// still shows the file they named.
fn is_open(c: &Ctx<'_>) -> bool {
    matches!(
        c.ev.name(),
        "open" | "openat" | "openat2" | "creat" | "open_by_handle_at"
    )
}

/// What a failed connect tried: the tuple of the event.
fn failed_connect_name(c: &Ctx<'_>) -> Option<String> {
    if c.ev.name() != "connect" || c.ev.info().direction() != falco_abi::Direction::Exit {
        return None;
    }
    let res = c.ev.param_by_name("res")?.as_i64()?;
    if res >= 0 || res == -115 {
        return None;
    }
    let p = c.ev.param_by_name("tuple").filter(|p| !p.is_empty())?;
    Some(crate::render::param(c, 0, &p))
}

/// The path a failed open named, resolved like a successful one.
fn failed_open_name(c: &Ctx<'_>) -> Option<String> {
    if !is_open(c) || c.ev.info().direction() != falco_abi::Direction::Exit || c.fd().is_some() {
        return None;
    }
    let p = c.ev.param_by_name(if c.ev.name() == "open_by_handle_at" {
        "path"
    } else {
        "name"
    })?;
    Some(crate::render::param(c, 0, &p))
}

/// `fd.num`: the fd of the event; -1 for an open that has (or got) none.
fn fd_num(c: &Ctx<'_>) -> Option<i64> {
    match c.insp.scope().fd {
        Some(n) => Some(n),
        None if is_open(c) => Some(-1),
        None => None,
    }
}

/// `fd.name`: the fd's name, or what a failed open or connect named.
fn names<'a>(c: &Ctx<'a>, _: Option<&FieldArg>, out: &mut Vec<Value<'a>>) {
    if let Some(n) = failed_connect_name(c) {
        out.push(Value::str(n));
        return;
    }
    with_fd(c, out, |_, f, out| push_str(out, &f.name));
    if let Some(n) = failed_open_name(c) {
        out.push(Value::str(n));
    }
}

/// `fd.directory`: the directory of a file fd (or of what a failed open named).
fn directories<'a>(c: &Ctx<'a>, _: Option<&FieldArg>, out: &mut Vec<Value<'a>>) {
    with_fd(c, out, |_, f, out| match f.kind {
        FdKind::Directory => push_str(out, &f.name),
        FdKind::File => push_str(out, paths::split_dir_file(&f.name).0),
        _ => {}
    });
    if let Some(n) = failed_open_name(c) {
        out.push(Value::str(paths::split_dir_file(&n).0.to_string()));
    }
}

/// `<container id>:<value>` for each value of `field`: which container an
/// fd's name or directory belongs to (the id is empty on the host, as in
/// libsinsp).
fn in_container<'a>(c: &Ctx<'a>, out: &mut Vec<Value<'a>>, field: Extract) {
    let Some(t) = c.thread() else { return };
    let mut vals = Vec::new();
    field(c, None, &mut vals);
    out.extend(
        vals.into_iter()
            .map(|v| Value::str(format!("{}:{v}", t.container_id))),
    );
}

/// A field of an IP socket's (client ip, client port, server ip, server
/// port).
macro_rules! ip_field {
    ($name:literal, $ty:ident, $desc:literal, $pick:expr) => {
        FieldRow {
            name: $name,
            ftype: FieldType::$ty,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                with_fd(c, out, |_, f, out| {
                    if let Some(e) = endpoints(f) {
                        let pick: fn((IpAddr, u16, IpAddr, u16)) -> Vec<Value<'static>> = $pick;
                        out.extend(pick(e));
                    }
                })
            },
        }
    };
}

/// A field of a connection's (local ip, local port, remote ip, remote port).
macro_rules! local_field {
    ($name:literal, $ty:ident, $desc:literal, $pick:expr) => {
        FieldRow {
            name: $name,
            ftype: FieldType::$ty,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                with_fd(c, out, |_, f, out| {
                    if let Some(lr) = local_remote(c, f) {
                        let pick: fn((IpAddr, u16, IpAddr, u16)) -> Vec<Value<'static>> = $pick;
                        out.extend(pick(lr));
                    }
                })
            },
        }
    };
}

pub const FIELDS: &[FieldRow] = &[
    FieldRow {
        name: "fd.num",
        ftype: FieldType::Int64,
        arg: ArgKind::None,
        desc: "the unique number identifying the file descriptor.",
        extract: |c, _, out| {
            if let Some(n) = fd_num(c) {
                out.push(Value::Int(n));
            }
        },
    },
    FieldRow {
        name: "fd.type",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "type of FD. Can be 'file', 'directory', 'ipv4', 'ipv6', 'unix', 'pipe', 'event', 'signalfd', 'eventpoll', 'inotify', 'signalfd' or 'memfd'.",
        extract: |c, _, out| with_fd(c, out, |_, f, out| push_str(out, f.kind.name())),
    },
    FieldRow {
        name: "fd.typechar",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "type of FD as a single character.",
        extract: |c, _, out| {
            with_fd(c, out, |_, f, out| out.push(Value::str(f.kind.typechar().to_string())));
            if out.is_empty() && is_open(c) {
                push_str(out, "f");
            }
        },
    },
    FieldRow {
        name: "fd.name",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "FD full name. If the fd is a file, this field contains the full path. If the FD is a socket, this field contain the connection tuple.",
        extract: names,
    },
    FieldRow {
        name: "fd.directory",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "If the fd is a file, the directory that contains it.",
        extract: directories,
    },
    FieldRow {
        name: "fd.filename",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "If the fd is a file, the filename without the path.",
        extract: |c, _, out| {
            with_fd(c, out, |_, f, out| {
                if f.kind == FdKind::File {
                    push_str(out, paths::split_dir_file(&f.name).1)
                }
            });
            if let Some(n) = failed_open_name(c) {
                out.push(Value::str(paths::split_dir_file(&n).1.to_string()));
            }
        },
    },
    ip_field!("fd.ip", IpAddr, "matches the ip address (client or server) of the fd.", |e| vec![Value::Ip(e.0), Value::Ip(e.2)]),
    ip_field!("fd.cip", IpAddr, "client IP address.", |e| vec![Value::Ip(e.0)]),
    ip_field!("fd.sip", IpAddr, "server IP address.", |e| vec![Value::Ip(e.2)]),
    local_field!("fd.lip", IpAddr, "local IP address.", |lr| vec![Value::Ip(lr.0)]),
    local_field!("fd.rip", IpAddr, "remote IP address.", |lr| vec![Value::Ip(lr.2)]),
    ip_field!("fd.port", Port, "matches the port (either client or server) of the fd.", |e| vec![Value::UInt(e.1 as u64), Value::UInt(e.3 as u64)]),
    FieldRow {
        name: "fd.cport",
        ftype: FieldType::Port,
        arg: ArgKind::None,
        desc: "for TCP/UDP FDs, the client port.",
        extract: |c, _, out| {
            with_fd(c, out, |_, f, out| {
                // A listening socket has no client (libsinsp: no value).
                if let Some(e) = endpoints(f).filter(|_| !f.is_listening()) {
                    out.push(Value::UInt(e.1 as u64));
                }
            })
        },
    },
    ip_field!("fd.sport", Port, "for TCP/UDP FDs, server port.", |e| vec![Value::UInt(e.3 as u64)]),
    local_field!("fd.lport", Port, "for TCP/UDP FDs, the local port.", |lr| vec![Value::UInt(lr.1 as u64)]),
    local_field!("fd.rport", Port, "for TCP/UDP FDs, the remote port.", |lr| vec![Value::UInt(lr.3 as u64)]),
    ip_field!("fd.net", IpNet, "matches the IP network (client or server) of the fd.", |e| vec![Value::Ip(e.0), Value::Ip(e.2)]),
    ip_field!("fd.cnet", IpNet, "matches the client IP network of the fd.", |e| vec![Value::Ip(e.0)]),
    ip_field!("fd.snet", IpNet, "matches the server IP network of the fd.", |e| vec![Value::Ip(e.2)]),
    local_field!("fd.lnet", IpNet, "matches the local IP network of the fd.", |lr| vec![Value::Ip(lr.0)]),
    local_field!("fd.rnet", IpNet, "matches the remote IP network of the fd.", |lr| vec![Value::Ip(lr.2)]),
    FieldRow {
        name: "fd.cip.name",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "Domain name associated with the client IP address. Names come from DNS tracking, which falco-rs does not do: no value (as Falco without it).",
        extract: |_, _, _| {},
    },
    FieldRow {
        name: "fd.sip.name",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "Domain name associated with the server IP address. Names come from DNS tracking, which falco-rs does not do: no value (as Falco without it).",
        extract: |_, _, _| {},
    },
    FieldRow {
        name: "fd.lip.name",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "Domain name associated with the local IP address. Names come from DNS tracking, which falco-rs does not do: no value (as Falco without it).",
        extract: |_, _, _| {},
    },
    FieldRow {
        name: "fd.rip.name",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "Domain name associated with the remote IP address. Names come from DNS tracking, which falco-rs does not do: no value (as Falco without it).",
        extract: |_, _, _| {},
    },
    FieldRow {
        name: "fd.l4proto",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "the IP protocol of a socket. Can be 'tcp', 'udp', 'icmp' or 'raw'.",
        extract: |c, _, out| {
            with_fd(c, out, |_, f, out| {
                if matches!(f.kind, FdKind::Ipv4 | FdKind::Ipv6) {
                    push_str(out, f.l4proto.name())
                }
            })
        },
    },
    FieldRow {
        name: "fd.sockfamily",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "the socket family for socket events. Can be 'ip' or 'unix'.",
        extract: |c, _, out| {
            with_fd(c, out, |_, f, out| match f.kind {
                FdKind::Ipv4 | FdKind::Ipv6 => push_str(out, "ip"),
                FdKind::Unix => push_str(out, "unix"),
                _ => {}
            })
        },
    },
    FieldRow {
        name: "fd.is_server",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' if the process owning this FD is the server endpoint in the connection.",
        // libsinsp: a listening socket, or a connection whose server
        // address is this machine's.
        extract: |c, _, out| {
            with_fd(c, out, |_, f, out| {
                let server = match endpoints(f) {
                    Some(_) if f.is_listening() => true,
                    Some((_, _, sip, _)) => is_local(c, sip),
                    None => false,
                };
                out.push(Value::Bool(server))
            })
        },
    },
    FieldRow {
        name: "fd.connected",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "for TCP/UDP FDs, 'true' if the socket is connected.",
        extract: |c, _, out| {
            // Every fd has the flag in libsinsp; only sockets set it.
            with_fd(c, out, |_, f, out| {
                let connected = f.kind.is_socket() && f.tuple.is_some_and(|t| t.sport != 0 && t.dport != 0);
                out.push(Value::Bool(connected))
            })
        },
    },
    FieldRow {
        name: "fd.name_changed",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "True when an event changes the name of an fd used by this event (e.g. connect).",
        // What the parsers noted (libsinsp compares the fd's name before
        // and after parsing).
        extract: |c, _, out| {
            with_fd(c, out, |_, _, out| out.push(Value::Bool(c.insp.scope().fd_renamed)))
        },
    },
    FieldRow {
        name: "fd.nameraw",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "FD full name raw. Just like fd.name, but only used if fd is a file path.",
        extract: |c, _, out| with_fd(c, out, |_, f, out| push_str(out, &f.name_raw)),
    },
    FieldRow {
        name: "fd.types",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "List of FD types in use. Can be passed an fd number e.g. fd.types[0] to get the type of stdin.",
        extract: |c, _, out| {
            if let Some(t) = c.insp.threads.fds(c.ev.tid as i64) {
                let mut kinds: Vec<&'static str> = t.iter().map(|(_, f)| f.kind.name()).collect();
                kinds.sort_unstable();
                kinds.dedup();
                out.extend(kinds.into_iter().map(|k| Value::Str(k.into())));
            }
        },
    },
    FieldRow {
        name: "fd.dev",
        ftype: FieldType::Int32,
        arg: ArgKind::None,
        desc: "device number (major/minor) containing the referenced file.",
        // Printed in hexadecimal, as libsinsp does.
        extract: |c, _, out| with_fd(c, out, |_, f, out| out.push(Value::Hex(f.dev as u64))),
    },
    FieldRow {
        name: "fd.ino",
        ftype: FieldType::UInt64,
        arg: ArgKind::None,
        desc: "inode number of the referenced file.",
        extract: |c, _, out| with_fd(c, out, |_, f, out| out.push(Value::UInt(f.ino))),
    },
    FieldRow {
        name: "fd.uid",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "a unique identifier for the FD, created by chaining the FD number and the thread ID.",
        extract: |c, _, out| {
            if let (Some(_), Some(n)) = (c.thread(), fd_num(c)) {
                out.push(Value::str(format!("{}{n}", c.ev.tid)));
            }
        },
    },
    FieldRow {
        name: "fd.containername",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "chaining of the container ID and the FD name. Useful when trying to identify which container an FD belongs to.",
        extract: |c, _, out| in_container(c, out, names),
    },
    FieldRow {
        name: "fd.containerdirectory",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "chaining of the container ID and the directory name. Useful when trying to identify which container a directory belongs to.",
        extract: |c, _, out| in_container(c, out, directories),
    },
    ip_field!("fd.proto", Port, "matches the protocol (either client or server) of the fd.", |e| vec![Value::UInt(e.1 as u64), Value::UInt(e.3 as u64)]),
    // Falco turns off port-to-service resolution: the protocol is the port.
    FieldRow {
        name: "fd.cproto",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "for TCP/UDP FDs, the client protocol.",
        extract: |c, _, out| {
            with_fd(c, out, |_, f, out| match endpoints(f) {
                // Sockets with no client port of their own (listening,
                // unix) give an empty string, as in libsinsp.
                Some(_) if f.is_listening() => push_str(out, ""),
                Some(e) => out.push(Value::str(e.1.to_string())),
                None if f.kind == FdKind::Unix => push_str(out, ""),
                None => {}
            })
        },
    },
    FieldRow {
        name: "fd.sproto",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "for TCP/UDP FDs, server protocol.",
        extract: |c, _, out| {
            with_fd(c, out, |_, f, out| match endpoints(f) {
                // libsinsp renders the port only for connections.
                Some(_) if f.is_listening() => push_str(out, ""),
                Some(e) => out.push(Value::str(e.3.to_string())),
                None => {}
            })
        },
    },
    local_field!("fd.lproto", CharBuf, "for TCP/UDP FDs, the local protocol.", |lr| vec![Value::str(lr.1.to_string())]),
    local_field!("fd.rproto", CharBuf, "for TCP/UDP FDs, the remote protocol.", |lr| vec![Value::str(lr.3.to_string())]),
    FieldRow {
        name: "fd.dev.major",
        ftype: FieldType::Int32,
        arg: ArgKind::None,
        desc: "major device number containing the referenced file",
        extract: |c, _, out| with_fd(c, out, |_, f, out| out.push(Value::Int(((f.dev & 0xfff00) >> 8) as i64))),
    },
    FieldRow {
        name: "fd.dev.minor",
        ftype: FieldType::Int32,
        arg: ArgKind::None,
        desc: "minor device number containing the referenced file",
        extract: |c, _, out| with_fd(c, out, |_, f, out| out.push(Value::Int(((f.dev & 0xff) | ((f.dev >> 12) & 0xfff00)) as i64))),
    },
    FieldRow {
        name: "fd.is_upper_layer",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' if the fd is of a file in the upper layer of an overlayfs.",
        extract: |c, _, out| with_fd(c, out, |_, f, out| out.push(Value::Bool(f.open_flags & FD_UPPER_LAYER != 0))),
    },
    FieldRow {
        name: "fd.is_lower_layer",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' if the fd is of a file  in the lower layer of an overlayfs.",
        extract: |c, _, out| with_fd(c, out, |_, f, out| out.push(Value::Bool(f.open_flags & FD_LOWER_LAYER != 0))),
    },
];
