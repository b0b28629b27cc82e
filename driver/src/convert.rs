//! Linux (x86-64) flag values to the PPM flag values events carry, shared
//! by the kernel module's fillers and userspace tests (the eBPF probe has
//! its own C copy of the same tables in driver/bpf/).

/// Linux `O_*` -> `PPM_O_*` (`flag_tables::OPEN_FLAGS`).
pub const fn open_flags(f: u64) -> u32 {
    const MAP: [(u64, u32); 12] = [
        (0o100, 0x4),         // CREAT
        (0o2000, 0x8),        // APPEND
        (0o10000, 0x10),      // DSYNC
        (0o200, 0x20),        // EXCL
        (0o4000, 0x40),       // NONBLOCK
        (0o4000000, 0x80),    // SYNC
        (0o1000, 0x100),      // TRUNC
        (0o40000, 0x200),     // DIRECT
        (0o200000, 0x400),    // DIRECTORY
        (0o100000, 0x800),    // LARGEFILE
        (0o2000000, 0x1000),  // CLOEXEC
        (0o20000000, 0x2000), // TMPFILE
    ];
    let mut r = match f & 3 {
        0 => 0x1, // RDONLY
        1 => 0x2, // WRONLY
        2 => 0x3, // RDWR
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

/// `PPM_O_F_CREATED`: the open created the file.
pub const OPEN_F_CREATED: u32 = 0x4000;
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
        (0x400, 0x1),               // FILES
        (0x200, 0x2),               // FS
        (0x8000_0000, 0x4),         // IO
        (0x0800_0000, 0x8),         // NEWIPC
        (0x4000_0000, 0x10),        // NEWNET
        (0x0002_0000, 0x20),        // NEWNS
        (0x2000_0000, 0x40),        // NEWPID
        (0x0400_0000, 0x80),        // NEWUTS
        (0x8000, 0x100),            // PARENT
        (0x0010_0000, 0x200),       // PARENT_SETTID
        (0x2000, 0x400),            // PTRACE
        (0x800, 0x800),             // SIGHAND
        (0x0004_0000, 0x1000),      // SYSVSEM
        (0x0001_0000, 0x2000),      // THREAD
        (0x0080_0000, 0x4000),      // UNTRACED
        (0x100, 0x8000),            // VM
        (0x1000_0000, 0x10_0000),   // NEWUSER
        (0x0020_0000, 0x80_0000),   // CHILD_CLEARTID
        (0x0100_0000, 0x100_0000),  // CHILD_SETTID
        (0x0008_0000, 0x200_0000),  // SETTLS
        (0x4000, 0x800_0000),       // VFORK
        (0x0200_0000, 0x1000_0000), // NEWCGROUP
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

/// `PPM_CL_CHILD_IN_PIDNS`: the child lives in a non-initial pid namespace.
pub const CLONE_CHILD_IN_PIDNS: u32 = 0x2000_0000;
/// Linux `CLONE_VFORK | CLONE_VM`: what vfork means.
pub const VFORK_CLONE_FLAGS: u64 = 0x4000 | 0x100;

/// `PPM_EXE_WRITABLE`, `PPM_EXE_FROM_MEMFD` (`flag_tables::EXECVE_FLAGS`).
pub const EXE_WRITABLE: u32 = 0x1;
pub const EXE_FROM_MEMFD: u32 = 0x4;

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
        return r as u16 + 1; // TRACEME .. SINGLESTEP
    }
    match r {
        12 => 0x1a, // GETREGS
        13 => 0x1b,
        14 => 0x1c,
        15 => 0x1d,
        16 => 0xb, // ATTACH
        17 => 0xc, // DETACH
        18 => 0x1e,
        19 => 0x1f,
        21 => 0x20,
        24 => 0xd, // SYSCALL
        25 => 0x21,
        26 => 0x22,
        30 => 0x23,
        31 => 0x24,
        32 => 0x25,
        33 => 0x26,
        0x4200 => 0xe, // SETOPTIONS
        0x4201 => 0xf,
        0x4202 => 0x10,
        0x4203 => 0x11,
        0x4204 => 0x12,
        0x4205 => 0x13,
        0x4206 => 0x14, // SEIZE
        0x4207 => 0x15,
        0x4208 => 0x16,
        0x4209 => 0x17,
        0x420a => 0x18,
        0x420b => 0x19,
        _ => 0,
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
        assert_eq!(name_of(ft::OPEN_FLAGS, OPEN_F_CREATED), "O_F_CREATED");
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
        assert_eq!(
            name_of(ft::CLONE_FLAGS, CLONE_CHILD_IN_PIDNS),
            "CLONE_CHILD_IN_PIDNS"
        );
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
        assert_eq!(name_of(ft::EXECVE_FLAGS, EXE_WRITABLE), "EXE_WRITABLE");
        assert_eq!(name_of(ft::EXECVE_FLAGS, EXE_FROM_MEMFD), "EXE_FROM_MEMFD");
    }
}
