//! `override:` (append and replace) and the legacy `append: true`, as in
//! Falco's own loader tests.

use super::collector::{
    ERROR_NO_PREVIOUS_LIST, ERROR_NO_PREVIOUS_MACRO, ERROR_NO_PREVIOUS_RULE_APPEND,
    ERROR_NO_PREVIOUS_RULE_REPLACE,
};
use super::items::{ERROR_OVERRIDE_APPEND, WARNING_APPEND};
use super::test_support::*;
use super::*;

const BASE: &str = "- rule: r\n  desc: legit rule description\n  condition: evt.type = open\n  \
                    output: user=%user.name command=%proc.cmdline\n  priority: INFO\n  tags: [a]\n";

fn with_base(extra: &str) -> LoadResult {
    load(&format!("{BASE}{extra}"))
}

fn the_rule(result: &LoadResult) -> &Rule {
    result
        .ruleset
        .as_ref()
        .unwrap_or_else(|| panic!("{}", describe(result)))
        .rule("r")
        .unwrap()
}

#[test]
fn append_condition_output_desc_and_tags() {
    let result = with_base(
        "- rule: r\n  desc: with append\n  condition: and proc.name = cat\n  output: proc=%proc.name\n  tags: [b]\n  \
         override:\n    desc: append\n    condition: append\n    output: append\n    tags: append\n",
    );
    let rule = the_rule(&result);
    assert_eq!(rule.condition_text, "evt.type = open and proc.name = cat");
    assert_eq!(
        rule.output,
        "user=%user.name command=%proc.cmdline proc=%proc.name"
    );
    assert_eq!(rule.description, "legit rule description with append");
    assert_eq!(rule.tags.len(), 2);
    assert!(warnings(&result, WarningCode::DeprecatedItem).is_empty());
}

#[test]
fn replace_every_replaceable_key() {
    let result = with_base(
        "- rule: r\n  desc: new\n  condition: evt.type = close\n  output: o\n  priority: WARNING\n  tags: [z]\n  \
         enabled: false\n  warn_evttypes: false\n  skip-if-unknown-filter: true\n  capture: true\n  capture_duration: 9\n  \
         override:\n    desc: replace\n    condition: replace\n    output: replace\n    priority: replace\n    tags: replace\n    \
         enabled: replace\n    warn_evttypes: replace\n    skip-if-unknown-filter: replace\n    capture: replace\n    capture_duration: replace\n",
    );
    let rule = the_rule(&result);
    assert_eq!(print_condition(&rule.condition), "evt.type = close");
    assert_eq!(
        (rule.output.as_str(), rule.description.as_str()),
        ("o", "new")
    );
    assert_eq!(rule.priority, Priority::Warning);
    assert_eq!(rule.tags.iter().collect::<Vec<_>>(), ["z"]);
    assert!(!rule.enabled && !rule.warn_evttypes && rule.skip_if_unknown_filter && rule.capture);
    assert_eq!(rule.capture_duration, 9);
}

#[test]
fn append_and_replace_together() {
    let result = with_base(
        "- rule: r\n  desc: replaced\n  condition: and proc.name = cat\n  priority: WARNING\n  \
         override:\n    desc: replace\n    condition: append\n    priority: replace\n",
    );
    let rule = the_rule(&result);
    assert_eq!(rule.condition_text, "evt.type = open and proc.name = cat");
    assert_eq!(
        (rule.description.as_str(), rule.priority),
        ("replaced", Priority::Warning)
    );
}

#[test]
fn override_errors() {
    let cases = [
        (
            "- rule: r\n  priority: WARNING\n  override:\n    priority: append\n",
            "Key 'priority' cannot be appended to, use 'replace' instead",
            (ItemType::Override, "priority", 10, 5),
        ),
        (
            "- rule: r\n  source: x\n  override:\n    source: replace\n",
            "Key 'source' cannot be replaced",
            (ItemType::Override, "source", 10, 5),
        ),
        (
            "- rule: r\n  desc: x\n  override:\n    desc: prepend\n",
            "Invalid override operation for key 'desc': 'prepend'. Allowed values are: append replace ",
            (ItemType::ValueFor, "desc", 10, 11),
        ),
        (
            "- rule: r\n  desc: x\n  override:\n    desc: replace\n    condition: append\n",
            "An append override for 'condition' was specified but 'condition' is not defined",
            (ItemType::Rule, "r", 7, 3),
        ),
        (
            "- rule: r\n  desc: x\n  priority: ERROR\n  override:\n    desc: replace\n",
            "Unexpected key 'priority': no corresponding entry under 'override' is defined.",
            (ItemType::Override, "priority", 9, 13),
        ),
        (
            "- rule: r\n  condition: and x.y = 1\n  append: true\n  override:\n    condition: append\n",
            ERROR_OVERRIDE_APPEND,
            (ItemType::Rule, "r", 7, 3),
        ),
        (
            "- rule: r\n  enabled: true\n  override:\n    enabled: replace\n    desc: replace\n",
            "An replace override for 'desc' was specified but 'desc' is not defined",
            (ItemType::Rule, "r", 7, 3),
        ),
    ];
    for (extra, message, place) in cases {
        let result = with_base(extra);
        let err = the_error(&result);
        assert_eq!(err.message, message, "{extra}");
        assert_eq!(err.code, ErrorCode::YamlValidate);
        assert_eq!(at(&err.context), place, "{extra}");
    }
}

