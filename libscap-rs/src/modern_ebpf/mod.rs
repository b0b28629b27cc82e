//! The modern eBPF engine: the probe in driver/bpf/ (compiled by build.rs,
//! embedded here) loaded with aya, attached to the sys_exit and
//! sched_process_exit BTF tracepoints, writing Falco-schema events into one
//! BPF ring buffer that every CPU shares.
//!
//! The probe submits with BPF_RB_NO_WAKEUP and forces a wake-up only when
//! the unread data passes a quarter of the ring, so this side drains on a
//! short timer (`drain_every`, 5 ms by default) instead of being woken for
//! every event. Per-CPU counters count hits, events and drops by cause.
//! Falco's own threads are filtered in the kernel, as are the syscalls the
//! caller did not ask for (`ModernEbpfOptions::syscalls`).
//!
//! Dropping the engine detaches every program and frees the maps.

mod fillers;

pub use fillers::{Filler, FILLERS};

use crate::engine::{Engine, EngineStats, Next};
use crate::error::{EngineError, EngineFailure, Result, ScapError};
use crate::event::{Event, HeaderLayout};
use crate::procfs::{self, ScanOptions};
use crate::state::InitialState;
use aya::maps::{Array, MapData, PerCpuArray, ProgramArray, RingBuf};
use aya::programs::BtfTracePoint;
use aya::{Btf, Ebpf, EbpfLoader};
use falco_abi::ring::RingStats;
use falco_abi::syscalls::X86_64_SYSCALLS;
use std::collections::BTreeSet;
use std::os::fd::AsFd;
use std::time::Duration;

/// The probe object, built from driver/bpf/probe.bpf.c by build.rs.
static PROBE: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/probe.bpf.o"));

/// Slots of the probe's syscall table (`SYSCALL_SLOTS` in driver/bpf/maps.h).
const SYSCALL_SLOTS: u16 = 512;
/// Row bit that marks a syscall as captured (`ROW_INTERESTING`).
const ROW_INTERESTING: u64 = 1 << 32;
/// Counters per CPU, in the order of `RingStats` (`struct counters`).
const COUNTERS: usize = 6;
const _: () = assert!(std::mem::size_of::<RingStats>() == COUNTERS * 8);

/// How to start the engine.
#[derive(Debug, Clone)]
pub struct ModernEbpfOptions {
    /// Size of the shared ring in bytes: a power of two, at least a page.
    pub buffer_bytes: usize,
    /// Bytes of I/O buffers (init_module images) kept per event.
    pub snaplen: u32,
    /// PPM_SC codes of the syscalls to capture; `None` captures all.
    pub syscalls: Option<BTreeSet<u16>>,
    /// How long `next` waits for data before it reports a timeout.
    pub drain_every: Duration,
    /// Drop the exit events of syscalls that failed, in the kernel
    /// (`engine.modern_ebpf.drop_failed_exit`).
    pub drop_failed_exit: bool,
    /// The /proc scan that seeds state; `None` skips it.
    pub scan: Option<ScanOptions>,
}

impl Default for ModernEbpfOptions {
    fn default() -> Self {
        ModernEbpfOptions {
            buffer_bytes: 8 << 20,
            snaplen: 80,
            syscalls: None,
            drain_every: Duration::from_millis(5),
            drop_failed_exit: false,
            scan: Some(ScanOptions::default()),
        }
    }
}

/// Live capture from the running kernel through the eBPF probe.
pub struct ModernEbpfEngine {
    /// Owns the programs and their links: dropping it detaches the probe.
    _ebpf: Ebpf,
    ring: RingBuf<MapData>,
    counters: PerCpuArray<MapData, [u64; COUNTERS]>,
    /// Kept so the tail-call table lives as long as the engine.
    _fillers: ProgramArray<MapData>,
    /// Per syscall number: its events and whether it is captured.
    syscall_table: Array<MapData, u64>,
    buf: Vec<u8>,
    initial: Option<InitialState>,
    delivered: u64,
    drain_every: Duration,
}

impl std::fmt::Debug for ModernEbpfEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModernEbpfEngine")
            .field("delivered", &self.delivered)
            .field("drain_every", &self.drain_every)
            .finish_non_exhaustive()
    }
}

