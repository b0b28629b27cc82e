//! The live-system state scan: what Falco reads from `/proc` and `/etc` when
//! it starts on a live kernel, as an [`InitialState`].
//!
//! Layout, one concern per file:
//! - [`parse`]: pure parsers of the `/proc/<pid>` text files (`stat`,
//!   `status`, `limits`, `cmdline`, `fdinfo`, `mountinfo`...).
//! - [`flags`]: kernel open flags (as `fdinfo` prints them) to PPM flags.
//! - [`cgroup`]: `/proc/<pid>/cgroup` to libscap's `subsys=path` entries,
//!   including the cgroup v2 per-controller resolution.
//! - [`net`]: `/proc/<pid>/net/{tcp,udp,raw,unix,netlink}[6]` socket tables.
//! - `thread` and `fds`: one thread, one fd table.
//! - [`machine`], [`users`], [`iface`]: machine info, `/etc/passwd` and
//!   `/etc/group`, network interfaces.
//!
//! The scan mirrors libscap's `/proc` scan (scap_procs.c, scap_fds.c,
//! scap_cgroup.c): the thread group leader is read from `/proc/<pid>/`, the
//! other threads from `/proc/<pid>/task/<tid>/`, and only leaders get fds.
//! Kernel threads and zombies (empty cmdline and unreadable exe link) are
//! skipped, as libscap does. Processes vanish while the scan runs: such
//! items are skipped and counted in the [`ScanReport`], never fatal.
//! Odd `/proc` content never panics; it is counted as a failed item.
//!
//! Everything is plain-text parsing with `std` (no ioctl, no netlink), so a
//! few things are approximations of what libscap gets from libc; each is
//! documented where it happens (`exe_writable`, interfaces, users).

pub mod cgroup;
mod fds;
pub mod flags;
pub mod iface;
pub mod machine;
pub mod net;
pub mod parse;
mod thread;
pub mod users;

use crate::error::{EngineError, EngineFailure, Result, ScapError};
use crate::state::{InitialState, ThreadInfo};
use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

pub use flags::open_flags_to_ppm;

/// ESRCH: reading a file of a process that exited after the open.
const ESRCH: i32 = 3;

/// How many error messages a [`ScanReport`] keeps (the counters go on).
const MAX_REPORTED_ERRORS: usize = 64;

/// What to scan and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    /// The host's root directory, for `etc/passwd`, `etc/group` and `sys/`
    /// (Falco's `HOST_ROOT`; "/" when Falco runs on the host itself).
    pub host_root: PathBuf,
    /// Where procfs is mounted: `/proc`, or `$HOST_ROOT/proc`.
    pub proc_root: PathBuf,
    /// Read the fd table of every thread group leader.
    pub include_fds: bool,
    /// Resolve socket fds against the `/proc/<pid>/net` tables. Without it,
    /// socket fds are left out (as libscap does when it skips sockets).
    pub include_sockets: bool,
    /// Keep kernel threads and zombies (empty cmdline, no exe link), which
    /// libscap leaves out.
    pub include_kernel_threads: bool,
    /// A process to leave out with all its threads (Falco's own).
    pub exclude_pid: Option<u64>,
    /// Overrides the hostname (libscap's `SCAP_HOSTNAME`).
    pub hostname: Option<String>,
    /// Abort the scan on the first item that fails for a reason other than
    /// its process vanishing. By default such items are skipped and counted.
    pub strict: bool,
    /// Collect users, groups, interfaces and machine info as well.
    pub include_system_info: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            host_root: PathBuf::from("/"),
            proc_root: PathBuf::from("/proc"),
            include_fds: true,
            include_sockets: true,
            include_kernel_threads: false,
            exclude_pid: None,
            hostname: None,
            strict: false,
            include_system_info: true,
        }
    }
}

impl ScanOptions {
    /// Defaults adjusted by the environment as Falco reads it: `HOST_ROOT`
    /// prefixes `/proc` and `/etc`; `SCAP_HOSTNAME` overrides the hostname.
    pub fn from_env() -> ScanOptions {
        let mut o = ScanOptions::default();
        if let Some(root) = std::env::var_os("HOST_ROOT").filter(|r| !r.is_empty()) {
            let root = PathBuf::from(root);
            o.proc_root = root.join("proc");
            o.host_root = root;
        }
        o.hostname = std::env::var("SCAP_HOSTNAME").ok();
        o
    }

    /// A path under the host root (`rel` without its leading slash).
    fn host_path(&self, rel: &str) -> PathBuf {
        self.host_root.join(rel.trim_start_matches('/'))
    }
}

