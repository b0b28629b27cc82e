//! Every error and warning code the loader emits, with where it points.

use super::test_support::*;
use super::*;

#[test]
fn yaml_parse_errors_point_at_the_problem() {
    let result = load("- rule: a\n  desc: [b\n- rule: c\n");
    let err = the_error(&result);
    assert_eq!(err.code, ErrorCode::YamlParse);
    assert!(
        err.message.starts_with("error at line 3, column 7: "),
        "{}",
        err.message
    );
    assert_eq!(at(&err.context), (ItemType::ValueFor, "", 3, 7));
    assert!(result.ruleset.is_none());
}

#[test]
fn structure_errors() {
    let cases = [
        (
            "just text",
            "Rules content is not yaml",
            (ItemType::RulesContent, "", 1, 1),
        ),
        (
            "a: b\n",
            "Rules content is not yaml array of objects",
            (ItemType::RulesContent, "", 1, 1),
        ),
        (
            "- [a, b]\n",
            "Unexpected element type. Each element should be a yaml associative array.",
            (ItemType::RulesContentItem, "", 1, 3),
        ),
        (
            "- list: l\n",
            "Item has no mapping for key 'items'",
            (ItemType::List, "l", 1, 3),
        ),
        (
            "- list:\n  items: []\n",
            "Mapping for key 'list' is empty",
            (ItemType::List, "", 1, 3),
        ),
        (
            "- list: l\n  items: a\n",
            "Value is not a sequence",
            (ItemType::ValueFor, "items", 2, 10),
        ),
        (
            "- list: l\n  items: [a, [b]]\n",
            "sequence value is not scalar",
            (ItemType::ListItem, "", 2, 14),
        ),
        (
            "- macro: m\n  condition: [a]\n",
            "Value is not a scalar value",
            (ItemType::ValueFor, "condition", 2, 14),
        ),
        (
            "- macro: m\n  condition: ''\n",
            "Value must be non-empty",
            (ItemType::ValueFor, "condition", 2, 14),
        ),
        (
            "- rule: r\n  desc: d\n",
            "Item has no mapping for key 'condition'",
            (ItemType::Rule, "r", 1, 3),
        ),
        (
            "- rule: r\n  condition: a\n  output: o\n  desc: d\n  priority: INFO\n  tags: x\n",
            "Value is not a sequence",
            (ItemType::ValueFor, "tags", 6, 9),
        ),
    ];
    for (text, message, place) in cases {
        let result = load(text);
        let err = the_error(&result);
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::YamlValidate, message),
            "{text}"
        );
        assert_eq!(at(&err.context), place, "{text}");
    }
}

#[test]
fn the_first_error_stops_the_file() {
    let result = load("- list: l\n- list: m\n");
    assert_eq!(result.errors().count(), 1);
}

#[test]
fn condition_errors_point_into_the_file() {
    // A folded condition: the error is on the second line of the scalar.
    let text = "- macro: m\n  condition: >\n    evt.type = open and\n    (proc.name = x\n";
    let result = load(text);
    let err = the_error(&result);
    assert_eq!(err.code, ErrorCode::CompileCondition);
    assert!(err.message.starts_with("expected"), "{}", err.message);
    let chain = err.context.locations();
    assert_eq!(chain.len(), 4);
    assert_eq!(
        (chain[2].item_type, chain[2].pos.line, chain[2].pos.column),
        (ItemType::MacroCondition, 2, 14)
    );
    let last = &chain[3];
    assert_eq!(last.item_type, ItemType::ConditionExpression);
    assert_eq!(last.name, "\"evt.type = open a...\"");
    assert_eq!((last.pos.line, last.pos.column), (4, 19));
    // The snippet shows the condition with a caret at the error.
    let snippet = context_snippet(&err.context, &result.sources);
    assert_eq!(
        snippet,
        format!("evt.type = open and (proc.name = x\n{}^\n", " ".repeat(33))
    );
}

#[test]
fn condition_errors_in_appended_text_point_at_the_append() {
    let text = format!(
        "{}- rule: r\n  condition: and (\n  override:\n    condition: append\n",
        rule("r", "evt.type = open")
    );
    let result = load(&text);
    let err = the_error(&result);
    assert_eq!(err.code, ErrorCode::CompileCondition);
    assert_eq!(
        (err.context.last().pos.line, err.context.last().pos.column),
        (7, 19)
    );
}

#[test]
fn invalid_names_warn() {
    let result = load(
        "- macro: test-macro\n  condition: evt.type = close\n- list: test list\n  items: [open]\n",
    );
    let m = &warnings(&result, WarningCode::InvalidMacroName)[0];
    assert_eq!(
        m.message,
        "Macro has an invalid name. Macro names should match a regular expression: ([a-zA-Z]+[a-zA-Z0-9_]*)"
    );
    assert_eq!(at(&m.context), (ItemType::Macro, "test-macro", 1, 3));
    let l = &warnings(&result, WarningCode::InvalidListName)[0];
    assert_eq!(
        l.message,
        "List has an invalid name. List names should match a regular expression: ([^()\"'[:space:]=,]+)"
    );
    assert_eq!(at(&l.context), (ItemType::List, "test list", 3, 3));
    // Falco's own case: an invalid list name still works in a condition.
    let text = format!(
        "- list: test list\n  items: [open, openat]\n{}",
        rule("r", "evt.type in (test list)")
    );
    assert_eq!(
        condition_of(&load(&text), "r"),
        "evt.type in (open, openat)"
    );
}

