// SPDX-License-Identifier: GPL-2.0
//! One CPU's ring: the producer side of falco-abi's ring rules
//! (`ring::reserve`), over a `RingMemory` mapped by that CPU's device.
//!
//! The consumer (falco-scap's kmod engine) loads `head` with acquire and
//! stores `tail` with release; here `tail` is loaded with acquire and
//! `head` stored with release after the event bytes are written. The
//! producer keeps its own copy of `head`: the mapped control page is
//! writable by the consumer and is never trusted for where to write.
//!
//! Everything the probe changes sits in one `sys::ProbeCell` per CPU. Only
//! that CPU's probes take it on the hot path (they never wait); the
//! control path (open, ioctls) takes it to reset the ring or read the
//! counters.

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;

use crate::encode::EncodeError;
use crate::ioctl::API_VERSION;
use crate::ring::{self, RingStats, Reserve, RING_CONTROL_SIZE};
use crate::sys::{ProbeCell, RingMemory};

/// Bytes of scratch per CPU an event is built in (the largest event).
pub(crate) const SCRATCH_BYTES: usize = 64 << 10;
/// Bytes of the exec'd file name kept between sched_process_exec and the
/// execve exit.
pub(crate) const EXEC_NAME_BYTES: usize = 4096;

/// Control-page offsets (falco-abi's `RingControl`).
const HEAD: usize = 0;
const TAIL: usize = 64;
const DATA_SIZE: usize = 128;
const API: usize = 136;
const STATS: usize = 192;

/// The file name the last exec on this CPU ran, for its exit event.
pub(crate) struct ExecName {
    pub(crate) tid: i64,
    pub(crate) len: usize,
    pub(crate) name: VVec<u8>,
}

/// What the probe builds an event with.
pub(crate) struct Scratch {
    pub(crate) buf: VVec<u8>,
    pub(crate) exec: ExecName,
    /// Parameters emptied by a user-memory fault while building the event.
    pub(crate) faults: u32,
}

/// The producer state behind the lock.
pub(crate) struct Producer {
    head: u64,
    enabled: bool,
    stats: RingStats,
    pub(crate) scratch: Scratch,
}

pub(crate) struct CpuRing {
    mem: RingMemory,
    data_size: usize,
    producer: ProbeCell<Producer>,
    /// Probe hits that found the cell taken by the control path (a reset
    /// or a counter read): dropped, counted as buffer drops.
    busy_drops: AtomicU64,
}

impl CpuRing {
    pub(crate) fn new(data_size: usize) -> Result<Self> {
        let mem = RingMemory::new(RING_CONTROL_SIZE.checked_add(data_size).ok_or(EINVAL)?)?;
        let producer = ProbeCell::new(Producer {
                head: 0,
                enabled: false,
                stats: RingStats::default(),
                scratch: Scratch {
                    buf: VVec::from_elem(0u8, SCRATCH_BYTES, GFP_KERNEL)?,
                    exec: ExecName {
                        tid: 0,
                        len: 0,
                        name: VVec::from_elem(0u8, EXEC_NAME_BYTES, GFP_KERNEL)?,
                    },
                    faults: 0,
                },
            });
        let ring = CpuRing {
            mem,
            data_size,
            producer,
            busy_drops: AtomicU64::new(0),
        };
        ring.write_info();
        Ok(ring)
    }

    pub(crate) fn memory(&self) -> &RingMemory {
        &self.mem
    }

    fn word(&self, offset: usize, value: u64, order: Ordering) {
        if let Some(w) = self.mem.word(offset) {
            w.store(value, order);
        }
    }

    fn write_info(&self) {
        self.word(DATA_SIZE, self.data_size as u64, Ordering::Relaxed);
        self.word(API, API_VERSION.encode(), Ordering::Relaxed);
    }

