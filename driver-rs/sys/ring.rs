// SPDX-License-Identifier: GPL-2.0
//! [`RingMemory`]: one CPU's ring (control page and event data) in a
//! zeroed `vmalloc_user` area, which the device's `mmap` maps.

use core::ffi::c_void;
use core::sync::atomic::AtomicU64;
use kernel::ffi::c_ulong;
use kernel::prelude::*;

#[allow(improper_ctypes)]
extern "C" {
    fn vmalloc_user_noprof(size: c_ulong) -> *mut c_void;
    fn vfree(addr: *const c_void);
}

/// A zeroed `vmalloc_user` area: one CPU's control page and data.
pub(crate) struct RingMemory {
    /// Read by the device's `mmap` (`remap_vmalloc_range`).
    pub(super) base: *mut u8,
    len: usize,
}

// SAFETY: the area is plain memory owned by this value; concurrent access
// goes through atomics (control words) or `write`, whose single producer
// per CPU the caller guarantees (see `write`).
unsafe impl Send for RingMemory {}
// SAFETY: as above.
unsafe impl Sync for RingMemory {}

impl RingMemory {
    /// Allocates `len` bytes (a multiple of the page size), zeroed.
    pub(crate) fn new(len: usize) -> Result<Self> {
        // SAFETY: plain allocation; may sleep, called from init only.
        let base = unsafe { vmalloc_user_noprof(len as c_ulong) } as *mut u8;
        if base.is_null() {
            return Err(ENOMEM);
        }
        Ok(RingMemory { base, len })
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The u64 control word at byte `offset` (8-aligned, inside the area),
    /// shared with the mapping process.
    pub(crate) fn word(&self, offset: usize) -> Option<&AtomicU64> {
        if offset % 8 != 0 || offset.checked_add(8)? > self.len {
            return None;
        }
        // SAFETY: in bounds and 8-aligned (vmalloc areas are page
        // aligned); the memory lives as long as `self`, and every access
        // to control words (here and in userspace) is atomic.
        Some(unsafe { &*(self.base.add(offset) as *const AtomicU64) })
    }

    /// Copies `bytes` to byte `offset` of the area. Returns false (and
    /// writes nothing) when they do not fit.
    ///
    /// Only one producer writes a given area at a time (its CPU's probe,
    /// under the ring's `busy` flag); the consumer only reads bytes the
    /// producer has published, and never those being written.
    pub(crate) fn write(&self, offset: usize, bytes: &[u8]) -> bool {
        match offset.checked_add(bytes.len()) {
            Some(end) if end <= self.len => {}
            _ => return false,
        }
        // SAFETY: in bounds (checked above); `bytes` cannot overlap the
        // area (it is the probe's scratch); see the comment above for
        // why no one else writes these bytes meanwhile.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(offset), bytes.len()) };
        true
    }

    /// Zeroes the area (between captures, with the producer held off).
    pub(crate) fn clear(&self) {
        // SAFETY: in bounds; the caller holds the producer off.
        unsafe { core::ptr::write_bytes(self.base, 0, self.len) };
    }
}

impl Drop for RingMemory {
    fn drop(&mut self) {
        // SAFETY: `base` came from vmalloc_user and is freed once; the
        // owner drops it only after the probes are gone and no file maps
        // it (a mapping holds the module, which cannot unload meanwhile).
        unsafe { vfree(self.base as *const c_void) };
    }
}
