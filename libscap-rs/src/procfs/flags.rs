//! Kernel open flags, as `/proc/<pid>/fdinfo/<fd>` prints them, to the PPM
//! open flags that capture fds carry (see `OPEN_FLAGS` in falco-abi's flag
//! tables).
//!
//! The kernel prints `f_flags` with the architecture's own `O_*` values;
//! libscap tests them against the C library's constants, and so do we:
//! - `O_SYNC` and `O_TMPFILE` are masks (`__O_SYNC | O_DSYNC`,
//!   `__O_TMPFILE | O_DIRECTORY`) and libscap tests "any bit set", so an
//!   `O_DSYNC` file also reads as `O_SYNC`;
//! - glibc defines `O_LARGEFILE` as 0 on 64-bit targets, so there the kernel's
//!   forced `O_LARGEFILE` never becomes `PPM_O_LARGEFILE` (the reference
//!   captures agree: `/dev/null` opened read-only reads as `O_RDONLY` only).
//! - `O_CREAT`, `O_EXCL` and `O_TRUNC` are open-time flags the kernel does
//!   not keep in `f_flags`; they can only show if a kernel did keep them.

use falco_abi::flag_tables::open_flags as ppm;

/// The kernel's `O_*` values on this architecture (octal, as in the
/// kernel's uapi headers).
pub mod kernel {
    pub const O_ACCMODE: u64 = 0o3;
    pub const O_WRONLY: u64 = 0o1;
    pub const O_RDWR: u64 = 0o2;
    pub const O_CREAT: u64 = 0o100;
    pub const O_EXCL: u64 = 0o200;
    pub const O_TRUNC: u64 = 0o1000;
    pub const O_APPEND: u64 = 0o2000;
    pub const O_NONBLOCK: u64 = 0o4000;
    pub const O_DSYNC: u64 = 0o10000;
    pub const O_CLOEXEC: u64 = 0o2000000;
    pub const O_SYNC_BIT: u64 = 0o4000000;
    pub const O_TMPFILE_BIT: u64 = 0o20000000;

    #[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
    mod arch {
        pub const O_DIRECTORY: u64 = 0o40000;
        pub const O_DIRECT: u64 = 0o200000;
        pub const O_LARGEFILE: u64 = 0o400000;
    }
    #[cfg(not(any(target_arch = "aarch64", target_arch = "arm")))]
    mod arch {
        pub const O_DIRECTORY: u64 = 0o200000;
        pub const O_DIRECT: u64 = 0o40000;
        pub const O_LARGEFILE: u64 = 0o100000;
    }
    pub use arch::*;

    /// glibc's `O_SYNC`.
    pub const O_SYNC: u64 = O_SYNC_BIT | O_DSYNC;
    /// glibc's `O_TMPFILE`.
    pub const O_TMPFILE: u64 = O_TMPFILE_BIT | O_DIRECTORY;
    /// glibc's `O_LARGEFILE`: 0 on 64-bit targets.
    #[cfg(target_pointer_width = "64")]
    pub const O_LARGEFILE_LIBC: u64 = 0;
    #[cfg(not(target_pointer_width = "64"))]
    pub const O_LARGEFILE_LIBC: u64 = O_LARGEFILE;
}

/// Converts kernel file flags to PPM open flags, as libscap's
/// `open_flags_to_scap` does for the `/proc` scan.
pub fn open_flags_to_ppm(flags: u64) -> u32 {
    use kernel as k;
    let mut res = match flags & k::O_ACCMODE {
        k::O_WRONLY => ppm::O_WRONLY,
        k::O_RDWR => ppm::O_RDWR,
        _ => ppm::O_RDONLY,
    };
    let table: [(u64, u32); 12] = [
        (k::O_CREAT, ppm::O_CREAT),
        (k::O_TMPFILE, ppm::O_TMPFILE),
        (k::O_APPEND, ppm::O_APPEND),
        (k::O_DSYNC, ppm::O_DSYNC),
        (k::O_EXCL, ppm::O_EXCL),
        (k::O_NONBLOCK, ppm::O_NONBLOCK),
        (k::O_SYNC, ppm::O_SYNC),
        (k::O_TRUNC, ppm::O_TRUNC),
        (k::O_DIRECT, ppm::O_DIRECT),
        (k::O_DIRECTORY, ppm::O_DIRECTORY),
        (k::O_LARGEFILE_LIBC, ppm::O_LARGEFILE),
        (k::O_CLOEXEC, ppm::O_CLOEXEC),
    ];
    for (kbit, pbit) in table {
        if flags & kbit != 0 {
            res |= pbit;
        }
    }
    res
}

