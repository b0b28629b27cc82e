//! `evt.*` fields about what an event is (syscall name, event type test,
//! async and plugin events, docker infrastructure events) and the
//! absolute paths of the `*at` syscalls.

use super::push_str;
use crate::field::{ArgKind, Ctx, FieldArg, FieldRow};
use crate::state::paths;
use crate::value::{FieldType, Value};
use falco_abi::schema::AT_FDCWD;
use falco_abi::{Category, EventCode as C, ParamType, EVENTS};

/// Whether the event is a metaevent (async, procinfo, infrastructure...).
fn is_meta(c: &Ctx<'_>) -> bool {
    c.ev.info().category.contains(Category::METAEVENT)
}

/// A string parameter borrowed from the event, when it is valid UTF-8.
fn str_param<'a>(c: &Ctx<'a>, i: usize) -> Option<&'a str> {
    std::str::from_utf8(c.ev.param(i)?.as_str_bytes()).ok()
}

/// `evt.type.is.X`: libsinsp takes the first event of the table called X
/// and the one after it (its enter and exit), or, for a number, that event
/// code alone.
fn type_is(code: u16, key: &str) -> bool {
    if let Ok(n) = key.parse::<u32>() {
        return u32::from(code) == n;
    }
    let name_at = |i: usize| EVENTS.get(i).map(|e| e.name);
    let is_first = |i: usize| name_at(i) == Some(key) && !EVENTS[..i].iter().any(|e| e.name == key);
    let i = code as usize;
    // Only events named X (or right after one) can match: the scan for
    // the first one runs only for them.
    is_first(i) || (i > 0 && is_first(i - 1))
}

/// The (dirfd, path) parameter names `evt.abspath` joins for an event;
/// `which` is 0 (plain), 1 (`.src`) or 2 (`.dst`).
fn abspath_params(code: u16, which: u8) -> Option<(&'static str, &'static str)> {
    let is = |k: C| k as u16 == code;
    if is(C::SYSCALL_RENAMEAT_X) || is(C::SYSCALL_RENAMEAT2_X) {
        return Some(match which {
            2 => ("newdirfd", "newpath"),
            _ => ("olddirfd", "oldpath"),
        });
    }
    if is(C::SYSCALL_LINKAT_2_X) {
        return Some(match which {
            2 => ("newdir", "newpath"),
            _ => ("olddir", "oldpath"),
        });
    }
    if is(C::SYSCALL_SYMLINKAT_X) {
        return Some(("linkdirfd", "linkpath"));
    }
    if is(C::SYSCALL_OPENAT_2_X) || is(C::SYSCALL_OPENAT2_X) || is(C::SYSCALL_UNLINKAT_2_X) {
        return Some(("dirfd", "name"));
    }
    if is(C::SYSCALL_MKDIRAT_X) {
        return Some(("dirfd", "path"));
    }
    if is(C::SYSCALL_FCHMODAT_X) {
        return Some(("dirfd", "filename"));
    }
    if is(C::SYSCALL_FCHOWNAT_X) {
        return Some(("dirfd", "pathname"));
    }
    None
}

fn abspath(c: &Ctx<'_>, arg: Option<&FieldArg>) -> Option<String> {
    let which = match arg {
        None => 0,
        Some(FieldArg::Key(k)) if k == "src" => 1,
        Some(FieldArg::Key(k)) if k == "dst" => 2,
        // libsinsp knows no other form.
        Some(_) => return None,
    };
    // libsinsp needs the thread.
    c.thread()?;
    if c.ev.evt_type == C::SYSCALL_OPEN_BY_HANDLE_AT_X as u16 {
        // The kernel gives the path of a successful open_by_handle_at.
        let fd = c.ev.param(0)?.as_i64()?;
        let path = std::str::from_utf8(c.ev.param_by_name("path")?.as_str_bytes()).ok()?;
        return (fd > 0).then(|| {
            if path.starts_with('/') {
                paths::normalize(path)
            } else {
                path.to_string()
            }
        });
    }
    let (dirfd_name, path_name) = abspath_params(c.ev.evt_type, which)?;
    let (dirfd, path) = (
        c.ev.param_by_name(dirfd_name)?,
        c.ev.param_by_name(path_name)?,
    );
    if dirfd.is_empty() || path.is_empty() {
        return None;
    }
    let dirfd = dirfd.as_i64()?;
    let path = String::from_utf8_lossy(path.as_str_bytes());
    if path.starts_with('/') {
        return Some(paths::normalize(&path));
    }
    if dirfd == AT_FDCWD {
        let cwd = c.process().map(|t| t.cwd.as_str()).unwrap_or("");
        return Some(paths::resolve(cwd, &path));
    }
    match c
        .insp
        .threads
        .fds(c.ev.tid as i64)
        .and_then(|t| t.get(dirfd))
    {
        Some(f) => Some(paths::resolve(&f.name, &path)),
        None => Some(format!("<UNKNOWN>/{path}")),
    }
}

