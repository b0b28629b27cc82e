//! The default ruleset (rules/falco_rules.yaml) as a whole: every rule
//! loads, compiles and is complete, and replayed VM captures raise what
//! they should.
//!
//! The per-rule cases (for every rule, events that must raise it and a
//! near miss that must not) are YAML case files in rules/tests/, run by
//! `falco test rules/tests --coverage`.

mod common;

use common::world::{default_rules_text, load_clean, raised};
use falco_engine::compiler::CompiledRuleset;
use falco_sinsp::SyscallFields;
use std::path::PathBuf;

fn ruleset() -> CompiledRuleset<SyscallFields> {
    load_clean(&[("falco_rules.yaml", &default_rules_text())])
}

#[test]
fn every_rule_loads_compiles_and_has_desc_output_priority_and_mitre_tags() {
    let set = ruleset();
    assert!(set.rules.len() >= 36, "{}", set.rules.len());
    for r in &set.rules {
        assert!(!r.output.is_empty(), "{}", r.name);
        assert!(
            r.tags.iter().any(|t| t.starts_with("mitre_")),
            "{} has no MITRE tag",
            r.name
        );
        assert!(
            r.tags.iter().any(|t| t.starts_with('T')),
            "{} has no technique id",
            r.name
        );
        assert!(
            !r.events.is_all(),
            "{} is not restricted to event types",
            r.name
        );
    }
}

/// Our rules on real captures: the VM capture of `cat /etc/shadow` raises
/// the sensitive-file rule, and the benchmark workload (find/grep/cat/dd
/// loops over /sys and /proc) stays quiet apart from it. (rules/tests/
/// files.yaml has the same cases; this one skips where the captures are
/// absent.)
#[test]
fn replayed_vm_captures() {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/scap");
    if !d.is_dir() {
        eprintln!("skipped: {} not found", d.display());
        return;
    }
    let set = ruleset();
    let run = |f: &str| {
        raised(
            &set,
            &mut falco_scap::SavefileEngine::open(d.join(f)).unwrap(),
        )
    };
    let shadow = run("vm_cat_shadow.scap.gz");
    assert!(
        shadow.contains(&"Read sensitive file untrusted".to_string()),
        "{shadow:?}"
    );
    let bench = run("vm_bench_small.scap.gz");
    eprintln!("vm_bench_small: {bench:?}");
    assert!(
        bench.iter().all(|r| r == "Read sensitive file untrusted"),
        "{bench:?}"
    );
}
