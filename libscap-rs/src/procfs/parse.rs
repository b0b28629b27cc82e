//! Pure parsers of `/proc/<pid>` text files. Each takes the file's content
//! and returns what it found; missing or malformed fields are `None`, never
//! a panic.

/// What the scan takes from `/proc/<pid>/stat`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatFields {
    pub ppid: i64,
    pub pgid: i64,
    pub sid: i64,
    pub tty: u32,
    pub minflt: u64,
    pub majflt: u64,
    /// Start time after boot, in clock ticks.
    pub starttime: u64,
}

/// Parses `/proc/<pid>/stat`. The command name sits between the first `(`
/// and the *last* `)` and may hold spaces and parentheses, so the fields
/// are counted from the last `)`, as libscap does.
pub fn parse_stat(content: &str) -> Option<StatFields> {
    let close = content.rfind(')')?;
    let rest = content.get(close + 1..)?;
    // After ")": state(3) ppid(4) pgrp(5) session(6) tty_nr(7) tpgid(8)
    // flags(9) minflt(10) cminflt(11) majflt(12) ... starttime(22).
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|s| s.parse::<i64>().ok());
    let unum = |i: usize| f.get(i).and_then(|s| s.parse::<u64>().ok());
    Some(StatFields {
        ppid: num(1)?,
        pgid: num(2)?,
        sid: num(3)?,
        // tty_nr is printed as a signed int; libscap keeps its 32 bits.
        tty: num(4)? as u32,
        minflt: unum(7)?,
        majflt: unum(9)?,
        starttime: unum(19).unwrap_or(0),
    })
}

/// What the scan takes from `/proc/<pid>/status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusFields {
    pub tgid: Option<u64>,
    pub ppid: Option<u64>,
    /// Effective uid (the second value of `Uid:`), as libscap keeps it.
    pub euid: Option<u32>,
    /// Effective gid (the second value of `Gid:`).
    pub egid: Option<u32>,
    pub cap_inh: Option<u64>,
    pub cap_prm: Option<u64>,
    pub cap_eff: Option<u64>,
    pub vmsize_kb: Option<u64>,
    pub vmrss_kb: Option<u64>,
    pub vmswap_kb: Option<u64>,
    /// The innermost pid namespace's values of `NSpid:`, `NStgid:`,
    /// `NSpgid:` (the last value; the only one outside containers).
    pub nspid: Option<u64>,
    pub nstgid: Option<u64>,
    pub nspgid: Option<u64>,
}

/// Parses `/proc/<pid>/status`.
pub fn parse_status(content: &str) -> StatusFields {
    let mut s = StatusFields::default();
    for line in content.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let mut vals = value.split_whitespace();
        match key {
            "Tgid" => s.tgid = vals.next().and_then(|v| v.parse().ok()),
            "PPid" => s.ppid = vals.next().and_then(|v| v.parse().ok()),
            "Uid" => s.euid = vals.nth(1).and_then(|v| v.parse().ok()),
            "Gid" => s.egid = vals.nth(1).and_then(|v| v.parse().ok()),
            "CapInh" => s.cap_inh = vals.next().and_then(hex_u64),
            "CapPrm" => s.cap_prm = vals.next().and_then(hex_u64),
            "CapEff" => s.cap_eff = vals.next().and_then(hex_u64),
            "VmSize" => s.vmsize_kb = vals.next().and_then(|v| v.parse().ok()),
            "VmRSS" => s.vmrss_kb = vals.next().and_then(|v| v.parse().ok()),
            "VmSwap" => s.vmswap_kb = vals.next().and_then(|v| v.parse().ok()),
            "NSpid" => s.nspid = vals.last().and_then(|v| v.parse().ok()),
            "NStgid" => s.nstgid = vals.last().and_then(|v| v.parse().ok()),
            "NSpgid" => s.nspgid = vals.last().and_then(|v| v.parse().ok()),
            _ => {}
        }
    }
    s
}

fn hex_u64(s: &str) -> Option<u64> {
    u64::from_str_radix(s, 16).ok()
}

/// The soft `Max open files` limit of `/proc/<pid>/limits`; "unlimited"
/// is `u64::MAX` (RLIM_INFINITY).
pub fn parse_limits_nofile(content: &str) -> Option<u64> {
    let line = content.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line
        .get("Max open files".len()..)?
        .split_whitespace()
        .next()?;
    if soft == "unlimited" {
        Some(u64::MAX)
    } else {
        soft.parse().ok()
    }
}

