//! Compiles the eBPF probe (driver/bpf/) with clang so that the
//! modern_ebpf engine can embed it. Needs clang (clang-14 or newer, or
//! $CLANG) and libbpf's headers (Debian: libbpf-dev); scripts/setup.sh
//! installs both. Without the `modern-bpf` feature nothing is built.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    if env::var_os("CARGO_FEATURE_MODERN_BPF").is_none() {
        return;
    }
    let manifest =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let src = manifest.join("../driver/bpf");
    let out =
        PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("probe.bpf.o");
    println!("cargo:rerun-if-changed={}", src.display());
    println!("cargo:rerun-if-env-changed=CLANG");

    let clang = env::var("CLANG")
        .ok()
        .or_else(find_clang)
        .unwrap_or_else(|| {
            fail("no clang found (install clang-14 and libbpf-dev: scripts/setup.sh, or set CLANG)")
        });
    let status = Command::new(&clang)
        .args([
            "-target",
            "bpf",
            "-O2",
            "-g",
            "-mcpu=v3",
            "-D__TARGET_ARCH_x86",
        ])
        .args(["-Wall", "-Werror", "-Wno-unused-function"])
        .arg("-I/usr/include/x86_64-linux-gnu")
        .arg(format!("-I{}", src.display()))
        .arg("-c")
        .arg(src.join("probe.bpf.c"))
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap_or_else(|e| fail(&format!("cannot run {clang}: {e}")));
    if !status.success() {
        fail(&format!(
            "{clang} failed to compile driver/bpf/probe.bpf.c ({status})"
        ));
    }
}

fn find_clang() -> Option<String> {
    ["clang-14", "clang-16", "clang-19", "clang"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(String::from)
}

fn fail(msg: &str) -> ! {
    eprintln!("error: eBPF probe: {msg}");
    std::process::exit(1);
}
