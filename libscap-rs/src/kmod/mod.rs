//! The kernel module engine: live capture from driver-rs/'s `falco` module.
//!
//! The module exposes one character device per possible CPU (`/dev/falco0`,
//! `/dev/falco1`, ...), each with its own mmap ring (falco-abi's `ring`
//! layout) and ioctls (falco-abi's `ioctl`). Opening the engine opens every
//! device, checks the module's API version, maps the rings, sets the
//! snapshot length and the syscalls to capture, enables capture and then
//! scans /proc.
//!
//! Each ring is in timestamp order by itself; `next` merges them by
//! delivering, among the events currently at the head of every ring, the
//! one with the smallest timestamp. An event published later on another
//! CPU can still be older than one already delivered (as with libscap's
//! own per-CPU merge): the order is exact only within a CPU.
//!
//! There is no wake-up fd: when every ring is empty `next` sleeps
//! `poll_every` once, looks again, and reports `Next::Timeout` if still
//! nothing came. Dropping the engine disables capture and unmaps and
//! closes every device.
//!
//! All unsafe code (ioctls, mmap, the shared control words) is in
//! `kmod/ring.rs`, the one module of the crate allowed to have any.

mod ring;

use crate::engine::{Engine, EngineStats, Next};
use crate::error::{EngineError, EngineFailure, Result, ScapError};
use crate::event::{Event, HeaderLayout};
use crate::procfs::{self, ScanOptions};
use crate::state::InitialState;
use falco_abi::ioctl::SyscallMask;
use falco_abi::ring::{Record, RingStats};
use falco_abi::syscalls::X86_64_SYSCALLS;
use ring::{Device, Ring};
use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How to start the engine.
#[derive(Debug, Clone)]
pub struct KmodOptions {
    /// Devices are `<prefix>0`, `<prefix>1`, ...: "/dev/falco".
    pub device_prefix: PathBuf,
    /// Bytes of I/O buffers kept per event (IOCTL_SET_SNAPLEN).
    pub snaplen: u32,
    /// PPM_SC codes of the syscalls to capture; `None` captures all.
    pub syscalls: Option<BTreeSet<u16>>,
    /// How long `next` sleeps when every ring is empty before it looks
    /// once more and reports a timeout.
    pub poll_every: Duration,
    /// The /proc scan that seeds state; `None` skips it.
    pub scan: Option<ScanOptions>,
}

impl Default for KmodOptions {
    fn default() -> Self {
        KmodOptions {
            device_prefix: PathBuf::from("/dev/falco"),
            snaplen: 80,
            syscalls: None,
            poll_every: Duration::from_millis(5),
            scan: Some(ScanOptions::default()),
        }
    }
}

/// The syscall mask the module takes (x86-64 syscall numbers) for a set of
/// PPM_SC codes; `None` is every syscall.
pub fn syscall_mask(syscalls: Option<&BTreeSet<u16>>) -> SyscallMask {
    let Some(set) = syscalls else {
        return SyscallMask::ALL;
    };
    let mut mask = SyscallMask::NONE;
    for sc in X86_64_SYSCALLS.iter().filter(|s| set.contains(&s.ppm_sc)) {
        // Numbers beyond the mask (none on x86-64 today) cannot be asked
        // for; the module does not capture them either.
        mask.insert(sc.nr as usize);
    }
    mask
}

/// The ring to take the next event from: the one whose head event has the
/// smallest timestamp (`None` = that ring has no event). Ties go to the
/// lowest index, so equal timestamps keep a stable CPU order.
pub fn earliest(heads: &[Option<u64>]) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (i, ts) in heads.iter().enumerate() {
        if let Some(ts) = *ts {
            if best.is_none_or(|(_, b)| ts < b) {
                best = Some((i, ts));
            }
        }
    }
    best.map(|(i, _)| i)
}

/// The event at the head of one ring, decoded but not consumed.
#[derive(Debug, Clone, Copy)]
struct Head {
    offset: usize,
    len: usize,
}

