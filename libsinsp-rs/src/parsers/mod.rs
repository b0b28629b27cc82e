//! Event parsers: how each event changes the state. One file per syscall
//! family; `parse` dispatches by event code.
//!
//! - `process.rs` — clone/fork/vfork/clone3, execve/execveat, procexit,
//!   setuid family, chdir/fchdir, prctl
//! - `files.rs` — open/openat/openat2/creat/open_by_handle_at
//! - `net.rs` — socket, socketpair, connect, accept/accept4, bind, listen
//! - `fds.rs` — close, dup family, fcntl dup, pipes and the other fd makers
//! - `memory.rs` — brk, mmap, mmap2, munmap, context switches

mod fds;
mod files;
mod memory;
mod net;
mod process;

use crate::inspector::Inspector;
use crate::state::containers::{Container, ASYNC_ADDED, ASYNC_REMOVED};
use falco_abi::EventCode as C;
use falco_scap::Event;

/// What a parser works with: the inspector to update and the event.
pub(crate) struct Cx<'i, 'e, 'a> {
    pub insp: &'i mut Inspector,
    pub ev: &'e Event<'a>,
}

impl Cx<'_, '_, '_> {
    pub fn tid(&self) -> i64 {
        self.ev.tid as i64
    }

    #[inline]
    pub fn i64(&self, name: &str) -> Option<i64> {
        self.ev.param_by_name(name).and_then(|p| p.as_i64())
    }

    #[inline]
    pub fn u64(&self, name: &str) -> Option<u64> {
        self.ev.param_by_name(name).and_then(|p| p.as_u64())
    }

    #[inline]
    pub fn str(&self, name: &str) -> Option<String> {
        self.ev
            .param_by_name(name)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p.as_str_bytes()).into_owned())
    }

    #[inline]
    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.ev.param_by_name(name).map(|p| p.bytes)
    }

    /// Counts an event whose parameters do not say what the parser needs.
    pub fn bad_params(&mut self) {
        self.insp.anomalies.bad_params += 1;
    }
}

/// Events that create the thread that sends them (the child side of clone,
/// an exec of a thread the capture never introduced).
pub(crate) fn creates_thread(code: u16) -> bool {
    matches!(
        C::from_u16(code),
        Some(
            C::SYSCALL_CLONE_20_X
                | C::SYSCALL_FORK_20_X
                | C::SYSCALL_VFORK_20_X
                | C::SYSCALL_CLONE3_X
                | C::SYSCALL_EXECVE_19_X
                | C::SYSCALL_EXECVEAT_X
        )
    )
}

