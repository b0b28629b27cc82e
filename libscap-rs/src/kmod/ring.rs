//! One per-CPU device of the kernel module: the file, its ioctls and its
//! mmap ring.
//!
//! This is the only module of falco-scap with `unsafe` (DESIGN.md allows it
//! in "scap's ring/syscall module"): the crate root denies `unsafe_code` and
//! this module alone allows it, because talking to the device needs three
//! things std and the safe wrappers cannot do — `ioctl(2)` on the device
//! (through nix's `ioctl_*_bad!` wrappers, with falco-abi's request
//! numbers), `mmap(2)`/`munmap(2)` of the shared ring, and atomic/plain
//! access to that shared memory. Everything leaves this module as safe
//! methods; every unsafe block carries a `// SAFETY:` comment.
//!
//! The other side of the ring is the module's producer in driver-rs/: it
//! writes whole events at `head % data_size` and publishes `head` with a
//! release store; here `head` is loaded with acquire, the records are
//! decoded with falco-abi's `ring::next_record`, and the tail is stored with
//! release once the bytes are copied out.

#![allow(unsafe_code)]

use crate::error::{EngineError, EngineFailure, Result, ScapError};
use falco_abi::ioctl::{
    ApiVersion, SyscallMask, API_VERSION, IOCTL_DISABLE_CAPTURE, IOCTL_ENABLE_CAPTURE,
    IOCTL_GET_API_VERSION, IOCTL_GET_STATS, IOCTL_SET_SNAPLEN, IOCTL_SET_SYSCALL_MASK,
};
use falco_abi::ring::{
    next_record, Record, RingControl, RingStats, RING_CONTROL_SIZE, RING_MAX_DATA_SIZE,
    RING_MIN_DATA_SIZE,
};
use nix::sys::mman::{mmap, munmap, MapFlags, ProtFlags};
use std::ffi::c_void;
use std::fs::File;
use std::mem::offset_of;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

mod sys {
    //! The ioctls, with the request numbers falco-abi defines (the ones the
    //! module registers). Each is `unsafe fn(fd, ...)`: the caller passes an
    //! open fd and, for the pointer forms, a pointer valid for the size the
    //! request number encodes.
    use falco_abi::ioctl::SyscallMask;
    use falco_abi::ring::RingStats;

    nix::ioctl_read_bad!(get_api_version, super::IOCTL_GET_API_VERSION, u64);
    nix::ioctl_none_bad!(enable_capture, super::IOCTL_ENABLE_CAPTURE);
    nix::ioctl_none_bad!(disable_capture, super::IOCTL_DISABLE_CAPTURE);
    nix::ioctl_write_ptr_bad!(set_snaplen, super::IOCTL_SET_SNAPLEN, u32);
    nix::ioctl_write_ptr_bad!(set_syscall_mask, super::IOCTL_SET_SYSCALL_MASK, SyscallMask);
    nix::ioctl_read_bad!(get_stats, super::IOCTL_GET_STATS, RingStats);
}

/// "kmod: {path}: {what}: {e}", of kind `failure`.
fn fail(failure: EngineFailure, path: &Path, what: &str, e: impl std::fmt::Display) -> ScapError {
    EngineError::new(failure, format!("kmod: {}: {what}: {e}", path.display())).into()
}

/// A system call's failure on the device, `e` kept as the cause.
fn sys_fail(path: &Path, what: &str, e: nix::errno::Errno, hint: &str) -> ScapError {
    let failure = EngineError::classify(&e, EngineFailure::Other);
    let text = format!("kmod: {}: {what}: {}{hint}", path.display(), e.desc());
    EngineError::new(failure, text).caused_by(e).into()
}

/// An ioctl's failure, with a hint when the file is not one of ours.
fn ioctl_fail(path: &Path, name: &str, e: nix::errno::Errno) -> ScapError {
    let hint = if e == nix::errno::Errno::ENOTTY {
        " (not a falco device?)"
    } else {
        ""
    };
    sys_fail(path, &format!("ioctl {name}"), e, hint)
}

/// An opened device, not yet mapped.
#[derive(Debug)]
pub(super) struct Device {
    path: PathBuf,
    file: File,
}