/// Live capture from the kernel module, one ring per CPU.
#[derive(Debug)]
pub struct KmodEngine {
    rings: Vec<Ring>,
    /// Per ring: the event at its head, once looked at (so a ring is
    /// decoded again only after its head event was taken).
    heads: Vec<Option<Head>>,
    /// Per ring: the timestamp of `heads[i]` (the merge's input).
    head_ts: Vec<Option<u64>>,
    buf: Vec<u8>,
    initial: Option<InitialState>,
    delivered: u64,
    poll_every: Duration,
}

/// The device of CPU `cpu`.
fn device_path(prefix: &Path, cpu: usize) -> PathBuf {
    let mut p = prefix.as_os_str().to_owned();
    p.push(cpu.to_string());
    PathBuf::from(p)
}

/// Why a device could not be opened, in words a user can act on.
fn open_error(path: &Path, e: std::io::Error) -> ScapError {
    let p = path.display();
    let (failure, text) = match e.raw_os_error() {
        Some(nix::libc::EBUSY) => (
            EngineFailure::Busy,
            format!("kmod: another consumer holds {p} (is another falco running?)"),
        ),
        Some(nix::libc::ENOENT) => (
            EngineFailure::ModuleNotLoaded,
            format!("kmod: no {p}: is the falco module loaded? (modprobe falco)"),
        ),
        // A stale device node without its driver.
        Some(nix::libc::ENXIO | nix::libc::ENODEV) => (
            EngineFailure::ModuleNotLoaded,
            format!("kmod: {p}: {e}: is the falco module loaded? (modprobe falco)"),
        ),
        _ if e.kind() == ErrorKind::PermissionDenied => (
            EngineFailure::NotPermitted,
            format!("kmod: {p}: {e} (run falco as root)"),
        ),
        _ => (EngineFailure::Other, format!("kmod: {p}: {e}")),
    };
    EngineError::new(failure, text).caused_by(e).into()
}

impl KmodEngine {
    /// An engine over rings already mapped (the tests' file-backed rings).
    #[cfg(test)]
    fn from_rings(rings: Vec<Ring>, poll_every: Duration) -> KmodEngine {
        let n = rings.len();
        KmodEngine {
            rings,
            heads: vec![None; n],
            head_ts: vec![None; n],
            buf: Vec::new(),
            initial: None,
            delivered: 0,
            poll_every,
        }
    }

    /// Opens every device `<prefix>0`, `<prefix>1`, ... up to the first that
    /// does not exist, configures and enables capture on each, then (with
    /// `opts.scan`) scans /proc. Needs root (the devices are root's).
    pub fn open(opts: &KmodOptions) -> Result<KmodEngine> {
        let mask = syscall_mask(opts.syscalls.as_ref());
        let mut rings = Vec::new();
        for cpu in 0.. {
            let path = device_path(&opts.device_prefix, cpu);
            let dev = match Device::open(&path) {
                Ok(dev) => dev,
                Err(e) if e.kind() == ErrorKind::NotFound && cpu > 0 => break,
                Err(e) => return Err(open_error(&path, e)),
            };
            // The version first: nothing else is asked of a module whose
            // ABI we may not share.
            dev.check_api_version()?;
            let ring = dev.map()?;
            ring.device().set_snaplen(opts.snaplen)?;
            ring.device().set_syscall_mask(&mask)?;
            rings.push(ring);
        }
        // Every device is configured before any captures; a failure above
        // drops the rings opened so far (closing them).
        for ring in &mut rings {
            ring.discard_unread();
            ring.enable_capture()?;
        }
        // Scanned after enabling capture: a process that starts during the
        // scan is seen by both, never by neither.
        let initial = match &opts.scan {
            Some(scan) => procfs::scan(scan)?,
            None => InitialState::default(),
        };
        let n = rings.len();
        Ok(KmodEngine {
            rings,
            heads: vec![None; n],
            head_ts: vec![None; n],
            buf: Vec::with_capacity(64 << 10),
            initial: Some(initial),
            delivered: 0,
            poll_every: opts.poll_every,
        })
    }

    /// How many per-CPU devices the engine reads.
    pub fn cpus(&self) -> usize {
        self.rings.len()
    }

