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
    written: u64,
}

impl<W: Write> SavefileWriter<W> {
    /// Starts a capture with a section header and nothing else, for
    /// copying blocks as they are (see [`write_raw_block`](Self::write_raw_block)).
    pub fn bare(out: W) -> SavefileWriter<W> {
        SavefileWriter {
            out,
            body: Writer::default(),
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
        // Straight to the output, without staging the event or the block:
        // captures that look back write every event into memory, so this
        // is on the hot path. The bytes are those of `write_current_form`
        // inside a block.
        let body = &ev.raw()[ev.header_size()..];
        let hdr = falco_abi::EventHeader {
            ts: ev.ts,
            tid: ev.tid,
            len: (falco_abi::EVENT_HEADER_SIZE + body.len()) as u32,
            evt_type: ev.evt_type,
            nparams: ev.nparams,
        };
        let total = Self::event_block_len(ev);
        let pad = (total - 4 - 8 - 2 - 4 - hdr.len as u64) as usize;
        let total32 = (total as u32).to_le_bytes();
        self.out.write_all(&ty.to_u32().to_le_bytes())?;
        self.out.write_all(&total32)?;
        self.out.write_all(&ev.cpu.to_le_bytes())?;
        self.out.write_all(&ev.flags.to_le_bytes())?;
        self.out.write_all(&hdr.to_bytes())?;
        self.out.write_all(body)?;
        self.out.write_all(&[0u8; 3][..pad])?;
        self.out.write_all(&total32)?;
        self.written += total;
        Ok(())
    }

    /// The size of the block [`write_event`](Self::write_event) writes for
    /// `ev`, so that a caller with a size budget can stop before it.
    pub fn event_block_len(ev: &Event<'_>) -> u64 {
        // Block type and length, cpu and flags, the current 26-byte header
        // and the body as stored, padding, the trailing length.
        let body = ev.raw().len() - ev.header_size();
        let content = 2 + 4 + falco_abi::EVENT_HEADER_SIZE + body;
        (8 + content + (4 - content % 4) % 4 + 4) as u64
    }

    /// Appends a block exactly as it was read elsewhere.
    pub fn write_raw_block(&mut self, raw: &[u8]) -> Result<()> {
        self.out.write_all(raw)?;
        self.written += raw.len() as u64;
        Ok(())
    }

    /// The underlying writer (e.g. the bytes of an in-memory capture).
    pub fn get_ref(&self) -> &W {
        &self.out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::{view, EventBuilder};
    use falco_abi::EventCode;

    #[test]
    fn event_block_len_is_what_write_event_writes() {
        // Bodies of every length modulo 4, so that each padding is seen.
        for name in ["", "a", "ab", "abc", "abcd"] {
            let raw = EventBuilder::new(EventCode::SYSCALL_OPENAT_2_X)
                .tid(7)
                .set("fd", 3)
                .set("dirfd", -100)
                .set("name", name)
                .set("flags", 0)
                .set("mode", 0)
                .set("dev", 0)
                .set("ino", 0)
                .build();
            let ev = view(&raw);
            let mut w = SavefileWriter::bare(Vec::new());
            w.write_event(&ev).unwrap();
            assert_eq!(SavefileWriter::<Vec<u8>>::event_block_len(&ev), w.written());
            assert_eq!(w.get_ref().len() as u64, w.written());
            // The block holds the event in its current form, between the
            // block header with cpu and flags, and the padding.
            let mut current = Vec::new();
            ev.write_current_form(&mut current);
            let bytes = w.get_ref();
            assert_eq!(&bytes[8..10], &0u16.to_le_bytes());
            assert_eq!(&bytes[14..14 + current.len()], &current[..]);
            assert_eq!(bytes[..4], BlockType::EventFlagsV2.to_u32().to_le_bytes());
        }
    }
}
