//! One capture file being written: how it begins (a state snapshot, or the
//! look-back window's), the container metadata it carries, the events kept
//! back for a container's metadata, and its size cap.

use super::window::LookBack;
use falco_abi::EventCode;
use falco_scap::builder::{view, EventBuilder};
use falco_scap::state::{FdTarget, FdType};
use falco_scap::SavefileWriter;
use falco_scap::{Event, HeaderLayout};
use falco_sinsp::{Ctx, Inspector};
use std::collections::HashSet;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

/// A capture's section header and state blocks for the state `insp` is in
/// (the state the next event will see).
pub fn state_head(insp: &Inspector) -> falco_scap::Result<Vec<u8>> {
    let mut state = insp.snapshot();
    for t in state.threads.values_mut() {
        for fd in &mut t.fds {
            downgrade_fd_type(&mut fd.target);
        }
    }
    SavefileWriter::new(Vec::new(), &state)?.finish()
}

/// Capture files are for every reader, sysdig 0.29 included, whose fd
/// list stops at FILE_V2: newer fd types are written as what such readers
/// call them (a memfd is a file; bpf, userfaultfd, io_uring and pidfd fds
/// are of unknown type). Events are not changed.
fn downgrade_fd_type(target: &mut FdTarget) {
    if let FdTarget::Named { fd_type, .. } = target {
        *fd_type = match *fd_type {
            FdType::Memfd => FdType::FileV2,
            FdType::Bpf | FdType::Userfaultfd | FdType::IoUring | FdType::Pidfd => FdType::Unknown,
            other => other,
        };
    }
}

/// Whether an event went into the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    Written,
    /// It would have taken the file past `capture.max_size_mb`.
    Full,
}

/// The recording in progress.
pub struct Recording {
    writer: SavefileWriter<BufWriter<File>>,
    pub path: PathBuf,
    pub until_ns: u64,
    /// `capture.max_size_mb` in bytes; 0: no cap.
    max_bytes: u64,
    /// Containers whose metadata the file has, as of which change of the
    /// container table.
    pub containers: HashSet<String>,
    seen_changes: u64,
    /// The container whose metadata the events wait for, and until when.
    pub waiting: Option<(String, Instant)>,
    /// Events kept back meanwhile.
    backlog: Vec<(Vec<u8>, HeaderLayout, u16, u32)>,
}

impl Recording {
    /// Creates the file at `path` and writes `head` (a section header and
    /// state blocks, see [`state_head`]) into it.
    pub fn create(
        path: PathBuf,
        head: &[u8],
        until_ns: u64,
        max_bytes: u64,
        waiting: Option<(String, Instant)>,
    ) -> Result<Recording, String> {
        let file = File::create(&path).map_err(|e| e.to_string())?;
        let mut writer = SavefileWriter::bare(BufWriter::new(file));
        writer.write_raw_block(head).map_err(|e| e.to_string())?;
        Ok(Recording {
            writer,
            path,
            until_ns,
            max_bytes,
            containers: HashSet::new(),
            // Nothing written yet, even if the table never changed.
            seen_changes: u64::MAX,
            waiting,
            backlog: Vec::new(),
        })
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.writer.written()
    }

    /// Writes the look-back window's events (after the metadata of the
    /// containers known now, which replays need before the events of
    /// processes in them). Their snapshot is already the file's head.
    pub fn write_look_back(
        &mut self,
        insp: &Inspector,
        lb: &LookBack<'_>,
    ) -> falco_scap::Result<()> {
        if let Some(ts) = lb.first_ts {
            self.write_containers(insp, ts)?;
        }
        for blocks in &lb.events {
            self.writer.write_raw_block(blocks)?;
        }
        Ok(())
    }

    /// Writes `ev` unless it would take the file past its cap.
    fn put(&mut self, ev: &Event<'_>) -> falco_scap::Result<Put> {
        if self.max_bytes > 0
            && self.writer.written() + SavefileWriter::<Vec<u8>>::event_block_len(ev)
                > self.max_bytes
        {
            return Ok(Put::Full);
        }
        self.writer.write_event(ev)?;
        Ok(Put::Written)
    }

    /// Writes the events kept back.
    pub fn flush_backlog(&mut self) -> falco_scap::Result<Put> {
        for (raw, layout, cpu, flags) in std::mem::take(&mut self.backlog) {
            // The bytes came from a parsed event: they parse again.
            if let Ok(ev) = Event::parse(&raw, layout) {
                if self.put(&ev.with_origin(cpu, flags))? == Put::Full {
                    return Ok(Put::Full);
                }
            }
        }
        Ok(Put::Written)
    }

    /// Writes (or keeps back) one event.
    pub fn record(&mut self, c: &Ctx<'_>) -> falco_scap::Result<Put> {
        if let Some((id, deadline)) = &self.waiting {
            if !c.insp.containers.contains(id) && Instant::now() < *deadline {
                self.backlog
                    .push((c.ev.raw().to_vec(), c.ev.layout(), c.ev.cpu, c.ev.flags));
                return Ok(Put::Written);
            }
            self.waiting = None;
            self.write_containers(c.insp, c.ev.ts)?;
            if self.flush_backlog()? == Put::Full {
                return Ok(Put::Full);
            }
        }
        self.write_containers(c.insp, c.ev.ts)?;
        self.put(&c.ev)
    }

    /// Writes a container event for each container the file lacks.
    fn write_containers(&mut self, insp: &Inspector, ts: u64) -> falco_scap::Result<()> {
        if insp.containers.changes() == self.seen_changes {
            return Ok(());
        }
        self.seen_changes = insp.containers.changes();
        for c in insp.containers.iter() {
            if self.containers.insert(c.id.clone()) {
                // Container events belong to no thread (tid -1).
                let raw = EventBuilder::new(EventCode::CONTAINER_JSON_2_E)
                    .ts(ts)
                    .tid(u64::MAX)
                    .set("json", c.to_json().as_str())
                    .build();
                self.writer.write_event(&view(&raw))?;
            }
        }
        Ok(())
    }

    /// Flushes the file (the events kept back first, within the cap).
    pub fn finish(mut self) -> Result<PathBuf, (PathBuf, falco_scap::ScapError)> {
        let done = self
            .flush_backlog()
            .and_then(|_| self.writer.finish())
            .and_then(|mut w| {
                use std::io::Write;
                w.flush().map_err(falco_scap::ScapError::Write)
            });
        match done {
            Ok(()) => Ok(self.path),
            Err(e) => Err((self.path, e)),
        }
    }
}