#[test]
fn overriding_what_does_not_exist_yet() {
    let rule_first =
        "- rule: t\n  condition: and proc.name = cat\n  override:\n    condition: append\n";
    assert_eq!(
        the_error(&load(rule_first)).message,
        ERROR_NO_PREVIOUS_RULE_APPEND
    );
    let replace_first =
        "- rule: t\n  condition: proc.name = cat\n  override:\n    condition: replace\n";
    assert_eq!(
        the_error(&load(replace_first)).message,
        ERROR_NO_PREVIOUS_RULE_REPLACE
    );
    let legacy_first = "- rule: t\n  condition: and proc.name = cat\n  append: true\n";
    assert_eq!(
        the_error(&load(legacy_first)).message,
        ERROR_NO_PREVIOUS_RULE_APPEND
    );
    let macro_first =
        "- macro: m\n  condition: or evt.type = openat2\n  override:\n    condition: append\n";
    let macro_result = load(macro_first);
    let err = the_error(&macro_result);
    assert_eq!(
        (err.code, err.message.as_str()),
        (ErrorCode::Validate, ERROR_NO_PREVIOUS_MACRO)
    );
    assert_eq!(at(&err.context), (ItemType::Macro, "m", 1, 3));
    let list_first = "- list: l\n  items: [a]\n  append: true\n";
    assert_eq!(the_error(&load(list_first)).message, ERROR_NO_PREVIOUS_LIST);
    // A replace before the definition is a definition; the later one wins.
    let macro_replace = format!(
        "- macro: m\n  condition: evt.type = openat2\n  override:\n    condition: replace\n- macro: m\n  condition: evt.type in (open, openat)\n{}",
        rule("t", "m")
    );
    assert_eq!(
        condition_of(&load(&macro_replace), "t"),
        "evt.type in (open, openat)"
    );
}

#[test]
fn macro_and_list_appends() {
    let text = format!(
        "- macro: m\n  condition: evt.type in (open,openat)\n- macro: m\n  condition: or evt.type = openat2\n  override:\n    condition: append\n\
         - list: l\n  items: [a]\n- list: l\n  items: [b]\n  append: true\n- list: l\n  items: [c]\n  override:\n    items: append\n{}",
        rule("t", "m and proc.name in (l)")
    );
    let result = load(&text);
    assert_eq!(
        condition_of(&result, "t"),
        "(evt.type in (open, openat) or evt.type = openat2) and proc.name in (a, b, c)"
    );
    let deprecated = warnings(&result, WarningCode::DeprecatedItem);
    assert_eq!(deprecated.len(), 1);
    assert_eq!(deprecated[0].message, WARNING_APPEND);
    assert_eq!(at(&deprecated[0].context), (ItemType::List, "l", 9, 3));
    // A list replace is a full redefinition.
    let replaced = format!(
        "- list: l\n  items: [a]\n- list: l\n  items: [z]\n  override:\n    items: replace\n{}",
        rule("t", "proc.name in (l)")
    );
    assert_eq!(condition_of(&load(&replaced), "t"), "proc.name in (z)");
}

#[test]
fn legacy_append_of_rules() {
    let result = with_base(
        "- rule: r\n  condition: and proc.name = cat\n  append: true\n  enabled: false\n",
    );
    let rule = the_rule(&result);
    assert_eq!(rule.condition_text, "evt.type = open and proc.name = cat");
    // `enabled` is ignored by an append, as in Falco.
    assert!(rule.enabled);
    assert_eq!(warnings(&result, WarningCode::DeprecatedItem).len(), 1);
    let empty = with_base("- rule: r\n  append: true\n");
    assert_eq!(
        the_error(&empty).message,
        "Appended rule must have exceptions or condition property"
    );
}

#[test]
fn enabled_through_override() {
    let result = load(&format!(
        "{}  enabled: false\n- rule: r\n  desc: correct override\n  condition: and proc.name = cat\n  enabled: true\n  \
         override:\n    desc: replace\n    condition: append\n    enabled: replace\n",
        rule("r", "evt.type = close")
    ));
    assert!(!result.files[0].has_warnings(), "{}", describe(&result));
    assert!(the_rule(&result).enabled);
}

use crate::print_condition;
