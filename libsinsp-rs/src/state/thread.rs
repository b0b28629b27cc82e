//! Threads and processes. The thread group leader (tid == pid) holds what
//! the group shares: the fd table and the working directory.

use super::fd::FdTable;
use std::collections::HashMap;

/// One thread as the state knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub tid: i64,
    pub pid: i64,
    pub ptid: i64,
    pub sid: i64,
    pub vpgid: i64,
    pub pgid: i64,
    pub vtid: i64,
    pub vpid: i64,
    /// The kernel's comm (at most 15 characters): `proc.name`.
    pub comm: String,
    /// argv[0] as executed: `proc.exe`.
    pub exe: String,
    /// The full executable path: `proc.exepath`.
    pub exepath: String,
    pub args: Vec<String>,
    pub env: Vec<String>,
    /// Working directory; meaningful on the group leader.
    pub cwd: String,
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    pub loginuid: u32,
    pub cap_inheritable: u64,
    pub cap_permitted: u64,
    pub cap_effective: u64,
    pub tty: u32,
    pub fdlimit: u64,
    /// `subsystem=path` pairs.
    pub cgroups: Vec<(String, String)>,
    /// Container id ("" on the host).
    pub container_id: String,
    /// When the thread was created (ns since the epoch), 0 if unknown.
    pub clone_ts: u64,
    pub pidns_init_start_ts: u64,
    pub exe_writable: bool,
    pub exe_upper_layer: bool,
    pub exe_from_memfd: bool,
    pub exe_ino: u64,
    pub exe_ino_ctime: u64,
    pub exe_ino_mtime: u64,
    pub exe_lower_layer: bool,
    /// Memory of the process (kB), as the kernel last reported it (clone,
    /// execve, brk/mmap/munmap, context switches; /proc at start).
    pub vmsize_kb: u32,
    pub vmrss_kb: u32,
    pub vmswap_kb: u32,
    /// Page faults of the thread since it started.
    pub pfmajor: u64,
    pub pfminor: u64,
    /// The filename of this thread's execve enter event while its exit is
    /// awaited (old captures give the executable's path only there).
    pub exec_filename: Option<String>,
    /// The fds of the thread group; used on the group leader only.
    pub fds: FdTable,
    /// The thread has exited (kept until its removal is applied).
    pub exited: bool,
    /// Event time (ns) of the last event this thread caused, 0 until the
    /// first: what the periodic purge of inactive threads looks at
    /// (libsinsp's `m_lastaccess_ts`).
    pub last_access_ts: u64,
}

impl Default for Thread {
    fn default() -> Self {
        Thread {
            tid: -1,
            pid: -1,
            ptid: -1,
            sid: -1,
            vpgid: -1,
            pgid: -1,
            vtid: -1,
            vpid: -1,
            comm: String::new(),
            exe: String::new(),
            exepath: String::new(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: String::new(),
            uid: u32::MAX,
            gid: u32::MAX,
            euid: u32::MAX,
            egid: u32::MAX,
            loginuid: u32::MAX,
            cap_inheritable: 0,
            cap_permitted: 0,
            cap_effective: 0,
            tty: 0,
            // Unknown: libsinsp's -1.
            fdlimit: u64::MAX,
            cgroups: Vec::new(),
            container_id: String::new(),
            clone_ts: 0,
            pidns_init_start_ts: 0,
            exe_writable: false,
            exe_upper_layer: false,
            exe_from_memfd: false,
            exe_ino: 0,
            exe_ino_ctime: 0,
            exe_ino_mtime: 0,
            exe_lower_layer: false,
            vmsize_kb: 0,
            vmrss_kb: 0,
            vmswap_kb: 0,
            pfmajor: 0,
            pfminor: 0,
            exec_filename: None,
            fds: FdTable::default(),
            exited: false,
            last_access_ts: 0,
        }
    }
}

impl Thread {
    /// A thread only known by its id: what libsinsp shows for it.
    pub fn unknown(tid: i64) -> Thread {
        Thread {
            tid,
            pid: tid,
            comm: "<NA>".into(),
            exe: "<NA>".into(),
            ..Default::default()
        }
    }

