//! Items and their keys: priorities, enabled flags, sources, tags,
//! versions, several documents and several files.

use super::test_support::*;
use super::*;

fn loaded_rule(text: &str, name: &str) -> Rule {
    let result = load(text);
    let ruleset = result
        .ruleset
        .as_ref()
        .unwrap_or_else(|| panic!("{}", describe(&result)));
    ruleset.rule(name).unwrap().clone()
}

#[test]
fn a_full_rule_keeps_every_key() {
    let text = "- rule: r\n  desc: a rule\n  condition: evt.type = open\n  output: \"  opened %fd.name  \"\n  \
                priority: critical\n  source: syscall\n  tags: [b, a, b]\n  enabled: false\n  warn_evttypes: no\n  \
                skip-if-unknown-filter: yes\n  capture: true\n  capture_duration: 5000\n";
    let rule = loaded_rule(text, "r");
    assert_eq!(rule.description, "a rule");
    assert_eq!(rule.output, "opened %fd.name");
    assert_eq!(rule.priority, Priority::Critical);
    assert_eq!(rule.source, "syscall");
    assert_eq!(
        rule.tags.iter().map(String::as_str).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(!rule.enabled && !rule.warn_evttypes && rule.skip_if_unknown_filter && rule.capture);
    assert_eq!(rule.capture_duration, 5000);
}

#[test]
fn defaults_of_a_rule() {
    let rule = loaded_rule(&rule("r", "evt.type = open"), "r");
    assert!(rule.enabled && rule.warn_evttypes && !rule.skip_if_unknown_filter && !rule.capture);
    assert_eq!(
        (rule.source.as_str(), rule.capture_duration),
        ("syscall", 0)
    );
    assert!(rule.tags.is_empty() && rule.exception_fields.is_empty());
}

#[test]
fn priorities_in_every_spelling() {
    for (written, expected) in [
        ("EMERGENCY", Priority::Emergency),
        ("alert", Priority::Alert),
        ("Critical", Priority::Critical),
        ("ERROR", Priority::Error),
        ("warning", Priority::Warning),
        ("Notice", Priority::Notice),
        ("INFO", Priority::Informational),
        ("informational", Priority::Informational),
        ("debug", Priority::Debug),
    ] {
        let text =
            rule("r", "evt.type = open").replace("priority: INFO", &format!("priority: {written}"));
        assert_eq!(loaded_rule(&text, "r").priority, expected, "{written}");
    }
    let bad = load(&rule("r", "evt.type = open").replace("priority: INFO", "priority: urgent"));
    let err = the_error(&bad);
    assert_eq!(
        (err.code, err.message.as_str()),
        (ErrorCode::YamlValidate, "Invalid priority")
    );
    assert_eq!(at(&err.context), (ItemType::RulePriority, "", 5, 13));
}

#[test]
fn enabled_only_entries_switch_a_rule() {
    let text = format!(
        "{}- rule: r\n  enabled: false\n",
        rule("r", "evt.type = open")
    );
    let result = load(&text);
    assert!(!result.ruleset.as_ref().unwrap().rule("r").unwrap().enabled);
    let warning = &warnings(&result, WarningCode::DeprecatedItem)[0];
    assert_eq!(warning.message, super::items::WARNING_ENABLED);
    assert_eq!(at(&warning.context), (ItemType::Rule, "r", 6, 3));
    // Nothing to enable yet.
    let result = load("- rule: r\n  enabled: true\n");
    assert_eq!(
        the_error(&result).message,
        "Rule has 'enabled' key but no rule by that name already exists"
    );
    // Not a boolean.
    let result = load(&format!(
        "{}- rule: r\n  enabled: maybe\n",
        rule("r", "evt.type = open")
    ));
    let err = the_error(&result);
    assert_eq!(err.message, "Can't decode YAML scalar value");
    assert_eq!(at(&err.context), (ItemType::ValueFor, "enabled", 7, 12));
}

#[test]
fn engine_versions_numeric_and_semver() {
    for (written, ok) in [
        ("0.26.0", true),
        ("26", true),
        ("0.57.0", true),
        ("0.58.0", false),
        ("1.0.0", false),
        ("57", true),
        ("58", false),
    ] {
        let result = load(&format!("- required_engine_version: {written}\n"));
        assert_eq!(result.successful(), ok, "{written}: {}", describe(&result));
        if !ok {
            let err = the_error(&result);
            assert_eq!(err.code, ErrorCode::Validate);
            assert!(
                err.message.starts_with("Rules require engine version"),
                "{}",
                err.message
            );
            assert!(
                err.message.ends_with("but engine version is 0.57.0"),
                "{}",
                err.message
            );
        }
    }
    let result = load("- required_engine_version: seven\n");
    let err = the_error(&result);
    assert_eq!(err.code, ErrorCode::YamlValidate);
    assert_eq!(
        err.message,
        "Unable to parse engine version 'seven' as a semver string. Expected \"x.y.z\" semver format."
    );
    assert_eq!(
        at(&err.context),
        (ItemType::RequiredEngineVersion, "", 1, 3)
    );
    let result = load("- required_engine_version: 0.20.0\n- required_engine_version: 0.30.0\n- required_engine_version: 12\n");
    assert_eq!(
        result.ruleset.unwrap().required_engine_version,
        Version::parse("0.30.0")
    );
}

#[test]
fn plugin_requirements_with_alternatives() {
    let text = "- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n  - name: k8saudit\n    version: 0.1.0\n    \
                alternatives:\n      - name: k8saudit-eks\n        version: 0.2.0\n";
    let result = load(text);
    let ruleset = result.ruleset.as_ref().unwrap();
    assert_eq!(ruleset.required_plugin_versions.len(), 2);
    assert_eq!(ruleset.required_plugin_versions[1][1].name, "k8saudit-eks");
    let missing = ruleset
        .check_plugin_requirements(BUILTIN_PLUGINS)
        .unwrap_err();
    assert!(
        missing.contains("k8saudit (>= 0.1.0), k8saudit-eks (>= 0.2.0)"),
        "{missing}"
    );

    let bad = load("- required_plugin_versions:\n  - name: x\n    version: one\n");
    let err = the_error(&bad);
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            ErrorCode::Validate,
            "Invalid required version 'one' for plugin 'x'"
        )
    );
    assert_eq!(
        at(&err.context),
        (ItemType::RequiredPluginVersionsEntry, "x", 2, 5)
    );
    let dup = load("- required_plugin_versions:\n  - name: x\n    version: 1.0.0\n    alternatives:\n    - name: x\n      version: 2.0.0\n");
    assert_eq!(
        the_error(&dup).message,
        "Defined multiple alternative version requirements for plugin 'x'"
    );
    let not_seq = load("- required_plugin_versions: container\n");
    assert_eq!(
        the_error(&not_seq).message,
        "Value of required_plugin_versions must be a sequence"
    );
}

