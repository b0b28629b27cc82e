//! Linux (x86-64) flag values to the PPM flag values events carry, shared
//! by the kernel module's fillers and userspace tests (the eBPF probe has
//! its own C copy of the same tables in driver/bpf/). The PPM side of each
//! mapping is a constant of `flag_tables`.

use crate::flag_tables::{clone_flags as cl, open_flags as o, ptrace_requests as pt};

/// Linux `O_*` -> `PPM_O_*` (`flag_tables::OPEN_FLAGS`).
pub const fn open_flags(f: u64) -> u32 {
    const MAP: [(u64, u32); 12] = [
        (0o100, o::O_CREAT),
        (0o2000, o::O_APPEND),
        (0o10000, o::O_DSYNC),
        (0o200, o::O_EXCL),
        (0o4000, o::O_NONBLOCK),
        (0o4000000, o::O_SYNC),
        (0o1000, o::O_TRUNC),
        (0o40000, o::O_DIRECT),
        (0o200000, o::O_DIRECTORY),
        (0o100000, o::O_LARGEFILE),
        (0o2000000, o::O_CLOEXEC),
        (0o20000000, o::O_TMPFILE),
    ];
    let mut r = match f & 3 {
        0 => o::O_RDONLY,
        1 => o::O_WRONLY,
        2 => o::O_RDWR,
        _ => 0,
    };
    let mut i = 0;
    while i < MAP.len() {
        if f & MAP[i].0 == MAP[i].0 {
            r |= MAP[i].1;
        }
        i += 1;
    }
    r
}

/// The kernel's `FMODE_CREATED` bit of `file->f_mode` (6.12).
pub const FMODE_CREATED: u32 = 0x10_0000;

/// The mode an open reports: meaningful only when it may create a file.
pub const fn open_mode(flags: u64, mode: u64) -> u32 {
    if flags & (0o100 | 0o20000000) != 0 {
        mode as u32
    } else {
        0
    }
}

/// Linux `CLONE_*` -> `PPM_CL_*` (`flag_tables::CLONE_FLAGS`).
pub const fn clone_flags(f: u64) -> u32 {
    const MAP: [(u64, u32); 22] = [
        (0x400, cl::CLONE_FILES),
        (0x200, cl::CLONE_FS),
        (0x8000_0000, cl::CLONE_IO),
        (0x0800_0000, cl::CLONE_NEWIPC),
        (0x4000_0000, cl::CLONE_NEWNET),
        (0x0002_0000, cl::CLONE_NEWNS),
        (0x2000_0000, cl::CLONE_NEWPID),
        (0x0400_0000, cl::CLONE_NEWUTS),
        (0x8000, cl::CLONE_PARENT),
        (0x0010_0000, cl::CLONE_PARENT_SETTID),
        (0x2000, cl::CLONE_PTRACE),
        (0x800, cl::CLONE_SIGHAND),
        (0x0004_0000, cl::CLONE_SYSVSEM),
        (0x0001_0000, cl::CLONE_THREAD),
        (0x0080_0000, cl::CLONE_UNTRACED),
        (0x100, cl::CLONE_VM),
        (0x1000_0000, cl::CLONE_NEWUSER),
        (0x0020_0000, cl::CLONE_CHILD_CLEARTID),
        (0x0100_0000, cl::CLONE_CHILD_SETTID),
        (0x0008_0000, cl::CLONE_SETTLS),
        (0x4000, cl::CLONE_VFORK),
        (0x0200_0000, cl::CLONE_NEWCGROUP),
    ];
    let mut r = 0;
    let mut i = 0;
    while i < MAP.len() {
        if f & MAP[i].0 != 0 {
            r |= MAP[i].1;
        }
        i += 1;
    }
    r
}

/// Linux `CLONE_VFORK | CLONE_VM`: what vfork means.
pub const VFORK_CLONE_FLAGS: u64 = 0x4000 | 0x100;

/// Whether a process with effective `euid`/`egid` and capabilities `caps`
/// may write its executable (mode/owner given), on a writable filesystem.
pub const fn exe_writable(
    mode: u32,
    uid: u32,
    gid: u32,
    euid: u32,
    egid: u32,
    caps: u64,
    sb_rdonly: bool,
) -> bool {
    const CAP_DAC_OVERRIDE: u64 = 1 << 1;
    let by_mode = (uid == euid && mode & 0o200 != 0)
        || (gid == egid && mode & 0o020 != 0)
        || mode & 0o002 != 0;
    !sb_rdonly && (by_mode || caps & CAP_DAC_OVERRIDE != 0)
}

