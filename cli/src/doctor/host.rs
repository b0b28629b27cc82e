//! What the host offers each engine, read from files only (so that tests
//! can point it at a fabricated tree): BTF, the capabilities of this
//! process, a Rust-enabled kernel and a falco module built for it, kernel
//! lockdown and Secure Boot.

use std::path::{Path, PathBuf};

/// Where the host's files are, and which kernel runs.
#[derive(Debug, Clone)]
pub struct Host {
    /// `/` on a real host; a fabricated tree in tests.
    pub root: PathBuf,
    /// `uname -r`.
    pub release: String,
}

/// Capability numbers (linux/capability.h).
const CAP_SYS_MODULE: u32 = 16;
const CAP_SYS_ADMIN: u32 = 21;
const CAP_PERFMON: u32 = 38;
const CAP_BPF: u32 = 39;

/// The EFI variable that says whether Secure Boot is on.
const SECURE_BOOT_VAR: &str =
    "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

/// The kernel's lockdown mode (`/sys/kernel/security/lockdown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockdown {
    None,
    Integrity,
    Confidentiality,
}

/// The falco module found for the running kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub path: PathBuf,
    /// Its `vermagic`, when the file is not compressed.
    pub vermagic: Option<String>,
}

impl Host {
    /// The real host.
    pub fn live() -> Host {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        Host {
            root: PathBuf::from("/"),
            release,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel.trim_start_matches('/'))
    }

    fn read(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.path(rel)).ok()
    }

    /// The kernel's BTF, which the modern eBPF probe relocates against.
    pub fn btf(&self) -> bool {
        self.path("sys/kernel/btf/vmlinux").is_file()
    }

    /// This process's effective capabilities (`CapEff` of its status).
    fn effective_caps(&self) -> u64 {
        self.read("proc/self/status")
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("CapEff:"))
                    .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            })
            .unwrap_or(0)
    }

    fn has_cap(&self, cap: u32) -> bool {
        self.effective_caps() & (1u64 << cap) != 0
    }

    /// CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN, which implies both.
    pub fn bpf_caps(&self) -> bool {
        self.has_cap(CAP_SYS_ADMIN) || (self.has_cap(CAP_BPF) && self.has_cap(CAP_PERFMON))
    }

    /// CAP_SYS_MODULE: loading the module (`modprobe falco`).
    pub fn module_caps(&self) -> bool {
        self.has_cap(CAP_SYS_MODULE)
    }

    /// The running kernel's configuration: its build tree's auto.conf,
    /// else `/boot/config-<release>`; with the file it came from.
    pub fn kernel_config(&self) -> Option<(PathBuf, String)> {
        [
            format!(
                "lib/modules/{}/build/include/config/auto.conf",
                self.release
            ),
            format!("boot/config-{}", self.release),
        ]
        .into_iter()
        .find_map(|rel| Some((self.path(&rel), self.read(&rel)?)))
    }

    /// The falco module installed for the running kernel, where DKMS and
    /// `make modules_install` put it.
    pub fn module(&self) -> Option<Module> {
        let dir = self.path(&format!("lib/modules/{}", self.release));
        let path = find_module(&dir, 0)?;
        let vermagic = vermagic(&path);
        Some(Module { path, vermagic })
    }

    /// The module is loaded (`/sys/module/falco`).
    pub fn module_loaded(&self) -> bool {
        self.path("sys/module/falco").is_dir()
    }

    pub fn lockdown(&self) -> Lockdown {
        let text = self
            .read("sys/kernel/security/lockdown")
            .unwrap_or_default();
        if text.contains("[confidentiality]") {
            Lockdown::Confidentiality
        } else if text.contains("[integrity]") {
            Lockdown::Integrity
        } else {
            Lockdown::None
        }
    }

    /// Secure Boot is on: the EFI variable's last byte (after its 4 bytes
    /// of attributes) is 1.
    pub fn secure_boot(&self) -> bool {
        std::fs::read(self.path(SECURE_BOOT_VAR)).is_ok_and(|b| b.len() >= 5 && b[4] == 1)
    }

    /// The kernel refuses unsigned modules: `module.sig_enforce=1` on the
    /// command line, CONFIG_MODULE_SIG_FORCE, or lockdown.
    pub fn signature_required(&self, config: Option<&str>) -> bool {
        let cmdline = self.read("proc/cmdline").unwrap_or_default();
        cmdline
            .split_whitespace()
            .any(|w| w == "module.sig_enforce=1")
            || config.is_some_and(|c| config_yes(c, "CONFIG_MODULE_SIG_FORCE"))
            || self.lockdown() != Lockdown::None
    }

    /// DKMS's key for signing modules (enrolled with `mokutil --import`).
    pub fn dkms_signing_key(&self) -> bool {
        self.path("var/lib/dkms/mok.pub").is_file()
    }
}

/// `NAME=y` in a kernel configuration.
pub fn config_yes(config: &str, name: &str) -> bool {
    config.lines().any(|l| l.trim() == format!("{name}=y"))
}

/// A quoted value of a kernel configuration.
pub fn config_text(config: &str, name: &str) -> Option<String> {
    config.lines().find_map(|l| {
        let v = l.strip_prefix(name)?.strip_prefix('=')?;
        Some(v.trim_matches('"').to_string())
    })
}

/// `falco.ko` (or `falco.ko.xz`, `.zst`, `.gz`) below `dir`, depth first,
/// not following the `build` and `source` links into the kernel tree.
fn find_module(dir: &Path, depth: usize) -> Option<PathBuf> {
    if depth > 6 {
        return None;
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir).ok()?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in &entries {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name == "falco.ko" || name.starts_with("falco.ko.") {
            return Some(e.path());
        }
    }
    entries
        .iter()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| depth > 0 || !matches!(e.file_name().to_str(), Some("build" | "source")))
        .find_map(|e| find_module(&e.path(), depth + 1))
}

/// The `vermagic=` string of an uncompressed module.
fn vermagic(path: &Path) -> Option<String> {
    if path.extension().is_some_and(|e| e != "ko") {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let key = b"vermagic=";
    let at = bytes.windows(key.len()).position(|w| w == key)? + key.len();
    let end = bytes[at..].iter().position(|&b| b == 0)? + at;
    Some(String::from_utf8_lossy(&bytes[at..end]).into_owned())
}
