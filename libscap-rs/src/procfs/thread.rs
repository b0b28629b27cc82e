//! One thread: the files of `/proc/<pid>/` (leader) or
//! `/proc/<pid>/task/<tid>/` to a [`ThreadInfo`], as libscap's
//! `scap_proc_add_from_proc` fills it.

use super::parse;
use super::{is_vanished, ItemError, Scanner};
use crate::state::{ThreadInfo, THREAD_FLAGS};
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// libscap's SCAP_MAX_ARGS_SIZE and SCAP_MAX_ENV_SIZE.
pub const MAX_ARGS_BYTES: u64 = 4096;
pub const MAX_ENV_BYTES: u64 = 4096;

type ItemResult<T> = std::result::Result<T, ItemError>;

/// Reads a whole (small) file, at most `limit` bytes.
fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut out)?;
    Ok(out)
}

/// A file the thread cannot do without.
fn required(path: PathBuf) -> ItemResult<String> {
    std::fs::read_to_string(&path).map_err(|e| ItemError::io(&path, e))
}

/// Whether the directory holding `path` (the thread's) still exists.
fn dir_exists(path: &Path) -> bool {
    path.parent().is_some_and(Path::exists)
}

/// A file that may be unreadable (permissions, hardened kernels, kernel
/// threads, whose `environ` reads as ESRCH): empty then, unless the thread
/// is gone.
fn optional(path: &Path, limit: u64) -> ItemResult<Vec<u8>> {
    match read_limited(path, limit) {
        Ok(b) => Ok(b),
        Err(e) if is_vanished(&e) && !dir_exists(path) => Err(ItemError::io(path, e)),
        Err(_) => Ok(Vec::new()),
    }
}

/// A symlink that may be unreadable (a kernel thread's `exe` reads as
/// ENOENT): `None` then, unless the thread is gone.
fn optional_link(path: &Path) -> ItemResult<Option<String>> {
    match std::fs::read_link(path) {
        Ok(p) => Ok(Some(p.to_string_lossy().into_owned())),
        Err(e) if is_vanished(&e) && !dir_exists(path) => Err(ItemError::io(path, e)),
        Err(_) => Ok(None),
    }
}

/// Nanoseconds since the epoch of a ctime or mtime, saturating.
fn ts_ns(secs: i64, nsecs: i64) -> u64 {
    let s = u64::try_from(secs).unwrap_or(0);
    let n = u64::try_from(nsecs).unwrap_or(0);
    s.saturating_mul(1_000_000_000).saturating_add(n)
}

