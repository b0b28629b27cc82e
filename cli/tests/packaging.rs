//! The DKMS build script of the .deb (driver-rs/dkms-make.sh) refuses a
//! kernel it cannot build for, before compiling anything, with the one
//! "falco-dkms:" line the package's postinst shows: over fabricated kernel
//! build trees and fake toolchains. (The build that succeeds runs in
//! scripts/kmod-test.sh against the real Rust test kernel.)

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../driver-rs/dkms-make.sh")
}

/// A kernel build tree holding only `include/config/auto.conf`.
fn kernel(dir: &Path, auto_conf: &str) -> PathBuf {
    let k = dir.join("kernel");
    std::fs::create_dir_all(k.join("include/config")).unwrap();
    std::fs::write(k.join("include/config/auto.conf"), auto_conf).unwrap();
    k
}

/// An executable that prints `version` for `--version`.
fn fake_tool(dir: &Path, name: &str, version: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\necho '{version}'\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// Runs the script for `kdir` with only `env` for the toolchain and a PATH
/// holding the text tools it uses and nothing else (no rustc, bindgen or
/// clang of this machine); its exit code and standard error.
fn build(kdir: &Path, env: &[(&str, &Path)]) -> (i32, String) {
    let bin = kdir.parent().unwrap().join("bin");
    if !bin.exists() {
        std::fs::create_dir_all(&bin).unwrap();
        for tool in ["sed", "head", "ls"] {
            let real = ["/usr/bin", "/bin"]
                .iter()
                .map(|d| Path::new(d).join(tool))
                .find(|p| p.exists())
                .unwrap();
            std::os::unix::fs::symlink(real, bin.join(tool)).unwrap();
        }
    }
    let mut cmd = Command::new("/bin/sh");
    // HOME too: the script looks in ~/.cargo/bin (not this machine's).
    cmd.arg(script())
        .arg(kdir)
        .env_clear()
        .env("PATH", &bin)
        .env("HOME", kdir.parent().unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const RUST_KERNEL: &str = "CONFIG_RUST=y\n\
CONFIG_RUSTC_VERSION_TEXT=\"rustc 1.96.0 (ac68faa20 2026-05-25)\"\n\
CONFIG_BINDGEN_VERSION_TEXT=\"bindgen 0.73.2\"\n\
CONFIG_CLANG_VERSION=140006\n";

#[test]
fn dkms_make_refuses_with_one_line_naming_what_is_needed() {
    let dir = tempfile::tempdir().unwrap();

    let (code, err) = build(&dir.path().join("absent"), &[]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("falco-dkms: ") && err.contains("install the headers"),
        "{err}"
    );

    let k = kernel(dir.path(), "CONFIG_BPF=y\n# CONFIG_RUST is not set\n");
    let (code, err) = build(&k, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("without Rust support (CONFIG_RUST)"), "{err}");

    let k = kernel(dir.path(), RUST_KERNEL);
    let old = fake_tool(
        dir.path(),
        "rustc-old",
        "rustc 1.95.0 (59807616e 2026-04-14)",
    );
    let (code, err) = build(&k, &[("FALCO_RUSTC", &old)]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim_end(),
        "falco-dkms: no rustc matches the kernel's \"rustc 1.96.0 (ac68faa20 2026-05-25)\": \
         install it (Debian: rustc-web) or set FALCO_RUSTC"
    );

    let rustc = fake_tool(dir.path(), "rustc", "rustc 1.96.0 (ac68faa20 2026-05-25)");
    let bindgen = fake_tool(dir.path(), "bindgen", "bindgen 0.60.1");
    let (code, err) = build(&k, &[("FALCO_RUSTC", &rustc), ("FALCO_BINDGEN", &bindgen)]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no bindgen matches the kernel's \"bindgen 0.73.2\"")
            && err.contains("bindgen-cli@0.73.2"),
        "{err}"
    );

    // The right rustc and bindgen, but not the library sources of that
    // rustc (a version no machine has under /usr/src).
    let k = kernel(
        dir.path(),
        &RUST_KERNEL.replace("rustc 1.96.0 (ac68faa20 2026-05-25)", "rustc 1.96.9 (test)"),
    );
    let rustc = fake_tool(dir.path(), "rustc", "rustc 1.96.9 (test)");
    let bindgen = fake_tool(dir.path(), "bindgen", "bindgen 0.73.2");
    let tools = [
        ("FALCO_RUSTC", rustc.as_path()),
        ("FALCO_BINDGEN", &bindgen),
    ];
    let (code, err) = build(&k, &tools);
    assert_eq!(code, 1);
    assert!(err.contains("library sources of rustc 1.96.9"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");

    // Everything Rust, but not the clang that built the kernel.
    let lib = dir.path().join("library");
    std::fs::create_dir_all(lib.join("core")).unwrap();
    let (code, err) = build(&k, &[tools[0], tools[1], ("RUST_LIB_SRC", &lib)]);
    assert_eq!(code, 1);
    assert!(
        err.contains("built with clang 14: install clang-14"),
        "{err}"
    );
}

/// apt runs maintainer scripts, and so DKMS, with
/// PATH=/usr/sbin:/usr/bin:/sbin:/bin: a rustc and bindgen that `cargo
/// install` put in ~/.cargo/bin are still found (found in the Debian VM of
/// scripts/deb-test.sh, where bindgen in /usr/local/bin was not).
#[test]
fn dkms_make_finds_cargo_installed_tools_off_apts_path() {
    let dir = tempfile::tempdir().unwrap();
    let k = kernel(
        dir.path(),
        &RUST_KERNEL.replace("rustc 1.96.0 (ac68faa20 2026-05-25)", "rustc 1.96.9 (test)"),
    );
    let home = dir.path().join("home");
    let cargo_bin = home.join(".cargo/bin");
    std::fs::create_dir_all(&cargo_bin).unwrap();
    fake_tool(&cargo_bin, "rustc", "rustc 1.96.9 (test)");
    fake_tool(&cargo_bin, "bindgen", "bindgen 0.73.2");
    let (code, err) = build(&k, &[("HOME", &home)]);
    assert_eq!(code, 1);
    // Past rustc and bindgen: refused only for want of that rustc's
    // library sources (a version no machine has).
    assert!(err.contains("library sources of rustc 1.96.9"), "{err}");
}
