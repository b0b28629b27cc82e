//! The inspector: keeps the state up to date from events, in timestamp
//! order, and tells field extraction which thread and fd an event is about.
//!
//! `process` parses an event into the state; removals it implies (a thread
//! exiting, an fd closing) are applied only when the next event arrives, so
//! rules evaluated on the event still see what it removes.
//!
//! With [`Purging`] set, the state is also purged periodically, on event
//! time, of what lost its removal: threads whose exit event was dropped,
//! and containers whose removal the runtime never reported.

use crate::parsers;
use crate::runtimes::{Feed, Update};
use crate::state::container::CgroupMatch;
use crate::state::{scap, Container, Containers, Fd, Thread, ThreadTable, Users};
use falco_scap::engine::Touch;
use falco_scap::state::{InitialState, Interface, MachineInfo};
use falco_scap::Event;
use std::collections::HashSet;
use std::path::PathBuf;

/// When libsinsp scans for inactive threads the first time, at the latest
/// (so that a purge shows up early in a run).
const FIRST_PURGE_WITHIN_NS: u64 = 30_000_000_000;

/// The shortest interval between two purge scans.
const MIN_PURGE_INTERVAL_NS: u64 = 1_000_000_000;

/// The periodic purge of threads and containers whose removal was lost
/// (`falco_libs.thread_table_auto_purging_*`), driven by event time.
///
/// Every `interval_ns` of event time (the first scan comes after
/// `min(interval, 30 s)`, as in libsinsp), threads that caused no event for
/// `timeout_ns` are removed, unless the thread's leader still has threads
/// or, with `proc_root`, the thread still runs there; then containers no
/// remaining thread has been in for `timeout_ns` are removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purging {
    /// Event time between two scans (at least a second is used).
    pub interval_ns: u64,
    /// How long a thread or container may go unused before it is purged.
    pub timeout_ns: u64,
    /// Live engines: where procfs is (`$HOST_ROOT/proc`); an inactive
    /// thread that is still alive there is kept. `None` for captures.
    pub proc_root: Option<PathBuf>,
}

impl Purging {
    /// A purge every `interval_s` of threads and containers unused for
    /// `timeout_s`, without asking `/proc`.
    pub fn every(interval_s: u32, timeout_s: u32) -> Purging {
        const S: u64 = 1_000_000_000;
        Purging {
            interval_ns: u64::from(interval_s) * S,
            timeout_ns: u64::from(timeout_s) * S,
            proc_root: None,
        }
    }

    /// For a live engine: also keeps inactive threads that still run in
    /// the host's procfs (`$HOST_ROOT/proc`, as the /proc scan reads it).
    pub fn live(self) -> Purging {
        Purging {
            proc_root: Some(falco_scap::procfs::ScanOptions::from_env().proc_root),
            ..self
        }
    }
}

/// A removal deferred until the rules ran on the event that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Thread(i64),
    Fd { tid: i64, fd: i64 },
}

/// Anomalies met while parsing (counted, never fatal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anomalies {
    /// Events whose parameters were missing or malformed.
    pub bad_params: u64,
    /// Events that referred to an fd the table does not have.
    pub unknown_fds: u64,
    /// Events from threads the table did not know (created on the fly).
    pub unknown_threads: u64,
}

/// What the last processed event was about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventScope {
    /// `evt.num`: 1-based count of processed events.
    pub num: u64,
    /// The fd the event uses or creates, when it has one.
    pub fd: Option<i64>,
    /// The timestamp of the event processed before this one (`evt.deltatime`).
    pub prev_ts: Option<u64>,
    /// The timestamp of the first event that is not a metaevent: the
    /// beginning of the capture (`evt.reltime`), as libsinsp's
    /// `m_firstevent_ts`.
    pub first_ts: Option<u64>,
    /// The event gave its fd a new name (`fd.name_changed`): it made a
    /// named fd, or connect/bind named a socket.
    pub fd_renamed: bool,
}