/// `Ok(None)`: a kernel thread or zombie, excluded by the options.
pub(crate) fn read_thread(
    sc: &mut Scanner<'_>,
    tid: u64,
    dir: &Path,
) -> ItemResult<Option<ThreadInfo>> {
    // The command line and the executable decide whether we keep it.
    let cmdline = read_limited(&dir.join("cmdline"), MAX_ARGS_BYTES)
        .map_err(|e| ItemError::io(&dir.join("cmdline"), e))?;
    let exe_link = optional_link(&dir.join("exe"))?;
    if cmdline.is_empty() && exe_link.is_none() && !sc.opts.include_kernel_threads {
        return Ok(None);
    }

    let mut t = ThreadInfo {
        tid,
        ..ThreadInfo::default()
    };
    t.exepath = exe_link
        .as_deref()
        .map(parse::strip_deleted)
        .unwrap_or_default()
        .to_string();
    t.exe_from_memfd = t.exepath.starts_with("/memfd:");

    let comm_path = dir.join("comm");
    let comm = read_limited(&comm_path, 64).map_err(|e| ItemError::io(&comm_path, e))?;
    t.comm = parse::parse_comm(&comm);
    (t.exe, t.args) = parse::split_cmdline(&cmdline);
    t.env = parse::terminate_env(optional(&dir.join("environ"), MAX_ENV_BYTES)?);
    t.cwd = optional_link(&dir.join("cwd"))?.unwrap_or_default();
    t.root = optional_link(&dir.join("root"))?.unwrap_or_default();

    // status: ids, credentials, capabilities, memory.
    let status_path = dir.join("status");
    let status = parse::parse_status(&required(status_path.clone())?);
    let pid = status
        .tgid
        .ok_or_else(|| ItemError::parse(&status_path, "no Tgid line"))?;
    t.pid = pid;
    // libscap keeps the low 32 bits of PPid.
    t.ptid = status.ppid.map_or(u64::from(u32::MAX), |p| p & 0xffff_ffff);
    t.uid = status.euid.unwrap_or(u32::MAX);
    t.gid = status.egid.unwrap_or(u32::MAX);
    t.cap_inheritable = status.cap_inh.unwrap_or(0);
    t.cap_permitted = status.cap_prm.unwrap_or(0);
    t.cap_effective = status.cap_eff.unwrap_or(0);
    t.vmsize_kb = kb32(status.vmsize_kb);
    t.vmrss_kb = kb32(status.vmrss_kb);
    t.vmswap_kb = kb32(status.vmswap_kb);
    t.vtid = status.nspid.map_or(tid as i64, |v| v as i64);
    t.vpid = status.nstgid.map_or(pid as i64, |v| v as i64);

    // stat: session, process group, tty, page faults.
    let stat_path = dir.join("stat");
    let stat = parse::parse_stat(&required(stat_path.clone())?)
        .ok_or_else(|| ItemError::parse(&stat_path, "malformed stat"))?;
    t.sid = stat.sid as u64;
    // The process group as seen from the thread's own pid namespace.
    t.vpgid = status.nspgid.unwrap_or(stat.pgid as u64);
    t.tty = stat.tty;
    t.pfminor = stat.minflt;
    t.pfmajor = stat.majflt;

    // limits: RLIMIT_NOFILE (libscap asks prlimit; -1 when it cannot).
    t.fdlimit = std::fs::read_to_string(dir.join("limits"))
        .ok()
        .and_then(|l| parse::parse_limits_nofile(&l))
        .unwrap_or(u64::MAX);

    // cgroups: a missing or unreadable file gives none, as in libscap.
    if let Ok(c) = std::fs::read_to_string(dir.join("cgroup")) {
        t.cgroups = sc.cgroups.render(&c);
    }

    // The start of the pid namespace's init, seen through the thread's root.
    // Like libscap: the thread's creation time is its cmdline's ctime.
    t.clone_ts = std::fs::metadata(dir.join("cmdline"))
        .map(|m| ts_ns(m.ctime(), m.ctime_nsec()))
        .unwrap_or(0);
    t.pidns_init_start_ts = std::fs::metadata(dir.join("root/proc/1/cmdline"))
        .map(|m| ts_ns(m.ctime(), m.ctime_nsec()))
        .unwrap_or(0);

    t.loginuid = std::fs::read_to_string(dir.join("loginuid"))
        .ok()
        .and_then(|s| parse::parse_loginuid(&s))
        .unwrap_or(u32::MAX);

    t.flags = if t.tid == t.pid { 0 } else { THREAD_FLAGS };

    // The executable's inode: through the exe link, which reaches the file
    // in the thread's own mount namespace, even when deleted.
    if exe_link.is_some() {
        if let Ok(m) = std::fs::metadata(dir.join("exe")) {
            t.exe_ino = m.ino();
            t.exe_ino_ctime = ts_ns(m.ctime(), m.ctime_nsec());
            t.exe_ino_mtime = ts_ns(m.mtime(), m.mtime_nsec());
            t.exe_writable = exe_writable(&m, t.uid, t.gid);
        }
    }
    Ok(Some(t))
}

fn kb32(v: Option<u64>) -> u32 {
    // libscap truncates to 32 bits.
    v.unwrap_or(0) as u32
}

/// Whether the thread's effective user could write its executable.
/// libscap switches its own thread to the target's euid/egid and calls
/// `faccessat(W_OK)`; without unsafe code we evaluate the permission bits:
/// the owner (who can always chmod) or root is writable; else the group
/// write bit when the egid owns the file, else the other write bit.
/// Supplementary groups, ACLs and read-only mounts are not considered.
pub fn exe_writable(m: &std::fs::Metadata, uid: u32, gid: u32) -> bool {
    const S_IWGRP: u32 = 0o020;
    const S_IWOTH: u32 = 0o002;
    if m.uid() == uid || uid == 0 {
        return true;
    }
    if m.gid() == gid {
        return m.mode() & S_IWGRP != 0;
    }
    m.mode() & S_IWOTH != 0
}
