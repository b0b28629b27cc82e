//! The open prefilter applied to a stream of events in userspace (see the
//! module above): what a driver's in-kernel version must deliver.

use super::{plain_absolute, OpenInterest};
use crate::engine::{Engine, EngineStats, Next, Touch};
use crate::error::{Result, ScapError};
use crate::event::{Event, HeaderLayout};
use crate::state::InitialState;
use crate::ParamValue;
use falco_abi::flag_tables::clone_flags::CLONE_THREAD;
use falco_abi::{Direction, ParamType};
use std::collections::{HashMap, VecDeque};

/// What holding back did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HoldBackStats {
    /// Opens held back.
    pub held: u64,
    /// Of those, opens dropped with their close (neither delivered).
    pub pairs: u64,
    /// Delivered later: an event named the fd, or the process forked.
    pub released: u64,
    /// Forgotten with their process.
    pub forgotten: u64,
    /// Delivered at the end of the stream.
    pub flushed: u64,
}

/// One event kept by value (in the current layout), with where it was
/// captured.
#[derive(Debug, Default)]
struct Held {
    bytes: Vec<u8>,
    ts: u64,
    cpu: u16,
    flags: u32,
}

impl Held {
    fn of(ev: &Event<'_>) -> Held {
        let mut bytes = Vec::new();
        ev.write_current_form(&mut bytes);
        Held {
            bytes,
            ts: ev.ts,
            cpu: ev.cpu,
            flags: ev.flags,
        }
    }

    fn event(&self) -> Result<Event<'_>> {
        Event::parse(&self.bytes, HeaderLayout::V2)
            .map(|e| e.with_origin(self.cpu, self.flags))
            .map_err(|e| ScapError::Corrupt {
                offset: 0,
                block: crate::error::BlockName(u32::MAX),
                what: format!("a held event no longer parses: {e}"),
            })
    }
}

#[derive(Debug)]
enum Out {
    Event(Held),
    Touch(Touch),
}

/// What an event is to the prefilter.
enum Role {
    Open,
    Close,
    Clone,
    Exec,
    Exit,
    Other,
}

fn role(ev: &Event<'_>) -> Role {
    let info = ev.info();
    match (info.name, info.direction()) {
        ("open" | "openat" | "openat2" | "creat", Direction::Exit) => Role::Open,
        ("close", Direction::Exit) => Role::Close,
        ("clone" | "clone3" | "fork" | "vfork", Direction::Exit) => Role::Clone,
        ("execve" | "execveat", Direction::Exit) => Role::Exec,
        ("procexit", _) => Role::Exit,
        _ => Role::Other,
    }
}

/// An engine whose successful opens of paths no rule cares about are held
/// back as the prefilter's contract says.
#[derive(Debug)]
pub struct HoldBack<E> {
    inner: E,
    interest: OpenInterest,
    /// Held opens by (process, fd).
    parked: HashMap<(u64, i64), Held>,
    /// The process and the name of each thread known, and the threads of
    /// each process.
    process_of: HashMap<u64, u64>,
    comm_of: HashMap<u64, Vec<u8>>,
    threads: HashMap<u64, u32>,
    out: VecDeque<Out>,
    cur: Held,
    ended: bool,
    stats: HoldBackStats,
}

impl<E: Engine> HoldBack<E> {
    pub fn new(inner: E, interest: OpenInterest) -> HoldBack<E> {
        HoldBack {
            inner,
            interest,
            parked: HashMap::new(),
            process_of: HashMap::new(),
            comm_of: HashMap::new(),
            threads: HashMap::new(),
            out: VecDeque::new(),
            cur: Held::default(),
            ended: false,
            stats: HoldBackStats::default(),
        }
    }

    pub fn hold_back_stats(&self) -> &HoldBackStats {
        &self.stats
    }

    fn join(&mut self, tid: u64, pid: u64) {
        if let Some(old) = self.process_of.insert(tid, pid) {
            self.leave_process(old);
        }
        *self.threads.entry(pid).or_default() += 1;
    }

    /// A thread of `pid` is gone; with the last one, its held opens go too.
    fn leave_process(&mut self, pid: u64) {
        let Some(n) = self.threads.get_mut(&pid) else {
            return;
        };
        *n -= 1;
        if *n == 0 {
            self.threads.remove(&pid);
            let before = self.parked.len();
            self.parked.retain(|(p, _), _| *p != pid);
            self.stats.forgotten += (before - self.parked.len()) as u64;
        }
    }

    /// Delivers the held open of (`pid`, `fd`), if any, next.
    fn release(&mut self, pid: Option<u64>, fd: i64) {
        if let Some(h) = pid.and_then(|p| self.parked.remove(&(p, fd))) {
            self.stats.released += 1;
            self.out.push_back(Out::Event(h));
        }
    }

    /// Delivers every held open of `pid` next, oldest first.
    fn release_all(&mut self, pid: Option<u64>) {
        let Some(pid) = pid else {
            return;
        };
        let mut fds: Vec<(u64, i64)> = self
            .parked
            .iter()
            .filter(|((p, _), _)| *p == pid)
            .map(|((_, fd), h)| (h.ts, *fd))
            .collect();
        fds.sort_unstable();
        for (_, fd) in fds {
            self.release(Some(pid), fd);
        }
    }