/// An engine error of kind `failure`: "modern_ebpf: {what}: {e}".
fn fail(failure: EngineFailure, what: &str, e: impl std::fmt::Display) -> ScapError {
    EngineError::new(failure, format!("modern_ebpf: {what}: {e}")).into()
}

/// An error `e` of the kernel or aya as an engine error of kind `failure`
/// (or `NotPermitted`, when the kernel refused permission), "modern_ebpf:
/// {what}: {e}", keeping `e` as its cause.
fn fail_from<E>(failure: EngineFailure, what: &str, e: E) -> ScapError
where
    E: std::error::Error + Send + Sync + 'static,
{
    let text = e.to_string();
    from_error(failure, what, text, e)
}

/// Like `fail_from`, with `e`'s causes in the message too: aya's own
/// messages are terse ("error relocating section") and the cause says
/// which program and why.
fn fail_chain<E>(failure: EngineFailure, what: &str, e: E) -> ScapError
where
    E: std::error::Error + Send + Sync + 'static,
{
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    from_error(failure, what, text, e)
}

fn from_error<E>(failure: EngineFailure, what: &str, text: String, e: E) -> ScapError
where
    E: std::error::Error + Send + Sync + 'static,
{
    let failure = EngineError::classify(&e, failure);
    EngineError::new(failure, format!("modern_ebpf: {what}: {text}"))
        .caused_by(e)
        .into()
}

/// CLOCK_REALTIME - CLOCK_BOOTTIME: added in the probe to its boot-time
/// clock so that event timestamps are wall-clock nanoseconds.
fn boot_to_epoch_ns() -> Result<u64> {
    use nix::time::{clock_gettime, ClockId};
    let ns = |id| -> Result<i128> {
        let t =
            clock_gettime(id).map_err(|e| fail_from(EngineFailure::Other, "clock_gettime", e))?;
        Ok(t.tv_sec() as i128 * 1_000_000_000 + t.tv_nsec() as i128)
    };
    let real = ns(ClockId::CLOCK_REALTIME)?;
    let boot = ns(ClockId::CLOCK_BOOTTIME)?;
    u64::try_from(real - boot).map_err(|e| fail_from(EngineFailure::Other, "clock offset", e))
}

/// Writes every row of the probe's syscall table: the syscall's exit
/// event and PPM_SC code, flagged when `syscalls` (`None`: all) has it.
/// The probe reads a row per syscall, so rewriting the table while it is
/// attached changes the selection from the next syscall on.
fn fill_syscall_table(
    table: &mut Array<MapData, u64>,
    syscalls: Option<&BTreeSet<u16>>,
) -> Result<()> {
    for sc in X86_64_SYSCALLS.iter().filter(|s| s.nr < SYSCALL_SLOTS) {
        let wanted = syscalls.is_none_or(|set| set.contains(&sc.ppm_sc));
        let row = sc.exit_event as u64
            | (sc.ppm_sc as u64) << 16
            | if wanted { ROW_INTERESTING } else { 0 };
        table.set(sc.nr as u32, row, 0).map_err(|e| {
            fail_from(
                EngineFailure::Other,
                &format!("syscall_table[{}]", sc.nr),
                e,
            )
        })?;
    }
    Ok(())
}

