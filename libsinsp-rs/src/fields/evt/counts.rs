//! `evt.*` fields that classify an event: the counters (1 for events of a
//! kind, for summing in tables), the I/O buffer lengths by direction and
//! fd kind, and the wait / syslog / I/O direction flags.

use super::push_str;
use crate::field::{ArgKind, Ctx, FieldRow};
use crate::state::FdKind;
use crate::value::{FieldType, Value};
use falco_abi::{Category, Direction, EventCode as C, EventFlags};

/// libsinsp's `has_return_value` + `get_syscall_return_value`: an exit
/// event of a system call (not the generic one) with parameters has its
/// result in its first parameter, read as a 32- or 64-bit integer (0 for
/// any other width).
pub(super) fn return_value(c: &Ctx<'_>) -> Option<i64> {
    let info = c.ev.info();
    let has = c.ev.evt_type != C::GENERIC_X as u16
        && info.category.contains(Category::SYSCALL)
        && info.direction() == Direction::Exit
        && !info.params.is_empty();
    if !has {
        return None;
    }
    let p = c.ev.param(0)?;
    Some(match p.bytes.len() {
        4 | 8 => p.as_i64().unwrap_or(0),
        _ => 0,
    })
}

/// `evt.count.error*`: 1 when the event failed, 0 when it succeeded,
/// nothing when it has no return value.
fn error_count(c: &Ctx<'_>, out: &mut Vec<Value<'_>>) {
    if let Some(r) = return_value(c) {
        out.push(Value::UInt(u64::from(r < 0)));
    }
}

fn fd_kind(c: &Ctx<'_>) -> Option<FdKind> {
    c.fd().map(|(_, f)| f.kind)
}

fn is_file_kind(k: FdKind) -> bool {
    matches!(k, FdKind::File | FdKind::Directory)
}

fn is_net_kind(k: FdKind) -> bool {
    matches!(k, FdKind::Ipv4 | FdKind::Ipv6 | FdKind::Unix)
}

/// Exit events that open a file (their fd is in the result).
fn opens_file(code: u16) -> bool {
    [
        C::SYSCALL_OPEN_X,
        C::SYSCALL_CREAT_X,
        C::SYSCALL_OPENAT_2_X,
        C::SYSCALL_OPENAT2_X,
        C::SYSCALL_OPEN_BY_HANDLE_AT_X,
    ]
    .iter()
    .any(|k| *k as u16 == code)
}

/// Exit events that open a connection.
fn opens_connection(code: u16) -> bool {
    [
        C::SOCKET_ACCEPT_5_X,
        C::SOCKET_ACCEPT4_6_X,
        C::SOCKET_CONNECT_X,
    ]
    .iter()
    .any(|k| *k as u16 == code)
}

fn is_memory(c: &Ctx<'_>) -> bool {
    c.ev.info().category.base() == Category::MEMORY
}

/// Which I/O events a buffer length field counts.
#[derive(Clone, Copy, PartialEq)]
enum IoDir {
    Any,
    In,
    Out,
}

/// Which fds a buffer length field counts.
#[derive(Clone, Copy, PartialEq)]
enum IoFd {
    Any,
    File,
    Net,
}

/// `evt.buflen*`: the result of an I/O event on a known fd, when it is not
/// an error, for events of direction `dir` on fds of kind `fd`.
fn buflen(c: &Ctx<'_>, dir: IoDir, fd: IoFd, out: &mut Vec<Value<'_>>) {
    let Some(kind) = fd_kind(c) else { return };
    let cat = c.ev.info().category.base();
    let dir_ok = match dir {
        IoDir::Any => matches!(
            cat,
            Category::IO_READ | Category::IO_WRITE | Category::IO_OTHER
        ),
        IoDir::In => cat == Category::IO_READ,
        IoDir::Out => cat == Category::IO_WRITE,
    };
    // libsinsp counts regular files only (not directories), and IP sockets
    // only (not unix ones).
    let fd_ok = match fd {
        IoFd::Any => true,
        IoFd::File => kind == FdKind::File,
        IoFd::Net => matches!(kind, FdKind::Ipv4 | FdKind::Ipv6),
    };
    if !(dir_ok && fd_ok) || c.ev.info().direction() != Direction::Exit {
        return;
    }
    if let Some(r) = return_value(c).filter(|r| *r >= 0) {
        out.push(Value::UInt(r as u64));
    }
}

