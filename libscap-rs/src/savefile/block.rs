//! pcapng-style blocks: `type u32 | total_len u32 | body | padding | total_len u32`.
//!
//! [`BlockReader`] reads them one at a time from any byte stream (a plain
//! or gzip-compressed file) through one reusable buffer: a block's bytes
//! are borrowed from the buffer until the next block is read, so reading
//! allocates nothing per block once the buffer has grown to the largest one.

use crate::error::{BlockName, Result, ScapError};
use std::io::Read;

/// Block types of the capture format, with the numbers upstream uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum BlockType {
    SectionHeader,
    MachineInfo,
    MachineInfoInt,
    ProcessList(u8),
    ProcessListInt(u8),
    FdList,
    FdListInt,
    FdListV2,
    Event,
    EventInt,
    EventV2,
    EventV2Large,
    EventFlags,
    EventFlagsV2,
    EventFlagsV2Large,
    InterfaceList,
    InterfaceListInt,
    InterfaceListV2,
    UserList,
    UserListInt,
    UserListV2,
}

/// Every known block type with its number (one row each), sorted by
/// number for binary search (a test checks the order).
const BLOCK_TYPES: &[(u32, BlockType, &str)] = &[
    (0x201, BlockType::MachineInfo, "machine info"),
    (0x202, BlockType::ProcessList(1), "process list v1"),
    (0x203, BlockType::FdList, "fd list"),
    (0x204, BlockType::Event, "event"),
    (0x205, BlockType::InterfaceList, "interface list"),
    (0x206, BlockType::UserList, "user list"),
    (0x207, BlockType::ProcessList(2), "process list v2"),
    (0x208, BlockType::EventFlags, "event with flags"),
    (0x209, BlockType::ProcessList(3), "process list v3"),
    (0x210, BlockType::ProcessList(4), "process list v4"),
    (0x211, BlockType::ProcessList(5), "process list v5"),
    (0x212, BlockType::ProcessList(6), "process list v6"),
    (0x213, BlockType::ProcessList(7), "process list v7"),
    (0x214, BlockType::ProcessList(8), "process list v8"),
    (0x215, BlockType::ProcessList(9), "process list v9"),
    (0x216, BlockType::EventV2, "event v2"),
    (0x217, BlockType::EventFlagsV2, "event with flags v2"),
    (0x218, BlockType::FdListV2, "fd list v2"),
    (0x219, BlockType::InterfaceListV2, "interface list v2"),
    (0x220, BlockType::UserListV2, "user list v2"),
    (0x221, BlockType::EventV2Large, "event v2 large"),
    (
        0x222,
        BlockType::EventFlagsV2Large,
        "event with flags v2 large",
    ),
    (0x0A0D_0D0A, BlockType::SectionHeader, "section header"),
    (
        0x8000_ABCD,
        BlockType::ProcessListInt(1),
        "process list v1 (pre-release)",
    ),
    (0x8001_ABCD, BlockType::FdListInt, "fd list (pre-release)"),
    (
        0x8002_ABCD,
        BlockType::MachineInfoInt,
        "machine info (pre-release)",
    ),
    (0x8010_ABCD, BlockType::EventInt, "event (pre-release)"),
    (
        0x8011_ABCD,
        BlockType::InterfaceListInt,
        "interface list (pre-release)",
    ),
    (
        0x8012_ABCD,
        BlockType::UserListInt,
        "user list (pre-release)",
    ),
    (
        0x8013_ABCD,
        BlockType::ProcessListInt(2),
        "process list v2 (pre-release)",
    ),
    (
        0x8014_ABCD,
        BlockType::ProcessListInt(3),
        "process list v3 (pre-release)",
    ),
];

impl BlockType {
    pub fn from_u32(v: u32) -> Option<BlockType> {
        BLOCK_TYPES
            .binary_search_by_key(&v, |(n, _, _)| *n)
            .ok()
            .map(|i| BLOCK_TYPES[i].1)
    }

    pub fn to_u32(self) -> u32 {
        BLOCK_TYPES
            .iter()
            .find(|(_, t, _)| *t == self)
            .map(|(n, _, _)| *n)
            .unwrap_or(0)
    }

