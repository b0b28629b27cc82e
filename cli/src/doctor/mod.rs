//! `falco --doctor`, falco-rs's own flag (Falco has none like it; its
//! flags are unchanged): which engine will run on this host and why each
//! other one will not, then whether the rules load. Drivers that will not
//! install are what Falco users ask about most; this answers before a
//! start fails.
//!
//! Exit codes (distinct, for scripts and the .deb's checks):
//! - 0: the configured `engine.kind` can run here and the rules load;
//! - 10: the rules do not load;
//! - 11: the configured engine cannot run here, but a live one can;
//! - 12: neither the configured engine nor any live one can run here.
//!
//! The engine findings come first: with no engine, the rules do not
//! matter.

pub mod host;

use crate::config::engine::EngineKind;
use crate::config::Config;
use crate::options::Options;
use falco_scap::modern_ebpf::{ModernEbpfEngine, ModernEbpfOptions};
use host::{config_text, config_yes, Host, Lockdown};
use std::fmt::Write;

/// Exit codes of `--doctor`.
pub const EXIT_RULES: u8 = 10;
pub const EXIT_OTHER_ENGINE: u8 = 11;
pub const EXIT_NO_ENGINE: u8 = 12;

/// One finding: what was checked and what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub ok: bool,
    pub text: String,
}

fn ok(text: impl Into<String>) -> Check {
    Check {
        ok: true,
        text: text.into(),
    }
}

fn no(text: impl Into<String>) -> Check {
    Check {
        ok: false,
        text: text.into(),
    }
}

/// Whether one engine can run here, with the checks that say so.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub kind: EngineKind,
    pub checks: Vec<Check>,
}