pub(super) const IO_DIR: FieldRow = FieldRow {
    name: "evt.io_dir",
    ftype: FieldType::CharBuf,
    arg: ArgKind::None,
    desc: "'r' for events that read from FDs, like read(); 'w' for events that write to FDs, \
           like write().",
    // The description says r/w; libsinsp extracts "read" / "write".
    extract: |c, _, out| {
        let f = c.ev.info().flags;
        if f.contains(EventFlags::WRITES_TO_FD) {
            push_str(out, "write");
        } else if f.contains(EventFlags::READS_FROM_FD) {
            push_str(out, "read");
        }
    },
};

pub(super) const IS_WAIT: FieldRow = FieldRow {
    name: "evt.is_wait",
    ftype: FieldType::Bool,
    arg: ArgKind::None,
    desc: "'true' for events that make the thread wait, e.g. sleep(), select(), poll().",
    extract: |c, _, out| out.push(Value::Bool(c.ev.info().flags.contains(EventFlags::WAITS))),
};

pub(super) const IS_SYSLOG: FieldRow = FieldRow {
    name: "evt.is_syslog",
    ftype: FieldType::Bool,
    arg: ArgKind::None,
    desc: "'true' for events that are writes to /dev/log.",
    extract: |c, _, out| {
        let writes = c.ev.info().flags.contains(EventFlags::WRITES_TO_FD);
        let syslog = writes && c.fd().is_some_and(|(_, f)| f.name.contains("/dev/log"));
        out.push(Value::Bool(syslog));
    },
};

pub(super) const COUNT: FieldRow = FieldRow::plain(
    "evt.count",
    FieldType::UInt32,
    "This filter field always returns 1.",
    |_, _, out| out.push(Value::UInt(1)),
);

pub(super) const COUNT_ERROR: FieldRow = FieldRow::plain(
    "evt.count.error",
    FieldType::UInt32,
    "This filter field returns 1 for events that returned with an error.",
    |c, _, out| error_count(c, out),
);

pub(super) const COUNT_ERROR_FILE: FieldRow = FieldRow::plain(
    "evt.count.error.file",
    FieldType::UInt32,
    "This filter field returns 1 for events that returned with an error and are related to \
     file I/O.",
    |c, _, out| {
        let file = match fd_kind(c) {
            Some(k) => is_file_kind(k),
            None => opens_file(c.ev.evt_type),
        };
        if file {
            error_count(c, out);
        }
    },
);

pub(super) const COUNT_ERROR_NET: FieldRow = FieldRow::plain(
    "evt.count.error.net",
    FieldType::UInt32,
    "This filter field returns 1 for events that returned with an error and are related to \
     network I/O.",
    |c, _, out| {
        let net = match fd_kind(c) {
            Some(k) => is_net_kind(k),
            None => opens_connection(c.ev.evt_type),
        };
        if net {
            error_count(c, out);
        }
    },
);

pub(super) const COUNT_ERROR_MEMORY: FieldRow = FieldRow::plain(
    "evt.count.error.memory",
    FieldType::UInt32,
    "This filter field returns 1 for events that returned with an error and are related to \
     memory allocation.",
    |c, _, out| {
        if is_memory(c) {
            error_count(c, out);
        }
    },
);

