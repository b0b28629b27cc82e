//! Bounds-checked reading and writing of block bodies.

use super::block::Endian;
use crate::error::{BlockName, Result, ScapError};

/// Reads fields from one block body; every short read becomes a
/// `Truncated` error naming the block and the offset of the field.
#[derive(Debug)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    endian: Endian,
    /// Stream offset of `data[0]`.
    base: u64,
    block: BlockName,
}

impl<'a> Cursor<'a> {
    pub fn new(data: &'a [u8], endian: Endian, base: u64, block_type: u32) -> Cursor<'a> {
        Cursor {
            data,
            pos: 0,
            endian,
            base,
            block: BlockName(block_type),
        }
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub fn truncated(&self, what: &str, need: usize) -> ScapError {
        ScapError::Truncated {
            offset: self.offset(),
            block: self.block,
            what: format!("{what} needs {need} bytes, {} left", self.remaining()),
        }
    }

    pub fn corrupt(&self, what: impl Into<String>) -> ScapError {
        ScapError::Corrupt {
            offset: self.offset(),
            block: self.block,
            what: what.into(),
        }
    }

    pub fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if self.remaining() < n {
            return Err(self.truncated(what, n));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn skip(&mut self, n: usize, what: &str) -> Result<()> {
        self.bytes(n, what).map(|_| ())
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let b = self.bytes(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }

    pub fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }
    pub fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(self.endian.u16(self.array(what)?))
    }
    pub fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(self.endian.u32(self.array(what)?))
    }
    pub fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(self.endian.u64(self.array(what)?))
    }
    pub fn i64(&mut self, what: &str) -> Result<i64> {
        Ok(self.u64(what)? as i64)
    }
    /// Raw bytes kept in stream order (addresses in network order).
    pub fn raw<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        self.array(what)
    }

    /// A string stored as `u16 length | bytes` (no NUL), at most `max` long.
    pub fn str16(&mut self, what: &str, max: usize) -> Result<String> {
        let n = self.u16(what)? as usize;
        if n > max {
            return Err(self.corrupt(format!("{what} length {n} exceeds {max}")));
        }
        Ok(String::from_utf8_lossy(self.bytes(n, what)?).into_owned())
    }

    /// Bytes stored as `u16 length | bytes`.
    pub fn bytes16(&mut self, what: &str, max: usize) -> Result<Vec<u8>> {
        let n = self.u16(what)? as usize;
        if n > max {
            return Err(self.corrupt(format!("{what} length {n} exceeds {max}")));
        }
        Ok(self.bytes(n, what)?.to_vec())
    }
}

/// Appends little-endian fields to a block body being written.
#[derive(Debug, Default)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }
    /// `u16 length | bytes`, cut at `u16::MAX`.
    pub fn bytes16(&mut self, b: &[u8]) -> &mut Self {
        let b = &b[..b.len().min(u16::MAX as usize)];
        self.u16(b.len() as u16).bytes(b)
    }
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    /// Writes a u32 placeholder and returns its position, for sub-lengths.
    pub fn reserve_u32(&mut self) -> usize {
        let at = self.buf.len();
        self.u32(0);
        at
    }
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        if let Some(s) = self.buf.get_mut(at..at + 4) {
            s.copy_from_slice(&v.to_le_bytes());
        }
    }
}
