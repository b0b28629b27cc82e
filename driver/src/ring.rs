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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_wrap_like_free_running_u64() {
        assert_eq!(ring_used(5, u64::MAX - 2), 8);
        assert_eq!(ring_free(5, u64::MAX - 2, 64), 56);
        assert_eq!(ring_free(100, 0, 64), 0);
    }
}
