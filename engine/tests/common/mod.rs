//! What the end-to-end tests share: the reference data and the upstream
//! rules compiled against the syscall fields.

// Each test (and the rules benchmark) uses a part of it.
#![allow(dead_code)]

pub mod world;

use falco_engine::compiler::{CompiledRuleset, Matching};
use falco_engine::loader::{EventSource, RulesLoader, Ruleset};
use falco_sinsp::SyscallFields;
use std::path::{Path, PathBuf};

/// `../shared/reference`, or `None` (the test skips) where it is absent.
pub fn reference() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference");
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!("skipped: {} not found", d.display());
        None
    }
}

/// The three upstream rules files in `dir` (the reference's `rules/`),
/// compiled without issues, every matching rule reported.
pub fn upstream_rules(dir: &Path) -> CompiledRuleset<SyscallFields> {
    let files: Vec<(String, String)> = UPSTREAM_FILES
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            (f.to_string(), text)
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let mut set = compile(&refs);
    set.matching = Matching::All;
    set
}

/// Rules files (name, text) loaded and compiled without issues.
pub fn compile(files: &[(&str, &str)]) -> CompiledRuleset<SyscallFields> {
    load_and_compile(files).1
}

/// Rules files (name, text) loaded, and compiled without issues.
pub fn load_and_compile(files: &[(&str, &str)]) -> (Ruleset, CompiledRuleset<SyscallFields>) {
    let loaded = RulesLoader::with_sources(vec![EventSource::with_fields(
        "syscall",
        SyscallFields::new(),
    )])
    .load(files);
    let ruleset = loaded.ruleset.unwrap();
    let (set, issues) = CompiledRuleset::compile(&ruleset, SyscallFields::new());
    assert!(issues.is_empty(), "{issues:?}");
    (ruleset, set)
}

/// The reference captures (`.scap` and `.scap.gz`) in `dir`'s `scap/`,
/// sorted by name.
pub fn reference_captures(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("scap"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".scap"))
        .collect();
    v.sort();
    assert!(v.len() > 10, "{v:?}");
    v
}

/// The three upstream rules files' names.
pub const UPSTREAM_FILES: [&str; 3] = [
    "falco_rules.yaml",
    "falco-incubating_rules.yaml",
    "falco-sandbox_rules.yaml",
];
