//! How event parameters and times render as strings, as Falco prints them
//! in `evt.args`, `evt.arg.*` and outputs.

use crate::field::Ctx;
use crate::state::FdKind;
use crate::value::{printable, Value};
use falco_abi::schema::AT_FDCWD;
use falco_abi::{Category, ParamType, PrintFormat};
use falco_scap::event::{SockAddr, SockTuple};
use falco_scap::{Param, ParamValue};
use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Civil date and time (UTC) of `secs` since the epoch.
pub fn civil(secs: i64) -> ((i64, u32, u32), (u32, u32, u32)) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400) as u32;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        (if m <= 2 { y + 1 } else { y }, m, d),
        (rem / 3600, rem % 3600 / 60, rem % 60),
    )
}

/// `2024-01-02T03:04:05.123456789+0000`: libsinsp's `evt.time.iso8601`
/// (strftime's `%z` of a UTC time).
pub fn iso8601(ts: u64) -> String {
    let ((y, mo, d), (h, mi, s)) = civil((ts / 1_000_000_000) as i64);
    format!(
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:09}+0000",
        ts % 1_000_000_000
    )
}

/// `evt.category` as libsinsp names it: an I/O event by its fd's kind.
pub fn category(c: Category, fd: Option<FdKind>) -> &'static str {
    // The syscall category, without the source bits (syscall, tracepoint...).
    match c.0 & (Category::SYSCALL.0 - 1) {
        1 => "other",
        2 => "file",
        3 => "net",
        4 => "IPC",
        5 => "memory",
        6 => "process",
        7 => "sleep",
        8 => "system",
        9 => "signal",
        10 => "user",
        11 => "time",
        12 => "processing",
        // I/O: what the fd is (libsinsp's subcategory).
        32..=34 => match fd {
            Some(FdKind::File | FdKind::Directory) => "file",
            Some(FdKind::Ipv4 | FdKind::Ipv6) => "net",
            Some(
                FdKind::Pipe
                | FdKind::Unix
                | FdKind::Event
                | FdKind::Signalfd
                | FdKind::Inotify
                | FdKind::Userfaultfd,
            ) => "ipc",
            _ => "unknown",
        },
        64 => "wait",
        128 => "scheduler",
        256 => "internal",
        _ => "unknown",
    }
}

/// Linux errno names by number.
const ERRNOS: &[&str] = &[
    "",
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "ENOTBLK",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "ETXTBSY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "",
    "ENOMSG",
    "EIDRM",
    "ECHRNG",
    "EL2NSYNC",
    "EL3HLT",
    "EL3RST",
    "ELNRNG",
    "EUNATCH",
    "ENOCSI",
    "EL2HLT",
    "EBADE",
    "EBADR",
    "EXFULL",
    "ENOANO",
    "EBADRQC",
    "EBADSLT",
    "",
    "EBFONT",
    "ENOSTR",
    "ENODATA",
    "ETIME",
    "ENOSR",
    "ENONET",
    "ENOPKG",
    "EREMOTE",
    "ENOLINK",
    "EADV",
    "ESRMNT",
    "ECOMM",
    "EPROTO",
    "EMULTIHOP",
    "EDOTDOT",
    "EBADMSG",
    "EOVERFLOW",
    "ENOTUNIQ",
    "EBADFD",
    "EREMCHG",
    "ELIBACC",
    "ELIBBAD",
    "ELIBSCN",
    "ELIBMAX",
    "ELIBEXEC",
    "EILSEQ",
    "ERESTART",
    "ESTRPIPE",
    "EUSERS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",
    "EPFNOSUPPORT",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ENETDOWN",
    "ENETUNREACH",
    "ENETRESET",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ESHUTDOWN",
    "ETOOMANYREFS",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
];

/// Kernel-internal errnos that leak into syscall results.
const KERNEL_ERRNOS: &[(i64, &str)] = &[
    (512, "ERESTARTSYS"),
    (513, "ERESTARTNOINTR"),
    (514, "ERESTARTNOHAND"),
    (515, "ENOIOCTLCMD"),
    (516, "ERESTART_RESTARTBLOCK"),
];

