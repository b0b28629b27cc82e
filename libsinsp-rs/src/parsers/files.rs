//! Opening files: the new fd gets the path resolved against the cwd or
//! the directory fd, and the open flags.

use super::Cx;
use crate::state::{paths, Fd, FdKind};
use falco_abi::flag_tables::creat_flags::{FD_LOWER_LAYER_CREAT, FD_UPPER_LAYER_CREAT};
use falco_abi::flag_tables::open_flags::{FD_LOWER_LAYER, FD_UPPER_LAYER, O_DIRECTORY};
use falco_abi::schema::AT_FDCWD;
use falco_abi::EventCode as C;

pub fn open_exit(cx: &mut Cx<'_, '_, '_>, code: C) {
    let fd = cx.i64("fd");
    let Some(fd) = fd.filter(|fd| *fd >= 0) else {
        return;
    };
    let tid = cx.tid();
    let raw = match code {
        C::SYSCALL_OPEN_BY_HANDLE_AT_X => cx.str("path"),
        _ => cx.str("name"),
    }
    .unwrap_or_default();
    let dirfd = cx.i64("dirfd").unwrap_or(AT_FDCWD);
    let base = if dirfd == AT_FDCWD || raw.starts_with('/') {
        cx.insp
            .threads
            .leader(tid)
            .map(|t| t.cwd.clone())
            .unwrap_or_default()
    } else {
        match cx.insp.threads.fds(tid).and_then(|t| t.get(dirfd)) {
            Some(d) => d.name.clone(),
            None => {
                cx.insp.anomalies.unknown_fds += 1;
                String::new()
            }
        }
    };
    let flags = match code {
        // creat has no flags: the overlay layer comes in creat_flags.
        C::SYSCALL_CREAT_X => creat_layer(cx.u64("creat_flags").unwrap_or(0)),
        _ => cx.u64("flags").unwrap_or(0),
    };
    let kind = if flags & u64::from(O_DIRECTORY) != 0 {
        FdKind::Directory
    } else {
        FdKind::File
    };
    let mut f = Fd::new(kind, paths::resolve(&base, &raw));
    f.name_raw = raw;
    f.open_flags = flags as u32;
    f.dev = cx.u64("dev").unwrap_or(0) as u32;
    f.ino = cx.u64("ino").unwrap_or(0);
    let named = !f.name.is_empty();
    if let Some(t) = cx.insp.threads.fds_mut(tid) {
        t.insert(fd, f);
    }
    cx.insp.set_scope_fd(fd);
    cx.insp.fd_renamed(named);
}

/// The open flags libsinsp gives a file made by creat: only its overlay layer.
fn creat_layer(creat_flags: u64) -> u64 {
    if creat_flags & u64::from(FD_UPPER_LAYER_CREAT) != 0 {
        u64::from(FD_UPPER_LAYER)
    } else if creat_flags & u64::from(FD_LOWER_LAYER_CREAT) != 0 {
        u64::from(FD_LOWER_LAYER)
    } else {
        0
    }
}