    fn mirror_stats(&self, s: &RingStats) {
        let words = [s.n_evts, s.n_drops_buffer, s.n_drops_pf, s.n_drops_bug, s.n_drops_scratch, s.n_hits];
        for (i, v) in words.iter().enumerate() {
            self.word(STATS + 8 * i, *v, Ordering::Relaxed);
        }
    }

    /// Empties the ring and its counters for a new consumer (called from
    /// the device's open, before the consumer can enable capture). Capture
    /// is off once the cell is released, so the probe writes nothing while
    /// the memory is cleared.
    pub(crate) fn reset(&self) {
        {
            let mut p = self.producer.lock();
            p.enabled = false;
            p.head = 0;
            p.stats = RingStats::default();
            p.scratch.exec.tid = 0;
        }
        self.busy_drops.store(0, Ordering::Relaxed);
        self.mem.clear();
        self.write_info();
    }

    pub(crate) fn set_enabled(&self, on: bool) {
        self.producer.lock().enabled = on;
    }

    pub(crate) fn stats(&self) -> RingStats {
        let mut s = self.producer.lock().stats;
        s.n_drops_buffer = s.n_drops_buffer.wrapping_add(self.busy_drops.load(Ordering::Relaxed));
        s
    }

    /// Runs `f` on the scratch when capture is on (for state the probes
    /// keep between hooks, such as the exec'd file name).
    pub(crate) fn with_scratch(&self, f: impl FnOnce(&mut Scratch)) {
        let Some(mut p) = self.producer.try_lock() else {
            return;
        };
        if p.enabled {
            f(&mut p.scratch);
        }
    }

    /// Builds an event with `encode` (into the scratch) and appends it to
    /// the ring when capture is on, counting what happens.
    pub(crate) fn emit(
        &self,
        encode: impl FnOnce(&mut Scratch) -> Result<usize, EncodeError>,
    ) {
        let Some(mut guard) = self.producer.try_lock() else {
            self.busy_drops.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let p = &mut *guard;
        if !p.enabled {
            return;
        }
        p.stats.n_hits = p.stats.n_hits.wrapping_add(1);
        p.scratch.faults = 0;
        let result = encode(&mut p.scratch);
        if p.scratch.faults > 0 {
            p.stats.n_drops_pf = p.stats.n_drops_pf.wrapping_add(1);
        }
        let len = match result {
            Ok(len) => len,
            Err(EncodeError::NoRoom) => {
                p.stats.n_drops_scratch = p.stats.n_drops_scratch.wrapping_add(1);
                self.mirror_stats(&p.stats);
                return;
            }
            Err(_) => {
                p.stats.n_drops_bug = p.stats.n_drops_bug.wrapping_add(1);
                self.mirror_stats(&p.stats);
                return;
            }
        };
        let tail = self.mem.word(TAIL).map_or(p.head, |w| w.load(Ordering::Acquire));
        match ring::reserve(p.head, tail, self.data_size, len) {
            Reserve::Full => {
                p.stats.n_drops_buffer = p.stats.n_drops_buffer.wrapping_add(1);
            }
            Reserve::At { offset, new_head, pad } => {
                let event = p.scratch.buf.get(..len).unwrap_or(&[]);
                let mut ok = !event.is_empty();
                if let Some((at, n)) = pad {
                    if n >= crate::header::EVENT_HEADER_SIZE {
                        ok &= self.mem.write(RING_CONTROL_SIZE + at, &ring::pad_header(n));
                    }
                }
                ok &= self.mem.write(RING_CONTROL_SIZE + offset, event);
                if ok {
                    p.head = new_head;
                    // Pairs with the consumer's acquire load of `head`:
                    // the bytes above are visible before the new head.
                    self.word(HEAD, new_head, Ordering::Release);
                    p.stats.n_evts = p.stats.n_evts.wrapping_add(1);
                } else {
                    p.stats.n_drops_bug = p.stats.n_drops_bug.wrapping_add(1);
                }
            }
        }
        self.mirror_stats(&p.stats);
    }
}