/// The errno name of a positive error number (the number when unknown).
/// The name of the error a negative return value carries (`-2`:
/// `ENOENT`). `i64::MIN`, which has no positive counterpart, is printed as
/// the number it is (negating it overflowed: a capture can hold it).
pub fn error_name(r: i64) -> String {
    match r.checked_neg() {
        Some(e) => errno_name(e),
        None => r.to_string(),
    }
}

pub fn errno_name(e: i64) -> String {
    if let Some((_, n)) = KERNEL_ERRNOS.iter().find(|(v, _)| *v == e) {
        return n.to_string();
    }
    match usize::try_from(e)
        .ok()
        .and_then(|i| ERRNOS.get(i))
        .filter(|s| !s.is_empty())
    {
        Some(n) => n.to_string(),
        None => e.to_string(),
    }
}

/// The positive error number an errno name stands for (`ENOENT` -> 2):
/// the inverse of [`errno_name`], for inputs written by people.
pub fn errno_number(name: &str) -> Option<i64> {
    if let Some((v, _)) = KERNEL_ERRNOS.iter().find(|(_, n)| *n == name) {
        return Some(*v);
    }
    ERRNOS
        .iter()
        .position(|n| !n.is_empty() && *n == name)
        .map(|i| i as i64)
}

/// Flag names of `v`, walking the table in order: an entry equal to the
/// whole remaining value ends the walk; entries whose bits are all set are
/// taken and their bits cleared.
fn flag_names(p: &Param<'_>, v: u64) -> Option<String> {
    let info = p.info?;
    let names = info.flag_names()?;
    let is_enum = matches!(
        info.ptype,
        ParamType::ENUMFLAGS8 | ParamType::ENUMFLAGS16 | ParamType::ENUMFLAGS32
    );
    let mut out = String::with_capacity(64);
    let mut rest = v;
    for f in names {
        let fv = f.value as u64;
        let hit = if is_enum || fv == 0 {
            rest == fv
        } else {
            rest & fv == fv
        };
        if hit {
            if !out.is_empty() {
                out.push('|');
            }
            out.push_str(f.name);
            if is_enum || rest == fv {
                break;
            }
            rest &= !fv;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn ip_port4(ip: [u8; 4], port: u16) -> String {
    format!("{}:{port}", Ipv4Addr::from(ip))
}

fn ip_port6(ip: [u8; 16], port: u16) -> String {
    let a = Ipv6Addr::from(ip);
    match a.to_ipv4_mapped() {
        Some(v4) => format!("{v4}:{port}"),
        None => format!("{a}:{port}"),
    }
}

/// The `<typechar[l4]>name` resolution of an fd number.
fn fd_resolved(c: &Ctx<'_>, fd: i64) -> Option<String> {
    if fd == AT_FDCWD {
        return Some("AT_FDCWD".into());
    }
    if fd < 0 {
        return Some(error_name(fd));
    }
    let f = c.insp.threads.fds(c.ev.tid as i64)?.get(fd)?;
    let ip = matches!(
        f.kind,
        crate::state::FdKind::Ipv4 | crate::state::FdKind::Ipv6
    );
    let l4 = match (ip, f.l4proto) {
        (true, crate::state::L4Proto::Tcp) => "t",
        (true, crate::state::L4Proto::Udp) => "u",
        (true, crate::state::L4Proto::Icmp) => "i",
        (true, crate::state::L4Proto::Raw) => "r",
        _ => "",
    };
    Some(format!("<{}{l4}>{}", f.kind.typechar(), f.name))
}

/// One parameter as (raw, resolved) strings, as libsinsp renders it.
pub fn param_parts(c: &Ctx<'_>, p: &Param<'_>) -> (String, Option<String>) {
    let Some(info) = p.info else {
        return (printable(p.bytes), None);
    };
    // An empty parameter prints NULL, an empty buffer as nothing.
    if p.bytes.is_empty() {
        let empty = if info.ptype == ParamType::BYTEBUF {
            ""
        } else {
            "NULL"
        };
        return (empty.to_string(), None);
    }
    let Some(v) = p.value() else {
        return (printable(p.bytes), None);
    };
    let num = |v: i64| -> String {
        match info.fmt {
            PrintFormat::HEX => format!("{v:X}"),
            PrintFormat::OCT if v != 0 => format!("0{v:o}"),
            PrintFormat::PADDED_DEC => format!("{v:09}"),
            _ => v.to_string(),
        }
    };
    match (info.ptype, v) {
        (ParamType::ERRNO, ParamValue::Int(e)) => (e.to_string(), (e < 0).then(|| error_name(e))),
        (ParamType::FD, ParamValue::Int(fd)) => (fd.to_string(), fd_resolved(c, fd)),
        (ParamType::PID, ParamValue::Int(pid)) => (
            pid.to_string(),
            c.insp.threads.get(pid).map(|t| t.comm.clone()),
        ),
        (ParamType::UID | ParamType::GID, ParamValue::UInt(id)) => {
            let raw = if id == u32::MAX as u64 {
                "-1".to_string()
            } else {
                id.to_string()
            };
            let name = if id == u32::MAX as u64 {
                "<NONE>".to_string()
            } else if info.ptype == ParamType::UID {
                c.insp
                    .users
                    .user(id as u32)
                    .map(|u| u.name.clone())
                    .unwrap_or_else(|| "<NA>".into())
            } else {
                c.insp
                    .users
                    .group(id as u32)
                    .map(|g| g.name.clone())
                    .unwrap_or_else(|| "<NA>".into())
            };
            (raw, Some(name))
        }
        (ParamType::SYSCALLID, ParamValue::UInt(id)) => (
            id.to_string(),
            falco_abi::syscalls::ppm_sc(id as u16).map(|s| s.name.to_string()),
        ),
        (ParamType::FSPATH | ParamType::FSRELPATH, ParamValue::Str(s)) => {
            let s = String::from_utf8_lossy(s).into_owned();
            let resolved = (!s.starts_with('/') && !s.is_empty())
                .then(|| {
                    let base = match info.aux {
                        falco_abi::ParamAux::DirFd(i) => {
                            let fd =
                                c.ev.param(i as usize)
                                    .and_then(|p| p.as_i64())
                                    .unwrap_or(AT_FDCWD);
                            if fd == AT_FDCWD {
                                c.process().map(|t| t.cwd.clone())
                            } else {
                                c.insp
                                    .threads
                                    .fds(c.ev.tid as i64)
                                    .and_then(|t| t.get(fd))
                                    .map(|f| f.name.clone())
                            }
                        }
                        _ => c.process().map(|t| t.cwd.clone()),
                    }?;
                    Some(crate::state::paths::resolve(&base, &s))
                })
                .flatten();
            (s, resolved)
        }
        // Flags print their number in decimal; a mode keeps its octal.
        (ParamType::MODE, ParamValue::UInt(v)) => (num(v as i64), flag_names(p, v)),
        (_, ParamValue::UInt(v)) if info.flag_names().is_some() => {
            (v.to_string(), flag_names(p, v))
        }
        (_, ParamValue::Int(v)) => (num(v), None),
        (_, ParamValue::UInt(v)) => (num(v as i64), None),
        (_, ParamValue::Double(v)) => (format!("{v:.6}"), None),
        (_, ParamValue::Str(s)) => (String::from_utf8_lossy(s).into_owned(), None),
        (_, ParamValue::Bytes(b)) => (printable(b), None),
        (_, ParamValue::Ipv4(ip)) => (Ipv4Addr::from(ip).to_string(), None),
        (_, ParamValue::Ipv6(ip)) => (Ipv6Addr::from(ip).to_string(), None),
        (_, ParamValue::SockAddr(a)) => (
            match a {
                SockAddr::Inet { ip, port } => ip_port4(ip, port),
                SockAddr::Inet6 { ip, port } => ip_port6(ip, port),
                SockAddr::Unix { path } => String::from_utf8_lossy(path).into_owned(),
                SockAddr::Unspec => "NULL".to_string(),
                SockAddr::Other { family, .. } => format!("family {family}"),
            },
            None,
        ),
        (_, ParamValue::SockTuple(t)) => (
            match t {
                SockTuple::Inet {
                    sip,
                    sport,
                    dip,
                    dport,
                } => {
                    format!("{}->{}", ip_port4(sip, sport), ip_port4(dip, dport))
                }
                SockTuple::Inet6 {
                    sip,
                    sport,
                    dip,
                    dport,
                } => {
                    format!("{}->{}", ip_port6(sip, sport), ip_port6(dip, dport))
                }
                SockTuple::Unix { source, dest, path } => {
                    format!("{source:x}->{dest:x} {}", String::from_utf8_lossy(path))
                }
                SockTuple::Other { family, .. } => format!("family {family}"),
            },
            None,
        ),
        (_, ParamValue::FdList(l)) => {
            let mut s = String::new();
            for (fd, flags) in l {
                let tc = c
                    .insp
                    .threads
                    .fds(c.ev.tid as i64)
                    .and_then(|t| t.get(fd as i64))
                    .map(|f| f.kind.typechar());
                let _ = write!(s, "{fd}:{}{flags:x} ", tc.unwrap_or('?'));
            }
            (s.trim_end().to_string(), None)
        }
        (_, ParamValue::Dyn(_, inner)) => (
            match *inner {
                ParamValue::Int(v) => v.to_string(),
                ParamValue::UInt(v) => v.to_string(),
                ParamValue::Str(s) => String::from_utf8_lossy(s).into_owned(),
                ParamValue::Bytes(b) => printable(b),
                other => format!("{other:?}"),
            },
            None,
        ),
        (_, ParamValue::Empty) => ("NULL".to_string(), None),
    }
}

/// `evt.arg.X`: the resolved form when there is one, else the raw form.
pub fn param(c: &Ctx<'_>, _index: usize, p: &Param<'_>) -> String {
    // Flags resolve to their names: no need to print the number first
    // (rules compare `evt.arg.flags` on every open).
    if let (Some(info), Some(ParamValue::UInt(v))) = (p.info, p.value()) {
        let flags = info.ptype.is_flags() || info.ptype == ParamType::MODE;
        if flags && !p.bytes.is_empty() {
            if let Some(names) = flag_names(p, v) {
                return names;
            }
        }
    }
    match param_parts(c, p) {
        (_, Some(r)) if !r.is_empty() => r,
        (raw, _) => raw,
    }
}

/// All parameters as `name=raw(resolved) name=raw ...`.
pub fn args(c: &Ctx<'_>) -> String {
    let mut s = String::new();
    for p in c.ev.params() {
        let name = p.info.map(|i| i.name).unwrap_or("?");
        if !s.is_empty() {
            s.push(' ');
        }
        match param_parts(c, &p) {
            (raw, Some(r)) => {
                let _ = write!(s, "{name}={raw}({r})");
            }
            (raw, None) => {
                let _ = write!(s, "{name}={raw}");
            }
        }
    }
    s
}

/// A parameter as its raw typed value (`evt.rawarg.*`).
pub fn raw_value<'a>(p: &Param<'a>) -> Option<Value<'a>> {
    Some(match p.value()? {
        ParamValue::Int(v) => Value::Int(v),
        ParamValue::UInt(v) => Value::UInt(v),
        ParamValue::Double(v) => Value::Double(v),
        ParamValue::Str(s) => Value::Str(String::from_utf8_lossy(s)),
        ParamValue::Bytes(b) => Value::Bytes(std::borrow::Cow::Borrowed(b)),
        ParamValue::Ipv4(ip) => Value::Ip(Ipv4Addr::from(ip).into()),
        ParamValue::Ipv6(ip) => Value::Ip(Ipv6Addr::from(ip).into()),
        ParamValue::Empty => return None,
        _ => Value::Bytes(std::borrow::Cow::Borrowed(p.bytes)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_and_iso8601() {
        assert_eq!(civil(0), ((1970, 1, 1), (0, 0, 0)));
        assert_eq!(civil(951_782_400), ((2000, 2, 29), (0, 0, 0)));
        assert_eq!(civil(1_700_000_000), ((2023, 11, 14), (22, 13, 20)));
        assert_eq!(
            iso8601(1_700_000_000_123_456_789),
            "2023-11-14T22:13:20.123456789+0000"
        );
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(2), "ENOENT");
        assert_eq!(errno_name(115), "EINPROGRESS");
        assert_eq!(errno_name(4000), "4000");
        assert_eq!(error_name(-2), "ENOENT");
        assert_eq!(error_name(i64::MIN), "-9223372036854775808");
        assert_eq!(errno_number("ENOENT"), Some(2));
        assert_eq!(errno_number("ERESTARTSYS"), Some(512));
        assert_eq!(errno_number("ENOPE"), None);
        assert_eq!(errno_number(""), None);
    }
}
