// SPDX-License-Identifier: GPL-2.0
//! [`Devices`]: the per-CPU misc devices `/dev/falco<N>` (helpers.c's
//! `struct miscdevice`), whose `file_operations` are Rust trampolines that
//! call a [`DeviceOps`]; `mmap` maps the CPU's [`RingMemory`].

use super::ring::RingMemory;
use core::ffi::c_void;
use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::sync::Arc;

/// helpers.c's `struct falco_dev` (opaque here).
#[repr(C)]
struct RawDev {
    _private: [u8; 0],
}

#[allow(improper_ctypes)]
extern "C" {
    fn remap_vmalloc_range(vma: *mut bindings::vm_area_struct, addr: *mut c_void, pgoff: c_ulong) -> c_int;

    // helpers.c
    fn falco_dev_create(
        index: c_uint,
        fops: *const bindings::file_operations,
        data: *mut c_void,
        out: *mut *mut RawDev,
    ) -> c_int;
    fn falco_dev_destroy(dev: *mut RawDev);
    fn falco_file_dev(file: *mut bindings::file, index: *mut c_uint) -> *mut c_void;
    fn falco_vma_len(vma: *mut bindings::vm_area_struct) -> c_ulong;
}

/// What the per-CPU devices do; `index` is the device's CPU.
pub(crate) trait DeviceOps: Send + Sync + 'static {
    fn open(&self, index: usize) -> Result;
    fn release(&self, index: usize);
    fn ioctl(&self, index: usize, cmd: u32, arg: usize) -> Result<isize>;
    /// The memory `mmap` maps for this device.
    fn memory(&self, index: usize) -> Option<&RingMemory>;
}

fn ops_of<'a, T: DeviceOps>(file: *mut bindings::file) -> (&'a T, usize) {
    let mut index: c_uint = 0;
    // SAFETY: `file` is a file of one of our misc devices (the only users
    // of these file operations); its `private_data` is the miscdevice.
    let data = unsafe { falco_file_dev(file, &mut index) };
    // SAFETY: `data` is the `T` given to `Devices::register`, which
    // outlives every open file (files hold the module; devices are
    // deregistered before `T` is dropped).
    (unsafe { &*(data as *const T) }, index as usize)
}

unsafe extern "C" fn dev_open<T: DeviceOps>(_inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
    let (ops, index) = ops_of::<T>(file);
    match ops.open(index) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

unsafe extern "C" fn dev_release<T: DeviceOps>(_inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
    let (ops, index) = ops_of::<T>(file);
    ops.release(index);
    0
}

unsafe extern "C" fn dev_ioctl<T: DeviceOps>(file: *mut bindings::file, cmd: c_uint, arg: c_ulong) -> c_long {
    let (ops, index) = ops_of::<T>(file);
    match ops.ioctl(index, cmd, arg as usize) {
        Ok(v) => v as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

unsafe extern "C" fn dev_mmap<T: DeviceOps>(file: *mut bindings::file, vma: *mut bindings::vm_area_struct) -> c_int {
    let (ops, index) = ops_of::<T>(file);
    let Some(mem) = ops.memory(index) else {
        return ENODEV.to_errno();
    };
    // SAFETY: `vma` is the live area being set up for this mmap call.
    let (len, pgoff) = unsafe { (falco_vma_len(vma) as usize, (*vma).vm_pgoff) };
    // The whole mapping must come from the area, from its start (the
    // consumer maps the control page alone first, then everything).
    if pgoff != 0 || len > mem.len() {
        return EINVAL.to_errno();
    }
    // SAFETY: `mem.base` is a vmalloc_user area of `mem.len` bytes, at
    // least `len`; the mapping keeps the file (and so the module and the
    // area) alive until it is unmapped.
    unsafe { remap_vmalloc_range(vma, mem.base as *mut c_void, 0) }
}

/// Per-CPU misc devices `/dev/falco<N>` served by a `T`.
pub(crate) struct Devices<T: DeviceOps> {
    devs: KVec<*mut RawDev>,
    /// Referenced by the devices: freed after they are deregistered.
    _fops: KBox<bindings::file_operations>,
    _ops: Arc<T>,
}

// SAFETY: the device pointers are only passed back to helpers.c.
unsafe impl<T: DeviceOps> Send for Devices<T> {}
// SAFETY: as above; shared access reaches nothing mutable.
unsafe impl<T: DeviceOps> Sync for Devices<T> {}

impl<T: DeviceOps> Devices<T> {
    /// Registers `/dev/falco0` .. `/dev/falco<count-1>`.
    pub(crate) fn register(module: &'static ThisModule, count: usize, ops: Arc<T>) -> Result<Self> {
        // SAFETY: `file_operations` is plain data (pointers and options)
        // for which all-zeroes means "no such operation".
        let mut fops: bindings::file_operations = unsafe { core::mem::zeroed() };
        fops.owner = module.as_ptr();
        fops.open = Some(dev_open::<T>);
        fops.release = Some(dev_release::<T>);
        fops.unlocked_ioctl = Some(dev_ioctl::<T>);
        fops.mmap = Some(dev_mmap::<T>);
        let fops = KBox::new(fops, GFP_KERNEL)?;
        let mut devices = Devices {
            devs: KVec::with_capacity(count, GFP_KERNEL)?,
            _fops: fops,
            _ops: ops,
        };
        let data = &*devices._ops as *const T as *mut c_void;
        for i in 0..count {
            let index = c_uint::try_from(i).map_err(|_| EINVAL)?;
            let mut dev: *mut RawDev = core::ptr::null_mut();
            // SAFETY: `fops` and `data` outlive the device (both are owned
            // by `devices`, which deregisters in Drop before freeing).
            let err = unsafe { falco_dev_create(index, &*devices._fops, data, &mut dev) };
            if err != 0 {
                pr_err!("registering /dev/falco{} failed: {}\n", i, err);
                return Err(Error::from_errno(err));
            }
            if let Err(e) = devices.devs.push(dev, GFP_KERNEL) {
                // SAFETY: registered just above, not yet tracked.
                unsafe { falco_dev_destroy(dev) };
                return Err(e.into());
            }
        }
        Ok(devices)
    }
}

impl<T: DeviceOps> Drop for Devices<T> {
    fn drop(&mut self) {
        for dev in self.devs.iter() {
            // SAFETY: each was registered by `register` and is destroyed
            // once; no file is open (open files hold the module).
            unsafe { falco_dev_destroy(*dev) };
        }
    }
}
