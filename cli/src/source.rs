//! The event source `engine.kind` names, opened with the configuration's
//! settings and the syscalls the loaded rules need.

use crate::config::{Config, EngineKind};
use crate::logger;
use anyhow::{anyhow, bail, Result};
use falco_abi::syscalls::PPM_SC;
use falco_engine::compiler::CompiledRuleset;
use falco_engine::drive::{needed_syscalls, outline_suffices};
use falco_scap::kmod::{KmodEngine, KmodOptions};
use falco_scap::modern_ebpf::{ModernEbpfEngine, ModernEbpfOptions};
use falco_scap::procfs::ScanOptions;
use falco_scap::{Engine, EngineFailure, SavefileEngine, ScapError, ThreadedEngine};
use falco_sinsp::SyscallFields;
use std::collections::BTreeSet;

/// Falco's `buf_size_preset` sizes (index = preset): 1 MiB to 512 MiB.
fn preset_bytes(preset: i16) -> Result<usize> {
    match preset {
        1..=10 => Ok((1usize << 20) << (preset - 1)),
        _ => bail!("buf_size_preset {preset} is not between 1 and 10"),
    }
}

/// Our one shared ring holds what Falco's per-CPU-group rings would hold
/// together: the preset size times the number of buffers
/// `cpus_for_each_buffer` gives (0 = one buffer), rounded to a power of two.
fn ring_bytes(preset: i16, cpus_for_each_buffer: u16, cpus: usize) -> Result<usize> {
    let per = preset_bytes(preset)?;
    let buffers = match cpus_for_each_buffer {
        0 => 1,
        n => cpus.div_ceil(n as usize).max(1),
    };
    Ok((per * buffers).next_power_of_two().min(1 << 30))
}

/// The PPM_SC codes to capture: what state tracking needs and every
/// syscall whose event some enabled rule can match, then the
/// `base_syscalls.custom_set` names added (`!name` removed). `None` (everything) with `base_syscalls.all` or
/// when a rule matches every event type.
pub fn interesting_syscalls(
    config: &Config,
    set: &CompiledRuleset<SyscallFields>,
) -> Option<BTreeSet<u16>> {
    if config.libs.base_syscalls.all || set.needs_every_event() {
        return None;
    }
    let by_name = |name: &str| PPM_SC.iter().find(|s| s.name == name).map(|s| s.code);
    let mut out = needed_syscalls(set);
    // custom_set last: its names add, its `!names` remove from the final
    // set, the rules' syscalls included.
    for name in &config.libs.base_syscalls.custom_set {
        match by_name(name.trim_start_matches('!')) {
            Some(code) if name.starts_with('!') => {
                out.remove(&code);
            }
            Some(code) => {
                out.insert(code);
            }
            None => logger::warning(&format!(
                "base_syscalls.custom_set: unknown syscall '{name}'"
            )),
        }
    }
    Some(out)
}

/// `falco_libs.snaplen` (0 = the drivers' default, 80 bytes), at most the
/// 65000 bytes the kernel module accepts (`IOCTL_SET_SNAPLEN`).
fn snaplen(config: &Config) -> u32 {
    match config.libs.falco_libs.snaplen {
        0 => 80,
        n => n.min(65_000) as u32,
    }
}

fn cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Why the eBPF engine did not open, with what the user can do about it.
fn ebpf_open_failed(e: ScapError) -> anyhow::Error {
    let hint = match &e {
        ScapError::Engine(ee) => match ee.failure {
            EngineFailure::NoBtf => {
                " (this kernel exposes no BTF, CONFIG_DEBUG_INFO_BTF: the eBPF engine \
                 cannot run here; use engine.kind=kmod with the falco module)"
            }
            EngineFailure::NotPermitted => {
                " (run falco as root, or with CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE)"
            }
            EngineFailure::VerifierRejected => {
                " (this kernel's verifier refused the probe: please report it with the \
                 kernel version; engine.kind=kmod does without eBPF)"
            }
            _ => "",
        },
        _ => "",
    };
    anyhow!("{e}{hint}")
}