/// The PPM flags of an fdinfo `flags:` value; `O_NONE` when it was missing
/// or out of range (libscap's ERANGE case).
pub fn fdinfo_flags_to_ppm(flags: Option<u64>) -> u32 {
    flags.map_or(ppm::O_NONE, open_flags_to_ppm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_modes() {
        assert_eq!(open_flags_to_ppm(0), ppm::O_RDONLY);
        assert_eq!(open_flags_to_ppm(0o1), ppm::O_WRONLY);
        assert_eq!(open_flags_to_ppm(0o2), ppm::O_RDWR);
        // 3 is no valid access mode: libscap's switch falls to O_RDONLY.
        assert_eq!(open_flags_to_ppm(0o3), ppm::O_RDONLY);
    }

    #[cfg(all(
        target_pointer_width = "64",
        not(any(target_arch = "aarch64", target_arch = "arm"))
    ))]
    #[test]
    fn fdinfo_values_seen_on_x86_64() {
        // /dev/null opened O_RDONLY: the kernel forces O_LARGEFILE, which
        // glibc's O_LARGEFILE (0) never matches.
        assert_eq!(open_flags_to_ppm(0o100000), ppm::O_RDONLY);
        // O_WRONLY|O_APPEND|O_CLOEXEC|O_LARGEFILE (a Rust append-mode file).
        assert_eq!(
            open_flags_to_ppm(0o2102001),
            ppm::O_WRONLY | ppm::O_APPEND | ppm::O_CLOEXEC
        );
        // O_RDWR|O_NONBLOCK|O_CLOEXEC.
        assert_eq!(
            open_flags_to_ppm(0o2004002),
            ppm::O_RDWR | ppm::O_NONBLOCK | ppm::O_CLOEXEC
        );
        // O_RDWR|O_SYNC|O_CLOEXEC (how libscap opens /dev/scapN): the
        // reference captures carry 4243 for it.
        assert_eq!(open_flags_to_ppm(0o6010002), 4243);
        // O_DSYNC alone also reads as O_SYNC (glibc's O_SYNC mask).
        assert_eq!(
            open_flags_to_ppm(0o10000),
            ppm::O_RDONLY | ppm::O_DSYNC | ppm::O_SYNC
        );
        // O_DIRECT, O_DIRECTORY (which also matches the O_TMPFILE mask).
        assert_eq!(open_flags_to_ppm(0o40000), ppm::O_RDONLY | ppm::O_DIRECT);
        assert_eq!(
            open_flags_to_ppm(0o200000),
            ppm::O_RDONLY | ppm::O_DIRECTORY | ppm::O_TMPFILE
        );
        // Open-time flags, should a kernel keep them.
        assert_eq!(
            open_flags_to_ppm(0o1301),
            ppm::O_WRONLY | ppm::O_CREAT | ppm::O_EXCL | ppm::O_TRUNC
        );
        // Unknown bits (O_NOATIME, O_PATH) are dropped.
        assert_eq!(open_flags_to_ppm(0o11000000), ppm::O_RDONLY);
    }

    #[test]
    fn missing_flags_are_o_none() {
        assert_eq!(fdinfo_flags_to_ppm(None), ppm::O_NONE);
        assert_eq!(fdinfo_flags_to_ppm(Some(0o2)), ppm::O_RDWR);
    }
}
