//! What the end-to-end tests share: the reference data and the upstream
//! rules compiled against the syscall fields.

// Each test (and the rules benchmark) uses a part of it.
#![allow(dead_code)]

pub mod world;

use falco_engine::compiler::{CompiledRuleset, Matching};
use falco_engine::loader::{EventSource, RulesLoader};
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
    let files: Vec<(String, String)> = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ]
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
    let loaded = RulesLoader::with_sources(vec![EventSource::with_fields(
        "syscall",
        SyscallFields::new(),
    )])
    .load(files);
    let (set, issues) = CompiledRuleset::compile(&loaded.ruleset.unwrap(), SyscallFields::new());
    assert!(issues.is_empty(), "{issues:?}");
    set
}
