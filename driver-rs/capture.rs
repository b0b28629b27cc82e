// SPDX-License-Identifier: GPL-2.0
//! The capture: the per-CPU rings, what userspace asked for (syscalls,
//! snaplen), the probes that fill the rings, and the device operations
//! that map them and take the ioctls of falco-abi's `ioctl.rs`.

use core::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::uaccess::UserSlice;

use crate::fillers::{self, Out, Syscall};
use crate::ioctl::{
    SyscallMask, API_VERSION, IOCTL_DISABLE_CAPTURE, IOCTL_ENABLE_CAPTURE, IOCTL_GET_API_VERSION,
    IOCTL_GET_STATS, IOCTL_SET_SNAPLEN, IOCTL_SET_SYSCALL_MASK,
};
use crate::producer::CpuRing;
use crate::syscalls;
use crate::sys::{self, Bprm, DeviceOps, Hooks, Regs, RingMemory};

/// Largest snaplen accepted (bytes of I/O buffers per event).
const SNAPLEN_MAX: u32 = 65_000;

pub(crate) struct Capture {
    rings: KVec<CpuRing>,
    /// Per device: bit 0 open, bit 1 capture enabled.
    open: KVec<AtomicU32>,
    /// Devices with capture enabled: the probes return at once when 0.
    active: AtomicU32,
    /// The thread group of the consumer: its own syscalls are not captured.
    consumer_tgid: AtomicI64,
    /// Bytes of I/O buffers kept per event (for the read/write family).
    snaplen: AtomicU32,
    mask: [AtomicU64; 8],
}

impl Capture {
    pub(crate) fn new(cpus: usize, data_size: usize) -> Result<Self> {
        let mut rings = KVec::with_capacity(cpus, GFP_KERNEL)?;
        let mut open = KVec::with_capacity(cpus, GFP_KERNEL)?;
        for _ in 0..cpus {
            rings.push(CpuRing::new(data_size)?, GFP_KERNEL)?;
            open.push(AtomicU32::new(0), GFP_KERNEL)?;
        }
        Ok(Capture {
            rings,
            open,
            active: AtomicU32::new(0),
            consumer_tgid: AtomicI64::new(0),
            snaplen: AtomicU32::new(80),
            mask: SyscallMask::ALL.bits.map(AtomicU64::new),
        })
    }

    fn wanted(&self, nr: usize) -> bool {
        nr < SyscallMask::MAX_SYSCALLS && self.mask[nr / 64].load(Ordering::Relaxed) & (1 << (nr % 64)) != 0
    }

    /// This CPU's ring, when capture may be on and the event is not the
    /// consumer's own.
    fn ring_for_current(&self) -> Option<(&CpuRing, i64)> {
        if self.active.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let (tid, tgid) = sys::current_ids();
        if tgid == self.consumer_tgid.load(Ordering::Relaxed) {
            return None;
        }
        self.rings.get(sys::cpu_id()).map(|r| (r, tid))
    }

    fn ring(&self, index: usize) -> Result<&CpuRing> {
        self.rings.get(index).ok_or(ENODEV)
    }

    fn set_enabled(&self, index: usize, on: bool) -> Result {
        let ring = self.ring(index)?;
        let flag = self.open.get(index).ok_or(ENODEV)?;
        // `open` bit 1: enabled; count transitions only.
        let was = flag.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
            Some(if on { v | 2 } else { v & !2 })
        });
        let was_on = matches!(was, Ok(v) if v & 2 != 0);
        ring.set_enabled(on);
        match (was_on, on) {
            (false, true) => {
                self.active.fetch_add(1, Ordering::AcqRel);
            }
            (true, false) => {
                self.active.fetch_sub(1, Ordering::AcqRel);
            }
            _ => {}
        }
        Ok(())
    }
}

impl Hooks for Capture {
    fn sys_exit(&self, regs: &Regs, ret: i64) {
        if self.active.load(Ordering::Relaxed) == 0 || sys::in_compat_syscall() {
            return;
        }
        let Ok(nr) = u16::try_from(regs.nr()) else {
            return;
        };
        if !self.wanted(nr as usize) {
            return;
        }
        let Some((ring, tid)) = self.ring_for_current() else {
            return;
        };
        let (ppm_sc, exit_event) = syscalls::x86_64_syscall(nr).map_or((0, 0), |s| (s.ppm_sc, s.exit_event));
        let sc = Syscall {
            nr,
            ppm_sc,
            exit_event,
            args: regs.args(),
            ret,
            snaplen: self.snaplen.load(Ordering::Relaxed),
        };
        ring.emit(|scratch| {
            let (mut out, exec) = Out::of(scratch, sys::now_ns(), tid);
            fillers::syscall_exit(&sc, &mut out, exec)
        });
    }

