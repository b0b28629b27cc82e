//! Writing captures: a section header, the state blocks, then events.
//! Upstream readers (sysdig, Falco) read what this writes.

use super::block::{BlockType, SHB_BLOCK_TYPE};
use super::cursor::Writer;
use super::section::{SectionHeader, CURRENT_MAJOR, CURRENT_MINOR};
use super::{fdlist, iflist, machine, proclist, section, userlist};
use crate::error::Result;
use crate::event::Event;
use crate::state::InitialState;
use std::io::Write;

/// Writes a `.scap` stream to `W` (wrap it in a gzip encoder to compress).
#[derive(Debug)]
pub struct SavefileWriter<W: Write> {
    out: W,
    body: Writer,
    /// Reused buffer for one event in the current form.
    event: Vec<u8>,
    written: u64,
}

impl<W: Write> SavefileWriter<W> {
    /// Starts a capture with a section header and nothing else, for
    /// copying blocks as they are (see [`write_raw_block`](Self::write_raw_block)).
    pub fn bare(out: W) -> SavefileWriter<W> {
        SavefileWriter {
            out,
            body: Writer::default(),
            event: Vec::new(),
            written: 0,
        }
    }

    /// Starts a capture: section header, then the state blocks of `state`.
    pub fn new(out: W, state: &InitialState) -> Result<SavefileWriter<W>> {
        let mut w = Self::bare(out);
        let shb = SectionHeader {
            major: CURRENT_MAJOR,
            minor: CURRENT_MINOR,
            section_length: u64::MAX,
        };
        w.block(SHB_BLOCK_TYPE, |b| section::encode(&shb, b))?;
        if let Some(m) = &state.machine {
            w.block(BlockType::MachineInfo.to_u32(), |b| machine::encode(m, b))?;
        }
        if !state.interfaces.is_empty() {
            w.block(BlockType::InterfaceListV2.to_u32(), |b| {
                iflist::encode(&state.interfaces, b)
            })?;
        }
        if !state.users.is_empty() || !state.groups.is_empty() {
            w.block(BlockType::UserListV2.to_u32(), |b| {
                userlist::encode(&state.users, &state.groups, b)
            })?;
        }
        if !state.threads.is_empty() {
            w.block(BlockType::ProcessList(9).to_u32(), |b| {
                for t in state.threads.values() {
                    proclist::encode_entry(t, b);
                }
            })?;
        }
        for t in state.threads.values().filter(|t| !t.fds.is_empty()) {
            w.block(BlockType::FdListV2.to_u32(), |b| {
                fdlist::encode(t.tid, &t.fds, b)
            })?;
        }
        Ok(w)
    }

    fn block(&mut self, block_type: u32, fill: impl FnOnce(&mut Writer)) -> Result<()> {
        self.body.buf.clear();
        fill(&mut self.body);
        let pad = (4 - self.body.len() % 4) % 4;
        let total = (8 + self.body.len() + pad + 4) as u32;
        self.out.write_all(&block_type.to_le_bytes())?;
        self.out.write_all(&total.to_le_bytes())?;
        self.out.write_all(&self.body.buf)?;
        self.out.write_all(&[0u8; 3][..pad])?;
        self.out.write_all(&total.to_le_bytes())?;
        self.written += total as u64;
        Ok(())
    }

    /// Appends one event in the current form, in an event-with-flags block
    /// (the large variant for large-payload events).
    pub fn write_event(&mut self, ev: &Event<'_>) -> Result<()> {
        let ty = if ev.len_width() == 4 {
            BlockType::EventFlagsV2Large
        } else {
            BlockType::EventFlagsV2
        };
        let mut event = std::mem::take(&mut self.event);
        ev.write_current_form(&mut event);
        let res = self.block(ty.to_u32(), |b| {
            b.u16(ev.cpu).u32(ev.flags).bytes(&event);
        });
        self.event = event;
        res
    }

    /// Appends a block exactly as it was read elsewhere.
    pub fn write_raw_block(&mut self, raw: &[u8]) -> Result<()> {
        self.out.write_all(raw)?;
        self.written += raw.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
