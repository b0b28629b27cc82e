//! ioctl numbers of the per-CPU devices and the API version they check.
//!
//! Encoded like Linux's asm-generic `_IO/_IOR/_IOW` (dir:2 size:14 type:8
//! nr:8) so the numbers are the ones the kernel module registers.

/// API version of the driver interface: major changes are incompatible.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ApiVersion {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

impl ApiVersion {
    /// Packs into a u64: major << 32 | minor << 16 | patch.
    pub const fn encode(self) -> u64 {
        ((self.major as u64) << 32) | ((self.minor as u64) << 16) | self.patch as u64
    }

    pub const fn decode(v: u64) -> ApiVersion {
        ApiVersion {
            major: (v >> 32) as u16,
            minor: (v >> 16) as u16,
            patch: v as u16,
        }
    }

    /// A consumer built for `self` can use a producer of version `other`.
    pub const fn compatible_with(self, other: ApiVersion) -> bool {
        self.major == other.major
    }
}

pub const API_VERSION: ApiVersion = ApiVersion {
    major: 1,
    minor: 0,
    patch: 0,
};

const IOC_NRBITS: u32 = 8;
const IOC_TYPEBITS: u32 = 8;
const IOC_SIZEBITS: u32 = 14;
const IOC_NRSHIFT: u32 = 0;
const IOC_TYPESHIFT: u32 = IOC_NRSHIFT + IOC_NRBITS;
const IOC_SIZESHIFT: u32 = IOC_TYPESHIFT + IOC_TYPEBITS;
const IOC_DIRSHIFT: u32 = IOC_SIZESHIFT + IOC_SIZEBITS;
const IOC_NONE: u32 = 0;
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;

const fn ioc(dir: u32, nr: u32, size: u32) -> u32 {
    (dir << IOC_DIRSHIFT)
        | ((IOCTL_MAGIC as u32) << IOC_TYPESHIFT)
        | (nr << IOC_NRSHIFT)
        | (size << IOC_SIZESHIFT)
}

/// The ioctl type byte of our devices.
pub const IOCTL_MAGIC: u8 = b'F';

/// Returns the driver's `API_VERSION` (u64, see `ApiVersion::encode`).
pub const IOCTL_GET_API_VERSION: u32 = ioc(IOC_READ, 0, 8);
/// Starts capture on this CPU's ring.
pub const IOCTL_ENABLE_CAPTURE: u32 = ioc(IOC_NONE, 1, 0);
/// Stops capture on this CPU's ring.
pub const IOCTL_DISABLE_CAPTURE: u32 = ioc(IOC_NONE, 2, 0);
/// Sets the snapshot length (u32 bytes of I/O buffers captured).
pub const IOCTL_SET_SNAPLEN: u32 = ioc(IOC_WRITE, 3, 4);
/// Sets the syscalls to capture: a `SyscallMask` of x86-64 syscall numbers.
pub const IOCTL_SET_SYSCALL_MASK: u32 =
    ioc(IOC_WRITE, 4, core::mem::size_of::<SyscallMask>() as u32);
/// Copies this CPU's `RingStats` out.
pub const IOCTL_GET_STATS: u32 = ioc(
    IOC_READ,
    5,
    core::mem::size_of::<crate::ring::RingStats>() as u32,
);

/// Bitmap of syscall numbers to capture (bit n = syscall n).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallMask {
    pub bits: [u64; 8],
}

impl SyscallMask {
    pub const MAX_SYSCALLS: usize = 512;
    pub const ALL: SyscallMask = SyscallMask {
        bits: [u64::MAX; 8],
    };
    pub const NONE: SyscallMask = SyscallMask { bits: [0; 8] };

    pub const fn contains(&self, nr: usize) -> bool {
        nr < Self::MAX_SYSCALLS && self.bits[nr / 64] & (1 << (nr % 64)) != 0
    }

    /// Sets bit `nr`; numbers beyond the mask are ignored and reported.
    pub fn insert(&mut self, nr: usize) -> bool {
        match self.bits.get_mut(nr / 64) {
            Some(w) => {
                *w |= 1 << (nr % 64);
                true
            }
            None => false,
        }
    }
}

const _: () = assert!(core::mem::size_of::<SyscallMask>() * 8 == SyscallMask::MAX_SYSCALLS);
const _: () = assert!(IOCTL_GET_API_VERSION == 0x8008_4600);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_packs_and_compares_by_major() {
        let v = ApiVersion {
            major: 1,
            minor: 2,
            patch: 3,
        };
        assert_eq!(ApiVersion::decode(v.encode()), v);
        assert!(API_VERSION.compatible_with(v));
        assert!(!API_VERSION.compatible_with(ApiVersion {
            major: 2,
            minor: 0,
            patch: 0
        }));
    }

    #[test]
    fn syscall_mask_bits() {
        let mut m = SyscallMask::NONE;
        assert!(m.insert(59));
        assert!(!m.insert(512));
        assert!(m.contains(59) && !m.contains(58) && !m.contains(10_000));
    }
}