/// One `key: value` element of a docker infrastructure event's
/// description (`Event: start; ID: 0123...; name: web; Image: nginx`).
fn docker_element<'a>(desc: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    desc.split(';')
        .map(str::trim)
        .find(|e| e.starts_with(prefix))
        .map(|e| {
            let second = e.split(':').nth(1).unwrap_or("");
            (e, second)
        })
}

fn docker_field<'a>(c: &Ctx<'a>, prefix: &str) -> Option<&'a str> {
    if c.ev.evt_type != C::INFRASTRUCTURE_EVENT_E as u16 {
        return None;
    }
    let desc = str_param(c, 2)?;
    let (element, second) = docker_element(desc, prefix)?;
    Some(match prefix {
        "ID" => {
            let id = second.trim();
            id.get(..12).unwrap_or(id)
        }
        "Image" => {
            if let Some(at) = second.find('@') {
                second[..at].trim()
            } else if second.contains("sha256") {
                element.split_once(':').map_or("", |(_, r)| r).trim()
            } else {
                second.trim()
            }
        }
        _ => second.trim(),
    })
}

/// The type `evt.rawarg.NAME` has in libsinsp: that of the parameter
/// called NAME in the event table (the first one found), which decides
/// how conditions compare it. `None` for a name no event has (libsinsp
/// refuses the field).
pub fn rawarg_type(name: &str) -> Option<FieldType> {
    let p = EVENTS
        .iter()
        .flat_map(|e| e.params.iter())
        .find(|p| p.name == name)?;
    use ParamType as T;
    Some(match p.ptype {
        T::INT8 | T::INT16 | T::INT32 | T::FD32 | T::PID32 => FieldType::Int32,
        T::INT64 => FieldType::Int64,
        T::ERRNO => FieldType::Errno,
        T::FD => FieldType::Fd,
        T::PID => FieldType::Pid,
        T::UINT8 | T::UINT16 | T::UINT32 | T::UID | T::GID | T::SIGTYPE | T::SYSCALLID => {
            FieldType::UInt32
        }
        T::FLAGS8 | T::FLAGS16 | T::FLAGS32 | T::ENUMFLAGS8 | T::ENUMFLAGS16 | T::ENUMFLAGS32 => {
            FieldType::UInt32
        }
        T::MODE => FieldType::Mode,
        T::PORT => FieldType::Port,
        T::UINT64 => FieldType::UInt64,
        T::RELTIME => FieldType::RelTime,
        T::ABSTIME => FieldType::AbsTime,
        T::DOUBLE => FieldType::Double,
        T::BOOL => FieldType::Bool,
        T::IPV4ADDR | T::IPV6ADDR | T::IPADDR => FieldType::IpAddr,
        T::IPV4NET | T::IPV6NET | T::IPNET => FieldType::IpNet,
        T::BYTEBUF => FieldType::ByteBuf,
        _ => FieldType::CharBuf,
    })
}

pub(super) const TYPE_IS: FieldRow = FieldRow {
    name: "evt.type.is",
    ftype: FieldType::UInt32,
    arg: ArgKind::Key,
    desc: "allows one to specify an event type, and returns 1 for events that are of that type. \
           For example, evt.type.is.open returns 1 for open events, 0 for any other event.",
    extract: |c, arg, out| {
        let hit = match arg {
            Some(FieldArg::Key(k)) => type_is(c.ev.evt_type, k),
            Some(FieldArg::Index(n)) => u64::from(c.ev.evt_type) == *n,
            None => false,
        };
        out.push(Value::UInt(u64::from(hit)));
    },
};

pub(super) const SYSCALL_TYPE: FieldRow = FieldRow {
    name: "syscall.type",
    ftype: FieldType::CharBuf,
    arg: ArgKind::None,
    desc: "For system call events, the name of the system call (e.g. 'open'). Unset for other \
           events (e.g. switch or internal events). Use this field instead of evt.type if you \
           need to make sure that the filtered/printed value is actually a system call.",
    extract: |c, _, out| {
        if !c.ev.info().category.contains(Category::SYSCALL) {
            return;
        }
        if c.ev.evt_type == C::GENERIC_X as u16 {
            push_str(out, super::type_name(&c.ev));
        } else {
            push_str(out, c.ev.name());
        }
    },
};

