//! Section header block: byte-order magic, format version, section length.

use super::block::SHB_MAGIC;
use super::cursor::{Cursor, Writer};
use crate::error::{Result, ScapError};

pub const CURRENT_MAJOR: u16 = 1;
pub const CURRENT_MINOR: u16 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionHeader {
    pub major: u16,
    pub minor: u16,
    /// -1 (all ones) when unknown, as every writer we know leaves it.
    pub section_length: u64,
}

pub fn parse(c: &mut Cursor<'_>) -> Result<SectionHeader> {
    let magic = c.u32("byte-order magic")?;
    if magic != SHB_MAGIC {
        return Err(c.corrupt(format!("bad byte-order magic 0x{magic:08x}")));
    }
    let major = c.u16("major version")?;
    let minor = c.u16("minor version")?;
    let section_length = c.u64("section length")?;
    if major > CURRENT_MAJOR {
        return Err(ScapError::VersionTooNew { major, minor });
    }
    Ok(SectionHeader {
        major,
        minor,
        section_length,
    })
}

pub fn encode(h: &SectionHeader, w: &mut Writer) {
    w.u32(SHB_MAGIC)
        .u16(h.major)
        .u16(h.minor)
        .u64(h.section_length);
}