/// Opens the source `engine.kind` names; a live one captures `syscalls`
/// (see [`interesting_syscalls`]).
pub fn open_engine(
    config: &Config,
    set: &CompiledRuleset<SyscallFields>,
    syscalls: Option<BTreeSet<u16>>,
) -> Result<Box<dyn Engine>> {
    match config.engine.kind {
        EngineKind::Replay => {
            let path = &config.engine.capture_file;
            if path.is_empty() {
                bail!("engine.kind is 'replay' but engine.replay.capture_file is empty");
            }
            logger::info(&format!("Opening 'syscall' source with savefile {path}"));
            let mut engine = SavefileEngine::open(path).map_err(|e| anyhow!("{e}"))?;
            // Events no rule can match and no state parser needs come in
            // outline (not converted whole), unless captures record them.
            if !config.capture.enabled {
                engine.set_light(|code| outline_suffices(set, code));
            }
            // With a second core, reading and converting the capture runs
            // beside state tracking and the rules.
            if cpus() > 1 {
                return Ok(Box::new(
                    ThreadedEngine::spawn(engine).map_err(|e| anyhow!("{e}"))?,
                ));
            }
            Ok(Box::new(engine))
        }
        EngineKind::Kmod => {
            // engine.kmod.buf_size_preset is informational here: our
            // module's ring size is its own module parameter (set at
            // modprobe time), not something the consumer chooses.
            if config.engine.drop_failed_exit {
                logger::warning(
                    "engine.kmod.drop_failed_exit is not supported by the falco-rs kernel \
                     module yet; failed syscalls are captured",
                );
            }
            logger::info(&format!(
                "Opening 'syscall' source with Kernel module ({} syscalls)",
                syscalls
                    .as_ref()
                    .map_or("all".to_string(), |s| s.len().to_string())
            ));
            let opts = KmodOptions {
                snaplen: snaplen(config),
                syscalls,
                scan: Some(ScanOptions::from_env()),
                ..KmodOptions::default()
            };
            let engine = KmodEngine::open(&opts).map_err(|e| anyhow!("{e}"))?;
            logger::info(&format!(
                "Kernel module: reading {} per-CPU rings",
                engine.cpus()
            ));
            Ok(Box::new(engine))
        }
        EngineKind::ModernEbpf => {
            let buffer_bytes = ring_bytes(
                config.engine.buf_size_preset,
                config.engine.cpus_for_each_buffer,
                cpus(),
            )
            .map_err(|e| anyhow!("engine.modern_ebpf.{e}"))?;
            let snaplen = snaplen(config);
            logger::info(&format!(
                "Opening 'syscall' source with modern BPF probe ({} MiB ring, {} syscalls)",
                buffer_bytes >> 20,
                syscalls
                    .as_ref()
                    .map_or("all".to_string(), |s| s.len().to_string())
            ));
            let opts = ModernEbpfOptions {
                buffer_bytes,
                snaplen,
                syscalls,
                drop_failed_exit: config.engine.drop_failed_exit,
                scan: Some(ScanOptions::from_env()),
                ..ModernEbpfOptions::default()
            };
            let engine = ModernEbpfEngine::open(&opts).map_err(ebpf_open_failed)?;
            Ok(Box::new(engine))
        }
        other => bail!(
            "engine.kind '{}' is not available in this build of falco-rs yet; \
             use engine.kind=kmod or modern_ebpf for the live kernel, or replay a capture \
             with -o engine.kind=replay -o engine.replay.capture_file=FILE",
            other.as_str()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use falco_engine::loader::{EventSource, RulesLoader};
    use falco_scap::EngineError;

    #[test]
    fn an_ebpf_failure_says_what_to_do_about_it() {
        let failed = |failure| {
            ebpf_open_failed(EngineError::new(failure, "modern_ebpf: step: cause").into())
                .to_string()
        };
        assert!(failed(EngineFailure::NoBtf).contains("use engine.kind=kmod"));
        assert!(failed(EngineFailure::NotPermitted).contains("run falco as root"));
        assert!(failed(EngineFailure::VerifierRejected).contains("verifier refused"));
        assert_eq!(failed(EngineFailure::Other), "modern_ebpf: step: cause");
    }

    fn compiled(rules: &str) -> CompiledRuleset<SyscallFields> {
        let loaded = RulesLoader::with_sources(vec![EventSource::with_fields(
            "syscall",
            SyscallFields::new(),
        )])
        .load(&[("r.yaml", rules)]);
        CompiledRuleset::compile(&loaded.ruleset.unwrap(), SyscallFields::new()).0
    }

    fn code(name: &str) -> u16 {
        PPM_SC.iter().find(|s| s.name == name).unwrap().code
    }

    const RULE: &str = "- rule: r\n  desc: d\n  condition: evt.type = ptrace and evt.dir=<\n  output: o\n  priority: WARNING\n";

    #[test]
    fn state_rules_and_custom_set_choose_the_syscalls() {
        let config = |extra: &str| Config::from_text("f.yaml", extra, &[]).unwrap();
        let set = compiled(RULE);
        let got = interesting_syscalls(&config(""), &set).unwrap();
        assert!(got.contains(&code("ptrace")), "the rule's syscall");
        assert!(
            got.contains(&code("execve")) && got.contains(&code("close")),
            "state"
        );
        assert!(!got.contains(&code("getpid")) && !got.contains(&code("read")));
        // custom_set adds, and `!` removes even what a rule wants.
        let custom = config("base_syscalls:\n  custom_set: [getpid, '!ptrace']\n");
        let got = interesting_syscalls(&custom, &set).unwrap();
        assert!(got.contains(&code("getpid")));
        assert!(!got.contains(&code("ptrace")));
        // all: everything.
        let all = config("base_syscalls:\n  all: true\n");
        assert!(interesting_syscalls(&all, &set).is_none());
        // A rule without an evt.type restriction needs every syscall.
        let any = compiled(&RULE.replace("evt.type = ptrace and evt.dir=<", "proc.name = x"));
        assert!(interesting_syscalls(&config(""), &any).is_none());
    }

    #[test]
    fn ring_size_follows_falcos_presets_and_buffer_count() {
        assert_eq!(ring_bytes(4, 2, 2).unwrap(), 8 << 20);
        assert_eq!(ring_bytes(4, 2, 8).unwrap(), 32 << 20);
        assert_eq!(ring_bytes(1, 0, 64).unwrap(), 1 << 20);
        assert_eq!(ring_bytes(4, 3, 8).unwrap(), 32 << 20); // 3 buffers, rounded up
        assert!(ring_bytes(0, 2, 2).is_err());
        assert!(ring_bytes(11, 2, 2).is_err());
    }
}