    pub fn is_main(&self) -> bool {
        self.tid == self.pid
    }
}

/// Splits NUL-separated strings (args, env, cgroups), dropping the empty tail.
pub fn split_nul(b: &[u8]) -> Vec<String> {
    let b = b.strip_suffix(&[0]).unwrap_or(b);
    if b.is_empty() {
        return Vec::new();
    }
    b.split(|c| *c == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// A process's cgroups from their NUL-separated `subsystem=path` form.
/// Subsystems get the names libsinsp gives them: without a `_cgroup`
/// suffix, `perf` as `perf_event`, `mem` as `memory`, and the kernel's
/// `io` under its old name `blkio`. An entry without `=` is kept as a path
/// of no subsystem.
pub fn parse_cgroups(b: &[u8]) -> Vec<(String, String)> {
    // Byte-wise, one allocation per name and per path: this runs for every
    // clone and exec (`=` and `_cgroup` are ASCII, so splitting before the
    // lossy conversion gives what splitting after it would).
    let b = b.strip_suffix(&[0]).unwrap_or(b);
    if b.is_empty() {
        return Vec::new();
    }
    let text = |s: &[u8]| String::from_utf8_lossy(s).into_owned();
    b.split(|c| *c == 0)
        .map(|entry| match entry.iter().position(|c| *c == b'=') {
            Some(eq) => (subsystem_name(&entry[..eq]), text(&entry[eq + 1..])),
            None => (String::new(), text(entry)),
        })
        .collect()
}

/// A cgroup subsystem's name as libsinsp gives it (see [`parse_cgroups`]).
fn subsystem_name(k: &[u8]) -> String {
    const SUFFIX: &[u8] = b"_cgroup";
    let cut;
    let k = match k.windows(SUFFIX.len()).position(|w| w == SUFFIX) {
        Some(i) => {
            cut = [&k[..i], &k[i + SUFFIX.len()..]].concat();
            &cut[..]
        }
        None => k,
    };
    match k {
        b"perf" => "perf_event".to_owned(),
        b"mem" => "memory".to_owned(),
        b"io" => "blkio".to_owned(),
        _ => String::from_utf8_lossy(k).into_owned(),
    }
}

/// Counters of the thread table's anomalies and limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadStats {
    /// Threads dropped because the table was full.
    pub evicted: u64,
    /// Events about threads the table never saw.
    pub unknown_threads: u64,
    /// Threads removed from the table: after they exited, or by the
    /// periodic purge of inactive threads (libsinsp counts both in
    /// `n_removed_threads`).
    pub purged: u64,
    /// Of `purged`, the threads the periodic purge removed: not accessed
    /// for the timeout (their exit event was lost) and, live, gone from
    /// `/proc`.
    pub auto_purged: u64,
}

type TidMap<V> = HashMap<i64, V, std::hash::BuildHasherDefault<falco_scap::TidHasher>>;

/// All threads, by tid, with a size limit like Falco's thread table.
#[derive(Debug, Clone)]
pub struct ThreadTable {
    threads: TidMap<Thread>,
    max: usize,
    pub stats: ThreadStats,
    recent_exits: RecentExits,
}

/// How long (event time) an exit is remembered for a late parent-side
/// clone event.
const RECENT_EXIT_NS: u64 = 5_000_000_000;

/// The threads that exited in the last [`RECENT_EXIT_NS`] of event time.
///
/// A short-lived child can run, exit and be removed before its parent's
/// clone returns (events are merged by time, and the parent's return can
/// come last): the parent's clone event must not create the child again,
/// or an entry for a dead thread stays until the periodic purge (seen
/// with container network plugins forking iptables).
#[derive(Debug, Clone, Default)]
struct RecentExits {
    at: TidMap<u64>,
    order: std::collections::VecDeque<(i64, u64)>,
}

impl RecentExits {
    fn note(&mut self, tid: i64, ts: u64) {
        while let Some(&(old, when)) = self.order.front() {
            if when.saturating_add(RECENT_EXIT_NS) >= ts {
                break;
            }
            self.order.pop_front();
            if self.at.get(&old) == Some(&when) {
                self.at.remove(&old);
            }
        }
        self.at.insert(tid, ts);
        self.order.push_back((tid, ts));
    }
}

/// Falco's default `falco_libs.thread_table_size`.
pub const DEFAULT_MAX_THREADS: usize = 262_144;

impl Default for ThreadTable {
    fn default() -> Self {
        ThreadTable::with_limit(DEFAULT_MAX_THREADS)
    }
}

impl ThreadTable {
    pub fn with_limit(max: usize) -> ThreadTable {
        ThreadTable {
            threads: TidMap::default(),
            max: max.max(1),
            stats: ThreadStats::default(),
            recent_exits: RecentExits::default(),
        }
    }

    /// Notes that `tid` exited at event time `ts` (see
    /// [`ThreadTable::exited_before`]).
    pub fn note_exit(&mut self, tid: i64, ts: u64) {
        self.recent_exits.note(tid, ts);
    }

    /// Whether `tid` exited at or before event time `ts`, recently: a
    /// parent-side clone event at `ts` that names it comes after its
    /// child's whole life.
    pub fn exited_before(&self, tid: i64, ts: u64) -> bool {
        self.recent_exits.at.get(&tid).is_some_and(|&at| at <= ts)
    }

    /// Forgets a recent exit of `tid` (the tid starts a new life).
    pub fn forget_exit(&mut self, tid: i64) {
        self.recent_exits.at.remove(&tid);
    }

    pub fn get(&self, tid: i64) -> Option<&Thread> {
        self.threads.get(&tid)
    }

    pub fn get_mut(&mut self, tid: i64) -> Option<&mut Thread> {
        self.threads.get_mut(&tid)
    }

    pub fn len(&self) -> usize {
        self.threads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
    }

    /// Adds or replaces a thread; when full, evicts an exited thread if
    /// there is one, else the thread with the oldest creation time.
    pub fn insert(&mut self, t: Thread) {
        if !self.threads.contains_key(&t.tid) && self.threads.len() >= self.max {
            self.evict_one(t.pid);
        }
        self.threads.insert(t.tid, t);
    }

    /// Drops one thread to make room (never `keep_pid`'s leader): an
    /// exited one if any, else the oldest.
    fn evict_one(&mut self, keep_pid: i64) {
        let victim = self
            .threads
            .values()
            .filter(|v| v.tid != keep_pid)
            .min_by_key(|v| (!v.exited, v.clone_ts))
            .map(|v| v.tid);
        if let Some(v) = victim {
            self.threads.remove(&v);
            self.stats.evicted += 1;
        }
    }

    /// Sets the table's size limit (`falco_libs.thread_table_size`),
    /// evicting at once what is above it.
    pub fn set_limit(&mut self, max: usize) {
        self.max = max.max(1);
        while self.threads.len() > self.max {
            let before = self.threads.len();
            self.evict_one(-1);
            if self.threads.len() == before {
                break;
            }
        }
    }

    /// The fds tracked, over every process (each table counted once, at
    /// its leader), and the fds dropped because a table was full.
    pub fn fd_totals(&self) -> (u64, u64) {
        self.threads
            .values()
            .filter(|t| t.is_main() || !self.threads.contains_key(&t.pid))
            .fold((0, 0), |(n, d), t| {
                (n + t.fds.len() as u64, d + t.fds.discarded)
            })
    }

    pub fn remove(&mut self, tid: i64) -> Option<Thread> {
        let t = self.threads.remove(&tid);
        if t.is_some() {
            self.stats.purged += 1;
        }
        t
    }

    /// Removes the threads inactive at event time `now`, as libsinsp's
    /// periodic purge does (`remove_inactive_threads`): those whose last
    /// event is more than `timeout_ns` old, that have not exited already
    /// (their removal is pending) and for which `gone` holds (live: no
    /// longer in `/proc`). A thread group leader stays while a thread of
    /// its group stays. Threads never accessed (known from the capture's
    /// process list or the /proc scan, or created by another thread's
    /// clone) count as accessed now: their time starts at the first scan.
    /// Returns how many threads went.
    pub fn purge_inactive(
        &mut self,
        now: u64,
        timeout_ns: u64,
        mut gone: impl FnMut(&Thread) -> bool,
    ) -> usize {
        let mut idle = Vec::new();
        for t in self.threads.values_mut() {
            if t.last_access_ts == 0 {
                t.last_access_ts = now;
            } else if !t.exited && now.saturating_sub(t.last_access_ts) > timeout_ns {
                idle.push(t.tid);
            }
        }
        idle.retain(|tid| self.threads.get(tid).is_some_and(&mut gone));
        if idle.is_empty() {
            return 0;
        }
        idle.sort_unstable();
        // Groups that keep a thread other than their leader keep the leader.
        let staying: std::collections::HashSet<i64> = self
            .threads
            .values()
            .filter(|t| !t.is_main() && !t.exited && idle.binary_search(&t.tid).is_err())
            .map(|t| t.pid)
            .collect();
        idle.retain(|tid| {
            self.threads
                .get(tid)
                .is_some_and(|t| !t.is_main() || !staying.contains(&t.pid))
        });
        for tid in &idle {
            self.remove(*tid);
        }
        self.stats.auto_purged += idle.len() as u64;
        idle.len()
    }

    /// The group leader of `tid`'s process, if known (itself when main).
    pub fn leader(&self, tid: i64) -> Option<&Thread> {
        let t = self.threads.get(&tid)?;
        if t.is_main() {
            Some(t)
        } else {
            self.threads.get(&t.pid).or(Some(t))
        }
    }

    /// The fd table of `tid`'s process.
    pub fn fds(&self, tid: i64) -> Option<&FdTable> {
        self.leader(tid).map(|t| &t.fds)
    }

    /// The fd table of `tid`'s process, mutable.
    pub fn fds_mut(&mut self, tid: i64) -> Option<&mut FdTable> {
        let pid = self.threads.get(&tid)?.pid;
        if self.threads.contains_key(&pid) {
            self.threads.get_mut(&pid).map(|t| &mut t.fds)
        } else {
            self.threads.get_mut(&tid).map(|t| &mut t.fds)
        }
    }

    /// The parent of `tid` (by ptid).
    pub fn parent(&self, tid: i64) -> Option<&Thread> {
        let t = self.threads.get(&tid)?;
        self.threads.get(&t.ptid)
    }

    /// Walks the parent chain from `tid` (exclusive), at most `limit` steps,
    /// stopping at loops.
    pub fn ancestors(&self, tid: i64, limit: usize) -> impl Iterator<Item = &Thread> {
        let mut cur = self.threads.get(&tid);
        let mut seen = 0;
        std::iter::from_fn(move || {
            let t = cur?;
            if seen >= limit {
                return None;
            }
            seen += 1;
            let p = self.threads.get(&t.ptid).filter(|p| p.tid != t.tid);
            cur = p;
            p
        })
    }

    /// Threads of one process (for proc.nthreads).
    pub fn count_threads(&self, pid: i64) -> usize {
        self.threads
            .values()
            .filter(|t| t.pid == pid && !t.exited)
            .count()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Thread> {
        self.threads.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Subsystems renamed as libsinsp names them, paths as they are, an
    /// entry without `=` kept as a path, bad UTF-8 replaced.
    #[test]
    fn cgroups_are_split_and_their_subsystems_renamed() {
        let raw = b"cpuset=/a\0perf_event=/b\0perf=/c\0mem_cgroup=/d\0io=/e=f\0name=systemd=/g\0/loose\0cpu=/\xff\0";
        let got = parse_cgroups(raw);
        let want = [
            ("cpuset", "/a"),
            ("perf_event", "/b"),
            ("perf_event", "/c"),
            ("memory", "/d"),
            ("blkio", "/e=f"),
            ("name", "systemd=/g"),
            ("", "/loose"),
            ("cpu", "/\u{fffd}"),
        ];
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, want);
        assert!(parse_cgroups(b"").is_empty());
        assert!(parse_cgroups(b"\0").is_empty());
    }

    fn t(tid: i64, clone_ts: u64, exited: bool) -> Thread {
        Thread {
            tid,
            pid: tid,
            clone_ts,
            exited,
            ..Default::default()
        }
    }

    #[test]
    fn a_full_table_evicts_exited_threads_first_then_the_oldest_and_counts() {
        let mut tt = ThreadTable::with_limit(3);
        tt.insert(t(1, 10, false));
        tt.insert(t(2, 5, true));
        tt.insert(t(3, 1, false));
        tt.insert(t(4, 20, false));
        assert_eq!(tt.len(), 3);
        assert!(tt.get(2).is_none(), "the exited thread goes first");
        tt.insert(t(5, 30, false));
        assert!(tt.get(3).is_none(), "then the oldest");
        assert_eq!(tt.stats.evicted, 2);
        // Replacing a thread evicts nothing.
        tt.insert(t(5, 31, false));
        assert_eq!(tt.stats.evicted, 2);
        assert_eq!(tt.len(), 3);
    }

    #[test]
    fn a_lower_limit_evicts_at_once_and_fd_totals_count_each_process_once() {
        let mut tt = ThreadTable::default();
        for tid in 1..=5 {
            tt.insert(t(tid, tid as u64, tid == 4));
        }
        tt.set_limit(3);
        assert_eq!(tt.len(), 3);
        assert!(
            tt.get(4).is_none() && tt.get(1).is_none(),
            "exited, then oldest"
        );
        assert_eq!(tt.stats.evicted, 2);
        // A thread of process 5 shares its leader's table: counted once.
        tt.insert(Thread {
            tid: 50,
            pid: 5,
            ..Default::default()
        });
        tt.get_mut(5).unwrap().fds.insert(
            3,
            crate::state::fd::Fd::new(crate::state::fd::FdKind::File, "/x"),
        );
        tt.get_mut(5).unwrap().fds.discarded = 2;
        assert_eq!(tt.fd_totals(), (1, 2));
    }

    fn at(tid: i64, pid: i64, last_access_ts: u64) -> Thread {
        Thread {
            tid,
            pid,
            last_access_ts,
            ..Default::default()
        }
    }

    #[test]
    fn purge_inactive_spares_busy_groups_the_living_the_exited_and_the_unstamped() {
        let mut tt = ThreadTable::default();
        tt.insert(at(1, 1, 100)); // busy
        tt.insert(at(10, 10, 5)); // silent leader of a busy thread
        tt.insert(at(11, 10, 95));
        tt.insert(at(20, 20, 5)); // silent leader of a silent thread
        tt.insert(at(21, 20, 5));
        tt.insert(at(30, 30, 5)); // silent, but still running
        tt.insert(Thread {
            exited: true, // its removal is pending already
            ..at(40, 40, 5)
        });
        tt.insert(at(50, 50, 0)); // never accessed: its clock starts now
        let removed = tt.purge_inactive(100, 10, |t| t.tid != 30);
        let mut left: Vec<i64> = tt.iter().map(|t| t.tid).collect();
        left.sort_unstable();
        assert_eq!(left, [1, 10, 11, 30, 40, 50]);
        assert_eq!(removed, 2);
        assert_eq!((tt.stats.auto_purged, tt.stats.purged), (2, 2));
        assert_eq!(tt.get(50).unwrap().last_access_ts, 100);
        assert_eq!(tt.purge_inactive(110, 10, |_| true), 3, "10, 11, 30");
        // 1 and 50: exactly the timeout is not past it.
        assert_eq!(tt.purge_inactive(110, 10, |_| true), 0);
        assert_eq!(tt.purge_inactive(111, 10, |_| true), 2);
        assert_eq!(tt.len(), 1, "the exited thread waits for its removal");
    }

    #[test]
    fn ancestors_stop_at_loops() {
        let mut tt = ThreadTable::default();
        tt.insert(Thread {
            tid: 1,
            pid: 1,
            ptid: 2,
            ..Default::default()
        });
        tt.insert(Thread {
            tid: 2,
            pid: 2,
            ptid: 1,
            ..Default::default()
        });
        assert_eq!(tt.ancestors(1, 64).count(), 64);
        tt.insert(Thread {
            tid: 3,
            pid: 3,
            ptid: 3,
            ..Default::default()
        });
        assert_eq!(tt.ancestors(3, 64).count(), 0);
    }
}
