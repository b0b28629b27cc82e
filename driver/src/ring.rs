//! The per-CPU ring shared by a driver and userspace through mmap.
//!
//! Each CPU has one device; mapping it gives a control page followed by
//! `data_size` bytes of event data (a power of two). The producer (the
//! kernel probe) writes whole events at `head % data_size`, then publishes
//! the new `head` with a release store. The consumer (falco-scap's kmod
//! engine) loads `head` with acquire, reads events up to it, then stores its
//! new `tail` with release so the producer may reuse the space. Both are
//! free-running byte counters: used space is `head - tail`.
//!
//! An event never straddles the end of the data area: when it does not fit
//! before the end, the producer writes a `RING_WRAP_PAD` marker header (when
//! at least a header's worth of room remains) and restarts at offset 0; the
//! consumer skips the pad. This keeps every event contiguous for
//! zero-copy reads without mapping the buffer twice.

use core::mem::{offset_of, size_of};

/// Size of the control page at the start of each mapping.
pub const RING_CONTROL_SIZE: usize = 4096;
/// Smallest and largest data area a driver accepts (powers of two).
pub const RING_MIN_DATA_SIZE: usize = 1 << 16;
pub const RING_MAX_DATA_SIZE: usize = 1 << 30;
/// `evt_type` value of a padding record that fills the space up to the end
/// of the data area (not an event code: codes are below 1024).
pub const RING_WRAP_PAD: u16 = 0xffff;

/// Per-cause counters kept by the producer.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RingStats {
    /// Events written.
    pub n_evts: u64,
    /// Events dropped because the ring was full.
    pub n_drops_buffer: u64,
    /// Events whose user memory could not be read (a page fault).
    pub n_drops_pf: u64,
    /// Events dropped because encoding failed (a driver bug).
    pub n_drops_bug: u64,
    /// Events dropped because they exceed the scratch space.
    pub n_drops_scratch: u64,
    /// Tracepoint hits, captured or not.
    pub n_hits: u64,
}

/// Layout of the control page. `head` and `tail` sit on separate cache lines.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RingControl {
    /// Written only by the producer (release); read by the consumer (acquire).
    pub head: u64,
    pub _pad_head: [u64; 7],
    /// Written only by the consumer (release); read by the producer (acquire).
    pub tail: u64,
    pub _pad_tail: [u64; 7],
    /// Size of the data area in bytes.
    pub data_size: u64,
    /// `API_VERSION` of the producer.
    pub api_version: u64,
    pub _pad_info: [u64; 6],
    pub stats: RingStats,
}

const _: () = assert!(offset_of!(RingControl, head) == 0);
const _: () = assert!(offset_of!(RingControl, tail) == 64);
const _: () = assert!(offset_of!(RingControl, data_size) == 128);
const _: () = assert!(offset_of!(RingControl, api_version) == 136);
const _: () = assert!(offset_of!(RingControl, stats) == 192);
const _: () = assert!(size_of::<RingStats>() == 48);
const _: () = assert!(size_of::<RingControl>() <= RING_CONTROL_SIZE);
const _: () = assert!(RING_MIN_DATA_SIZE.is_power_of_two() && RING_MAX_DATA_SIZE.is_power_of_two());

/// Bytes in use between `tail` and `head`.
pub const fn ring_used(head: u64, tail: u64) -> u64 {
    head.wrapping_sub(tail)
}

/// Bytes free for the producer.
pub const fn ring_free(head: u64, tail: u64, data_size: u64) -> u64 {
    data_size.saturating_sub(ring_used(head, tail))
}

/// Where the producer puts the next event, from `reserve`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reserve {
    /// Write the event at byte `offset` of the data area, then publish
    /// `new_head`. When `pad` is set, first write a pad record (see
    /// [`pad_header`]) of `pad.1` bytes at `pad.0` (when the gap can hold a
    /// header; a smaller gap is skipped by the consumer without one).
    At {
        offset: usize,
        new_head: u64,
        pad: Option<(usize, usize)>,
    },
    /// Not enough free space: count a buffer drop.
    Full,
}