/// State plus the bookkeeping of the event being processed.
#[derive(Debug)]
pub struct Inspector {
    pub threads: ThreadTable,
    pub users: Users,
    pub containers: Containers,
    pub machine: Option<MachineInfo>,
    /// The machine's network interfaces: which addresses are local
    /// (`fd.lip`, `fd.is_server`...).
    pub interfaces: Vec<Interface>,
    pub anomalies: Anomalies,
    pending: Vec<Removal>,
    scope: EventScope,
    /// The timestamp of the last event processed.
    last_ts: Option<u64>,
    /// The container a container event describes (its fields are that
    /// container's, whatever thread sent it).
    event_container: Option<String>,
    /// Live container metadata from the runtimes, when followed.
    feed: Option<Feed>,
    /// The periodic purge, when enabled.
    purging: Option<Purging>,
    /// Event time after which the next purge scan runs (set by the first
    /// event once purging is on).
    next_purge_ts: Option<u64>,
}

impl Default for Inspector {
    fn default() -> Self {
        Inspector::new(InitialState::default())
    }
}

impl Inspector {
    /// Seeds the state from a capture's state blocks or a /proc scan.
    pub fn new(initial: InitialState) -> Inspector {
        Inspector {
            threads: scap::threads_from_scap(initial.threads),
            users: Users::new(initial.users, initial.groups),
            containers: Containers::default(),
            machine: initial.machine,
            interfaces: initial.interfaces,
            anomalies: Anomalies::default(),
            pending: Vec::new(),
            scope: EventScope::default(),
            last_ts: None,
            event_container: None,
            feed: None,
            purging: None,
            next_purge_ts: None,
        }
    }

    /// Turns the periodic purge on (`Some`) or off; see [`Purging`]. The
    /// first scan is scheduled from the next event's time.
    pub fn set_purging(&mut self, purging: Option<Purging>) {
        self.purging = purging;
        self.next_purge_ts = None;
    }

    /// The periodic purge's settings, when on.
    pub fn purging(&self) -> Option<&Purging> {
        self.purging.as_ref()
    }

    /// Follows the container runtimes of `feed`: their records are applied
    /// between events from now on.
    pub fn attach_runtimes(&mut self, feed: Feed) {
        self.feed = Some(feed);
    }

    /// Whether container runtimes are followed (metadata may still come).
    pub fn follows_runtimes(&self) -> bool {
        self.feed.as_ref().is_some_and(|f| !f.is_empty())
    }

    /// The runtimes' feed, when attached.
    pub fn runtimes(&mut self) -> Option<&mut Feed> {
        self.feed.as_mut()
    }

    /// A copy of what fields read for an event of thread `tid`: that
    /// thread, its process and its ancestry (their own fds left out), the
    /// users, the scope of the last event, and no container metadata. An
    /// alert held for its container's metadata is rendered against it
    /// later, whatever the live state did meanwhile.
    pub fn freeze_for(&self, tid: i64) -> Inspector {
        let mut threads = ThreadTable::default();
        let mut keep = |t: &Thread, with_fds: bool| {
            let mut copy = t.clone();
            if !with_fds {
                copy.fds = Default::default();
            }
            threads.insert(copy);
        };
        if let Some(t) = self.threads.get(tid) {
            keep(t, true);
            if let Some(leader) = self.threads.leader(tid).filter(|l| l.tid != tid) {
                keep(leader, true);
            }
            for a in self.threads.ancestors(tid, 64) {
                if a.tid != tid && a.tid != t.pid {
                    keep(a, false);
                }
            }
        }
        Inspector {
            threads,
            users: self.users.clone(),
            containers: Containers::default(),
            machine: self.machine.clone(),
            interfaces: self.interfaces.clone(),
            anomalies: Anomalies::default(),
            pending: Vec::new(),
            scope: self.scope,
            last_ts: self.last_ts,
            event_container: self.event_container.clone(),
            feed: None,
            purging: None,
            next_purge_ts: None,
        }
    }