#[test]
fn several_documents_and_files_load_in_order() {
    let first =
        "- list: shells\n  items: [bash]\n---\n- macro: spawned\n  condition: evt.type = execve\n";
    let second = format!(
        "---\n- list: shells\n  items: [zsh]\n  override:\n    items: append\n{}",
        rule("r", "spawned and proc.name in (shells)")
    );
    let result = RulesLoader::new().load(&[("a.yaml", first), ("b.yaml", &second)]);
    assert_eq!(
        condition_of(&result, "r"),
        "evt.type = execve and proc.name in (bash, zsh)"
    );
    // The rule's macro part points into the first file, the rest into the second.
    let rule = result.ruleset.as_ref().unwrap().rule("r").unwrap();
    let crate::condition::ast::ExprKind::And(parts) = &rule.condition.kind else {
        panic!("not an and");
    };
    let (file, pos) = result.sources.locate(parts[0].pos.offset).unwrap();
    assert_eq!(
        (file.name.as_str(), pos.line, pos.column),
        ("a.yaml", 5, 14)
    );
    let (file, pos) = result.sources.locate(parts[1].pos.offset).unwrap();
    assert_eq!((file.name.as_str(), pos.line), ("b.yaml", 8));
    // The first file alone warns about its unused items; the second none.
    assert_eq!(result.files[0].warnings.len(), 2);
    assert!(result.files[1].warnings.is_empty(), "{}", describe(&result));
}

#[test]
fn later_definitions_replace_earlier_ones_in_place() {
    let text = format!(
        "{}{}{}",
        rule("a", "evt.type = open"),
        rule("b", "evt.type = close"),
        rule("a", "evt.type = read")
    );
    let result = load(&text);
    let names: Vec<_> = result
        .ruleset
        .as_ref()
        .unwrap()
        .rules
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(condition_of(&result, "a"), "evt.type = read");
}

#[test]
fn unknown_sources_skip_the_rule() {
    let text = format!("{}  source: k8s_audit\n", rule("r", "ka.verb = get"));
    let result = load(&text);
    assert!(result.successful());
    assert!(result.ruleset.as_ref().unwrap().rule("r").is_none());
    let warning = &warnings(&result, WarningCode::UnknownSource)[0];
    assert_eq!(warning.message, "Unknown source k8s_audit, skipping");
    let redefined = format!("{}{}", rule("r", "evt.type = open"), text);
    assert_eq!(
        the_error(&load(&redefined)).message,
        "Rule has been re-defined with a different source"
    );
    let known = RulesLoader::with_sources(vec![
        EventSource::new("syscall"),
        EventSource::new("k8s_audit"),
    ])
    .load(&[(FILE, &text)]);
    assert_eq!(known.ruleset.unwrap().rules[0].source, "k8s_audit");
}
