//! Reading a capture: the section header and state blocks up front, then
//! events one at a time. State blocks that appear later (a second section,
//! merged captures) update the state and are counted.

use super::block::{BlockLoc, BlockReader, BlockType, SHB_BLOCK_TYPE};
use super::cursor::Cursor;
use super::section::SectionHeader;
use super::{fdlist, iflist, machine, proclist, section, swap, userlist};
use crate::error::{BlockName, Result, ScapError};
use crate::event::{Event, EventMeta, HeaderLayout};
use crate::state::InitialState;
use falco_abi::EVENT_COUNT;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// What the reader saw so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadStats {
    pub blocks: u64,
    pub sections: u64,
    pub events: u64,
    /// Blocks of a type this reader does not know (skipped).
    pub unknown_blocks: u64,
    /// Events with a code beyond our schema (from newer writers; skipped).
    pub unknown_events: u64,
    /// State blocks found after the first event.
    pub late_state_blocks: u64,
    /// Event blocks whose trailer disagrees with their header's length
    /// (read by the header, as libscap does).
    pub bad_trailers: u64,
}

/// Reads `.scap` files, plain or gzip-compressed.
#[derive(Debug)]
pub struct SavefileReader {
    blocks: BlockReader,
    section: SectionHeader,
    state: InitialState,
    stats: ReadStats,
    /// A block read ahead while loading the state (the first event block).
    pending: Option<BlockLoc>,
    scratch: Vec<u8>,
    /// The event `advance` stopped at: its block, where the event starts in
    /// the block body (or `None` when it was swapped into `scratch`).
    current: Option<(BlockLoc, Option<usize>, EventMeta)>,
}

impl SavefileReader {
    /// Opens `path`, detecting gzip by its magic bytes, and loads the state.
    pub fn open(path: impl AsRef<Path>) -> Result<SavefileReader> {
        Self::from_blocks(BlockReader::open(path.as_ref())?)
    }

    /// Reads an uncompressed capture from any stream.
    pub fn from_reader(r: impl Read + Send + 'static) -> Result<SavefileReader> {
        Self::from_blocks(BlockReader::new(Box::new(r)))
    }

    fn from_blocks(mut blocks: BlockReader) -> Result<SavefileReader> {
        let first = blocks
            .next_block()?
            .ok_or_else(|| ScapError::NotACapture("the file is empty".into()))?;
        if first.block_type != SHB_BLOCK_TYPE {
            return Err(ScapError::NotACapture(format!(
                "first block has type 0x{:x}, not a section header",
                first.block_type
            )));
        }
        let section = Self::parse_section(&blocks, &first)?;
        let mut r = SavefileReader {
            blocks,
            section,
            state: InitialState::default(),
            stats: ReadStats {
                blocks: 1,
                sections: 1,
                ..Default::default()
            },
            pending: None,
            scratch: Vec::new(),
            current: None,
        };
        r.load_state()?;
        Ok(r)
    }

    fn parse_section(blocks: &BlockReader, loc: &BlockLoc) -> Result<SectionHeader> {
        let mut c = Cursor::new(
            blocks.body(loc),
            blocks.endian(),
            loc.offset + 8,
            loc.block_type,
        );
        section::parse(&mut c)
    }

    /// Reads state blocks up to the first event block.
    fn load_state(&mut self) -> Result<()> {
        while let Some(loc) = self.next_block()? {
            if BlockType::event_layout_of(loc.block_type).is_some() {
                self.pending = Some(loc);
                break;
            }
            self.apply_state_block(&loc)?;
        }
        Ok(())
    }

    /// Parses a non-event block into the state (or skips it if unknown).
    fn apply_state_block(&mut self, loc: &BlockLoc) -> Result<()> {
        let endian = self.blocks.endian();
        let mut c = Cursor::new(
            self.blocks.body(loc),
            endian,
            loc.offset + 8,
            loc.block_type,
        );
        let st = &mut self.state;
        match BlockType::from_u32(loc.block_type) {
            Some(BlockType::SectionHeader) => {
                self.section = section::parse(&mut c)?;
                self.stats.sections += 1;
            }
            Some(BlockType::MachineInfo | BlockType::MachineInfoInt) => {
                st.machine = Some(machine::parse(&mut c)?)
            }
            Some(BlockType::ProcessList(v) | BlockType::ProcessListInt(v)) => {
                let mut threads = Vec::new();
                proclist::parse(&mut c, v, &mut threads)?;
                for t in threads {
                    // A later entry for the same tid replaces the earlier one,
                    // but keeps fds already attached to it.
                    let fds = st.threads.remove(&t.tid).map(|o| o.fds).unwrap_or_default();
                    st.threads
                        .insert(t.tid, crate::state::ThreadInfo { fds, ..t });
                }
            }
            Some(t @ (BlockType::FdList | BlockType::FdListInt | BlockType::FdListV2)) => {
                let (tid, fds) = fdlist::parse(&mut c, t == BlockType::FdListV2)?;
                // Like upstream, fds of a thread that is not in the table are dropped.
                if let Some(th) = st.threads.get_mut(&tid) {
                    th.fds.extend(fds);
                }
            }
            Some(t @ (BlockType::UserList | BlockType::UserListInt | BlockType::UserListV2)) => {
                st.users.clear();
                st.groups.clear();
                userlist::parse(
                    &mut c,
                    t == BlockType::UserListV2,
                    &mut st.users,
                    &mut st.groups,
                )?;
            }
            Some(
                t @ (BlockType::InterfaceList
                | BlockType::InterfaceListInt
                | BlockType::InterfaceListV2),
            ) => {
                st.interfaces.clear();
                iflist::parse(&mut c, t == BlockType::InterfaceListV2, &mut st.interfaces)?;
            }
            Some(_) => {}
            None => self.stats.unknown_blocks += 1,
        }
        Ok(())
    }