/// `/proc/<pid>/loginuid`: a decimal number, 4294967295 when unset.
pub fn parse_loginuid(content: &str) -> Option<u32> {
    // libscap parses 64 bits and keeps the low 32.
    content.trim().parse::<u64>().ok().map(|v| v as u32)
}

/// `/proc/<pid>/comm` without its trailing newline.
pub fn parse_comm(content: &[u8]) -> String {
    let c = content.strip_suffix(b"\n").unwrap_or(content);
    String::from_utf8_lossy(c).into_owned()
}

/// Splits `/proc/<pid>/cmdline` into the executable (argv\[0\]) and the
/// other arguments, each NUL-terminated, as libscap does: the last byte is
/// taken as the terminator (it is one, unless the process rewrote its
/// command line or the read was truncated), argv\[0\] is everything up to
/// the first NUL, the arguments all that follows it.
pub fn split_cmdline(content: &[u8]) -> (String, Vec<u8>) {
    let Some((_, body)) = content.split_last() else {
        return (String::new(), Vec::new());
    };
    match body.iter().position(|&b| b == 0) {
        Some(i) => {
            let exe = String::from_utf8_lossy(&body[..i]).into_owned();
            let mut args = body[i + 1..].to_vec();
            args.push(0);
            (exe, args)
        }
        None => (String::from_utf8_lossy(body).into_owned(), Vec::new()),
    }
}

/// `/proc/<pid>/environ` as libscap keeps it: the last byte forced to NUL.
pub fn terminate_env(mut content: Vec<u8>) -> Vec<u8> {
    if let Some(last) = content.last_mut() {
        *last = 0;
    }
    content
}

/// The executable path of `/proc/<pid>/exe` without the ` (deleted)` the
/// kernel appends when the file was removed.
pub fn strip_deleted(link: &str) -> &str {
    link.strip_suffix(" (deleted)").unwrap_or(link)
}

/// What the scan takes from `/proc/<pid>/fdinfo/<fd>`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FdInfoFields {
    /// The kernel's file flags (`flags:`, printed in octal). `None` when
    /// missing or out of range.
    pub flags: Option<u64>,
    pub mnt_id: Option<u64>,
}

/// Parses `/proc/<pid>/fdinfo/<fd>`.
pub fn parse_fdinfo(content: &str) -> FdInfoFields {
    let mut f = FdInfoFields::default();
    for line in content.lines() {
        if let Some(v) = line.strip_prefix("flags:") {
            f.flags = u64::from_str_radix(v.trim(), 8).ok();
        } else if let Some(v) = line.strip_prefix("mnt_id:") {
            f.mnt_id = v.trim().parse().ok();
        }
    }
    f
}

/// One `/proc/<pid>/mountinfo` line: the mount id and the device
/// (`major:minor`) encoded as the kernel's `new_encode_dev` (and glibc's
/// `makedev`, truncated to 32 bits), which is how capture fds carry `dev`.
pub fn parse_mountinfo_line(line: &str) -> Option<(u64, u32)> {
    let mut f = line.split_whitespace();
    let mount_id = f.next()?.parse().ok()?;
    let _parent = f.next()?;
    let (major, minor) = f.next()?.split_once(':')?;
    Some((
        mount_id,
        encode_dev(major.parse().ok()?, minor.parse().ok()?),
    ))
}

/// The 32-bit device number of `major:minor` (kernel `new_encode_dev`).
pub fn encode_dev(major: u32, minor: u32) -> u32 {
    (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & !0xff) << 12)
}