pub(super) const COUNT_ERROR_OTHER: FieldRow = FieldRow::plain(
    "evt.count.error.other",
    FieldType::UInt32,
    "This filter field returns 1 for events that returned with an error and are related to \
     none of the previous categories.",
    |c, _, out| {
        let other = match fd_kind(c) {
            Some(k) => !is_file_kind(k) && !is_net_kind(k),
            None => {
                let code = c.ev.evt_type;
                !(opens_file(code) || opens_connection(code) || is_memory(c))
            }
        };
        if other {
            error_count(c, out);
        }
    },
);

pub(super) const COUNT_EXIT: FieldRow = FieldRow::plain(
    "evt.count.exit",
    FieldType::UInt32,
    "This filter field returns 1 for exit events.",
    |c, _, out| {
        if c.ev.info().direction() == Direction::Exit {
            out.push(Value::UInt(1));
        }
    },
);

pub(super) const COUNT_PROCINFO: FieldRow = FieldRow::plain(
    "evt.count.procinfo",
    FieldType::UInt32,
    "This filter field returns 1 for procinfo events generated by process main threads.",
    |c, _, out| {
        let main =
            c.ev.evt_type == C::PROCINFO_E as u16 && c.thread().is_some_and(|t| t.tid == t.pid);
        out.push(Value::UInt(u64::from(main)));
    },
);

pub(super) const COUNT_THREADINFO: FieldRow = FieldRow::plain(
    "evt.count.threadinfo",
    FieldType::UInt32,
    "This filter field returns 1 for procinfo events.",
    |c, _, out| {
        out.push(Value::UInt(u64::from(
            c.ev.evt_type == C::PROCINFO_E as u16,
        )))
    },
);

pub(super) const BUFLEN_IN: FieldRow = FieldRow::plain(
    "evt.buflen.in",
    FieldType::UInt64,
    "the length of the binary data buffer, but only for input I/O events.",
    |c, _, out| buflen(c, IoDir::In, IoFd::Any, out),
);

pub(super) const BUFLEN_OUT: FieldRow = FieldRow::plain(
    "evt.buflen.out",
    FieldType::UInt64,
    "the length of the binary data buffer, but only for output I/O events.",
    |c, _, out| buflen(c, IoDir::Out, IoFd::Any, out),
);

pub(super) const BUFLEN_FILE: FieldRow = FieldRow::plain(
    "evt.buflen.file",
    FieldType::UInt64,
    "the length of the binary data buffer, but only for file I/O events.",
    |c, _, out| buflen(c, IoDir::Any, IoFd::File, out),
);

pub(super) const BUFLEN_FILE_IN: FieldRow = FieldRow::plain(
    "evt.buflen.file.in",
    FieldType::UInt64,
    "the length of the binary data buffer, but only for input file I/O events.",
    |c, _, out| buflen(c, IoDir::In, IoFd::File, out),
);

pub(super) const BUFLEN_FILE_OUT: FieldRow = FieldRow::plain(
    "evt.buflen.file.out",
    FieldType::UInt64,
    "the length of the binary data buffer, but only for output file I/O events.",
    |c, _, out| buflen(c, IoDir::Out, IoFd::File, out),
);

pub(super) const BUFLEN_NET: FieldRow = FieldRow::plain(
    "evt.buflen.net",
    FieldType::UInt64,
    "the length of the binary data buffer, but only for network I/O events.",
    |c, _, out| buflen(c, IoDir::Any, IoFd::Net, out),
);

pub(super) const BUFLEN_NET_IN: FieldRow = FieldRow::plain(
    "evt.buflen.net.in",
    FieldType::UInt64,
    "the length of the binary data buffer, but only for input network I/O events.",
    |c, _, out| buflen(c, IoDir::In, IoFd::Net, out),
);

pub(super) const BUFLEN_NET_OUT: FieldRow = FieldRow::plain(
    "evt.buflen.net.out",
    FieldType::UInt64,
    "the length of the binary data buffer, but only for output network I/O events.",
    |c, _, out| buflen(c, IoDir::Out, IoFd::Net, out),
);
