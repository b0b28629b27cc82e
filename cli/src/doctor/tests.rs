//! The doctor over fabricated hosts: each reason an engine cannot run, and
//! the exit code each combination gives.

use super::host::Host;
use super::*;
use std::path::Path;

const RELEASE: &str = "6.12.118-rust";
const ALL_CAPS: &str = "000001ffffffffff";

/// A host tree under a temporary directory.
struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new() -> Fake {
        let fake = Fake {
            dir: tempfile::tempdir().unwrap(),
        };
        fake.write("proc/sys/kernel/osrelease", RELEASE);
        fake.caps(ALL_CAPS);
        fake
    }

    fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    fn caps(&self, eff: &str) {
        self.write(
            "proc/self/status",
            format!("Name:\tfalco\nCapInh:\t0000000000000000\nCapEff:\t{eff}\n"),
        );
    }

    fn btf(self) -> Fake {
        self.write("sys/kernel/btf/vmlinux", b"\x9f\xeb");
        self
    }

    fn rust_kernel(self) -> Fake {
        self.write(
            &format!("lib/modules/{RELEASE}/build/include/config/auto.conf"),
            "CONFIG_RUST=y\nCONFIG_RUSTC_VERSION_TEXT=\"rustc 1.96.0\"\n",
        );
        self
    }

    fn module_for(self, release: &str) -> Fake {
        let mut ko = b"\x7fELF....".to_vec();
        ko.extend_from_slice(format!("vermagic={release} SMP preempt mod_unload\0").as_bytes());
        self.write(&format!("lib/modules/{RELEASE}/kernel/extra/falco.ko"), ko);
        self
    }

    fn host(&self) -> Host {
        Host {
            root: self.dir.path().to_path_buf(),
            release: RELEASE.into(),
        }
    }
}

fn failing(v: &Verdict) -> Vec<&str> {
    v.checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.text.as_str())
        .collect()
}

fn report(host: &Host, configured: EngineKind, rules_ok: bool) -> Report {
    Report {
        release: host.release.clone(),
        configured,
        engines: vec![kmod(host), modern_ebpf(host)],
        offline: None,
        rules: Check {
            ok: rules_ok,
            text: "rules".into(),
        },
    }
}

#[test]
fn a_debian_cloud_kernel_runs_ebpf_not_the_module() {
    let fake = Fake::new().btf();
    fake.write(
        &format!("boot/config-{RELEASE}"),
        "CONFIG_BPF=y\n# CONFIG_RUST is not set\n",
    );
    let host = fake.host();
    assert!(modern_ebpf(&host).runs(), "{:?}", modern_ebpf(&host));
    let k = kmod(&host);
    let why = failing(&k);
    assert!(why[0].contains("built without CONFIG_RUST"), "{why:?}");
    assert!(why[1].contains("no falco.ko installed"), "{why:?}");
    assert_eq!(report(&host, EngineKind::ModernEbpf, true).exit_code(), 0);
    let r = report(&host, EngineKind::Kmod, true);
    assert_eq!(r.exit_code(), EXIT_OTHER_ENGINE);
    assert!(
        r.render()
            .contains("engine.kind kmod cannot run here; modern_ebpf can"),
        "{}",
        r.render()
    );
    assert_eq!(
        report(&host, EngineKind::ModernEbpf, false).exit_code(),
        EXIT_RULES
    );
}

#[test]
fn a_rust_kernel_with_its_module_runs_kmod() {
    let fake = Fake::new().rust_kernel().module_for(RELEASE);
    let host = fake.host();
    let k = kmod(&host);
    assert!(k.runs(), "{k:?}");
    assert!(k.checks[0].text.contains("rustc 1.96.0"), "{k:?}");
    assert!(!modern_ebpf(&host).runs());
    assert_eq!(report(&host, EngineKind::Kmod, true).exit_code(), 0);
}

#[test]
fn a_module_built_for_another_kernel_does_not_count() {
    let fake = Fake::new().rust_kernel().module_for("6.12.117-rust");
    let why = failing(&kmod(&fake.host())).join("\n");
    assert!(
        why.contains("is built for \"6.12.117-rust SMP preempt mod_unload\""),
        "{why}"
    );
}

#[test]
fn no_btf_and_no_rust_leave_no_engine() {
    let fake = Fake::new();
    let host = fake.host();
    let e = modern_ebpf(&host);
    assert!(
        failing(&e)[0].contains("no /sys/kernel/btf/vmlinux"),
        "{e:?}"
    );
    assert!(failing(&kmod(&host))[0].contains("no configuration of kernel"));
    let r = report(&host, EngineKind::ModernEbpf, true);
    assert_eq!(r.exit_code(), EXIT_NO_ENGINE);
    assert!(
        r.render().contains("no other live engine can"),
        "{}",
        r.render()
    );
}

#[test]
fn missing_capabilities_are_named() {
    let fake = Fake::new().btf().rust_kernel().module_for(RELEASE);
    fake.caps("0000000000000000");
    let host = fake.host();
    assert!(failing(&modern_ebpf(&host))[0].contains("CAP_BPF and CAP_PERFMON"));
    assert!(failing(&kmod(&host))[0].contains("CAP_SYS_MODULE"));
    // CAP_BPF (39) and CAP_PERFMON (38) alone are enough for eBPF.
    fake.caps(&format!("{:016x}", (1u64 << 39) | (1u64 << 38)));
    assert!(modern_ebpf(&host).runs());
}

#[test]
fn lockdown_and_secure_boot() {
    let fake = Fake::new().btf().rust_kernel().module_for(RELEASE);
    fake.write(
        "sys/kernel/security/lockdown",
        "none integrity [confidentiality]\n",
    );
    let host = fake.host();
    assert!(failing(&modern_ebpf(&host))[0].contains("confidentiality"));
    let why = failing(&kmod(&host)).join("\n");
    assert!(
        why.contains("only signed modules (kernel lockdown)") && why.contains("no signing key"),
        "{why}"
    );
    // DKMS's key present: signed at build, to be enrolled.
    fake.write("var/lib/dkms/mok.pub", "key");
    assert!(kmod(&host).runs());

    let fake = Fake::new().rust_kernel().module_for(RELEASE);
    fake.write(
        "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
        [6, 0, 0, 0, 1],
    );
    fake.write("proc/cmdline", "root=/dev/sda1 module.sig_enforce=1\n");
    let why = failing(&kmod(&fake.host())).join("\n");
    assert!(why.contains("only signed modules (Secure Boot)"), "{why}");
}

#[test]
fn the_live_host_reads_its_release() {
    let host = Host::live();
    assert_eq!(
        host.release,
        nix::sys::utsname::uname()
            .unwrap()
            .release()
            .to_string_lossy()
    );
    assert_eq!(host.root, Path::new("/"));
}
