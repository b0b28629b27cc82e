//! The three upstream rules files compile against the real field source.

use super::*;
use crate::loader::{EventSource, RulesLoader};
use falco_sinsp::SyscallFields;
use std::path::PathBuf;

fn upstream() -> Option<Vec<(String, String)>> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/rules");
    let files = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ];
    let mut out = Vec::new();
    for f in files {
        match std::fs::read_to_string(d.join(f)) {
            Ok(t) => out.push((f.to_string(), t)),
            Err(_) => {
                eprintln!("skipped: {} not found", d.display());
                return None;
            }
        }
    }
    Some(out)
}

#[test]
fn upstream_rules_compile_with_the_real_fields() {
    let Some(files) = upstream() else { return };
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let loaded = RulesLoader::with_sources(vec![EventSource::with_fields(
        "syscall",
        SyscallFields::new(),
    )])
    .load(&refs);
    // Falco's codes only: what falco-rs's own lint finds in these files
    // is checked in loader/lint_tests.rs.
    let warnings: Vec<String> = loaded
        .warnings()
        .filter(|w| w.code.is_falco_code())
        .map(|w| format!("{w:?}"))
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
    let errors: Vec<String> = loaded.errors().map(|e| format!("{e:?}")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let ruleset = loaded.ruleset.expect("loads");
    let (set, issues) = CompiledRuleset::compile(&ruleset, SyscallFields::new());
    let errors: Vec<&RuleIssue> = issues
        .iter()
        .filter(|i| matches!(i.issue, Issue::Error(..)))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(set.rules.len(), 93);
    // Every rule but the few written without an event type is indexed by it.
    let unrestricted: Vec<&str> = set
        .rules
        .iter()
        .filter(|r| r.events.is_all())
        .map(|r| r.name.as_str())
        .collect();
    assert!(unrestricted.len() <= 3, "{unrestricted:?}");
}
