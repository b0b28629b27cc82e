//! The inspector: keeps the state up to date from events, in timestamp
//! order, and tells field extraction which thread and fd an event is about.
//!
//! `process` parses an event into the state; removals it implies (a thread
//! exiting, an fd closing) are applied only when the next event arrives, so
//! rules evaluated on the event still see what it removes.

use crate::parsers;
use crate::runtimes::{Feed, Update};
use crate::state::container::CgroupMatch;
use crate::state::{scap, Container, Containers, Fd, Thread, ThreadTable, Users};
use falco_scap::engine::Touch;
use falco_scap::state::{InitialState, Interface, MachineInfo};
use falco_scap::Event;

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
        }
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
        }
    }

    /// Applies one update from a runtime.
    pub fn apply_update(&mut self, update: Update) {
        match update {
            Update::Added(c) => self.containers.insert(*c),
            Update::Removed(id) => {
                self.containers.remove(&id);
                if let Some(feed) = &mut self.feed {
                    feed.forget(&id);
                }
            }
        }
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
            self.containers.insert(Container {
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
        if tid > 0
            && is_syscall
            && self.threads.get(tid).is_none()
            && !parsers::creates_thread(code)
        {
            // A thread we never saw: like libsinsp on a capture, stand in a
            // thread whose facts are unknown, so its fds can be tracked.
            self.anomalies.unknown_threads += 1;
            self.threads.insert(Thread::unknown(tid));
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
