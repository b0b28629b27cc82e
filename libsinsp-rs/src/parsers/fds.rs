//! Closing, duplicating and the fd makers that are not files or sockets.

use super::Cx;
use crate::inspector::{Inspector, Removal};
use crate::state::{Fd, FdKind};
use falco_abi::flag_tables::fcntl_commands::{F_DUPFD, F_DUPFD_CLOEXEC};
use falco_abi::EventCode as C;

/// An fd the table does not know, used by an event of a known thread:
/// record it as of unknown type (Falco's typechar `o`), as libsinsp does,
/// so later events on it are consistent.
pub fn note_unknown(insp: &mut Inspector, tid: i64, fd: i64) {
    if fd < 0 {
        return;
    }
    if let Some(t) = insp.threads.fds_mut(tid) {
        if t.get(fd).is_none() {
            t.insert(fd, Fd::new(FdKind::Unknown, ""));
            insp.anomalies.unknown_fds += 1;
        }
    }
}

pub fn close(cx: &mut Cx<'_, '_, '_>) {
    let Some(fd) = cx.i64("fd") else {
        return cx.bad_params();
    };
    cx.insp.set_scope_fd(fd);
    note_unknown(cx.insp, cx.tid(), fd);
    if cx.i64("res").is_some_and(|r| r >= 0) {
        let tid = cx.tid();
        cx.insp.defer(Removal::Fd { tid, fd });
    }
}

pub fn dup(cx: &mut Cx<'_, '_, '_>, code: C) {
    let Some(res) = cx.i64("res").filter(|r| *r >= 0) else {
        return;
    };
    let old = match code {
        C::SYSCALL_FCNTL_X => {
            let cmd = cx.u64("cmd").unwrap_or(0);
            if cmd != u64::from(F_DUPFD) && cmd != u64::from(F_DUPFD_CLOEXEC) {
                if let Some(fd) = cx.i64("fd") {
                    cx.insp.set_scope_fd(fd);
                }
                return;
            }
            cx.i64("fd")
        }
        _ => cx.i64("oldfd"),
    };
    let Some(old) = old else {
        return cx.bad_params();
    };
    let tid = cx.tid();
    let Some(t) = cx.insp.threads.fds_mut(tid) else {
        return;
    };
    match t.get(old).cloned() {
        Some(f) => t.insert(res, f),
        None => cx.insp.anomalies.unknown_fds += 1,
    }
    cx.insp.set_scope_fd(res);
}

pub fn pipe(cx: &mut Cx<'_, '_, '_>) {
    if cx.i64("res").is_none_or(|r| r < 0) {
        return;
    }
    let ino = cx.u64("ino").unwrap_or(0);
    let fds = [cx.i64("fd1"), cx.i64("fd2")];
    if let Some(fd) = fds[1] {
        cx.insp.set_scope_fd(fd);
    }
    if let Some(t) = cx.insp.threads.fds_mut(cx.tid()) {
        for fd in fds.into_iter().flatten() {
            let mut f = Fd::new(FdKind::Pipe, "");
            f.ino = ino;
            t.insert(fd, f);
        }
    }
}

/// eventfd, signalfd, timerfd, inotify, memfd, userfaultfd, pidfd, epoll,
/// bpf, io_uring: an fd of a kind and (for memfd) a name.
pub fn anon_fd(cx: &mut Cx<'_, '_, '_>, code: C) {
    let (kind, fd_param) = match code {
        C::SYSCALL_EVENTFD_X | C::SYSCALL_EVENTFD2_X => (FdKind::Event, "res"),
        C::SYSCALL_SIGNALFD_X | C::SYSCALL_SIGNALFD4_X => (FdKind::Signalfd, "res"),
        C::SYSCALL_TIMERFD_CREATE_X => (FdKind::Timerfd, "res"),
        C::SYSCALL_INOTIFY_INIT_X | C::SYSCALL_INOTIFY_INIT1_X => (FdKind::Inotify, "res"),
        C::SYSCALL_MEMFD_CREATE_X => (FdKind::Memfd, "fd"),
        C::SYSCALL_USERFAULTFD_X => (FdKind::Userfaultfd, "res"),
        C::SYSCALL_PIDFD_OPEN_X => (FdKind::Pidfd, "fd"),
        C::SYSCALL_EPOLL_CREATE_X | C::SYSCALL_EPOLL_CREATE1_X => (FdKind::Eventpoll, "res"),
        C::SYSCALL_BPF_2_X => (FdKind::Bpf, "fd"),
        C::SYSCALL_IO_URING_SETUP_X => (FdKind::IoUring, "res"),
        _ => return,
    };
    let Some(fd) = cx.i64(fd_param).filter(|fd| *fd >= 0) else {
        return;
    };
    let name = if kind == FdKind::Memfd {
        format!("memfd:{}", cx.str("name").unwrap_or_default())
    } else {
        String::new()
    };
    let named = !name.is_empty();
    if let Some(t) = cx.insp.threads.fds_mut(cx.tid()) {
        t.insert(fd, Fd::new(kind, name));
    }
    cx.insp.set_scope_fd(fd);
    cx.insp.fd_renamed(named);
}