    pub fn name(self) -> &'static str {
        BLOCK_TYPES
            .iter()
            .find(|(_, t, _)| *t == self)
            .map(|(_, _, s)| *s)
            .unwrap_or("?")
    }

    /// The layout of an event block with this number, or `None` for other
    /// blocks. The hot path of reading: a direct match instead of a table
    /// lookup (a test checks it agrees with the table).
    #[inline]
    pub fn event_layout_of(v: u32) -> Option<EventBlockLayout> {
        let (has_flags, v2_header) = match v {
            0x204 | 0x8010_ABCD => (false, false),
            0x208 => (true, false),
            0x216 | 0x221 => (false, true),
            0x217 | 0x222 => (true, true),
            _ => return None,
        };
        Some(EventBlockLayout {
            has_flags,
            v2_header,
        })
    }

    /// Event blocks: is there a flags word, and does the event use the
    /// current 26-byte header (V2) or the old 22-byte one?
    pub fn event_layout(self) -> Option<EventBlockLayout> {
        use BlockType::*;
        let (flags, v2) = match self {
            Event | EventInt => (false, false),
            EventFlags => (true, false),
            EventV2 | EventV2Large => (false, true),
            EventFlagsV2 | EventFlagsV2Large => (true, true),
            _ => return None,
        };
        Some(EventBlockLayout {
            has_flags: flags,
            v2_header: v2,
        })
    }
}

/// How the event inside an event block is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventBlockLayout {
    pub has_flags: bool,
    pub v2_header: bool,
}

/// Byte order of a section, from its magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
}

impl Endian {
    pub fn u16(self, b: [u8; 2]) -> u16 {
        match self {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        }
    }
    pub fn u32(self, b: [u8; 4]) -> u32 {
        match self {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        }
    }
    pub fn u64(self, b: [u8; 8]) -> u64 {
        match self {
            Endian::Little => u64::from_le_bytes(b),
            Endian::Big => u64::from_be_bytes(b),
        }
    }
}

pub const SHB_BLOCK_TYPE: u32 = 0x0A0D_0D0A;
pub const SHB_MAGIC: u32 = 0x1A2B_3C4D;
/// Header (type + length) plus trailer length.
pub const BLOCK_OVERHEAD: usize = 12;
/// Largest block this reader accepts; a length above it is corruption.
pub const MAX_BLOCK_SIZE: usize = 256 << 20;

/// Where the last block read sits in the reader's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockLoc {
    /// Offset of the block in the uncompressed stream.
    pub offset: u64,
    pub block_type: u32,
    /// Total length including header and trailer.
    pub total_len: u32,
    start: usize,
}

/// Reads blocks from a byte stream through one growing buffer.
pub struct BlockReader {
    src: Box<dyn Read + Send>,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Stream offset of `buf[pos]`.
    offset: u64,
    endian: Endian,
    /// Blocks read whole.
    blocks: u64,
    /// Event blocks whose trailer disagreed with their header.
    bad_trailers: u64,
}

impl std::fmt::Debug for BlockReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockReader")
            .field("offset", &self.offset)
            .field("endian", &self.endian)
            .finish()
    }
}

/// Small captures need little; long ones grow the buffer up to `MAX_BUF`
/// so that reads stay large.
const START_BUF: usize = 64 << 10;
const MAX_BUF: usize = 1 << 20;

impl BlockReader {
    pub fn new(src: Box<dyn Read + Send>) -> BlockReader {
        BlockReader {
            src,
            buf: vec![0; START_BUF],
            pos: 0,
            end: 0,
            offset: 0,
            endian: Endian::Little,
            blocks: 0,
            bad_trailers: 0,
        }
    }

    /// Opens a capture file for block reading, decompressing it when it
    /// starts with the gzip magic bytes.
    pub fn open(path: &std::path::Path) -> Result<BlockReader> {
        let open_err = |source| ScapError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut f = std::fs::File::open(path).map_err(open_err)?;
        let mut magic = [0u8; 2];
        let n = f.read(&mut magic).map_err(open_err)?;
        let f = std::fs::File::open(path).map_err(open_err)?;
        Ok(if n == 2 && magic == [0x1f, 0x8b] {
            BlockReader::new(Box::new(flate2::read::MultiGzDecoder::new(
                std::io::BufReader::with_capacity(1 << 16, f),
            )))
        } else {
            BlockReader::new(Box::new(f))
        })
    }

    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// Stream offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Event blocks read so far whose trailer disagreed with their header
    /// (accepted, as libscap accepts them; a state block's is an error).
    pub fn bad_trailers(&self) -> u64 {
        self.bad_trailers
    }

    /// Blocks read whole so far.
    pub fn blocks(&self) -> u64 {
        self.blocks
    }

    /// Makes at least `n` bytes available at `pos` unless the stream ends
    /// first; returns how many are available (at most what was asked for
    /// is guaranteed).
    #[inline]
    fn fill(&mut self, n: usize) -> Result<usize> {
        if self.end - self.pos >= n {
            return Ok(self.end - self.pos);
        }
        self.refill(n)
    }

