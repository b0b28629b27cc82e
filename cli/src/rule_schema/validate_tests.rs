use super::*;
use crate::rule_schema::rule_schema;
use std::path::Path as FsPath;

const GOOD: &str = "- required_engine_version: 0.31.0\n\
- required_plugin_versions:\n    - name: k8saudit\n      version: 0.7.0\n      alternatives:\n        - name: k8saudit-eks\n          version: 0.4.0\n\
- list: shells\n  items: [bash, sh, 5, true]\n\
- list: shells\n  items: [zsh]\n  override:\n    items: append\n\
- macro: spawned\n  condition: evt.type = execve\n\
- rule: Shell\n  desc: d\n  condition: spawned and proc.name in (shells)\n  output: o %proc.name\n  priority: WARNING\n  \
tags: [a, b]\n  enabled: true\n  capture: false\n  capture_duration: 5000\n  \
exceptions:\n    - name: one\n      fields: proc.name\n      values: [a]\n    \
- name: two\n      fields: [proc.pname, fd.name]\n      comps: [=, startswith]\n      values: [[a, /tmp]]\n\
- rule: Shell\n  priority: debug\n  override:\n    priority: replace\n";

fn problems(text: &str) -> Vec<String> {
    match validate_rules("r.yaml", text) {
        Validation::Failed(p) => p.iter().map(ToString::to_string).collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn a_well_formed_file_is_ok() {
    assert_eq!(validate_rules("r.yaml", GOOD), Validation::Ok);
    // Every document counts; empty ones are skipped like the loader does.
    assert_eq!(
        validate_rules(
            "r.yaml",
            &format!("---\n{GOOD}---\n---\n- macro: m\n  condition: a\n")
        ),
        Validation::Ok
    );
    assert_eq!(validate_rules("r.yaml", "# nothing\n"), Validation::Ok);
}

#[test]
fn wrong_priority_type_and_value() {
    let text = "- rule: R\n  desc: d\n  condition: c\n  output: o\n  priority: 5\n";
    assert_eq!(
        problems(text),
        ["r.yaml:5:13: rule 'R': priority: '5' is not one of the allowed values (EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, INFO, DEBUG, emergency, alert, critical, error, warning, notice, informational, info, debug)"]
    );
    let text = "- rule: R\n  desc: d\n  condition: c\n  output: o\n  priority: [WARNING]\n";
    assert_eq!(
        problems(text),
        ["r.yaml:5:13: rule 'R': priority: expected a string, found a sequence"]
    );
}

#[test]
fn unknown_keys_of_an_item() {
    let text =
        "- rule: R\n  desc: d\n  condition: c\n  output: o\n  priority: INFO\n  prioritty: INFO\n";
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(
            "r.yaml:6:3: rule 'R': prioritty: unknown key 'prioritty' (allowed: append, capture, "
        ),
        "{found:?}"
    );
    let text = "- macro: m\n  condition: c\n  output: o\n";
    let found = problems(text);
    assert_eq!(
        found,
        ["r.yaml:3:3: macro 'm': output: unknown key 'output' (allowed: append, condition, macro, override)"]
    );
}

#[test]
fn list_items_must_be_a_sequence_of_scalars() {
    assert_eq!(
        problems("- list: l\n  items: bash\n"),
        ["r.yaml:2:10: list 'l': items: expected a sequence, found 'bash'"]
    );
    assert_eq!(
        problems("- list: l\n  items: [a, {b: c}]\n"),
        ["r.yaml:2:14: list 'l': items[1]: expected a string, a number or a boolean (true or false), found a mapping"]
    );
}

#[test]
fn booleans_integers_and_overrides() {
    let base = "- rule: R\n  desc: d\n  condition: c\n  output: o\n  priority: INFO\n";
    assert_eq!(
        problems(&format!("{base}  enabled: yes\n")),
        ["r.yaml:6:12: rule 'R': enabled: expected a boolean (true or false), found 'yes'"]
    );
    assert_eq!(
        problems(&format!("{base}  capture_duration: 1.5\n")),
        ["r.yaml:6:21: rule 'R': capture_duration: expected an integer, found '1.5'"]
    );
    assert_eq!(
        problems(&format!("{base}  override:\n    priority: append\n")),
        ["r.yaml:7:15: rule 'R': override.priority: 'append' is not allowed here, only 'replace'"]
    );
    assert_eq!(
        problems(&format!("{base}  override:\n    condition: prepend\n")),
        ["r.yaml:7:16: rule 'R': override.condition: 'prepend' is not one of the allowed values (append, replace)"]
    );
    assert_eq!(
        problems(&format!("{base}  tags: network\n")),
        ["r.yaml:6:9: rule 'R': tags: expected a sequence, found 'network'"]
    );
}

#[test]
fn exceptions_are_checked() {
    let base =
        "- rule: R\n  desc: d\n  condition: c\n  output: o\n  priority: INFO\n  exceptions:\n";
    assert_eq!(
        problems(&format!("{base}    - fields: proc.name\n")),
        ["r.yaml:7:7: rule 'R': exceptions[0]: missing required key 'name'"]
    );
    assert_eq!(
        problems(&format!("{base}    - name: e\n      fields: {{a: b}}\n")),
        ["r.yaml:8:15: rule 'R': exceptions[0].fields: the mapping matches none of: a string, a sequence"]
    );
    assert_eq!(
        problems(&format!("{base}    - name: e\n      fields: [a, [b]]\n")),
        ["r.yaml:8:19: rule 'R': exceptions[0].fields[1]: expected a string, found a sequence"]
    );
}

#[test]
fn items_that_are_no_known_kind() {
    assert_eq!(
        problems("- rulez: R\n"),
        ["r.yaml:1:3: item 1: the mapping matches none of: RequiredEngineVersion, RequiredPluginVersions, List, Macro, Rule"]
    );
    // Keys of two kinds: no kind is preferred.
    assert_eq!(
        problems("- macro: m\n  condition: c\n- rule: R\n  macro: m\n"),
        ["r.yaml:3:3: rule 'R': the mapping matches none of: RequiredEngineVersion, RequiredPluginVersions, List, Macro, Rule"]
    );
    assert_eq!(
        problems("- just a string\n"),
        ["r.yaml:1:3: item 1: 'just a string' matches none of: RequiredEngineVersion, RequiredPluginVersions, List, Macro, Rule"]
    );
    // Not a sequence at all.
    assert_eq!(
        problems("rule: R\n"),
        ["r.yaml:1:1: expected a sequence, found a mapping"]
    );
}

#[test]
fn required_plugin_versions_entries() {
    assert_eq!(
        problems("- required_plugin_versions:\n    - name: json\n"),
        ["r.yaml:2:7: required_plugin_versions: required_plugin_versions[0]: missing required key 'version'"]
    );
}

#[test]
fn not_yaml_is_not_checked() {
    assert_eq!(validate_rules("r.yaml", "- rule: [\n"), Validation::None);
    assert_eq!(validate_rules_file("/nonexistent/r.yaml"), Validation::None);
}

#[test]
fn report_lines_like_falco() {
    assert_eq!(
        report_lines("/r.yaml", &Validation::Ok),
        [(false, "   /r.yaml | schema validation: ok".to_owned())]
    );
    assert_eq!(
        report_lines("/r.yaml", &Validation::None),
        [(false, "   /r.yaml | schema validation: none".to_owned())]
    );
    let text = "- list: l\n  items: bash\n- macro: m\n  condition: [x]\n";
    let lines = report_lines("/r.yaml", &validate_rules("/r.yaml", text));
    assert_eq!(
        lines,
        [
            (true, "   /r.yaml | schema validation: failed for /r.yaml:2:10: list 'l': items: expected a sequence, found 'bash'".to_owned()),
            (true, "   /r.yaml | schema validation: failed for /r.yaml:4:14: macro 'm': condition: expected a string, found a sequence".to_owned()),
        ]
    );
}

#[test]
fn the_validator_knows_every_keyword_of_the_rules_schema() {
    assert_eq!(unsupported_keywords(&rule_schema()), Vec::<String>::new());
    // And would notice one it does not know.
    let odd = serde_json::json!({"type": "array", "items": {"pattern": "^a"}, "definitions": {"X": {"maxLength": 3}}});
    assert_eq!(unsupported_keywords(&odd), ["maxLength", "pattern"]);
}

#[test]
fn generic_keywords() {
    use serde_json::json;
    let node = |text: &str| crate::config::yaml::parse("t.yaml", text).unwrap();
    let schema =
        json!({"type": "object", "minProperties": 2, "additionalProperties": {"type": "integer"}});
    let v = Validator::new(&schema);
    assert!(v.validate(&node("a: 1\nb: -2\n")).is_empty());
    let found: Vec<String> = v
        .validate(&node("a: x\n"))
        .iter()
        .map(|p| format!("{} {}: {}", p.origin, p.path, p.message))
        .collect();
    assert_eq!(
        found,
        [
            "t.yaml:1:1 : expected at least 2 keys",
            "t.yaml:1:4 a: expected an integer, found 'x'"
        ]
    );
    let schema = json!({"$ref": "#/definitions/Nope"});
    let found = Validator::new(&schema).validate(&node("1\n"));
    assert_eq!(
        found[0].message,
        "the schema refers to '#/definitions/Nope', which it does not define"
    );
    let schema = json!({"type": "number", "enum": [1, 2.5, true]});
    let v = Validator::new(&schema);
    assert!(v.validate(&node("2.5\n")).is_empty());
    assert!(v.validate(&node("1\n")).is_empty());
    assert_eq!(v.validate(&node("3\n")).len(), 1);
    assert_eq!(v.validate(&node("abc\n")).len(), 1);
}

fn reference_rules() -> Option<Vec<std::path::PathBuf>> {
    let dir = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/rules");
    let files: Vec<_> = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    files.iter().all(|f| f.exists()).then_some(files)
}

#[test]
fn our_rules_validate() {
    let ours = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("../rules/falco_rules.yaml");
    assert_eq!(
        validate_rules_file(&ours.display().to_string()),
        Validation::Ok
    );
}

#[test]
fn the_upstream_rules_validate() {
    let Some(files) = reference_rules() else {
        eprintln!("skipped: ../shared/reference/rules is absent");
        return;
    };
    for file in files {
        let file = file.display().to_string();
        assert_eq!(validate_rules_file(&file), Validation::Ok, "{file}");
    }
}