    fn process_exit(&self) {
        let Some((ring, tid)) = self.ring_for_current() else {
            return;
        };
        ring.emit(|scratch| {
            let (mut out, _) = Out::of(scratch, sys::now_ns(), tid);
            fillers::procexit(&mut out)
        });
    }

    fn sched_switch(&self, next_tid: i64) {
        let Some((ring, tid)) = self.ring_for_current() else {
            return;
        };
        ring.emit(|scratch| {
            let (mut out, _) = Out::of(scratch, sys::now_ns(), tid);
            fillers::switch(&mut out, next_tid)
        });
    }

    fn process_exec(&self, bprm: &Bprm) {
        let Some((ring, tid)) = self.ring_for_current() else {
            return;
        };
        ring.with_scratch(|s| fillers::exec_name(&mut s.exec, tid, bprm));
    }
}

impl DeviceOps for Capture {
    fn open(&self, index: usize) -> Result {
        let ring = self.ring(index)?;
        let flag = self.open.get(index).ok_or(ENODEV)?;
        // One consumer per device.
        if flag.compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return Err(EBUSY);
        }
        ring.reset();
        let (_, tgid) = sys::current_ids();
        self.consumer_tgid.store(tgid, Ordering::Relaxed);
        Ok(())
    }

    fn release(&self, index: usize) {
        let _ = self.set_enabled(index, false);
        if let Some(flag) = self.open.get(index) {
            flag.store(0, Ordering::Release);
        }
        if self.open.iter().all(|f| f.load(Ordering::Acquire) == 0) {
            self.consumer_tgid.store(0, Ordering::Relaxed);
        }
    }

    fn ioctl(&self, index: usize, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            IOCTL_GET_API_VERSION => {
                UserSlice::new(arg, 8).writer().write_slice(&API_VERSION.encode().to_le_bytes())?;
            }
            IOCTL_ENABLE_CAPTURE => self.set_enabled(index, true)?,
            IOCTL_DISABLE_CAPTURE => self.set_enabled(index, false)?,
            IOCTL_SET_SNAPLEN => {
                let mut b = [0u8; 4];
                UserSlice::new(arg, 4).reader().read_slice(&mut b)?;
                let v = u32::from_le_bytes(b);
                if v > SNAPLEN_MAX {
                    return Err(EINVAL);
                }
                self.snaplen.store(v, Ordering::Relaxed);
            }
            IOCTL_SET_SYSCALL_MASK => {
                let mut b = [0u8; 64];
                UserSlice::new(arg, 64).reader().read_slice(&mut b)?;
                for (i, word) in self.mask.iter().enumerate() {
                    let mut w = [0u8; 8];
                    w.copy_from_slice(&b[i * 8..i * 8 + 8]);
                    word.store(u64::from_le_bytes(w), Ordering::Relaxed);
                }
            }
            IOCTL_GET_STATS => {
                let s = self.ring(index)?.stats();
                let words = [s.n_evts, s.n_drops_buffer, s.n_drops_pf, s.n_drops_bug, s.n_drops_scratch, s.n_hits];
                let mut b = [0u8; 48];
                for (i, v) in words.iter().enumerate() {
                    b[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
                }
                UserSlice::new(arg, 48).writer().write_slice(&b)?;
            }
            _ => return Err(ENOTTY),
        }
        Ok(0)
    }

    fn memory(&self, index: usize) -> Option<&RingMemory> {
        self.rings.get(index).map(|r| r.memory())
    }
}

/// Totals over all CPUs (for the unload message).
pub(crate) fn totals(c: &Capture) -> crate::ring::RingStats {
    let mut t = crate::ring::RingStats::default();
    for r in c.rings.iter() {
        let s = r.stats();
        t.n_evts = t.n_evts.wrapping_add(s.n_evts);
        t.n_drops_buffer = t.n_drops_buffer.wrapping_add(s.n_drops_buffer);
        t.n_drops_pf = t.n_drops_pf.wrapping_add(s.n_drops_pf);
        t.n_drops_bug = t.n_drops_bug.wrapping_add(s.n_drops_bug);
        t.n_drops_scratch = t.n_drops_scratch.wrapping_add(s.n_drops_scratch);
        t.n_hits = t.n_hits.wrapping_add(s.n_hits);
    }
    t
}