    /// Applies one update from a runtime.
    pub fn apply_update(&mut self, update: Update) {
        match update {
            Update::Added(c) => self.insert_container(*c),
            Update::Removed(id) => {
                self.containers.remove(&id);
                if let Some(feed) = &mut self.feed {
                    feed.forget(&id);
                }
            }
        }
    }

    /// Caches a container record; when the cache is full, the container
    /// to go is one no thread is in, if there is one.
    pub fn insert_container(&mut self, c: Container) {
        if self.containers.needs_room_for(&c.id) {
            let in_use = containers_in_use(&self.threads);
            if let Some(gone) = self.containers.evict_one(&in_use) {
                if let Some(feed) = &mut self.feed {
                    feed.forget(&gone);
                }
            }
        }
        self.containers.insert(c);
    }

    /// Applies what the runtimes sent since the last event.
    fn apply_updates(&mut self) {
        while let Some(u) = self.feed.as_mut().and_then(Feed::try_next) {
            self.apply_update(u);
        }
    }

    /// A process's cgroups named a container: a runtime-less one (lxc,
    /// libvirt-lxc, bpm) gets its record from the cgroup; the runtimes are
    /// asked about any other without metadata.
    pub(crate) fn note_container(&mut self, m: &CgroupMatch<'_>) {
        if self.containers.contains(m.id) {
            return;
        }
        if m.from_cgroup_only {
            self.insert_container(Container {
                id: m.id.to_string(),
                kind: m.kind.to_string(),
                ..Container::default()
            });
        } else if let Some(feed) = &mut self.feed {
            feed.lookup(m.id);
        }
    }

    /// Updates the state with `ev` (applying the previous event's removals
    /// first).
    pub fn process(&mut self, ev: &Event<'_>) -> EventScope {
        self.begin(ev.ts, ev.tid as i64, ev.evt_type);
        let mut cx = parsers::Cx { insp: self, ev };
        parsers::parse(&mut cx);
        self.scope
    }

    /// Updates the state with an event seen in outline: one that has no
    /// parser of its own ([`Inspector::has_parser`]), so that only its
    /// thread and the fd it uses matter.
    pub fn touch(&mut self, t: &Touch) -> EventScope {
        self.begin(t.ts, t.tid as i64, t.evt_type);
        parsers::generic(self, t.tid as i64, t.fd);
        self.scope
    }

    /// Whether events of `code` have a parser of their own; the others can
    /// be given to [`Inspector::touch`] in outline.
    pub fn has_parser(code: u16) -> bool {
        parsers::has_parser(code)
    }

    /// What every event does first: the last event's removals, a new
    /// scope, and a stand-in for a thread never seen.
    fn begin(&mut self, ts: u64, tid: i64, code: u16) {
        self.flush_removals();
        if self.feed.is_some() {
            self.apply_updates();
        }
        self.event_container = None;
        let category = falco_abi::event_info(code).map(|i| i.category);
        let is_meta = category.is_some_and(|c| c.contains(falco_abi::Category::METAEVENT));
        let first_ts = match self.scope.first_ts {
            None if !is_meta => Some(ts),
            first => first,
        };
        self.scope = EventScope {
            num: self.scope.num + 1,
            fd: None,
            prev_ts: self.last_ts,
            first_ts,
            fd_renamed: false,
        };
        self.last_ts = Some(ts);
        let is_syscall = category.is_some_and(|c| c.contains(falco_abi::Category::SYSCALL));
        if tid > 0 {
            match self.threads.get_mut(tid) {
                Some(t) => t.last_access_ts = ts,
                None if is_syscall && !parsers::creates_thread(code) => {
                    // A thread we never saw: like libsinsp on a capture,
                    // stand in a thread whose facts are unknown, so its fds
                    // can be tracked.
                    self.anomalies.unknown_threads += 1;
                    self.threads.insert(Thread {
                        last_access_ts: ts,
                        ..Thread::unknown(tid)
                    });
                }
                None => {}
            }
        }
        if self.purging.is_some() {
            self.purge_if_due(ts);
        }
    }