impl Verdict {
    pub fn runs(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

/// The modern eBPF probe: BTF, CAP_BPF + CAP_PERFMON, and no lockdown
/// that forbids reading kernel memory.
pub fn modern_ebpf(host: &Host) -> Verdict {
    let mut checks = Vec::new();
    checks.push(if host.btf() {
        ok("BTF: /sys/kernel/btf/vmlinux")
    } else {
        no(format!(
            "BTF: kernel {} has no /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF), which the probe is relocated against",
            host.release
        ))
    });
    checks.push(if host.bpf_caps() {
        ok("privileges: CAP_BPF and CAP_PERFMON")
    } else {
        no("privileges: CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) are missing: run as root")
    });
    checks.push(match host.lockdown() {
        Lockdown::Confidentiality => {
            no("lockdown: confidentiality, which forbids eBPF reads of kernel memory")
        }
        Lockdown::Integrity => ok("lockdown: integrity (eBPF allowed)"),
        Lockdown::None => ok("lockdown: none"),
    });
    Verdict {
        kind: EngineKind::ModernEbpf,
        checks,
    }
}

/// The kernel module: a kernel with Rust, the module built for exactly
/// this kernel, loaded or loadable, and signed where the kernel demands it.
pub fn kmod(host: &Host) -> Verdict {
    let mut checks = Vec::new();
    let config = host.kernel_config();
    checks.push(match &config {
        Some((path, text)) if config_yes(text, "CONFIG_RUST") => ok(format!(
            "Rust: kernel {} has CONFIG_RUST ({}; built with {})",
            host.release,
            path.display(),
            config_text(text, "CONFIG_RUSTC_VERSION_TEXT").unwrap_or_else(|| "an unknown rustc".into())
        )),
        Some((path, _)) => no(format!(
            "Rust: kernel {} is built without CONFIG_RUST ({}); the module needs a Rust-enabled kernel",
            host.release,
            path.display()
        )),
        None => no(format!(
            "Rust: no configuration of kernel {} found (/boot/config-{0} or linux-headers-{0})",
            host.release
        )),
    });
    checks.push(match host.module() {
        Some(m) => match &m.vermagic {
            Some(v) if !v.starts_with(&format!("{} ", host.release)) => no(format!(
                "module: {} is built for \"{v}\", not for {}",
                m.path.display(),
                host.release
            )),
            _ => ok(format!("module: {} (for {})", m.path.display(), host.release)),
        },
        None => no(format!(
            "module: no falco.ko installed for {} (DKMS builds it with the kernel's headers and its Rust toolchain: dkms status falco)",
            host.release
        )),
    });
    checks.push(if host.module_loaded() {
        ok("loaded: /sys/module/falco")
    } else if host.module_caps() {
        ok("loaded: not yet; `modprobe falco` (falco-kmod.service does it)")
    } else {
        no("loaded: no, and loading it needs CAP_SYS_MODULE: run as root")
    });
    let why = if host.lockdown() != Lockdown::None {
        "kernel lockdown"
    } else if host.secure_boot() {
        "Secure Boot"
    } else {
        "module.sig_enforce or CONFIG_MODULE_SIG_FORCE"
    };
    checks.push(
        if !host.signature_required(config.as_ref().map(|(_, t)| t.as_str())) {
            ok("signing: the kernel loads unsigned modules")
        } else if host.dkms_signing_key() {
            ok(format!(
                "signing: required ({why}); DKMS signs with /var/lib/dkms/mok.pub, which must be enrolled (mokutil --import /var/lib/dkms/mok.pub)"
            ))
        } else {
            no(format!(
                "signing: the kernel loads only signed modules ({why}) and DKMS has no signing key (/var/lib/dkms/mok.pub)"
            ))
        },
    );
    Verdict {
        kind: EngineKind::Kmod,
        checks,
    }
}

/// The probe loaded, verified and attached once, then closed: this
/// kernel's verifier has the last word on whether it runs here.
fn probe_loads() -> Check {
    let opts = ModernEbpfOptions {
        buffer_bytes: 1 << 20,
        scan: None,
        ..ModernEbpfOptions::default()
    };
    match ModernEbpfEngine::open(&opts) {
        Ok(engine) => {
            drop(engine);
            ok("probe: verified and attached by this kernel")
        }
        Err(e) => no(format!("probe: {e}")),
    }
}

/// The configured engine when it is not a live one.
fn offline(config: &Config) -> Option<Verdict> {
    let checks = match config.engine.kind {
        EngineKind::Replay => {
            let file = &config.engine.capture_file;
            vec![if std::path::Path::new(file).is_file() {
                ok(format!("capture: {file}"))
            } else {
                no(format!(
                    "capture: engine.replay.capture_file '{file}' is not a file"
                ))
            }]
        }
        EngineKind::Nodriver => vec![ok("no kernel events are read")],
        EngineKind::Kmod | EngineKind::ModernEbpf => return None,
    };
    Some(Verdict {
        kind: config.engine.kind,
        checks,
    })
}

/// Everything `--doctor` found.
#[derive(Debug, Clone)]
pub struct Report {
    pub release: String,
    pub configured: EngineKind,
    /// The live engines, in the order falco-rs's .deb prefers them.
    pub engines: Vec<Verdict>,
    /// The configured engine when it reads no kernel.
    pub offline: Option<Verdict>,
    pub rules: Check,
}

impl Report {
    fn configured_runs(&self) -> bool {
        match &self.offline {
            Some(v) => v.runs(),
            None => self
                .engines
                .iter()
                .any(|v| v.kind == self.configured && v.runs()),
        }
    }

    fn runnable(&self) -> Option<&Verdict> {
        self.engines.iter().find(|v| v.runs())
    }

    pub fn exit_code(&self) -> u8 {
        match (self.configured_runs(), self.rules.ok) {
            (true, true) => 0,
            (true, false) => EXIT_RULES,
            (false, _) if self.runnable().is_some() => EXIT_OTHER_ENGINE,
            (false, _) => EXIT_NO_ENGINE,
        }
    }

    pub fn render(&self) -> String {
        let mut out = format!("falco-rs doctor: kernel {}\n", self.release);
        let verdicts = self.engines.iter().chain(self.offline.iter());
        for v in verdicts {
            let _ = writeln!(
                out,
                "\n{}: {}",
                v.kind.as_str(),
                if v.runs() { "can run" } else { "cannot run" }
            );
            for c in &v.checks {
                let _ = writeln!(out, "  {} {}", mark(c), c.text);
            }
        }
        let _ = writeln!(out, "\nrules:\n  {} {}", mark(&self.rules), self.rules.text);
        let configured = self.configured.as_str();
        let verdict = match (self.configured_runs(), self.runnable()) {
            (true, _) => format!("engine.kind {configured} will run here"),
            (false, Some(other)) => format!(
                "engine.kind {configured} cannot run here; {} can (-o engine.kind={0}, or enable falco-{}.service)",
                other.kind.as_str(),
                unit_of(other.kind)
            ),
            _ => format!("engine.kind {configured} cannot run here, and no other live engine can"),
        };
        let _ = writeln!(out, "\n{verdict}");
        out
    }
}

fn mark(c: &Check) -> &'static str {
    if c.ok {
        "[ok]"
    } else {
        "[no]"
    }
}

/// The .deb's unit of an engine.
fn unit_of(kind: EngineKind) -> &'static str {
    match kind {
        EngineKind::Kmod => "kmod",
        _ => "modern-bpf",
    }
}

/// Examines `host` for `config` (the rules loaded as a run loads them).
pub fn examine(host: &Host, config: &Config, options: &Options) -> Report {
    let rules = match crate::rules::load_rules(config, options) {
        Ok(r) => ok(format!(
            "{} rules loaded, {} enabled, from {}",
            r.ruleset.rules.len(),
            r.enabled.len(),
            r.files.join(", ")
        )),
        Err(e) => no(format!("{e:#}")),
    };
    let mut ebpf = modern_ebpf(host);
    if ebpf.runs() {
        ebpf.checks.push(probe_loads());
    }
    Report {
        release: host.release.clone(),
        configured: config.engine.kind,
        engines: vec![kmod(host), ebpf],
        offline: offline(config),
        rules,
    }
}

/// `--doctor`: prints the report; its exit code says the verdict.
pub fn doctor(config: &Config, options: &Options) -> u8 {
    let report = examine(&Host::live(), config, options);
    crate::emit(&report.render());
    report.exit_code()
}

#[cfg(test)]
mod tests;
