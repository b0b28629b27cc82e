//! The upstream rules (stable, incubating, sandbox) load together as in
//! Falco: no errors, every rule present with its condition expanded.

use super::test_support::{describe, upstream_files};
use super::*;
use crate::condition::ast::{Expr, ExprKind};
use std::collections::BTreeMap;

fn load_upstream() -> Option<LoadResult> {
    let files = upstream_files()?;
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    Some(RulesLoader::new().load(&refs))
}

fn has_macro_ref(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::MacroRef(_) => true,
        ExprKind::And(children) | ExprKind::Or(children) => children.iter().any(has_macro_ref),
        ExprKind::Not(child) => has_macro_ref(child),
        _ => false,
    }
}

#[test]
fn upstream_rules_load_without_errors() {
    let Some(result) = load_upstream() else {
        return;
    };
    assert!(result.successful(), "{}", describe(&result));
    let ruleset = result.ruleset.as_ref().unwrap();
    assert_eq!(ruleset.rules.len(), 93);
    for rule in &ruleset.rules {
        assert!(
            !has_macro_ref(&rule.condition),
            "{} keeps a macro reference",
            rule.name
        );
        assert!(!rule.output.is_empty() && !rule.description.is_empty());
    }
    assert_eq!(ruleset.required_engine_version, Some(ENGINE_VERSION));
    assert_eq!(ruleset.check_plugin_requirements(BUILTIN_PLUGINS), Ok(()));
    // Every node points into one of the three files.
    let rule = ruleset.rule("Terminal shell in container").unwrap();
    let (file, pos) = result.sources.locate(rule.condition.pos.offset).unwrap();
    assert_eq!(file.name, "falco_rules.yaml");
    assert!(pos.line > 1);
}

#[test]
fn upstream_warnings_are_what_falco_reports() {
    let Some(result) = load_upstream() else {
        return;
    };
    let mut counts: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for file in &result.files {
        for warning in &file.warnings {
            *counts
                .entry((file.name.clone(), warning.code.as_str()))
                .or_default() += 1;
        }
    }
    eprintln!("upstream warnings per file and code: {counts:#?}");
    // Only Falco's codes: falco-rs's own lint codes are tested on their
    // own (lint_tests.rs, noop_tests.rs).
    for warning in result.warnings().filter(|w| w.code.is_falco_code()) {
        assert!(
            matches!(
                warning.code,
                WarningCode::UnusedMacro | WarningCode::UnusedList
            ),
            "unexpected warning {}: {}",
            warning.code,
            warning.message
        );
    }
}