/// Producer side: where an event of `len` bytes goes, given the producer's
/// own `head`, the consumer's `tail` (loaded with acquire) and the data
/// size (a power of two). Never trusts `tail` beyond the arithmetic: a
/// bogus tail can only make the ring look full.
pub const fn reserve(head: u64, tail: u64, data_size: usize, len: usize) -> Reserve {
    if !data_size.is_power_of_two() || len < crate::header::EVENT_HEADER_SIZE || len > data_size {
        return Reserve::Full;
    }
    let size = data_size as u64;
    let free = ring_free(head, tail, size);
    let offset = (head & (size - 1)) as usize;
    let to_end = data_size - offset;
    if len <= to_end {
        if (len as u64) > free {
            return Reserve::Full;
        }
        return Reserve::At {
            offset,
            new_head: head.wrapping_add(len as u64),
            pad: None,
        };
    }
    // Skip the gap to the end and start over at 0.
    let need = to_end as u64 + len as u64;
    if need > free {
        return Reserve::Full;
    }
    Reserve::At {
        offset: 0,
        new_head: head.wrapping_add(need),
        pad: Some((offset, to_end)),
    }
}

/// The header of a pad record of `len` bytes (ts and tid 0, no params).
pub const fn pad_header(len: usize) -> [u8; crate::header::EVENT_HEADER_SIZE] {
    let mut h = [0u8; crate::header::EVENT_HEADER_SIZE];
    let l = (len as u32).to_le_bytes();
    h[16] = l[0];
    h[17] = l[1];
    h[18] = l[2];
    h[19] = l[3];
    let t = RING_WRAP_PAD.to_le_bytes();
    h[20] = t[0];
    h[21] = t[1];
    h
}

/// What the consumer finds at `tail`, from `next_record`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    /// An event of `len` bytes at `offset`; advance the tail by `len`.
    Event { offset: usize, len: usize },
    /// Padding up to the end of the data area; advance the tail by `len`.
    Skip { len: usize },
    /// Nothing published beyond `tail`.
    Empty,
    /// The bytes at `offset` are not a valid record: the ring is corrupt.
    Corrupt { offset: usize },
}