/// What the scan met besides the state it returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Thread group leaders added.
    pub processes: u64,
    /// Threads added, leaders included.
    pub threads: u64,
    /// Fds added.
    pub fds: u64,
    /// Processes or threads that vanished while being read.
    pub vanished: u64,
    /// Processes or threads skipped because something could not be read or
    /// parsed (other than vanishing).
    pub failed: u64,
    /// Kernel threads and zombies left out.
    pub kernel_threads: u64,
    /// Socket fds whose inode is in no `/proc/<pid>/net` table (left out,
    /// as libscap does).
    pub unmatched_sockets: u64,
    /// Fds that could not be read (closed during the scan, or unreadable).
    pub skipped_fds: u64,
    /// The first error messages (up to 64).
    pub errors: Vec<String>,
}

impl ScanReport {
    fn error(&mut self, msg: String) {
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(msg);
        }
    }
}

/// Why one process, thread or file could not be read.
#[derive(Debug)]
pub(crate) enum ItemError {
    Io { path: PathBuf, source: io::Error },
    Parse { path: PathBuf, what: &'static str },
}

impl ItemError {
    pub(crate) fn io(path: &Path, source: io::Error) -> ItemError {
        ItemError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn parse(path: &Path, what: &'static str) -> ItemError {
        ItemError::Parse {
            path: path.to_path_buf(),
            what,
        }
    }

    fn into_scap(self) -> ScapError {
        match self {
            ItemError::Io { path, source } => ScapError::Open { path, source },
            ItemError::Parse { path, what } => EngineError::new(
                EngineFailure::Malformed,
                format!("{}: {what}", path.display()),
            )
            .into(),
        }
    }
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            ItemError::Parse { path, what } => write!(f, "{}: {what}", path.display()),
        }
    }
}

/// The io error says the file (so the process) is gone.
pub(crate) fn is_vanished(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(ESRCH)
}

/// This process's id as the kernel's initial PID namespace numbers it,
/// which is the id the drivers see. Read from `<proc_root>/self`: a procfs
/// answers `self` in the namespace it was mounted for, so the host's procfs
/// (`$HOST_ROOT/proc`) gives the host's number even when falco runs in a
/// container's PID namespace, where getpid() says 1. Falls back to
/// getpid() when that procfs cannot be read.
pub fn own_tgid(proc_root: &Path) -> u32 {
    std::fs::read_link(proc_root.join("self"))
        .ok()
        .and_then(|target| target.to_str()?.parse().ok())
        .unwrap_or_else(std::process::id)
}

/// Whether thread `tid` of process `pid` still runs with the name `comm`:
/// `<proc_root>/<pid>/task/<tid>/comm` exists and starts with `comm` (a
/// reused tid runs under another name). Where that file is missing but the
/// thread's `exe` link is there (kernels too old to have `comm`), the
/// thread counts as alive. Libsinsp asks the same of a thread it is about
/// to purge for inactivity (libscap's `scap_linux_is_thread_alive`).
pub fn is_thread_alive(proc_root: &Path, pid: i64, tid: i64, comm: &str) -> bool {
    let task = proc_root
        .join(pid.to_string())
        .join("task")
        .join(tid.to_string());
    match std::fs::read(task.join("comm")) {
        Ok(name) => !name.is_empty() && name.starts_with(comm.as_bytes()),
        Err(_) => std::fs::symlink_metadata(task.join("exe")).is_ok(),
    }
}

/// Scans the live system (see the module documentation).
pub fn scan(opts: &ScanOptions) -> Result<InitialState> {
    scan_with_report(opts).map(|(state, _)| state)
}

/// Scans the live system and tells what was skipped on the way.
///
/// Fails only when `opts.proc_root` cannot be listed, or, with
/// `opts.strict`, on the first item that cannot be read.
pub fn scan_with_report(opts: &ScanOptions) -> Result<(InitialState, ScanReport)> {
    let mut scanner = Scanner::new(opts);
    let mut state = InitialState::default();
    scanner.scan_threads(&mut state)?;
    if opts.include_system_info {
        state.machine = Some(machine::machine_info(opts));
        let (users, groups) = users::read_users_groups(opts);
        state.users = users;
        state.groups = groups;
        state.interfaces = iface::interfaces(opts);
    }
    Ok((state, scanner.report))
}