pub(super) const INFO: FieldRow = FieldRow {
    name: "evt.info",
    ftype: FieldType::CharBuf,
    arg: ArgKind::None,
    desc: "Currently, this field returns the same value as 'evt.args'.",
    extract: |c, a, out| (super::ARGS.extract)(c, a, out),
};

pub(super) const AROUND: FieldRow = FieldRow {
    name: "evt.around",
    ftype: FieldType::UInt64,
    arg: ArgKind::Index,
    desc: "Accepts the event if it's around the specified time interval. The syntax is \
           evt.around[T]=D, where T is the value returned by %evt.rawtime for the event and D is \
           a delta in milliseconds. For example, evt.around[1404996934793590564]=1000 will \
           return the events with timestamp with one second before the timestamp and one second \
           after it, for a total of two seconds of capture.",
    // libsinsp's extraction gives nothing: only its own comparison
    // (|evt.rawtime - T| <= D ms) makes the field match.
    extract: |_, _, _| {},
};

pub(super) const ABSPATH: FieldRow = FieldRow {
    name: "evt.abspath",
    ftype: FieldType::CharBuf,
    arg: ArgKind::OptionalKey,
    desc: "Absolute path calculated from dirfd and name during syscalls like renameat and \
           symlinkat. Use 'evt.abspath.src' or 'evt.abspath.dst' for syscalls that support \
           multiple paths.",
    extract: |c, arg, out| {
        if let Some(p) = abspath(c, arg) {
            out.push(Value::str(p));
        }
    },
};

pub(super) const INFRA_DOCKER_NAME: FieldRow = FieldRow::plain(
    "evt.infra.docker.name",
    FieldType::CharBuf,
    "for docker infrastructure events, the name of the event.",
    |c, _, out| {
        if let Some(v) = docker_field(c, "Event") {
            push_str(out, v);
        }
    },
);

pub(super) const INFRA_DOCKER_CONTAINER_ID: FieldRow = FieldRow::plain(
    "evt.infra.docker.container.id",
    FieldType::CharBuf,
    "for docker infrastructure events, the id of the impacted container.",
    |c, _, out| {
        if let Some(v) = docker_field(c, "ID") {
            push_str(out, v);
        }
    },
);

pub(super) const INFRA_DOCKER_CONTAINER_NAME: FieldRow = FieldRow::plain(
    "evt.infra.docker.container.name",
    FieldType::CharBuf,
    "for docker infrastructure events, the name of the impacted container.",
    |c, _, out| {
        if let Some(v) = docker_field(c, "name") {
            push_str(out, v);
        }
    },
);

pub(super) const INFRA_DOCKER_CONTAINER_IMAGE: FieldRow = FieldRow::plain(
    "evt.infra.docker.container.image",
    FieldType::CharBuf,
    "for docker infrastructure events, the image name of the impacted container.",
    |c, _, out| {
        if let Some(v) = docker_field(c, "Image") {
            push_str(out, v);
        }
    },
);

pub(super) const PLUGINNAME: FieldRow = FieldRow {
    name: "evt.pluginname",
    ftype: FieldType::CharBuf,
    arg: ArgKind::None,
    desc: "if the event comes from a plugin-defined event source, the name of the plugin that \
           generated it. The plugin must be currently loaded.",
    // falco-rs loads no plugins: no event comes from one.
    extract: |_, _, _| {},
};

pub(super) const PLUGININFO: FieldRow = FieldRow {
    name: "evt.plugininfo",
    ftype: FieldType::CharBuf,
    arg: ArgKind::None,
    desc: "if the event comes from a plugin-defined event source, a summary of the event as \
           formatted by the plugin. The plugin must be currently loaded.",
    extract: |_, _, _| {},
};

pub(super) const IS_ASYNC: FieldRow = FieldRow {
    name: "evt.is_async",
    ftype: FieldType::Bool,
    arg: ArgKind::None,
    desc: "'true' for asynchronous events, 'false' otherwise.",
    extract: |c, _, out| out.push(Value::Bool(is_meta(c))),
};

pub(super) const ASYNCTYPE: FieldRow = FieldRow {
    name: "evt.asynctype",
    ftype: FieldType::CharBuf,
    arg: ArgKind::None,
    desc: "If the event is asynchronous, the type of the event (e.g. 'container').",
    extract: |c, _, out| {
        if !is_meta(c) {
            return;
        }
        if c.ev.evt_type != C::ASYNCEVENT_E as u16 {
            push_str(out, c.ev.name());
        } else if let Some(p) = c.ev.param(1) {
            out.push(Value::Str(String::from_utf8_lossy(p.as_str_bytes())));
        }
    },
};
