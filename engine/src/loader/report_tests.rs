//! Falco's renderings: the load-results JSON and the text forms.

use super::test_support::*;
use super::*;

const BAD_PRIORITY: &str =
    "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: BAD\n";

#[test]
fn load_results_json_matches_falcos_shape() {
    let result = load(BAD_PRIORITY);
    let expected = concat!(
        r#"{"falco_load_results":[{"errors":[{"code":"LOAD_ERR_YAML_VALIDATE","#,
        r#""codedesc":"Error validating internal structure of YAML file","#,
        r#""context":{"locations":["#,
        r#"{"item_name":"","item_type":"rules content","position":{"column":0,"line":0,"name":"rules.yaml","offset":0}},"#,
        r#"{"item_name":"r","item_type":"rule","position":{"column":2,"line":0,"name":"rules.yaml","offset":2}},"#,
        r#"{"item_name":"","item_type":"rule priority","position":{"column":12,"line":4,"name":"rules.yaml","offset":73}}],"#,
        r#""snippet":"  priority: BAD\n            ^\n"},"message":"Invalid priority"}],"#,
        r#""name":"rules.yaml","successful":false,"warnings":[]}]}"#
    );
    assert_eq!(result.to_json(), expected);
}

#[test]
fn warnings_carry_the_long_description() {
    let result = load("- rules: x\n");
    let json: serde_json::Value = serde_json::from_str(&result.to_json()).unwrap();
    let file = &json["falco_load_results"][0];
    assert_eq!(file["successful"], true);
    let warning = &file["warnings"][0];
    assert_eq!(warning["code"], "LOAD_UNKNOWN_ITEM");
    assert_eq!(warning["codedesc"], WarningCode::UnknownItem.description());
    assert_eq!(warning["message"], "Unknown top level item");
    assert_eq!(
        warning["context"]["locations"][1]["item_type"],
        "rules content item"
    );
}

#[test]
fn verbose_and_summary_text() {
    let result = load(BAD_PRIORITY);
    let file = &result.files[0];
    assert_eq!(
        file.verbose_string(&result.sources),
        "rules.yaml: Invalid\n1 Errors:\nIn rules content: (rules.yaml:0:0)\n    rule 'r': (rules.yaml:0:2)\n    \
         rule priority: (rules.yaml:4:12)\n------\n  priority: BAD\n            ^\n------\n\
         LOAD_ERR_YAML_VALIDATE (Error validating internal structure of YAML file): Invalid priority\n"
    );
    assert_eq!(
        file.summary_string(),
        "rules.yaml: Invalid\n 1 errors: [LOAD_ERR_YAML_VALIDATE (Error validating internal structure of YAML file)]"
    );
    let warned = load("- rules: x\n- rules: y\n");
    assert_eq!(
        warned.files[0].summary_string(),
        "rules.yaml: Ok, with warnings\n 2 warnings: [LOAD_UNKNOWN_ITEM (Unknown rules file item) LOAD_UNKNOWN_ITEM (Unknown rules file item)]"
    );
    let clean = load(&rule("r", "evt.type = open"));
    assert_eq!(
        clean.files[0].verbose_string(&clean.sources),
        "rules.yaml: Ok"
    );
}

#[test]
fn condition_locations_are_named_after_the_condition() {
    let result = load(&rule("r", "evt.type = open and (proc.name = x"));
    let text = context_string(&the_error(&result).context);
    assert_eq!(
        text,
        "In rules content: (rules.yaml:0:0)\n    rule 'r': (rules.yaml:0:2)\n    rule condition: (rules.yaml:2:13)\n    \
         condition expression: (\"evt.type = open a...\":2:47)\n"
    );
}