impl ModernEbpfEngine {
    /// Loads, attaches and (with `opts.scan`) scans /proc. Needs CAP_BPF and
    /// CAP_PERFMON (or root) and a kernel with BTF.
    pub fn open(opts: &ModernEbpfOptions) -> Result<ModernEbpfEngine> {
        let size = opts.buffer_bytes;
        if !size.is_power_of_two() || !(4096..=(1 << 30)).contains(&size) {
            return Err(fail(
                EngineFailure::Other,
                "ring size",
                format!("{size} bytes is not a power of two between 4 KiB and 1 GiB"),
            ));
        }
        let btf = Btf::from_sys_fs().map_err(|e| {
            fail_from(
                EngineFailure::NoBtf,
                "reading the kernel's BTF (/sys/kernel/btf/vmlinux)",
                e,
            )
        })?;
        let ncpus =
            aya::util::nr_cpus().map_err(|(what, e)| fail_from(EngineFailure::Other, what, e))?;
        // Falco's own events are never captured: its id on the host, also
        // when it runs in a container (`HOST_ROOT`).
        let proc_root = opts.scan.as_ref().map_or_else(
            || ScanOptions::from_env().proc_root,
            |s| s.proc_root.clone(),
        );
        let own_tgid = procfs::own_tgid(&proc_root);
        let epoch = boot_to_epoch_ns()?;
        let wakeup_above = (size / 4) as u64;
        let drop_failed = u32::from(opts.drop_failed_exit);
        let mut ebpf = EbpfLoader::new()
            .btf(Some(&btf))
            .override_global("own_tgid", &own_tgid, true)
            .override_global("boot_to_epoch_ns", &epoch, true)
            .override_global("snaplen", &opts.snaplen, true)
            .override_global("wakeup_above", &wakeup_above, true)
            .override_global("drop_failed", &drop_failed, true)
            .map_max_entries("aux_maps", ncpus as u32)
            .map_max_entries("events", size as u32)
            .load(PROBE)
            .map_err(|e| fail_chain(EngineFailure::Other, "loading the probe", e))?;

        for (name, prog) in ebpf.programs_mut() {
            let tp: &mut BtfTracePoint = prog
                .try_into()
                .map_err(|e| fail_from(EngineFailure::Other, &format!("program {name}"), e))?;
            // Fillers are tail-called from sys_exit and load against it.
            let hook = match name {
                "sched_process_exit" | "sched_process_exec" => name,
                _ => "sys_exit",
            };
            tp.load(hook, &btf).map_err(|e| {
                let detail = verifier_detail(&e);
                let what = format!("verifying program {name}");
                if verifier_refused(&e) {
                    // The verifier answers EACCES for a program it refuses:
                    // its log says so, and no privilege would change it.
                    EngineError::new(
                        EngineFailure::VerifierRejected,
                        format!("modern_ebpf: {what}: {detail}"),
                    )
                    .caused_by(e)
                    .into()
                } else {
                    from_error(EngineFailure::VerifierRejected, &what, detail, e)
                }
            })?;
        }

        let mut fillers = ProgramArray::try_from(take_map(&mut ebpf, "exit_fillers")?)
            .map_err(|e| fail_from(EngineFailure::Other, "exit_fillers", e))?;
        for f in FILLERS {
            let prog = ebpf.program(f.program).ok_or_else(|| {
                fail(
                    EngineFailure::Other,
                    "probe object",
                    format!("no program {}", f.program),
                )
            })?;
            let fd = prog
                .fd()
                .map_err(|e| fail_from(EngineFailure::Other, f.program, e))?;
            for e in f.events {
                fillers.set(*e as u32, fd, 0).map_err(|err| {
                    fail_from(
                        EngineFailure::Other,
                        &format!("registering {} for event {}", f.program, *e as u16),
                        err,
                    )
                })?;
            }
        }

        let mut syscall_table: Array<MapData, u64> =
            Array::try_from(take_map(&mut ebpf, "syscall_table")?)
                .map_err(|e| fail_from(EngineFailure::Other, "syscall_table", e))?;
        fill_syscall_table(&mut syscall_table, opts.syscalls.as_ref())?;

        let ring = RingBuf::try_from(take_map(&mut ebpf, "events")?)
            .map_err(|e| fail_from(EngineFailure::Other, "events ring", e))?;
        let counters = PerCpuArray::try_from(take_map(&mut ebpf, "counters")?)
            .map_err(|e| fail_from(EngineFailure::Other, "counters", e))?;

        // Exits and execs first, so no process ends unseen and no execve
        // exit misses its file name between the attaches.
        for name in ["sched_process_exit", "sched_process_exec", "sys_exit"] {
            let tp: &mut BtfTracePoint = ebpf
                .program_mut(name)
                .ok_or_else(|| {
                    fail(
                        EngineFailure::Other,
                        "probe object",
                        format!("no program {name}"),
                    )
                })?
                .try_into()
                .map_err(|e| fail_from(EngineFailure::Other, name, e))?;
            tp.attach()
                .map_err(|e| fail_from(EngineFailure::Other, &format!("attaching {name}"), e))?;
        }

        // Scanned after attaching: a process that starts during the scan is
        // seen by both, never by neither.
        let initial = match &opts.scan {
            Some(scan) => procfs::scan(scan)?,
            None => InitialState::default(),
        };
        Ok(ModernEbpfEngine {
            _ebpf: ebpf,
            ring,
            counters,
            _fillers: fillers,
            syscall_table,
            buf: Vec::with_capacity(64 << 10),
            initial: Some(initial),
            delivered: 0,
            drain_every: opts.drain_every,
        })
    }