    /// The slow path of `fill`: compact, grow, read.
    #[cold]
    fn refill(&mut self, n: usize) -> Result<usize> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() >= n
            && self.buf.len() < MAX_BUF
            && self.offset > 4 * self.buf.len() as u64
        {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        while self.end < n {
            if self.end == self.buf.len() {
                // Grow only as far as bytes arrive: `n` comes from a length
                // field of the file, and a hostile or corrupt one must not
                // make us allocate (and zero) up to MAX_BLOCK_SIZE for a
                // stream that ends a few bytes later. Doubling keeps the
                // copies amortized; the buffer is at most twice the bytes
                // actually read.
                let grown = (self.buf.len() * 2)
                    .max(START_BUF)
                    .min(n.next_power_of_two());
                self.buf.resize(grown, 0);
            }
            // Fill the whole free space: small blocks must not mean small reads.
            let want = self.buf.len() - self.end;
            let got = loop {
                match self.src.read(&mut self.buf[self.end..self.end + want]) {
                    Ok(g) => break g,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(ScapError::Read {
                            offset: self.offset + self.end as u64,
                            source: e,
                        })
                    }
                }
            };
            if got == 0 {
                break;
            }
            self.end += got;
        }
        Ok(self.end - self.pos)
    }

    /// Reads the next block. `Ok(None)` at a clean end of stream (no byte
    /// left); a partial block is an error naming its offset.
    #[inline(always)]
    pub fn next_block(&mut self) -> Result<Option<BlockLoc>> {
        let have = self.fill(8)?;
        if have == 0 {
            return Ok(None);
        }
        let offset = self.offset;
        if have < 8 {
            return Err(ScapError::Truncated {
                offset,
                block: BlockName(u32::MAX),
                what: format!("{have} bytes left, a block header needs 8"),
            });
        }
        let p = self.pos;
        let raw_type = self.buf[p..p + 4].try_into().unwrap_or([0; 4]);
        let block_type = self.endian.u32(raw_type);
        if block_type == SHB_BLOCK_TYPE {
            // A (new) section: its magic decides the byte order of the rest.
            let avail = self.fill(12)?;
            if avail < 12 {
                return Err(ScapError::Truncated {
                    offset,
                    block: BlockName(SHB_BLOCK_TYPE),
                    what: "the byte-order magic is missing".into(),
                });
            }
            let magic = [
                self.buf[p + 8],
                self.buf[p + 9],
                self.buf[p + 10],
                self.buf[p + 11],
            ];
            self.endian = if u32::from_le_bytes(magic) == SHB_MAGIC {
                Endian::Little
            } else if u32::from_be_bytes(magic) == SHB_MAGIC {
                Endian::Big
            } else {
                return Err(ScapError::Corrupt {
                    offset,
                    block: BlockName(SHB_BLOCK_TYPE),
                    what: format!("bad byte-order magic {:02x?}", magic),
                });
            };
        }
        let total = self
            .endian
            .u32(self.buf[p + 4..p + 8].try_into().unwrap_or([0; 4])) as usize;
        let block = BlockName(block_type);
        if !(BLOCK_OVERHEAD..=MAX_BLOCK_SIZE).contains(&total) {
            return Err(ScapError::Corrupt {
                offset,
                block,
                what: format!("impossible block length {total}"),
            });
        }
        let avail = self.fill(total)?;
        if avail < total {
            return Err(ScapError::Truncated {
                offset,
                block,
                what: format!("block of {total} bytes but only {avail} left in the file"),
            });
        }
        let p = self.pos;
        let trailer = self.endian.u32(
            self.buf[p + total - 4..p + total]
                .try_into()
                .unwrap_or([0; 4]),
        ) as usize;
        if trailer != total {
            // libscap checks the trailer of the state blocks it loads up
            // front, never that of an event block (it reads the header's
            // length and moves on): so do we, counting the mismatch.
            if BlockType::event_layout_of(block_type).is_some() {
                self.bad_trailers += 1;
            } else {
                return Err(ScapError::Corrupt {
                    offset,
                    block,
                    what: format!("length {total} in the header but {trailer} in the trailer"),
                });
            }
        }
        self.pos += total;
        self.offset += total as u64;
        self.blocks += 1;
        Ok(Some(BlockLoc {
            offset,
            block_type,
            total_len: total as u32,
            start: p,
        }))
    }

    /// The body (between the 8-byte header and the trailer) of the block
    /// `loc`, which must be the last one read.
    pub fn body(&self, loc: &BlockLoc) -> &[u8] {
        &self.buf[loc.start + 8..loc.start + loc.total_len as usize - 4]
    }

    /// The whole block `loc` as stored, header and trailer included.
    pub fn raw(&self, loc: &BlockLoc) -> &[u8] {
        &self.buf[loc.start..loc.start + loc.total_len as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_table_is_sorted_and_round_trips() {
        assert!(BLOCK_TYPES.windows(2).all(|w| w[0].0 < w[1].0));
        for (n, t, _) in BLOCK_TYPES {
            assert_eq!(BlockType::from_u32(*n), Some(*t));
            assert_eq!(t.to_u32(), *n);
        }
        assert_eq!(BlockType::from_u32(0x299), None);
        for n in BLOCK_TYPES
            .iter()
            .map(|r| r.0)
            .chain([0, 0x299, 0x8010_ABCE])
        {
            assert_eq!(
                BlockType::event_layout_of(n),
                BlockType::from_u32(n).and_then(|t| t.event_layout()),
                "{n:x}"
            );
        }
    }

    #[test]
    fn reads_blocks_across_buffer_refills_and_reports_truncation() {
        // 3000 blocks of 20 bytes: more than the starting buffer holds.
        let mut bytes = Vec::new();
        for i in 0..3000u32 {
            bytes.extend_from_slice(&0x299u32.to_le_bytes());
            bytes.extend_from_slice(&20u32.to_le_bytes());
            bytes.extend_from_slice(&i.to_le_bytes());
            bytes.extend_from_slice(&[0; 4]);
            bytes.extend_from_slice(&20u32.to_le_bytes());
        }
        let cut = bytes.len() - 3;
        let mut r = BlockReader::new(Box::new(std::io::Cursor::new(bytes[..cut].to_vec())));
        for i in 0..2999u32 {
            let loc = r.next_block().unwrap().unwrap();
            assert_eq!(loc.offset, i as u64 * 20);
            assert_eq!(&r.body(&loc)[..4], &i.to_le_bytes());
        }
        let err = r.next_block().unwrap_err().to_string();
        assert!(
            err.contains("offset 59980") && err.contains("0x299"),
            "{err}"
        );
    }

    /// A wrong trailer is an error on a state block and counted on an
    /// event block, as libscap does (found by scripts/fuzz-diff.sh: sysdig
    /// read captures we refused).
    #[test]
    fn a_bad_trailer_fails_a_state_block_and_is_counted_on_an_event_block() {
        let block = |ty: u32| {
            let mut b = Vec::new();
            b.extend_from_slice(&ty.to_le_bytes());
            b.extend_from_slice(&16u32.to_le_bytes());
            b.extend_from_slice(&[0; 4]);
            b.extend_from_slice(&24u32.to_le_bytes());
            b
        };
        let mut r = BlockReader::new(Box::new(std::io::Cursor::new(
            [block(0x216), block(0x218)].concat(),
        )));
        assert_eq!(r.next_block().unwrap().unwrap().block_type, 0x216);
        assert_eq!(r.bad_trailers(), 1);
        let err = r.next_block().unwrap_err().to_string();
        assert!(
            err.contains("16 in the header but 24 in the trailer"),
            "{err}"
        );
    }

    /// A block header claiming 200 MB on a stream of a few bytes: the error
    /// names the truncation and the buffer never grew towards the claim
    /// (it used to be sized from the length field before reading).
    #[test]
    fn a_hostile_block_length_does_not_size_the_buffer() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0x299u32.to_le_bytes());
        bytes.extend_from_slice(&(200u32 << 20).to_le_bytes());
        bytes.extend_from_slice(&[7; 100]);
        let mut r = BlockReader::new(Box::new(std::io::Cursor::new(bytes)));
        let err = r.next_block().unwrap_err().to_string();
        assert!(err.contains("only 108 left"), "{err}");
        assert_eq!(r.buf.len(), START_BUF);
    }

    /// A real block larger than the starting buffer still reads whole, the
    /// buffer growing as its bytes arrive (in small reads here).
    #[test]
    fn a_large_block_is_read_across_growth() {
        struct Trickle(std::io::Cursor<Vec<u8>>);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = buf.len().min(1000);
                self.0.read(&mut buf[..n])
            }
        }
        let total = 300_012u32;
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0x299u32.to_le_bytes());
        bytes.extend_from_slice(&total.to_le_bytes());
        bytes.extend((0..300_000u32).map(|i| i as u8));
        bytes.extend_from_slice(&total.to_le_bytes());
        let mut r = BlockReader::new(Box::new(Trickle(std::io::Cursor::new(bytes))));
        let loc = r.next_block().unwrap().unwrap();
        assert_eq!(loc.total_len, total);
        assert!(r.body(&loc).iter().enumerate().all(|(i, b)| *b == i as u8));
        assert_eq!(r.buf.len(), 512 << 10);
        assert!(r.next_block().unwrap().is_none());
    }
}