    /// Decides about one event of the inner engine.
    fn consider(&mut self, held: Held) -> Result<()> {
        let ev = held.event()?;
        let tid = ev.tid;
        let pid = self.process_of.get(&tid).copied();
        let int = |name: &str| ev.param_by_name(name).and_then(|p| p.as_i64());
        let role = role(&ev);
        match role {
            Role::Open => {
                let path = ev.param_by_name("name").map(|p| p.as_str_bytes());
                let comm = self.comm_of.get(&tid);
                if let (Some(pid), Some(fd), Some(path), Some(comm)) = (pid, int("fd"), path, comm)
                {
                    if fd >= 0 && plain_absolute(path) && !self.interest.matches(path, comm) {
                        // A held open of the same fd is stale (closed
                        // unseen): this one replaces it, as in the table.
                        self.stats.held += 1;
                        self.parked.insert((pid, fd), held);
                        return Ok(());
                    }
                }
            }
            Role::Close => {
                if let (Some(p), Some(fd), Some(0..)) = (pid, int("fd"), int("res")) {
                    if self.parked.remove(&(p, fd)).is_some() {
                        self.stats.pairs += 1;
                        return Ok(());
                    }
                }
            }
            _ => {}
        }
        // Every fd the event names must be in the table when it comes.
        let mut named = Vec::new();
        for p in ev.params() {
            match p.info.map(|i| i.ptype) {
                Some(ParamType::FD) => named.extend(p.as_i64()),
                Some(ParamType::FDLIST) => {
                    if let Some(ParamValue::FdList(list)) = p.value() {
                        named.extend(list.iter().map(|(fd, _)| *fd as i64));
                    }
                }
                _ => {}
            }
        }
        // Who the event makes, renames or ends. A thread's name is the
        // event's `comm`, else its executable's file name, as the state
        // names it.
        let mut joins = None;
        let mut exits = false;
        let text = |name: &str| {
            ev.param_by_name(name)
                .map(|p| p.as_str_bytes())
                .filter(|b| !b.is_empty())
        };
        let comm = text("comm")
            .or_else(|| text("exe").map(|e| e.rsplit(|b| *b == b'/').next().unwrap_or(e)));
        let mut names = None;
        match role {
            Role::Clone => {
                let res = int("res").unwrap_or(-1);
                let thread = ev
                    .param_by_name("flags")
                    .and_then(|p| p.as_u64())
                    .is_some_and(|f| f & u64::from(CLONE_THREAD) != 0);
                if res >= 0 && !thread {
                    // The child starts with a copy of its creator's table.
                    let creator = if res == 0 {
                        int("ptid")
                    } else {
                        Some(tid as i64)
                    };
                    let creator_pid = creator.and_then(|t| self.process_of.get(&(t as u64)));
                    self.release_all(creator_pid.copied());
                }
                joins = match res {
                    0 => int("pid").map(|p| (tid, p as u64)),
                    r if r > 0 && thread => pid.map(|p| (r as u64, p)),
                    r if r > 0 => Some((r as u64, r as u64)),
                    _ => None,
                };
                // Either side names the child (with its creator's name);
                // the first one seen stays.
                let child = if res > 0 { res as u64 } else { tid };
                if res >= 0 && !self.comm_of.contains_key(&child) {
                    names = comm.map(|c| (child, c.to_vec()));
                }
            }
            Role::Exec if int("res") == Some(0) => {
                joins = int("pid").map(|p| (tid, p as u64));
                names = comm.map(|c| (tid, c.to_vec()));
            }
            Role::Other if ev.info().name == "prctl" => {
                let set_name = i64::from(falco_abi::flag_tables::prctl_options::PR_SET_NAME);
                if int("res") == Some(0) && int("option") == Some(set_name) {
                    names = text("arg2_str").map(|c| (tid, c.to_vec()));
                }
            }
            Role::Exit => exits = true,
            _ => {}
        }
        for fd in named {
            self.release(pid, fd);
        }
        self.out.push_back(Out::Event(held));
        if let Some((t, p)) = joins {
            if self.process_of.get(&t) != Some(&p) {
                self.join(t, p);
            }
        }
        if let Some((t, c)) = names {
            self.comm_of.insert(t, c);
        }
        if exits {
            self.comm_of.remove(&tid);
            if let Some(p) = self.process_of.remove(&tid) {
                self.leave_process(p);
            }
        }
        Ok(())
    }

    /// The stream ended: the opens still held are delivered, oldest first.
    fn flush(&mut self) {
        let mut rest: Vec<((u64, i64), Held)> = self.parked.drain().collect();
        rest.sort_by_key(|(_, h)| h.ts);
        self.stats.flushed += rest.len() as u64;
        self.out
            .extend(rest.into_iter().map(|(_, h)| Out::Event(h)));
    }
}

impl<E: Engine> Engine for HoldBack<E> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn is_live(&self) -> bool {
        self.inner.is_live()
    }

    fn take_initial_state(&mut self) -> InitialState {
        let state = self.inner.take_initial_state();
        for t in state.threads.values() {
            self.join(t.tid, t.pid);
            self.comm_of.insert(t.tid, t.comm.as_bytes().to_vec());
        }
        state
    }

    fn next(&mut self) -> Result<Next<'_>> {
        loop {
            match self.out.pop_front() {
                Some(Out::Event(h)) => {
                    self.cur = h;
                    return self.cur.event().map(Next::Event);
                }
                Some(Out::Touch(t)) => return Ok(Next::Touch(t)),
                None if self.ended => return Ok(Next::Eof),
                None => {}
            }
            let held = match self.inner.next()? {
                Next::Event(ev) => Held::of(&ev),
                Next::Touch(t) => {
                    let pid = self.process_of.get(&t.tid).copied();
                    if let Some(fd) = t.fd {
                        self.release(pid, fd);
                    }
                    self.out.push_back(Out::Touch(t));
                    continue;
                }
                Next::Timeout => return Ok(Next::Timeout),
                Next::Eof => {
                    self.flush();
                    self.ended = true;
                    continue;
                }
            };
            self.consider(held)?;
        }
    }

    fn stats(&self) -> EngineStats {
        self.inner.stats()
    }
}

#[cfg(test)]
mod tests;