/// A parser of one family, given the event's code.
type Parser = fn(&mut Cx<'_, '_, '_>, C);

/// The parser of events of `code`, when they have one of their own; the
/// others only note the fd they use ([`generic`]).
fn parser(code: C) -> Option<Parser> {
    Some(match code {
        C::SYSCALL_CLONE_20_X
        | C::SYSCALL_FORK_20_X
        | C::SYSCALL_VFORK_20_X
        | C::SYSCALL_CLONE3_X => |cx, _| process::clone_exit(cx),
        C::SYSCALL_EXECVE_19_X | C::SYSCALL_EXECVEAT_X => |cx, _| process::execve_exit(cx),
        C::SYSCALL_EXECVE_19_E => |cx, _| process::execve_enter(cx),
        C::PROCEXIT_1_E => |cx, _| process::procexit(cx),
        C::SYSCALL_SETUID_X
        | C::SYSCALL_SETGID_X
        | C::SYSCALL_SETRESUID_X
        | C::SYSCALL_SETRESGID_X
        | C::SYSCALL_SETREUID_X
        | C::SYSCALL_SETREGID_X => process::set_ids,
        C::SYSCALL_CHDIR_X | C::SYSCALL_FCHDIR_X => process::chdir,
        C::SYSCALL_PRCTL_X => |cx, _| process::prctl(cx),
        C::SYSCALL_BRK_4_X | C::SYSCALL_MMAP_X | C::SYSCALL_MMAP2_X | C::SYSCALL_MUNMAP_X => {
            |cx, _| memory::mapping_exit(cx)
        }
        C::SCHEDSWITCH_6_E => |cx, _| memory::context_switch(cx),
        C::CONTAINER_JSON_E | C::CONTAINER_JSON_2_E => |cx, _| container(cx),
        C::ASYNCEVENT_E => |cx, _| async_event(cx),
        C::SYSCALL_OPEN_X
        | C::SYSCALL_OPENAT_2_X
        | C::SYSCALL_OPENAT2_X
        | C::SYSCALL_CREAT_X
        | C::SYSCALL_OPEN_BY_HANDLE_AT_X => files::open_exit,
        C::SOCKET_SOCKET_X => |cx, _| net::socket(cx),
        C::SOCKET_SOCKETPAIR_X => |cx, _| net::socketpair(cx),
        C::SOCKET_CONNECT_X => |cx, _| net::connect(cx),
        C::SOCKET_CONNECT_E => |cx, _| net::connect_enter(cx),
        C::SOCKET_ACCEPT_5_X | C::SOCKET_ACCEPT4_6_X => |cx, _| net::accept(cx),
        C::SOCKET_BIND_X => |cx, _| net::bind(cx),
        C::SOCKET_LISTEN_X => |cx, _| net::listen(cx),
        C::SYSCALL_CLOSE_X => |cx, _| fds::close(cx),
        C::SYSCALL_DUP_1_X | C::SYSCALL_DUP2_X | C::SYSCALL_DUP3_X | C::SYSCALL_FCNTL_X => fds::dup,
        C::SYSCALL_PIPE_X | C::SYSCALL_PIPE2_X => |cx, _| fds::pipe(cx),
        C::SYSCALL_EVENTFD_X
        | C::SYSCALL_EVENTFD2_X
        | C::SYSCALL_SIGNALFD_X
        | C::SYSCALL_SIGNALFD4_X
        | C::SYSCALL_TIMERFD_CREATE_X
        | C::SYSCALL_INOTIFY_INIT_X
        | C::SYSCALL_INOTIFY_INIT1_X
        | C::SYSCALL_MEMFD_CREATE_X
        | C::SYSCALL_USERFAULTFD_X
        | C::SYSCALL_PIDFD_OPEN_X
        | C::SYSCALL_EPOLL_CREATE_X
        | C::SYSCALL_EPOLL_CREATE1_X
        | C::SYSCALL_BPF_2_X
        | C::SYSCALL_IO_URING_SETUP_X => fds::anon_fd,
        _ => return None,
    })
}

/// Whether events of `code` have a parser of their own (the others change
/// the state only through the thread and the fd they use).
pub fn has_parser(code: u16) -> bool {
    C::from_u16(code).and_then(parser).is_some()
}

/// Applies the container record in parameter `param` (JSON, maybe
/// NUL-terminated): added, or removed; the event describes it.
fn container_record(cx: &mut Cx<'_, '_, '_>, param: &str, added: bool) {
    let record = cx
        .bytes(param)
        .and_then(|j| Container::from_json(j.strip_suffix(&[0]).unwrap_or(j)));
    let Some(c) = record else {
        return cx.bad_params();
    };
    cx.insp.set_event_container(&c.id);
    if added {
        cx.insp.insert_container(c);
    } else {
        cx.insp.containers.remove(&c.id);
    }
}

/// The old container events carry the record as `json`.
fn container(cx: &mut Cx<'_, '_, '_>) {
    container_record(cx, "json", true)
}

/// Falco's container plugin writes container metadata into captures as
/// async events named `container` (added) and `container_removed`.
fn async_event(cx: &mut Cx<'_, '_, '_>) {
    match cx.str("name").as_deref() {
        Some(ASYNC_ADDED) => container_record(cx, "data", true),
        Some(ASYNC_REMOVED) => container_record(cx, "data", false),
        _ => {}
    }
}

pub(crate) fn parse(cx: &mut Cx<'_, '_, '_>) {
    let Some(code) = C::from_u16(cx.ev.evt_type) else {
        return;
    };
    match parser(code) {
        Some(p) => p(cx, code),
        None => generic(cx.insp, cx.tid(), cx.ev.used_fd()),
    }
}

/// Any other event that works on an fd: fd.* fields refer to it, and an
/// fd the table does not know is recorded (as libsinsp does).
pub(crate) fn generic(insp: &mut Inspector, tid: i64, fd: Option<i64>) {
    if let Some(fd) = fd {
        insp.set_scope_fd(fd);
        fds::note_unknown(insp, tid, fd);
    }
}