    pub fn section(&self) -> &SectionHeader {
        &self.section
    }

    /// The state read so far (complete before the first event).
    pub fn initial_state(&self) -> &InitialState {
        &self.state
    }

    /// Takes the state out of the reader (to seed a consumer without a copy).
    pub fn take_initial_state(&mut self) -> InitialState {
        std::mem::take(&mut self.state)
    }

    /// What reading found so far. The block reader keeps its own counts
    /// (blocks, bad trailers): the per-block path copies nothing.
    pub fn stats(&self) -> ReadStats {
        ReadStats {
            blocks: self.blocks.blocks(),
            bad_trailers: self.blocks.bad_trailers(),
            ..self.stats.clone()
        }
    }

    /// The next block (`None` at the end of the stream).
    #[inline(always)]
    fn next_block(&mut self) -> Result<Option<BlockLoc>> {
        self.blocks.next_block()
    }

    /// Threads by tid, as read.
    pub fn threads(&self) -> &BTreeMap<u64, crate::state::ThreadInfo> {
        &self.state.threads
    }

    /// The next block as stored, for byte-exact copies. Blocks already
    /// consumed while loading the state are not returned again.
    pub fn next_raw_block(&mut self) -> Result<Option<&[u8]>> {
        let loc = match self.pending.take() {
            Some(l) => l,
            None => match self.next_block()? {
                Some(l) => l,
                None => return Ok(None),
            },
        };
        Ok(Some(self.blocks.raw(&loc)))
    }

    /// The next event as stored in the file (no conversion). State blocks
    /// met on the way update the state.
    pub fn next_event(&mut self) -> Result<Option<Event<'_>>> {
        Ok(if self.advance()? {
            self.current()
        } else {
            None
        })
    }

    /// The event the last successful [`advance`](Self::advance) stopped at.
    pub fn current(&self) -> Option<Event<'_>> {
        let (loc, start, meta) = self.current.as_ref()?;
        match start {
            Some(at) => meta.attach(self.blocks.body(loc).get(*at..)?),
            None => meta.attach(&self.scratch),
        }
    }

    /// Moves to the next event; `false` at the end of the capture.
    pub fn advance(&mut self) -> Result<bool> {
        self.current = None;
        loop {
            let loc = match self.pending.take() {
                Some(l) => l,
                None => match self.next_block()? {
                    Some(l) => l,
                    None => return Ok(false),
                },
            };
            let Some(layout) = BlockType::event_layout_of(loc.block_type) else {
                self.stats.late_state_blocks += 1;
                self.apply_state_block(&loc)?;
                continue;
            };
            let body = self.blocks.body(&loc);
            let corrupt = |what: String| ScapError::Corrupt {
                offset: loc.offset,
                block: BlockName(loc.block_type),
                what,
            };
            let pre = 2 + if layout.has_flags { 4 } else { 0 };
            let endian = self.blocks.endian();
            if body.len() < pre + 22 {
                return Err(corrupt(format!(
                    "event block body of {} bytes is too short",
                    body.len()
                )));
            }
            let cpu = endian.u16([body[0], body[1]]);
            let flags = if layout.has_flags {
                endian.u32([body[2], body[3], body[4], body[5]])
            } else {
                0
            };
            let evt_type = endian.u16([body[pre + 20], body[pre + 21]]);
            if evt_type as usize >= EVENT_COUNT {
                // Newer writer: skip as upstream does.
                self.stats.unknown_events += 1;
                continue;
            }
            self.stats.events += 1;
            let hl = if layout.v2_header {
                HeaderLayout::V2
            } else {
                HeaderLayout::V1
            };
            let (bytes, start) = if endian == super::block::Endian::Big {
                swap::event_to_le(&body[pre..], layout.v2_header, &mut self.scratch)
                    .ok_or_else(|| corrupt("event shorter than its header says".into()))?;
                (&self.scratch[..], None)
            } else {
                (&body[pre..], Some(pre))
            };
            let meta = Event::parse(bytes, hl)
                .map_err(|e| corrupt(e.to_string()))?
                .with_origin(cpu, flags)
                .meta();
            self.current = Some((loc, start, meta));
            return Ok(true);
        }
    }
}
