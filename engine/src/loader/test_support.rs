//! Test support: loading snippets of rules and looking at the results.

use super::*;
use crate::print_condition;
use std::path::PathBuf;

pub(super) const FILE: &str = "rules.yaml";

/// Loads one file named `rules.yaml`.
pub(super) fn load(text: &str) -> LoadResult {
    RulesLoader::new().load(&[(FILE, text)])
}

/// A full rule item.
pub(super) fn rule(name: &str, condition: &str) -> String {
    format!("- rule: {name}\n  desc: d\n  condition: {condition}\n  output: o %proc.name\n  priority: INFO\n")
}

/// The printed condition of a loaded rule.
pub(super) fn condition_of(result: &LoadResult, name: &str) -> String {
    let ruleset = result
        .ruleset
        .as_ref()
        .unwrap_or_else(|| panic!("no ruleset: {}", describe(result)));
    let rule = ruleset
        .rule(name)
        .unwrap_or_else(|| panic!("no rule {name}"));
    print_condition(&rule.condition)
}

/// The single error of a result (fails otherwise).
pub(super) fn the_error(result: &LoadResult) -> &LoadError {
    let errors: Vec<_> = result.errors().collect();
    assert_eq!(errors.len(), 1, "{}", describe(result));
    errors[0]
}

pub(super) fn warnings(result: &LoadResult, code: WarningCode) -> Vec<&LoadWarning> {
    result.warnings().filter(|w| w.code == code).collect()
}

/// (item type, item name, line, column) of the innermost location.
pub(super) fn at(context: &Context) -> (ItemType, &str, usize, usize) {
    let last = context.last();
    (
        last.item_type,
        last.item_name.as_str(),
        last.pos.line,
        last.pos.column,
    )
}

/// Every message, for assertion failures.
pub(super) fn describe(result: &LoadResult) -> String {
    result
        .files
        .iter()
        .map(|f| f.verbose_string(&result.sources))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The upstream rules files (stable, incubating, sandbox), or `None`
/// (after saying so) when the reference data is absent.
pub(super) fn upstream_files() -> Option<Vec<(String, String)>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/rules");
    let names = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ];
    let mut files = Vec::new();
    for name in names {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
            eprintln!("skipped: no upstream rules at {}", dir.display());
            return None;
        };
        files.push((name.to_owned(), text));
    }
    Some(files)
}