#[test]
fn unknown_items_warn() {
    let result = load("- lists: l\n  items: []\n");
    let w = &warnings(&result, WarningCode::UnknownItem)[0];
    assert_eq!(
        (w.message.as_str(), at(&w.context)),
        (
            "Unknown top level item",
            (ItemType::RulesContentItem, "", 1, 3)
        )
    );
}

#[test]
fn unsafe_na_checks_warn_at_the_value() {
    let text = format!(
        "{}  source: k8s_audit\n",
        rule("r", "ka.user.name != <NA> and ka.verb in (get, <NA>)")
    );
    let result =
        RulesLoader::with_sources(vec![EventSource::new("k8s_audit")]).load(&[(FILE, &text)]);
    let found = warnings(&result, WarningCode::UnsafeNaCheck);
    assert_eq!(found.len(), 2, "{}", describe(&result));
    assert!(found[0]
        .message
        .starts_with("comparing a field value with <NA> is unsafe"));
    assert_eq!(
        (
            found[0].context.last().pos.line,
            found[0].context.last().pos.column
        ),
        (3, 30)
    );
    assert_eq!(
        found[0].context.locations()[2].item_type,
        ItemType::RuleCondition
    );
    let safe = load(&rule("r", "proc.name in (<NA>, N/A)"));
    assert!(warnings(&safe, WarningCode::UnsafeNaCheck).is_empty());
}

#[test]
fn deprecated_container_info_is_dropped_from_outputs() {
    let result = load(
        &rule("r", "evt.type = open")
            .replace("output: o %proc.name", "output: o %container.info x"),
    );
    let w = &warnings(&result, WarningCode::DeprecatedItem)[0];
    assert!(
        w.message.starts_with("%container.info is deprecated"),
        "{}",
        w.message
    );
    assert_eq!(result.ruleset.unwrap().rules[0].output, "o  x");
}

fn with_catalog(text: &str) -> LoadResult {
    let known = |name: &str, arg: bool| {
        matches!(
            (name, arg),
            ("evt.type" | "proc.name" | "fd.name", false) | ("proc.aname", true)
        )
    };
    RulesLoader::with_sources(vec![EventSource::with_fields("syscall", known)])
        .load(&[(FILE, text)])
}

#[test]
fn unknown_fields_with_a_catalog() {
    let bad_cond = with_catalog(&rule("r", "evt.type = open and proc.nme = x"));
    let err = the_error(&bad_cond);
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            ErrorCode::CompileCondition,
            "filter_check called with nonexistent field proc.nme"
        )
    );
    assert_eq!(
        (err.context.last().pos.line, err.context.last().pos.column),
        (3, 34)
    );
    let bad_output =
        with_catalog(&rule("r", "evt.type = open").replace("%proc.name", "%proc.nme x"));
    let err = the_error(&bad_output);
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            ErrorCode::CompileOutput,
            "invalid formatting token proc.nme x"
        )
    );
    assert_eq!(at(&err.context), (ItemType::RuleOutput, "", 4, 11));
    // skip-if-unknown-filter: a warning, and the rule is left out.
    for text in [
        rule("r", "proc.nme = x") + "  skip-if-unknown-filter: true\n",
        rule("r", "evt.type = open").replace("%proc.name", "%proc.nme")
            + "  skip-if-unknown-filter: true\n",
    ] {
        let result = with_catalog(&text);
        assert!(result.successful(), "{}", describe(&result));
        assert_eq!(warnings(&result, WarningCode::UnknownFilter).len(), 1);
        assert!(result.ruleset.unwrap().rules.is_empty());
    }
    let ok = with_catalog(&rule("r", "proc.aname[2] = x").replace("%proc.name", "%proc.aname[1]"));
    assert!(ok.successful(), "{}", describe(&ok));
    // libsinsp reads the longest prefix that is a field; the rest is text.
    for output in ["%proc.name.", "%proc.namex", "%proc.name:%proc.name"] {
        let ok = with_catalog(&rule("r", "evt.type = open").replace("%proc.name", output));
        assert!(ok.successful(), "{output}: {}", describe(&ok));
    }
    let bad = with_catalog(&rule("r", "evt.type = open").replace("%proc.name", "%proc.x"));
    assert_eq!(the_error(&bad).message, "invalid formatting token proc.x");
}

#[test]
fn output_syntax_is_checked_without_a_catalog() {
    let result =
        load(&rule("r", "evt.type = open").replace("output: o %proc.name", "output: 100%"));
    let err = the_error(&result);
    assert_eq!(err.code, ErrorCode::CompileOutput);
    assert_eq!(
        err.message,
        "invalid formatting syntax: formatting cannot end with a %"
    );
}

#[test]
fn unreadable_files() {
    let mut loader = RulesLoader::new();
    let res = loader.load_path(std::path::Path::new("/nonexistent/rules.yaml"));
    assert_eq!(res.errors[0].code, ErrorCode::FileRead);
    assert!(res.errors[0]
        .message
        .starts_with("Could not open file /nonexistent/rules.yaml for reading"));
    assert!(loader.ruleset().is_none());
}