    /// The module's per-cause counters summed over CPUs (IOCTL_GET_STATS).
    pub fn ring_stats(&self) -> Result<RingStats> {
        let mut sum = RingStats::default();
        for ring in &self.rings {
            let s = ring.device().stats()?;
            sum.n_evts += s.n_evts;
            sum.n_drops_buffer += s.n_drops_buffer;
            sum.n_drops_pf += s.n_drops_pf;
            sum.n_drops_bug += s.n_drops_bug;
            sum.n_drops_scratch += s.n_drops_scratch;
            sum.n_hits += s.n_hits;
        }
        Ok(sum)
    }

    /// Looks at the head of every ring whose head event is not known yet,
    /// stepping over wrap padding.
    fn refill(&mut self) -> Result<()> {
        for (i, ring) in self.rings.iter().enumerate() {
            if self.heads[i].is_some() {
                continue;
            }
            loop {
                match ring.next_record() {
                    Record::Empty => break,
                    Record::Skip { len } => ring.set_tail(ring.tail().wrapping_add(len as u64)),
                    Record::Event { offset, len } => {
                        self.heads[i] = Some(Head { offset, len });
                        self.head_ts[i] = Some(ring.event_ts(offset));
                        break;
                    }
                    Record::Corrupt { offset } => {
                        return Err(EngineError::new(
                            EngineFailure::Malformed,
                            format!(
                                "kmod: {}: corrupt ring at data offset {offset} \
                                 (head {}, tail {})",
                                ring.path().display(),
                                ring.head(),
                                ring.tail()
                            ),
                        )
                        .into())
                    }
                }
            }
        }
        Ok(())
    }

    /// Copies the earliest head event into `buf` and hands its bytes back
    /// to the module. Returns the CPU it came from.
    fn take_earliest(&mut self) -> Result<Option<usize>> {
        self.refill()?;
        let Some(cpu) = earliest(&self.head_ts) else {
            return Ok(None);
        };
        let (Some(head), Some(ring)) = (self.heads[cpu].take(), self.rings.get(cpu)) else {
            return Ok(None);
        };
        self.head_ts[cpu] = None;
        self.buf.clear();
        ring.copy(head.offset, head.len, &mut self.buf);
        ring.set_tail(ring.tail().wrapping_add(head.len as u64));
        Ok(Some(cpu))
    }
}

impl Engine for KmodEngine {
    fn name(&self) -> &'static str {
        "kmod"
    }

    fn is_live(&self) -> bool {
        true
    }

    fn take_initial_state(&mut self) -> InitialState {
        self.initial.take().unwrap_or_default()
    }

    /// Every CPU's device takes the new mask (the module reads it per
    /// syscall); capture stays enabled and the rings keep their events.
    fn set_syscalls(&mut self, syscalls: Option<&BTreeSet<u16>>) -> Result<bool> {
        let mask = syscall_mask(syscalls);
        for ring in &self.rings {
            ring.device().set_syscall_mask(&mask)?;
        }
        Ok(true)
    }

    fn next(&mut self) -> Result<Next<'_>> {
        let cpu = match self.take_earliest()? {
            Some(cpu) => cpu,
            None => {
                std::thread::sleep(self.poll_every);
                match self.take_earliest()? {
                    Some(cpu) => cpu,
                    None => return Ok(Next::Timeout),
                }
            }
        };
        let n = self.delivered + 1;
        let ev = Event::parse(&self.buf, HeaderLayout::V2).map_err(|e| {
            let text = format!(
                "kmod: event #{n} from {} is malformed: {e}",
                self.rings[cpu].path().display()
            );
            ScapError::from(EngineError::new(EngineFailure::Malformed, text).caused_by(e))
        })?;
        self.delivered = n;
        Ok(Next::Event(ev.with_origin(cpu as u16, 0)))
    }

    fn stats(&self) -> EngineStats {
        let rs = self.ring_stats().unwrap_or_default();
        EngineStats {
            events: self.delivered,
            drops_buffer: rs.n_drops_buffer,
            drops_pf: rs.n_drops_pf,
            drops_bug: rs.n_drops_bug + rs.n_drops_scratch,
        }
    }
}

#[cfg(test)]
mod tests;
