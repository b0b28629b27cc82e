//! What the end-to-end tests share: running the binary, a quiet
//! configuration, the reference files.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const FALCO: &str = env!("CARGO_BIN_EXE_falco");

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Run {
    let out: Output = Command::new(FALCO)
        .args(args)
        .env_remove("FALCO_HOSTNAME")
        .output()
        .expect("falco runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A quiet configuration (no syslog) in a temporary directory.
pub fn config(dir: &Path, extra: &str) -> String {
    let path = dir.join("falco.yaml");
    std::fs::write(
        &path,
        format!("log_stderr: false\nlog_syslog: false\nstdout_output:\n  enabled: true\n{extra}"),
    )
    .unwrap();
    path.display().to_string()
}

pub fn upstream_rules() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/rules");
    let files: Vec<PathBuf> = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    if files.iter().all(|f| f.exists()) {
        Some(files)
    } else {
        eprintln!("skipped: ../shared/reference/rules is absent");
        None
    }
}

/// A file of `../shared/reference/scap`, or `None` (with a message) when
/// the reference tree is absent.
pub fn capture(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference/scap")
        .join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} is absent", path.display());
        None
    }
}

/// Our default ruleset.
pub fn default_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/falco_rules.yaml")
}