/// Decodes the octal escapes (`\040` for a space...) of mount table paths.
pub fn unescape_mount_path(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() {
            let oct = &b[i + 1..i + 4];
            if oct.iter().all(|c| (b'0'..=b'7').contains(c)) {
                let v = (u32::from(oct[0] - b'0') << 6)
                    | (u32::from(oct[1] - b'0') << 3)
                    | u32::from(oct[2] - b'0');
                if let Ok(byte) = u8::try_from(v) {
                    out.push(byte);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A CPU list such as `0-3,8,10-11` (sysfs `online`): how many CPUs.
pub fn count_cpu_list(s: &str) -> Option<u32> {
    let mut n: u32 = 0;
    for part in s.trim().split(',').filter(|p| !p.is_empty()) {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?),
            None => {
                let v = part.trim().parse::<u32>().ok()?;
                (v, v)
            }
        };
        n = n.checked_add(b.checked_sub(a)?.checked_add(1)?)?;
    }
    (n > 0).then_some(n)
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
pub fn parse_meminfo_total(content: &str) -> Option<u64> {
    let line = content.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line
        .get("MemTotal:".len()..)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    kb.checked_mul(1024)
}

/// `btime` of `/proc/stat`, in ns since the epoch.
pub fn parse_btime_ns(content: &str) -> Option<u64> {
    let line = content.lines().find(|l| l.starts_with("btime "))?;
    let s: u64 = line.get("btime ".len()..)?.trim().parse().ok()?;
    s.checked_mul(1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_and_parentheses_in_comm() {
        let line = "4242 (my (weird) ) prog) S 1 4240 4200 34817 4240 4194560 \
                    1234 0 56 0 10 5 0 0 20 0 3 0 987654 12345678 321 \
                    18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        let s = parse_stat(line).unwrap();
        assert_eq!(s.ppid, 1);
        assert_eq!(s.pgid, 4240);
        assert_eq!(s.sid, 4200);
        assert_eq!(s.tty, 34817);
        assert_eq!(s.minflt, 1234);
        assert_eq!(s.majflt, 56);
        assert_eq!(s.starttime, 987654);
    }

    #[test]
    fn stat_with_newline_in_comm_and_garbage() {
        let line = "7 (a\nb) R 0 0 0 0 -1 0 9 0 8 0";
        let s = parse_stat(line).unwrap();
        assert_eq!((s.ppid, s.sid, s.minflt, s.majflt), (0, 0, 9, 8));
        assert_eq!(parse_stat("7 (abc R 1 2 3"), None);
        assert_eq!(parse_stat("7 (x) R 1 2"), None);
        assert_eq!(parse_stat(""), None);
        assert_eq!(parse_stat("7 (x) R a b c d e f g h i j"), None);
        // A negative tty_nr keeps its 32 bits.
        let s = parse_stat("1 (x) S 0 1 1 -1 -1 0 0 0 0 0").unwrap();
        assert_eq!(s.tty, u32::MAX);
    }

    const STATUS: &str = "Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t12468\n\
        Ngid:\t0\nPid:\t12470\nPPid:\t12460\nTracerPid:\t0\nUid:\t1000\t1001\t1002\t1003\n\
        Gid:\t2000\t2001\t2002\t2003\nFDSize:\t256\nGroups:\t \nNStgid:\t12468\t7\n\
        NSpid:\t12470\t9\nNSpgid:\t12460\t1\nNSsid:\t9960\t1\nVmPeak:\t    3060 kB\n\
        VmSize:\t    3060 kB\nVmRSS:\t    1708 kB\nVmSwap:\t       4 kB\n\
        CapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\nCapEff:\t00000000a80425fb\n";

    #[test]
    fn status_fields() {
        let s = parse_status(STATUS);
        assert_eq!(s.tgid, Some(12468));
        assert_eq!(s.ppid, Some(12460));
        assert_eq!(s.euid, Some(1001), "the effective uid is the second value");
        assert_eq!(s.egid, Some(2001));
        assert_eq!(s.cap_inh, Some(0));
        assert_eq!(s.cap_prm, Some(0x1fffeffffff));
        assert_eq!(s.cap_eff, Some(0xa80425fb));
        assert_eq!(s.vmsize_kb, Some(3060));
        assert_eq!(s.vmrss_kb, Some(1708));
        assert_eq!(s.vmswap_kb, Some(4));
        assert_eq!(s.nstgid, Some(7), "innermost namespace");
        assert_eq!(s.nspid, Some(9));
        assert_eq!(s.nspgid, Some(1));
    }

    #[test]
    fn status_of_a_kernel_thread_and_garbage() {
        let s = parse_status("Name:\tkthreadd\nTgid:\t2\nPPid:\t0\nNSpid:\t2\n");
        assert_eq!((s.tgid, s.ppid, s.nspid), (Some(2), Some(0), Some(2)));
        assert_eq!(s.vmsize_kb, None);
        assert_eq!(s.euid, None);
        let s = parse_status("Uid:\nGid: x y\nCapEff:\tzz\n::::\n\0\n");
        assert_eq!(s, StatusFields::default());
    }

    #[test]
    fn limits_nofile() {
        let l = "Limit                     Soft Limit           Hard Limit           Units     \n\
                 Max cpu time              unlimited            unlimited            seconds   \n\
                 Max open files            1024                 524288               files     \n";
        assert_eq!(parse_limits_nofile(l), Some(1024));
        let l = "Max open files            unlimited            unlimited            files\n";
        assert_eq!(parse_limits_nofile(l), Some(u64::MAX));
        assert_eq!(parse_limits_nofile("Max open files\n"), None);
        assert_eq!(parse_limits_nofile(""), None);
    }

    #[test]
    fn loginuid() {
        assert_eq!(parse_loginuid("4294967295"), Some(u32::MAX));
        assert_eq!(parse_loginuid("1000\n"), Some(1000));
        assert_eq!(parse_loginuid("x"), None);
    }

    #[test]
    fn cmdline_split() {
        assert_eq!(
            split_cmdline(b"/bin/sleep\x0010\x00--x\x00"),
            ("/bin/sleep".to_string(), b"10\x00--x\x00".to_vec())
        );
        assert_eq!(split_cmdline(b"init\x00"), ("init".to_string(), vec![]));
        assert_eq!(split_cmdline(b""), (String::new(), vec![]));
        // A rewritten command line without NULs: all of it is argv[0],
        // except the last byte, which libscap takes as the terminator.
        assert_eq!(
            split_cmdline(b"nginx: master process"),
            ("nginx: master proces".to_string(), vec![])
        );
        // Empty arguments survive.
        assert_eq!(
            split_cmdline(b"a\x00\x00b\x00"),
            ("a".to_string(), b"\x00b\x00".to_vec())
        );
    }

    #[test]
    fn env_and_comm_and_exe() {
        assert_eq!(terminate_env(b"A=1\x00B=2\x00".to_vec()), b"A=1\x00B=2\x00");
        assert_eq!(terminate_env(b"A=1\x00B=2".to_vec()), b"A=1\x00B=\x00");
        assert_eq!(terminate_env(vec![]), Vec::<u8>::new());
        assert_eq!(parse_comm(b"bash\n"), "bash");
        assert_eq!(parse_comm(b"a b\n"), "a b");
        assert_eq!(strip_deleted("/usr/bin/x (deleted)"), "/usr/bin/x");
        assert_eq!(strip_deleted("/usr/bin/x"), "/usr/bin/x");
    }

    #[test]
    fn fdinfo_fields() {
        let f = parse_fdinfo("pos:\t0\nflags:\t02100002\nmnt_id:\t27\nino:\t1234\n");
        assert_eq!(f.flags, Some(0o2100002));
        assert_eq!(f.mnt_id, Some(27));
        let f = parse_fdinfo("pos:\t0\nflags:\t09\n");
        assert_eq!(f, FdInfoFields::default());
    }

    #[test]
    fn mountinfo_and_dev() {
        let l = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw";
        assert_eq!(parse_mountinfo_line(l), Some((27, 0xfe00)));
        let l = "40 27 8:17 / /boot rw - ext4 /dev/sdb1 rw";
        assert_eq!(parse_mountinfo_line(l), Some((40, 0x811)));
        // Large minors go to the high bits, as new_encode_dev does.
        assert_eq!(encode_dev(0, 256), 0x100000);
        assert_eq!(encode_dev(259, 3), 0x10303);
        assert_eq!(parse_mountinfo_line("x 1 1:1"), None);
        assert_eq!(parse_mountinfo_line("1 1 11"), None);
        assert_eq!(unescape_mount_path("/mnt/a\\040b"), "/mnt/a b");
        assert_eq!(unescape_mount_path("/x\\"), "/x\\");
        assert_eq!(unescape_mount_path("/x\\04"), "/x\\04");
    }

    #[test]
    fn machine_files() {
        assert_eq!(count_cpu_list("0-1\n"), Some(2));
        assert_eq!(count_cpu_list("0-3,8,10-11"), Some(7));
        assert_eq!(count_cpu_list("3-1"), None);
        assert_eq!(count_cpu_list(""), None);
        assert_eq!(
            parse_meminfo_total("MemTotal:       24684084 kB\nMemFree: 1 kB\n"),
            Some(24684084 * 1024)
        );
        assert_eq!(
            parse_btime_ns("cpu  1 2 3\nbtime 1795879230\n"),
            Some(1_795_879_230_000_000_000)
        );
        assert_eq!(parse_btime_ns("btime x\n"), None);
    }
}