/// Consumer side: the record at `tail`, given `head` (loaded with acquire)
/// and the data area. Checks every length against the data and the
/// published bytes, so a corrupt ring is reported, never read past.
pub fn next_record(data: &[u8], head: u64, tail: u64) -> Record {
    use crate::header::EVENT_HEADER_SIZE;
    let size = data.len();
    let used = ring_used(head, tail);
    if used == 0 {
        return Record::Empty;
    }
    if !size.is_power_of_two() || used > size as u64 {
        return Record::Corrupt { offset: 0 };
    }
    let offset = (tail & (size as u64 - 1)) as usize;
    let to_end = size - offset;
    if to_end < EVENT_HEADER_SIZE {
        return if used >= to_end as u64 {
            Record::Skip { len: to_end }
        } else {
            Record::Corrupt { offset }
        };
    }
    if used < EVENT_HEADER_SIZE as u64 {
        return Record::Corrupt { offset };
    }
    let h = &data[offset..offset + EVENT_HEADER_SIZE];
    let len = u32::from_le_bytes([h[16], h[17], h[18], h[19]]) as usize;
    let evt_type = u16::from_le_bytes([h[20], h[21]]);
    if evt_type == RING_WRAP_PAD {
        return if len == to_end && used >= len as u64 {
            Record::Skip { len }
        } else {
            Record::Corrupt { offset }
        };
    }
    if len < EVENT_HEADER_SIZE || len > to_end || len as u64 > used {
        return Record::Corrupt { offset };
    }
    Record::Event { offset, len }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::EVENT_HEADER_SIZE;

    /// A producer and consumer over one data area, as the module and the
    /// kmod engine use `reserve`/`next_record`.
    struct Ring {
        data: [u8; 256],
        head: u64,
        tail: u64,
    }

    impl Ring {
        fn push(&mut self, tag: u8, len: usize) -> bool {
            match reserve(self.head, self.tail, self.data.len(), len) {
                Reserve::Full => false,
                Reserve::At {
                    offset,
                    new_head,
                    pad,
                } => {
                    if let Some((at, n)) = pad {
                        if n >= EVENT_HEADER_SIZE {
                            self.data[at..at + EVENT_HEADER_SIZE].copy_from_slice(&pad_header(n));
                        }
                    }
                    let ev = &mut self.data[offset..offset + len];
                    ev.fill(tag);
                    ev[16..20].copy_from_slice(&(len as u32).to_le_bytes());
                    ev[20..22].copy_from_slice(&1u16.to_le_bytes());
                    self.head = new_head;
                    true
                }
            }
        }

        fn pop(&mut self) -> Option<(u8, usize)> {
            loop {
                match next_record(&self.data, self.head, self.tail) {
                    Record::Empty => return None,
                    Record::Skip { len } => self.tail += len as u64,
                    Record::Event { offset, len } => {
                        self.tail += len as u64;
                        return Some((self.data[offset], len));
                    }
                    Record::Corrupt { offset } => panic!("corrupt at {offset}"),
                }
            }
        }
    }

    #[test]
    fn events_wrap_with_and_without_a_pad_header_and_full_is_refused() {
        let mut r = Ring {
            data: [0; 256],
            head: 0,
            tail: 0,
        };
        // 100 + 100 = 200; the third (40) fits before the end at 240.
        assert!(r.push(1, 100) && r.push(2, 100) && r.push(3, 40));
        // 16 bytes left at the end, none free: full.
        assert!(!r.push(4, 30));
        assert_eq!(r.pop(), Some((1, 100)));
        // Needs the 16-byte gap (no room for a pad header) + 30 at 0.
        assert!(r.push(4, 30));
        assert_eq!(r.pop(), Some((2, 100)));
        assert_eq!(r.pop(), Some((3, 40)));
        assert_eq!(r.pop(), Some((4, 30)));
        assert_eq!(r.pop(), None);
        // head = tail = 286: offset 30. 200 fits to 230; once read, the
        // next 40 pads the last 26 bytes with a header, restarts at 0.
        assert!(r.push(5, 200));
        assert_eq!(r.pop(), Some((5, 200)));
        assert!(r.push(6, 40));
        assert_eq!(r.head - r.tail, 66);
        assert_eq!(&r.data[230..256], &pad_header(26));
        assert_eq!(r.pop(), Some((6, 40)));
        assert_eq!(r.pop(), None);
        assert!(!r.push(7, 257), "larger than the ring");
        assert!(!r.push(7, 10), "shorter than a header");
    }

    #[test]
    fn a_corrupt_length_or_a_tail_past_head_is_reported() {
        let mut r = Ring {
            data: [0; 256],
            head: 0,
            tail: 0,
        };
        assert!(r.push(1, 50));
        r.data[16..20].copy_from_slice(&300u32.to_le_bytes());
        assert_eq!(
            next_record(&r.data, r.head, r.tail),
            Record::Corrupt { offset: 0 }
        );
        r.data[16..20].copy_from_slice(&51u32.to_le_bytes());
        assert_eq!(
            next_record(&r.data, r.head, r.tail),
            Record::Corrupt { offset: 0 }
        );
        assert_eq!(next_record(&r.data, 10, 20), Record::Corrupt { offset: 0 });
        // A consumer-written tail ahead of head only makes the ring full.
        assert_eq!(reserve(0, 20, 256, 40), Reserve::Full);
    }

    #[test]
    fn counters_wrap_like_free_running_u64() {
        assert_eq!(ring_used(5, u64::MAX - 2), 8);
        assert_eq!(ring_free(5, u64::MAX - 2, 64), 56);
        assert_eq!(ring_free(100, 0, 64), 0);
    }
}