impl Device {
    /// Opens `path` read-write (the module allows one open at a time: a
    /// second one fails with EBUSY).
    pub(super) fn open(path: &Path) -> std::io::Result<Device> {
        let file = File::options().read(true).write(true).open(path)?;
        Ok(Device {
            path: path.to_owned(),
            file,
        })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// The producer's API version (IOCTL_GET_API_VERSION), refused when its
    /// major differs from ours.
    pub(super) fn check_api_version(&self) -> Result<ApiVersion> {
        let mut v = 0u64;
        // SAFETY: the fd is open for the life of `self.file`, and `v` is a
        // live, writable u64, the size IOCTL_GET_API_VERSION encodes.
        unsafe { sys::get_api_version(self.file.as_raw_fd(), &mut v) }
            .map_err(|e| ioctl_fail(&self.path, "GET_API_VERSION", e))?;
        let theirs = ApiVersion::decode(v);
        check_version(&self.path, theirs)?;
        Ok(theirs)
    }

    pub(super) fn set_snaplen(&self, snaplen: u32) -> Result<()> {
        // SAFETY: open fd; the pointer is to a live u32, the size
        // IOCTL_SET_SNAPLEN encodes; the kernel only reads it.
        unsafe { sys::set_snaplen(self.file.as_raw_fd(), &snaplen) }
            .map_err(|e| ioctl_fail(&self.path, "SET_SNAPLEN", e))?;
        Ok(())
    }

    pub(super) fn set_syscall_mask(&self, mask: &SyscallMask) -> Result<()> {
        // SAFETY: open fd; the pointer is to a live SyscallMask (repr(C)),
        // the size IOCTL_SET_SYSCALL_MASK encodes; the kernel only reads it.
        unsafe { sys::set_syscall_mask(self.file.as_raw_fd(), mask) }
            .map_err(|e| ioctl_fail(&self.path, "SET_SYSCALL_MASK", e))?;
        Ok(())
    }

    pub(super) fn stats(&self) -> Result<RingStats> {
        let mut s = RingStats::default();
        // SAFETY: open fd; `s` is a live, writable RingStats (repr(C), plain
        // u64s, so any bytes the kernel writes are a valid value), the size
        // IOCTL_GET_STATS encodes.
        unsafe { sys::get_stats(self.file.as_raw_fd(), &mut s) }
            .map_err(|e| ioctl_fail(&self.path, "GET_STATS", e))?;
        Ok(s)
    }

    /// Maps the ring: the control page alone first to learn `data_size`,
    /// then control page + data area in one mapping.
    pub(super) fn map(self) -> Result<Ring> {
        let control = Mapping::new(&self.file, RING_CONTROL_SIZE)
            .map_err(|e| sys_fail(&self.path, "mmap of the control page", e, ""))?;
        let data_size = control.load_u64(offset_of!(RingControl, data_size));
        let version = ApiVersion::decode(control.load_u64(offset_of!(RingControl, api_version)));
        drop(control);
        if !API_VERSION.compatible_with(version) {
            return Err(fail(
                EngineFailure::Malformed,
                &self.path,
                "control page",
                format!(
                    "api_version {} is not compatible with API {}",
                    version_text(version),
                    version_text(API_VERSION)
                ),
            ));
        }
        let data_size = usize::try_from(data_size)
            .ok()
            .filter(|n| {
                n.is_power_of_two() && (RING_MIN_DATA_SIZE..=RING_MAX_DATA_SIZE).contains(n)
            })
            .ok_or_else(|| {
                fail(
                    EngineFailure::Malformed,
                    &self.path,
                    "control page",
                    format!(
                        "data_size {data_size} is not a power of two between \
                         {RING_MIN_DATA_SIZE} and {RING_MAX_DATA_SIZE}"
                    ),
                )
            })?;
        let map = Mapping::new(&self.file, RING_CONTROL_SIZE + data_size)
            .map_err(|e| sys_fail(&self.path, "mmap of the ring", e, ""))?;
        Ok(Ring {
            map,
            data_size,
            capturing: false,
            dev: self,
        })
    }
}

/// Refuses a producer whose major API version differs from ours.
pub(super) fn check_version(path: &Path, theirs: ApiVersion) -> Result<()> {
    if API_VERSION.compatible_with(theirs) {
        return Ok(());
    }
    Err(fail(
        EngineFailure::Other,
        path,
        "incompatible driver",
        format!(
            "the loaded falco module speaks API {}, this falco-rs needs API {} \
             (major versions must match): install matching versions",
            version_text(theirs),
            version_text(API_VERSION)
        ),
    ))
}

fn version_text(v: ApiVersion) -> String {
    format!("{}.{}.{}", v.major, v.minor, v.patch)
}

/// A shared read-write mapping of a device from offset 0, unmapped on drop.
#[derive(Debug)]
struct Mapping {
    ptr: NonNull<c_void>,
    len: usize,
}

// SAFETY: the mapping is owned by this value alone and is process-wide
// memory: moving the owner to another thread changes nothing about who may
// touch it. (It is not `Sync`: `Ring` does plain reads of the data area.)
unsafe impl Send for Mapping {}

impl Mapping {
    fn new(file: &File, len: usize) -> nix::Result<Mapping> {
        let length = NonZeroUsize::new(len).ok_or(nix::errno::Errno::EINVAL)?;
        // SAFETY: a fresh mapping at an address the kernel picks (no
        // `MAP_FIXED`), so no existing memory is replaced; the fd is open
        // for the duration of the call (the mapping keeps its own reference
        // to the file afterwards).
        let ptr = unsafe {
            mmap(
                None,
                length,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                file.as_fd(),
                0,
            )
        }?;
        Ok(Mapping { ptr, len })
    }