/// Linux `PTRACE_*` -> `PPM_PTRACE_*` (`flag_tables::PTRACE_REQUESTS`).
pub const fn ptrace_request(r: u64) -> u16 {
    if r <= 9 {
        return r as u16 + 1; // TRACEME .. SINGLESTEP: PPM counts from 1
    }
    match r {
        12 => pt::PTRACE_GETREGS,
        13 => pt::PTRACE_SETREGS,
        14 => pt::PTRACE_GETFPREGS,
        15 => pt::PTRACE_SETFPREGS,
        16 => pt::PTRACE_ATTACH,
        17 => pt::PTRACE_DETACH,
        18 => pt::PTRACE_GETFPXREGS,
        19 => pt::PTRACE_SETFPXREGS,
        21 => pt::PTRACE_OLDSETOPTIONS,
        24 => pt::PTRACE_SYSCALL,
        25 => pt::PTRACE_GET_THREAD_AREA,
        26 => pt::PTRACE_SET_THREAD_AREA,
        30 => pt::PTRACE_ARCH_PRCTL,
        31 => pt::PTRACE_SYSEMU,
        32 => pt::PTRACE_SYSEMU_SINGLESTEP,
        33 => pt::PTRACE_SINGLEBLOCK,
        0x4200 => pt::PTRACE_SETOPTIONS,
        0x4201 => pt::PTRACE_GETEVENTMSG,
        0x4202 => pt::PTRACE_GETSIGINFO,
        0x4203 => pt::PTRACE_SETSIGINFO,
        0x4204 => pt::PTRACE_GETREGSET,
        0x4205 => pt::PTRACE_SETREGSET,
        0x4206 => pt::PTRACE_SEIZE,
        0x4207 => pt::PTRACE_INTERRUPT,
        0x4208 => pt::PTRACE_LISTEN,
        0x4209 => pt::PTRACE_PEEKSIGINFO,
        0x420a => pt::PTRACE_GETSIGMASK,
        0x420b => pt::PTRACE_SETSIGMASK,
        _ => pt::PTRACE_UNKNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flag_tables as ft;

    /// The table's name for exactly `bit`.
    fn name_of(table: &[crate::FlagName], bit: u32) -> &'static str {
        table
            .iter()
            .find(|f| f.value == bit)
            .map_or("?", |f| f.name)
    }

    #[test]
    fn open_flags_follow_the_ppm_table() {
        // O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC
        let v = open_flags(0o1 | 0o100 | 0o1000 | 0o2000000);
        assert_eq!(v, 0x2 | 0x4 | 0x100 | 0x1000);
        for (bit, name) in [(0x4, "O_CREAT"), (0x100, "O_TRUNC"), (0x1000, "O_CLOEXEC")] {
            assert_eq!(name_of(ft::OPEN_FLAGS, bit), name);
        }
        assert_eq!(open_flags(0), 0x1, "O_RDONLY is 0 in Linux, a bit in PPM");
        assert_eq!(
            open_flags(0o20200000),
            0x1 | 0x2000 | 0x400,
            "O_TMPFILE includes O_DIRECTORY"
        );
        assert_eq!(open_mode(0o100, 0o644), 0o644);
        assert_eq!(open_mode(0, 0o644), 0);
    }

    #[test]
    fn clone_flags_follow_the_ppm_table() {
        // CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD
        let v = clone_flags(0x100 | 0x200 | 0x400 | 0x800 | 0x10000);
        assert_eq!(v, 0x8000 | 0x2 | 0x1 | 0x800 | 0x2000);
        for (bit, name) in [
            (0x8000, "CLONE_VM"),
            (0x2000, "CLONE_THREAD"),
            (0x800, "CLONE_SIGHAND"),
        ] {
            assert_eq!(name_of(ft::CLONE_FLAGS, bit), name);
        }
        assert_eq!(clone_flags(VFORK_CLONE_FLAGS), 0x800_0000 | 0x8000);
    }

    #[test]
    fn ptrace_requests_follow_the_ppm_table() {
        for (linux, name) in [
            (0, "PTRACE_TRACEME"),
            (16, "PTRACE_ATTACH"),
            (0x4206, "PTRACE_SEIZE"),
            (24, "PTRACE_SYSCALL"),
        ] {
            assert_eq!(
                name_of_u16(ft::PTRACE_REQUESTS, ptrace_request(linux)),
                name
            );
        }
        assert_eq!(ptrace_request(0x9999), 0);
    }

    fn name_of_u16(table: &[crate::FlagName], v: u16) -> &'static str {
        name_of(table, v as u32)
    }

    #[test]
    fn exe_writable_by_owner_group_other_or_dac_override() {
        assert!(exe_writable(0o755, 0, 0, 0, 0, 0, false));
        assert!(!exe_writable(0o755, 0, 0, 1000, 1000, 0, false));
        assert!(exe_writable(0o755, 0, 0, 1000, 1000, 1 << 1, false));
        assert!(!exe_writable(0o777, 0, 0, 0, 0, 0, true));
        assert!(exe_writable(0o757, 0, 0, 1000, 1000, 0, false));
    }
}