    /// The per-cause counters summed over CPUs.
    pub fn ring_stats(&self) -> Result<RingStats> {
        let per_cpu = self
            .counters
            .get(&0, 0)
            .map_err(|e| fail_from(EngineFailure::Other, "reading counters", e))?;
        let mut sum = [0u64; COUNTERS];
        for cpu in per_cpu.iter() {
            for (s, v) in sum.iter_mut().zip(cpu) {
                *s += v;
            }
        }
        let [n_evts, n_drops_buffer, n_drops_pf, n_drops_bug, n_drops_scratch, n_hits] = sum;
        Ok(RingStats {
            n_evts,
            n_drops_buffer,
            n_drops_pf,
            n_drops_bug,
            n_drops_scratch,
            n_hits,
        })
    }

    /// Copies the next event out of the ring, if there is one.
    fn pull(&mut self) -> bool {
        match self.ring.next() {
            Some(item) => {
                self.buf.clear();
                self.buf.extend_from_slice(&item);
                true
            }
            None => false,
        }
    }

    fn wait(&self) -> Result<()> {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        let ms = self.drain_every.as_millis().min(u16::MAX as u128) as u16;
        let mut fds = [PollFd::new(self.ring.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(ms)) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => Ok(()),
            Err(e) => Err(fail_from(EngineFailure::Other, "polling the ring", e)),
        }
    }
}

/// Views one item of the ring (one event as the probe submitted it: the
/// current 26-byte header, then the parameters) as an event, every length
/// checked against the item. `n` numbers the event in the error. The fuzz
/// target `ebpf_record` feeds it arbitrary items.
pub fn parse_record(item: &[u8], n: u64) -> Result<Event<'_>> {
    Event::parse(item, HeaderLayout::V2).map_err(|e| {
        ScapError::from(
            EngineError::new(
                EngineFailure::Malformed,
                format!("modern_ebpf: event #{n} from the ring is malformed: {e}"),
            )
            .caused_by(e),
        )
    })
}

/// The verifier's log is long; keep its last lines, where the reason is.
/// The kernel's verifier looked at the program and wrote why it refused.
fn verifier_refused(e: &aya::programs::ProgramError) -> bool {
    matches!(e, aya::programs::ProgramError::LoadError { verifier_log, .. }
        if !format!("{verifier_log:?}").trim().is_empty())
}

fn verifier_detail(e: &aya::programs::ProgramError) -> String {
    let text = format!("{e:?}");
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

fn take_map(ebpf: &mut Ebpf, name: &str) -> Result<aya::maps::Map> {
    ebpf.take_map(name).ok_or_else(|| {
        fail(
            EngineFailure::Other,
            "probe object",
            format!("no map {name}"),
        )
    })
}

impl Engine for ModernEbpfEngine {
    fn name(&self) -> &'static str {
        "modern_ebpf"
    }

    fn is_live(&self) -> bool {
        true
    }

    fn take_initial_state(&mut self) -> InitialState {
        self.initial.take().unwrap_or_default()
    }

    fn set_syscalls(&mut self, syscalls: Option<&BTreeSet<u16>>) -> Result<bool> {
        fill_syscall_table(&mut self.syscall_table, syscalls)?;
        Ok(true)
    }

    fn next(&mut self) -> Result<Next<'_>> {
        if !self.pull() {
            self.wait()?;
            if !self.pull() {
                return Ok(Next::Timeout);
            }
        }
        let n = self.delivered + 1;
        let ev = parse_record(&self.buf, n)?;
        self.delivered = n;
        Ok(Next::Event(ev))
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