    /// The u64 at byte `at` of the mapping, as an atomic (page-aligned
    /// mapping, so an 8-aligned `at` gives an aligned atomic).
    fn atomic_u64(&self, at: usize) -> &AtomicU64 {
        assert!(
            at % 8 == 0 && at + 8 <= self.len,
            "offset {at} in the mapping"
        );
        // SAFETY: `at + 8 <= len` keeps the pointer inside the live mapping,
        // which outlives the returned borrow of `self`; mmap returns
        // page-aligned memory and `at` is a multiple of 8, so the AtomicU64
        // is aligned. The other side (the kernel) accesses these words only
        // atomically (smp_store_release/smp_load_acquire), and any bit
        // pattern is a valid u64.
        unsafe { &*self.ptr.as_ptr().cast::<u8>().add(at).cast::<AtomicU64>() }
    }

    fn load_u64(&self, at: usize) -> u64 {
        self.atomic_u64(at).load(Ordering::Acquire)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly what mmap returned, and no borrow
        // into the mapping outlives `self` (they all borrow `self`).
        if let Err(e) = unsafe { munmap(self.ptr, self.len) } {
            // Nothing to recover: the address space keeps the mapping.
            debug_assert!(false, "munmap: {e}");
        }
    }
}

/// A mapped device: control page, data area, capture switch.
#[derive(Debug)]
pub(super) struct Ring {
    /// Declared before `dev`: unmapped before the file is closed.
    map: Mapping,
    data_size: usize,
    capturing: bool,
    dev: Device,
}

impl Ring {
    pub(super) fn path(&self) -> &Path {
        self.dev.path()
    }

    pub(super) fn device(&self) -> &Device {
        &self.dev
    }

    fn head_word(&self) -> &AtomicU64 {
        self.map.atomic_u64(offset_of!(RingControl, head))
    }

    fn tail_word(&self) -> &AtomicU64 {
        self.map.atomic_u64(offset_of!(RingControl, tail))
    }

    /// The producer's head. Acquire: pairs with the module's release store
    /// after it wrote the events, so the bytes up to `head` are visible.
    pub(super) fn head(&self) -> u64 {
        self.head_word().load(Ordering::Acquire)
    }

    /// Our own tail (only this side writes it: relaxed is enough).
    pub(super) fn tail(&self) -> u64 {
        self.tail_word().load(Ordering::Relaxed)
    }

    /// Hands bytes before `tail` back to the producer. Release: our reads of
    /// them happen before the module (acquire-loading the tail) reuses them.
    pub(super) fn set_tail(&self, tail: u64) {
        self.tail_word().store(tail, Ordering::Release);
    }

    /// The data area, lent to `f` for one call that reads only published
    /// bytes.
    ///
    /// The ring protocol (`reserve` on the module's side) has the producer
    /// write only outside `[tail, head)`, and the callers below read only
    /// inside it: `next_record` checks every length against the span up to
    /// an acquire-loaded head before it reads, and `event_ts`/`copy` are
    /// given a record it returned, before the tail moves past it.
    fn with_data<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        // SAFETY: the data area is the `data_size` bytes after the control
        // page, inside the live mapping (mapped with exactly
        // RING_CONTROL_SIZE + data_size bytes), which outlives this borrow
        // of `self`; u8 has no invalid values and no alignment. The bytes
        // the callers read are published and stay unwritten by the
        // producer until `set_tail` releases them, which none of the
        // closures passed here calls.
        let data = unsafe {
            std::slice::from_raw_parts(
                self.map
                    .ptr
                    .as_ptr()
                    .cast::<u8>()
                    .add(RING_CONTROL_SIZE)
                    .cast_const(),
                self.data_size,
            )
        };
        f(data)
    }

