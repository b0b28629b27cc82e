// SPDX-License-Identifier: GPL-2.0
//! [`ProbeCell`]: one CPU's probe state behind an atomic flag, which the
//! probes try once and the control path spins on.

/// One CPU's probe state: taken by the probes with `try_lock` (they
/// never wait: a busy cell means the control path is resetting the ring,
/// and the event is dropped and counted) and by the control path with
/// `lock` (it spins while a probe holds the cell, for one event with
/// preemption off). An atomic flag, not a kernel spinlock: the
/// sched_switch probe runs under the runqueue lock, and a spinlock held
/// there would order it before everything the other probes take while
/// holding it (d_path's fs->seq, ...), which lockdep rightly refuses.
pub(crate) struct ProbeCell<T> {
    busy: core::sync::atomic::AtomicBool,
    value: core::cell::UnsafeCell<T>,
}

// SAFETY: the value is only reached through a `CellGuard`, of which the
// `busy` flag (acquire on taking, release on dropping) allows one at a
// time, whatever the CPU.
unsafe impl<T: Send> Sync for ProbeCell<T> {}

impl<T> ProbeCell<T> {
    pub(crate) fn new(value: T) -> Self {
        ProbeCell {
            busy: core::sync::atomic::AtomicBool::new(false),
            value: core::cell::UnsafeCell::new(value),
        }
    }

    pub(crate) fn try_lock(&self) -> Option<CellGuard<'_, T>> {
        use core::sync::atomic::Ordering;
        self.busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| CellGuard { cell: self })
    }

    pub(crate) fn lock(&self) -> CellGuard<'_, T> {
        loop {
            if let Some(g) = self.try_lock() {
                return g;
            }
            core::hint::spin_loop();
        }
    }
}

/// Exclusive access to a `ProbeCell`'s value until dropped.
pub(crate) struct CellGuard<'a, T> {
    cell: &'a ProbeCell<T>,
}

impl<T> core::ops::Deref for CellGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the cell's flag: no other reference to
        // the value exists until it is dropped.
        unsafe { &*self.cell.value.get() }
    }
}

impl<T> core::ops::DerefMut for CellGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only one.
        unsafe { &mut *self.cell.value.get() }
    }
}

impl<T> Drop for CellGuard<'_, T> {
    fn drop(&mut self) {
        self.cell.busy.store(false, core::sync::atomic::Ordering::Release);
    }
}
