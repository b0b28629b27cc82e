//! Machine information, as libscap's `scap_os_get_machine_info` gathers it,
//! from text files instead of `sysconf` and `gethostname`:
//! - `num_cpus`: online CPUs (`sys/devices/system/cpu/online`, else the
//!   `processor` lines of `/proc/cpuinfo`), which is what glibc's
//!   `_SC_NPROCESSORS_ONLN` reads;
//! - `memory_size_bytes`: `MemTotal` of `/proc/meminfo` (`_SC_PHYS_PAGES` *
//!   page size is the same number);
//! - `max_pid`: `/proc/sys/kernel/pid_max`;
//! - `hostname`: the `hostname` option (`SCAP_HOSTNAME`), else
//!   `/proc/sys/kernel/hostname` (the UTS namespace of the reader, as
//!   `gethostname` gives);
//! - `boot_ts_epoch`: `btime` of `/proc/stat`, in ns;
//! - `flags`: the OS and architecture bits libsinsp sets, plus
//!   `PPM_BPF_STATS_ENABLED` when `/proc/sys/kernel/bpf_stats_enabled` is on.

use super::parse;
use super::ScanOptions;
use crate::state::MachineInfo;

/// scap machine flags: the top byte is the architecture, the next the OS.
pub const SCAP_ARCH_I386: u64 = 1 << 56;
pub const SCAP_ARCH_X64: u64 = 2 << 56;
pub const SCAP_ARCH_AARCH64: u64 = 3 << 56;
pub const SCAP_OS_LINUX: u64 = 1 << 48;
pub const PPM_BPF_STATS_ENABLED: u64 = 1;

/// The architecture bits of this build.
pub fn arch_flags() -> u64 {
    if cfg!(target_arch = "x86_64") {
        SCAP_ARCH_X64
    } else if cfg!(target_arch = "aarch64") {
        SCAP_ARCH_AARCH64
    } else if cfg!(target_arch = "x86") {
        SCAP_ARCH_I386
    } else {
        0
    }
}

fn read(path: std::path::PathBuf) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Reads the machine information (fields that cannot be read stay 0).
pub fn machine_info(opts: &ScanOptions) -> MachineInfo {
    let proc = &opts.proc_root;
    let num_cpus = read(opts.host_path("sys/devices/system/cpu/online"))
        .and_then(|s| parse::count_cpu_list(&s))
        .or_else(|| {
            let n = read(proc.join("cpuinfo"))?
                .lines()
                .filter(|l| l.starts_with("processor"))
                .count();
            u32::try_from(n).ok().filter(|&n| n > 0)
        })
        .unwrap_or(0);
    let hostname = opts.hostname.clone().unwrap_or_else(|| {
        read(proc.join("sys/kernel/hostname"))
            .map(|s| s.trim_end_matches('\n').to_string())
            .unwrap_or_default()
    });
    let bpf_stats = read(proc.join("sys/kernel/bpf_stats_enabled"))
        .and_then(|s| s.trim().parse::<u32>().ok())
        .is_some_and(|v| v != 0);
    MachineInfo {
        num_cpus,
        memory_size_bytes: read(proc.join("meminfo"))
            .and_then(|s| parse::parse_meminfo_total(&s))
            .unwrap_or(0),
        max_pid: read(proc.join("sys/kernel/pid_max"))
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0),
        hostname,
        boot_ts_epoch: read(proc.join("stat"))
            .and_then(|s| parse::parse_btime_ns(&s))
            .unwrap_or(0),
        flags: SCAP_OS_LINUX | arch_flags() | if bpf_stats { PPM_BPF_STATS_ENABLED } else { 0 },
        reserved3: 0,
        reserved4: 0,
    }
}