    /// The record at our tail (falco-abi's decoder, bounds-checked).
    pub(super) fn next_record(&self) -> Record {
        let head = self.head();
        let tail = self.tail();
        self.with_data(|data| next_record(data, head, tail))
    }

    /// The timestamp of the event `next_record` returned at `offset` (its
    /// header's first field; `next_record` checked the header is there).
    pub(super) fn event_ts(&self, offset: usize) -> u64 {
        self.with_data(|data| {
            let mut ts = [0u8; 8];
            if let Some(b) = data.get(offset..offset + 8) {
                ts.copy_from_slice(b);
            }
            u64::from_le_bytes(ts)
        })
    }

    /// Appends the event `next_record` returned at `offset`/`len` to `out`.
    pub(super) fn copy(&self, offset: usize, len: usize, out: &mut Vec<u8>) {
        self.with_data(|data| {
            if let Some(bytes) = data.get(offset..offset + len) {
                out.extend_from_slice(bytes);
            }
        })
    }

    /// Drops whatever an earlier consumer left unread (it predates our
    /// /proc scan): start from an empty ring.
    pub(super) fn discard_unread(&self) {
        self.set_tail(self.head());
    }

    pub(super) fn enable_capture(&mut self) -> Result<()> {
        // SAFETY: open fd; the request takes no argument.
        unsafe { sys::enable_capture(self.dev.file.as_raw_fd()) }
            .map_err(|e| ioctl_fail(self.path(), "ENABLE_CAPTURE", e))?;
        self.capturing = true;
        Ok(())
    }

    fn disable_capture(&mut self) -> Result<()> {
        // SAFETY: open fd; the request takes no argument.
        unsafe { sys::disable_capture(self.dev.file.as_raw_fd()) }
            .map_err(|e| ioctl_fail(self.path(), "DISABLE_CAPTURE", e))?;
        self.capturing = false;
        Ok(())
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        if self.capturing {
            // Nothing to do about a failure here: closing the file below
            // ends this consumer's hold on the device anyway.
            let _ = self.disable_capture();
        }
        // Then `map` is unmapped and the file closed, in field order.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// falco-abi's request numbers are the ones Linux's _IO/_IOR/_IOW
    /// macros (as nix implements them) give for type 'F'.
    #[test]
    fn ioctl_numbers_match_the_linux_encoding() {
        use nix::{request_code_none, request_code_read, request_code_write};
        let m = falco_abi::ioctl::IOCTL_MAGIC;
        let n = |v: u32| v as nix::sys::ioctl::ioctl_num_type;
        assert_eq!(n(IOCTL_GET_API_VERSION), request_code_read!(m, 0, 8));
        assert_eq!(n(IOCTL_ENABLE_CAPTURE), request_code_none!(m, 1));
        assert_eq!(n(IOCTL_DISABLE_CAPTURE), request_code_none!(m, 2));
        assert_eq!(n(IOCTL_SET_SNAPLEN), request_code_write!(m, 3, 4));
        assert_eq!(n(IOCTL_SET_SYSCALL_MASK), request_code_write!(m, 4, 64));
        assert_eq!(n(IOCTL_GET_STATS), request_code_read!(m, 5, 48));
    }

    #[test]
    fn a_major_mismatch_is_refused_naming_both_versions() {
        let p = Path::new("/dev/falco3");
        assert!(check_version(p, API_VERSION).is_ok());
        let newer = ApiVersion {
            major: API_VERSION.major + 1,
            minor: 4,
            patch: 2,
        };
        let text = check_version(p, newer).unwrap_err().to_string();
        let ours = format!(
            "{}.{}.{}",
            API_VERSION.major, API_VERSION.minor, API_VERSION.patch
        );
        assert!(text.starts_with("kmod: /dev/falco3: "), "{text}");
        assert!(
            text.contains(&format!("API {}.4.2", API_VERSION.major + 1)),
            "{text}"
        );
        assert!(text.contains(&format!("API {ours}")), "{text}");
    }
}