/// Reads one thread as an on-demand lookup does (libscap's
/// `scap_proc_get`): `Ok(None)` when it does not exist (or is a kernel
/// thread and those are excluded). Thread group leaders come with their fds
/// when `opts.include_fds` is set.
pub fn read_thread(opts: &ScanOptions, tid: u64) -> Result<Option<ThreadInfo>> {
    let mut scanner = Scanner::new(opts);
    // /proc/<tid> exists for every thread, even though readdir lists leaders
    // only; its status names the thread group.
    let status_path = opts.proc_root.join(tid.to_string()).join("status");
    let pid = match std::fs::read_to_string(&status_path) {
        Ok(s) => parse::parse_status(&s).tgid.unwrap_or(tid),
        Err(e) if is_vanished(&e) => return Ok(None),
        Err(e) => return Err(ItemError::io(&status_path, e).into_scap()),
    };
    let dir = scanner.thread_dir(pid, tid);
    match scanner.read_one(pid, tid, &dir) {
        Ok(t) => Ok(t),
        Err(_) if !dir.exists() => Ok(None),
        Err(e) => Err(e.into_scap()),
    }
}

/// One scan: options, report and the caches shared by all processes.
pub(crate) struct Scanner<'a> {
    pub(crate) opts: &'a ScanOptions,
    pub(crate) report: ScanReport,
    pub(crate) cgroups: cgroup::CgroupResolver,
    pub(crate) fds: fds::FdCaches,
}

impl<'a> Scanner<'a> {
    fn new(opts: &'a ScanOptions) -> Scanner<'a> {
        Scanner {
            opts,
            report: ScanReport::default(),
            cgroups: cgroup::CgroupResolver::new(opts),
            fds: fds::FdCaches::default(),
        }
    }

    fn thread_dir(&self, pid: u64, tid: u64) -> PathBuf {
        let base = self.opts.proc_root.join(pid.to_string());
        if pid == tid {
            base
        } else {
            base.join("task").join(tid.to_string())
        }
    }

    /// Reads one thread (and its fds, for a leader). `Ok(None)` for a
    /// kernel thread or zombie that the options exclude.
    fn read_one(
        &mut self,
        pid: u64,
        tid: u64,
        dir: &Path,
    ) -> std::result::Result<Option<ThreadInfo>, ItemError> {
        let Some(mut t) = thread::read_thread(self, tid, dir)? else {
            return Ok(None);
        };
        if t.pid == t.tid && self.opts.include_fds {
            t.fds = fds::read_fds(self, dir, pid);
        }
        Ok(Some(t))
    }

    /// Handles a failed item: counts it, or aborts when strict.
    fn item_failed(&mut self, dir: &Path, e: ItemError) -> Result<()> {
        // Whatever the error, a process that is gone by now vanished (a
        // file missing from a live process's directory is a failure).
        if !dir.exists() {
            self.report.vanished += 1;
            return Ok(());
        }
        if self.opts.strict {
            return Err(e.into_scap());
        }
        self.report.failed += 1;
        self.report.error(e.to_string());
        Ok(())
    }

    fn scan_threads(&mut self, state: &mut InitialState) -> Result<()> {
        let root = self.opts.proc_root.clone();
        let pids = list_numeric_dir(&root).map_err(|source| ScapError::Open {
            path: root.clone(),
            source,
        })?;
        let mut seen: HashSet<u64> = HashSet::new();
        for pid in pids {
            if Some(pid) == self.opts.exclude_pid || !seen.insert(pid) {
                continue;
            }
            let dir = self.thread_dir(pid, pid);
            let leader = match self.read_one(pid, pid, &dir) {
                Ok(Some(t)) => t,
                Ok(None) => {
                    self.report.kernel_threads += 1;
                    continue;
                }
                Err(e) => {
                    self.item_failed(&dir, e)?;
                    continue;
                }
            };
            self.report.processes += 1;
            self.report.threads += 1;
            self.report.fds += leader.fds.len() as u64;
            state.threads.insert(leader.tid, leader);

            // The other threads of the group.
            let tasks = match list_numeric_dir(&dir.join("task")) {
                Ok(t) => t,
                Err(e) => {
                    self.item_failed(&dir, ItemError::io(&dir.join("task"), e))?;
                    continue;
                }
            };
            for tid in tasks {
                if tid == pid || state.threads.contains_key(&tid) {
                    continue;
                }
                let tdir = self.thread_dir(pid, tid);
                match self.read_one(pid, tid, &tdir) {
                    Ok(Some(t)) => {
                        self.report.threads += 1;
                        state.threads.insert(t.tid, t);
                    }
                    Ok(None) => self.report.kernel_threads += 1,
                    Err(e) => self.item_failed(&tdir, e)?,
                }
            }
        }
        Ok(())
    }
}

/// The numeric entries of a directory (pids, tids, fds), in ascending order.
pub(crate) fn list_numeric_dir(dir: &Path) -> io::Result<Vec<u64>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(n) = name.parse::<u64>() {
            out.push(n);
        }
    }
    out.sort_unstable();
    Ok(out)
}
