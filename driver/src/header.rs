//! The packed event header and the parameter-length area that follows it.
//!
//! Current layout (26 bytes, little endian, no padding):
//! `ts u64 | tid u64 | len u32 | type u16 | nparams u32`, then `nparams`
//! lengths (u16 each, u32 for LARGE_PAYLOAD events), then the values.
//! `len` counts the whole event: header, lengths and values.
//! Old captures use a 22-byte header without `nparams`.

use core::mem::{offset_of, size_of};

/// Size of the current event header.
pub const EVENT_HEADER_SIZE: usize = 26;
/// Size of the old header without `nparams` (first-generation event blocks).
pub const EVENT_HEADER_V1_SIZE: usize = 22;

/// The event header as it sits in rings and capture files.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventHeader {
    /// Nanoseconds since the epoch.
    pub ts: u64,
    /// Thread id of the thread that generated the event.
    pub tid: u64,
    /// Total length of the event, this header included.
    pub len: u32,
    /// Event code.
    pub evt_type: u16,
    /// Number of parameters that follow.
    pub nparams: u32,
}

const _: () = assert!(size_of::<EventHeader>() == EVENT_HEADER_SIZE);
const _: () = assert!(offset_of!(EventHeader, ts) == 0);
const _: () = assert!(offset_of!(EventHeader, tid) == 8);
const _: () = assert!(offset_of!(EventHeader, len) == 16);
const _: () = assert!(offset_of!(EventHeader, evt_type) == 20);
const _: () = assert!(offset_of!(EventHeader, nparams) == 22);
const _: () = assert!(EVENT_HEADER_V1_SIZE == EVENT_HEADER_SIZE - 4);

#[inline]
fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}
#[inline]
fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
#[inline]
fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

impl EventHeader {
    /// Decodes a current (26-byte) header from the start of `b`.
    #[inline]
    pub fn decode(b: &[u8]) -> Option<EventHeader> {
        Some(EventHeader {
            ts: le_u64(b, 0)?,
            tid: le_u64(b, 8)?,
            len: le_u32(b, 16)?,
            evt_type: le_u16(b, 20)?,
            nparams: le_u32(b, 22)?,
        })
    }

    /// Decodes an old 22-byte header; `nparams` is left at 0 for the caller
    /// to infer from the schema and the lengths.
    #[inline]
    pub fn decode_v1(b: &[u8]) -> Option<EventHeader> {
        Some(EventHeader {
            ts: le_u64(b, 0)?,
            tid: le_u64(b, 8)?,
            len: le_u32(b, 16)?,
            evt_type: le_u16(b, 20)?,
            nparams: 0,
        })
    }

    /// Writes the header into the first 26 bytes of `out`; `None` if it is
    /// too short.
    #[inline]
    pub fn encode(&self, out: &mut [u8]) -> Option<()> {
        let out = out.get_mut(..EVENT_HEADER_SIZE)?;
        let (ts, tid, len, ty, np) = (self.ts, self.tid, self.len, self.evt_type, self.nparams);
        out[0..8].copy_from_slice(&ts.to_le_bytes());
        out[8..16].copy_from_slice(&tid.to_le_bytes());
        out[16..20].copy_from_slice(&len.to_le_bytes());
        out[20..22].copy_from_slice(&ty.to_le_bytes());
        out[22..26].copy_from_slice(&np.to_le_bytes());
        Some(())
    }

    /// The header as bytes.
    #[inline]
    pub fn to_bytes(&self) -> [u8; EVENT_HEADER_SIZE] {
        let mut b = [0u8; EVENT_HEADER_SIZE];
        // 26 bytes always fit.
        let _ = self.encode(&mut b);
        b
    }
}

/// Reads the `i`th parameter length (2 or 4 bytes wide) from the length area.
#[inline]
pub fn param_len_at(lens: &[u8], i: usize, width: usize) -> Option<u32> {
    let at = i.checked_mul(width)?;
    match width {
        2 => le_u16(lens, at).map(u32::from),
        4 => le_u32(lens, at),
        _ => None,
    }
}

/// Sum of the first `n` parameter lengths (2 or 4 bytes wide); `None` if
/// the length area is shorter than `n` entries.
#[inline]
pub fn param_lens_sum(lens: &[u8], n: usize, width: usize) -> Option<usize> {
    let area = lens.get(..n.checked_mul(width)?)?;
    Some(match width {
        2 => area
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]) as usize)
            .sum(),
        4 => area
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize)
            .sum(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_through_bytes() {
        let h = EventHeader {
            ts: 0x0102030405060708,
            tid: 42,
            len: 99,
            evt_type: 293,
            nparams: 27,
        };
        let b = h.to_bytes();
        assert_eq!(&b[20..22], &293u16.to_le_bytes());
        assert_eq!(EventHeader::decode(&b), Some(h));
        assert_eq!(EventHeader::decode(&b[..25]), None);
        let v1 = EventHeader::decode_v1(&b[..22]).unwrap();
        assert_eq!((v1.len, v1.evt_type, v1.nparams), (99, 293, 0));
    }

    #[test]
    fn param_lengths_in_both_widths() {
        let lens = [1u8, 0, 2, 0, 3, 0, 0, 0];
        assert_eq!(param_len_at(&lens, 1, 2), Some(2));
        assert_eq!(param_len_at(&lens, 1, 4), Some(3));
        assert_eq!(param_len_at(&lens, 4, 2), None);
        assert_eq!(param_len_at(&lens, 0, 3), None);
    }
}
