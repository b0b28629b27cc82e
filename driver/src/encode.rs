//! Writing one event of the current schema into a byte buffer: the header,
//! one length per parameter (u16, or u32 for LARGE_PAYLOAD events), then
//! the values. The kernel module encodes with it (compiled in by
//! `#[path]`), so it is allocation free and panic free: every write is
//! bounds-checked, every sum checked, and running out of room is an error
//! the caller counts, never a partial event.

use crate::header::{EventHeader, EVENT_HEADER_SIZE};
use crate::schema::EventInfo;

/// Why an event could not be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The event code is not in the schema.
    UnknownEvent(u16),
    /// The buffer (or a u16 length) cannot hold the event.
    NoRoom,
    /// `finish` came before every parameter of the schema row was written,
    /// or a parameter was written past the last one.
    ParamCount { expected: u32, written: u32 },
}

/// Builds one event in `buf`; `finish` returns its length.
#[derive(Debug)]
pub struct EventWriter<'a> {
    buf: &'a mut [u8],
    header: EventHeader,
    width: usize,
    /// Parameters written so far.
    written: u32,
    /// Where the next value goes.
    pos: usize,
    /// Set by a write that did not fit; reported by `finish`.
    error: Option<EncodeError>,
}

impl<'a> EventWriter<'a> {
    /// Starts event `code` of thread `tid` at time `ts` (ns since the
    /// epoch), with as many parameters as its schema row declares.
    pub fn new(buf: &'a mut [u8], code: u16, ts: u64, tid: u64) -> Result<Self, EncodeError> {
        let info: &EventInfo = crate::events::EVENTS
            .get(code as usize)
            .ok_or(EncodeError::UnknownEvent(code))?;
        let nparams = info.nparams();
        let width = info.param_len_size();
        let values_at = nparams
            .checked_mul(width)
            .and_then(|l| l.checked_add(EVENT_HEADER_SIZE))
            .ok_or(EncodeError::NoRoom)?;
        if values_at > buf.len() {
            return Err(EncodeError::NoRoom);
        }
        Ok(EventWriter {
            buf,
            header: EventHeader {
                ts,
                tid,
                len: 0,
                evt_type: code,
                nparams: nparams as u32,
            },
            width,
            written: 0,
            pos: values_at,
            error: None,
        })
    }

    /// Appends one parameter value (its length goes in the length area).
    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        if self.error.is_none() {
            self.error = self.put(value).err();
        }
        self
    }

    fn put(&mut self, value: &[u8]) -> Result<(), EncodeError> {
        if self.written >= self.header.nparams {
            return Err(EncodeError::ParamCount {
                expected: self.header.nparams,
                written: self.written.saturating_add(1),
            });
        }
        let mut len = [0u8; 4];
        match self.width {
            4 => {
                len = u32::try_from(value.len())
                    .map_err(|_| EncodeError::NoRoom)?
                    .to_le_bytes()
            }
            _ => {
                let l = u16::try_from(value.len()).map_err(|_| EncodeError::NoRoom)?;
                len[..2].copy_from_slice(&l.to_le_bytes());
            }
        }
        let end = self
            .pos
            .checked_add(value.len())
            .ok_or(EncodeError::NoRoom)?;
        // The lengths area ends where the values start: below `pos`.
        let len_at = EVENT_HEADER_SIZE + self.written as usize * self.width;
        let dst = self.buf.get_mut(self.pos..end).ok_or(EncodeError::NoRoom)?;
        dst.copy_from_slice(value);
        let len_dst = self
            .buf
            .get_mut(len_at..len_at + self.width)
            .ok_or(EncodeError::NoRoom)?;
        len_dst.copy_from_slice(len.get(..self.width).ok_or(EncodeError::NoRoom)?);
        self.pos = end;
        self.written += 1;
        Ok(())
    }

    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.bytes(&[v])
    }

    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    /// A value written in place: `f` gets the free space (at most `max`
    /// bytes) and returns how many bytes it wrote, so strings read from
    /// user memory land in the event without a bounce buffer. A count
    /// beyond the space it was given is clamped.
    pub fn fill(&mut self, max: usize, f: impl FnOnce(&mut [u8]) -> usize) -> &mut Self {
        if self.error.is_none() {
            self.error = self.put_in_place(max, f).err();
        }
        self
    }

    fn put_in_place(
        &mut self,
        max: usize,
        f: impl FnOnce(&mut [u8]) -> usize,
    ) -> Result<(), EncodeError> {
        if self.written >= self.header.nparams {
            return Err(EncodeError::ParamCount {
                expected: self.header.nparams,
                written: self.written.saturating_add(1),
            });
        }
        let len_at = EVENT_HEADER_SIZE + self.written as usize * self.width;
        let limit = if self.width == 4 {
            max
        } else {
            max.min(u16::MAX as usize)
        };
        let end = self.pos.saturating_add(limit).min(self.buf.len());
        let dst = self.buf.get_mut(self.pos..end).ok_or(EncodeError::NoRoom)?;
        let room = dst.len();
        let n = f(dst).min(room);
        let mut len = [0u8; 4];
        if self.width == 4 {
            len = (n as u32).to_le_bytes();
        } else {
            len[..2].copy_from_slice(&(n as u16).to_le_bytes());
        }
        let len_dst = self
            .buf
            .get_mut(len_at..len_at + self.width)
            .ok_or(EncodeError::NoRoom)?;
        len_dst.copy_from_slice(len.get(..self.width).ok_or(EncodeError::NoRoom)?);
        self.pos += n;
        self.written += 1;
        Ok(())
    }

    /// Bytes of the event so far (where the next value goes).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// An empty parameter (no value, length 0).
    pub fn empty(&mut self) -> &mut Self {
        self.bytes(&[])
    }

    /// Writes the header; returns the event's total length.
    pub fn finish(&mut self) -> Result<usize, EncodeError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.written != self.header.nparams {
            return Err(EncodeError::ParamCount {
                expected: self.header.nparams,
                written: self.written,
            });
        }
        self.header.len = u32::try_from(self.pos).map_err(|_| EncodeError::NoRoom)?;
        self.header.encode(self.buf).ok_or(EncodeError::NoRoom)?;
        Ok(self.pos)
    }
}