    /// Runs a purge scan when one is due at event time `ts`.
    fn purge_if_due(&mut self, ts: u64) {
        let Some(p) = &self.purging else { return };
        // Async events may carry "no time" (all bits set): not a clock.
        if ts == u64::MAX {
            return;
        }
        let interval = p.interval_ns.max(MIN_PURGE_INTERVAL_NS);
        let next = *self
            .next_purge_ts
            .get_or_insert_with(|| ts.saturating_add(interval.min(FIRST_PURGE_WITHIN_NS)));
        if ts <= next {
            return;
        }
        self.next_purge_ts = Some(ts.saturating_add(interval));
        self.purge_inactive(ts);
    }

    /// One purge scan at event time `now` (see [`Purging`]); nothing when
    /// purging is off. Scans run by themselves from [`Inspector::process`]
    /// and [`Inspector::touch`] once due.
    pub fn purge_inactive(&mut self, now: u64) {
        let Some(p) = &self.purging else { return };
        let proc_root = p.proc_root.as_deref();
        self.threads
            .purge_inactive(now, p.timeout_ns, |t| match proc_root {
                Some(root) => !falco_scap::procfs::is_thread_alive(root, t.pid, t.tid, &t.comm),
                None => true,
            });
        let in_use = containers_in_use(&self.threads);
        let gone = self.containers.purge_unused(now, p.timeout_ns, &in_use);
        if let Some(feed) = &mut self.feed {
            for id in &gone {
                feed.forget(id);
            }
            // Lookups of containers that never got a record and that no
            // thread is in any more are forgotten too: asked again if met.
            let containers = &self.containers;
            feed.retain_asked(|id| containers.contains(id) || in_use.contains(id));
        }
    }

    /// What the last processed event was about.
    pub fn scope(&self) -> EventScope {
        self.scope
    }

    /// For a container event: the id of the container it describes.
    pub fn event_container(&self) -> Option<&str> {
        self.event_container.as_deref()
    }

    pub(crate) fn set_event_container(&mut self, id: &str) {
        self.event_container = Some(id.to_string());
    }

    pub(crate) fn set_scope_fd(&mut self, fd: i64) {
        self.scope.fd = Some(fd);
    }

    /// Notes that this event changed its fd's name (`fd.name_changed`).
    pub(crate) fn fd_renamed(&mut self, changed: bool) {
        self.scope.fd_renamed |= changed;
    }

    pub(crate) fn defer(&mut self, r: Removal) {
        self.pending.push(r);
    }

    /// Applies removals deferred by the last event (also done by `process`).
    pub fn flush_removals(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        // Drained from a taken buffer that goes back afterwards: no
        // allocation per event.
        let mut pending = std::mem::take(&mut self.pending);
        for r in pending.drain(..) {
            match r {
                Removal::Thread(tid) => {
                    self.threads.remove(tid);
                }
                Removal::Fd { tid, fd } => {
                    if let Some(t) = self.threads.fds_mut(tid) {
                        t.remove(fd);
                    }
                }
            }
        }
        self.pending = pending;
    }

    /// Removals the last event deferred, not applied yet.
    pub(crate) fn pending_removals(&self) -> &[Removal] {
        &self.pending
    }

    /// The fd the last event is about, in its thread's table.
    pub fn event_fd(&self, tid: i64) -> Option<(i64, &Fd)> {
        let n = self.scope.fd?;
        self.threads.fds(tid)?.get(n).map(|f| (n, f))
    }
}

/// The containers the threads that have not exited are in (the host not
/// counted).
fn containers_in_use(threads: &ThreadTable) -> HashSet<&str> {
    threads
        .iter()
        .filter(|t| !t.exited && !t.container_id.is_empty())
        .map(|t| t.container_id.as_str())
        .collect()
}
