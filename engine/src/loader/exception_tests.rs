//! Exceptions: reading, appending, validation, and the condition text
//! Falco generates for them.

use super::test_support::*;
use super::*;

const CURL: &str = "- rule: r\n  desc: d\n  condition: proc.cmdline contains curl or proc.cmdline contains wget\n  \
                    output: o\n  priority: INFO\n  exceptions:\n    - name: local\n      fields: [proc.cmdline]\n      \
                    comps: [contains]\n      values:\n        - [curl 127.0.0.1]\n";

fn rule_of(result: &LoadResult) -> &Rule {
    result
        .ruleset
        .as_ref()
        .unwrap_or_else(|| panic!("{}", describe(result)))
        .rule("r")
        .unwrap()
}

#[test]
fn exceptions_fold_into_the_condition_as_falco_writes_them() {
    let result = load(CURL);
    let rule = rule_of(&result);
    assert_eq!(
        rule.expanded_text,
        "(proc.cmdline contains curl or proc.cmdline contains wget) and not (( proc.cmdline contains \"curl 127.0.0.1\"))"
    );
    assert_eq!(
        print_condition(&rule.condition),
        "(proc.cmdline contains curl or proc.cmdline contains wget) and not proc.cmdline contains \"curl 127.0.0.1\""
    );
    assert_eq!(
        rule.exception_fields.iter().collect::<Vec<_>>(),
        ["proc.cmdline"]
    );
    // The generated value points at its YAML value.
    let ExprKind::And(parts) = &rule.condition.kind else {
        panic!("not an and")
    };
    let line_col = |offset: usize| {
        let (_, pos) = result.sources.locate(offset).unwrap();
        (pos.line, pos.column)
    };
    assert_eq!(line_col(parts[1].pos.offset), (7, 7)); // `not`: the exception
    let ExprKind::Not(check) = &parts[1].kind else {
        panic!("not a not")
    };
    let ExprKind::Compare { lhs, rhs, .. } = &check.kind else {
        panic!("not a check")
    };
    assert_eq!(line_col(lhs.pos().offset), (8, 16)); // the field in `fields`
    assert_eq!(line_col(rhs.pos().offset), (11, 12)); // the value in `values`
}

#[test]
fn single_field_exceptions_default_to_in_and_take_list_names() {
    let text = "- list: shells\n  items: [bash, zsh]\n- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n  \
                priority: INFO\n  exceptions:\n    - name: shells\n      fields: proc.name\n      values: [shells, sh]\n    \
                - name: tuples\n      fields: [proc.pname, fd.name]\n      comps: [in, startswith]\n      \
                values:\n        - [[a, b c], /tmp]\n        - [shells, /var]\n";
    let result = load(text);
    let rule = rule_of(&result);
    assert_eq!(
        rule.expanded_text,
        "(evt.type = execve) and not (proc.name in ( bash, zsh , sh)) and not \
         (( proc.pname in (a, \"b c\") and  fd.name startswith /tmp) or ( proc.pname in ( bash, zsh ) and  fd.name startswith /var))"
    );
    assert!(result.warnings().next().is_none(), "{}", describe(&result));
}

#[test]
fn appending_values_to_an_exception() {
    let text = format!(
        "{CURL}- rule: r\n  exceptions:\n    - name: local\n      values:\n        - [curl 10.0.0.1]\n  override:\n    exceptions: append\n\
         - rule: r\n  exceptions:\n    - name: extra\n      fields: proc.name\n      values: [x]\n  append: true\n"
    );
    let result = load(&text);
    assert_eq!(
        rule_of(&result).expanded_text,
        "(proc.cmdline contains curl or proc.cmdline contains wget) and not \
         (( proc.cmdline contains \"curl 127.0.0.1\") or ( proc.cmdline contains \"curl 10.0.0.1\")) and not (proc.name in (x))"
    );
}

#[test]
fn exception_names_and_operators_for_describe() {
    // Implicit comps count: `=` per listed field, `in` for a single field;
    // appended exceptions are included.
    let text = format!(
        "{CURL}- rule: r\n  exceptions:\n    - name: single\n      fields: proc.name\n      values: [x]\n    \
         - name: pair\n      fields: [proc.pname, fd.name]\n      values: [[a, b]]\n  override:\n    exceptions: append\n"
    );
    let result = load(&text);
    let rule = rule_of(&result);
    assert_eq!(
        rule.exception_names.iter().collect::<Vec<_>>(),
        ["local", "pair", "single"]
    );
    assert_eq!(
        rule.exception_operators.iter().collect::<Vec<_>>(),
        ["=", "contains", "in"]
    );
    let plain =
        load("- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n");
    assert!(rule_of(&plain).exception_names.is_empty());
    assert!(rule_of(&plain).exception_operators.is_empty());
}

#[test]
fn appending_exceptions_errors() {
    let fields = format!("{CURL}- rule: r\n  exceptions:\n    - name: local\n      fields: [fd.name]\n      values: [[x]]\n  override:\n    exceptions: append\n");
    let result = load(&fields);
    let err = the_error(&result);
    assert_eq!(
        err.message,
        "Can not append exception fields to existing exception, only values"
    );
    assert_eq!(at(&err.context), (ItemType::Exception, "local", 14, 7));
    let comps = format!("{CURL}- rule: r\n  exceptions:\n    - name: local\n      comps: [=]\n      values: [[x]]\n  append: true\n");
    assert_eq!(
        the_error(&load(&comps)).message,
        "Can not append exception comps to existing exception, only values"
    );
    let new_without_values = format!("{CURL}- rule: r\n  exceptions:\n    - name: other\n      fields: [fd.name]\n  append: true\n");
    let result = load(&new_without_values);
    assert_eq!(
        the_error(&result).message,
        "Rule exception must have values property with a list of values"
    );
    assert_eq!(warnings(&result, WarningCode::AppendNoValues).len(), 1);
    let new_without_fields = format!(
        "{CURL}- rule: r\n  exceptions:\n    - name: other\n      values: [[x]]\n  append: true\n"
    );
    assert_eq!(
        the_error(&load(&new_without_fields)).message,
        "Rule exception must have fields property with a list of fields"
    );
    // Replacing needs complete exceptions.
    let replace = format!("{CURL}- rule: r\n  exceptions:\n    - name: local\n      values: [[id]]\n  override:\n    exceptions: replace\n");
    let result = load(&replace);
    let err = the_error(&result);
    assert_eq!(err.message, "Item has no mapping for key 'fields'");
    assert_eq!(err.code, ErrorCode::YamlValidate);
}

#[test]
fn append_without_values_warns() {
    let text = format!("{CURL}- rule: r\n  exceptions:\n    - name: local\n      value: curl 1.1.1.1\n  append: true\n");
    let result = load(&text);
    assert!(result.successful(), "{}", describe(&result));
    let warning = &warnings(&result, WarningCode::AppendNoValues)[0];
    assert_eq!(
        warning.message,
        "Overriding/appending exception with no values"
    );
    assert_eq!(at(&warning.context), (ItemType::Exception, "local", 14, 7));
}

#[test]
fn duplicate_exception_names_warn() {
    let text = CURL.to_owned() + "    - name: local\n      fields: [proc.cmdline]\n      comps: [endswith]\n      values:\n        - [x]\n";
    let result = load(&text);
    let warning = &warnings(&result, WarningCode::ExceptionNameNotUnique)[0];
    assert_eq!(
        warning.message,
        "Multiple definitions of exception 'local' in the same rule"
    );
    assert_eq!(at(&warning.context), (ItemType::Exception, "local", 12, 7));
}

#[test]
fn exception_structure_errors() {
    let cases = [
        ("  exceptions: nope\n", "Rule exceptions must be a sequence", (ItemType::Exceptions, "", 6, 15)),
        ("  exceptions:\n    - just a string\n", "Rule exception must be a mapping", (ItemType::Exception, "", 7, 7)),
        ("  exceptions:\n    - fields: [a.b]\n", "Item has no mapping for key 'name'", (ItemType::Exception, "", 7, 7)),
        (
            "  exceptions:\n    - name: e\n      fields: [a.b]\n      values: x\n",
            "Rule exception values must be a sequence",
            (ItemType::ExceptionValues, "", 9, 15),
        ),
        (
            "  exceptions:\n    - name: e\n      fields: [a.b, c.d]\n      comps: [=]\n      values: []\n",
            "Fields and comps lists must have equal length",
            (ItemType::Exception, "e", 7, 7),
        ),
        (
            "  exceptions:\n    - name: e\n      fields: [a.b]\n      values: [[x, y]]\n",
            "Fields and values lists must have equal length",
            (ItemType::Exception, "e", 7, 7),
        ),
        (
            "  exceptions:\n    - name: e\n      fields: a.b\n      comps: '='\n      values: [x]\n",
            "When fields is a single value, comps must be one of (in, pmatch, intersects)",
            (ItemType::Exception, "e", 7, 7),
        ),
        (
            "  exceptions:\n    - name: e\n      fields: [a.b]\n      values: [[\"\"]]\n",
            "Value must be non-empty",
            (ItemType::ValueFor, "", 9, 17),
        ),
    ];
    for (exceptions, message, place) in cases {
        let text = rule("r", "evt.type = open") + exceptions;
        let result = load(&text);
        let err = the_error(&result);
        assert_eq!(err.message, message, "{exceptions}");
        assert_eq!(at(&err.context), place, "{exceptions}");
    }
}

#[test]
fn exception_fields_are_checked_with_a_catalog() {
    let known = |name: &str, _arg: bool| name.starts_with("proc.") || name == "evt.type";
    let text = rule("r", "evt.type = open")
        + "  exceptions:\n    - name: e\n      fields: [proc.name, fd.nme]\n      values: []\n";
    let result = RulesLoader::with_sources(vec![EventSource::with_fields("syscall", known)])
        .load(&[(FILE, &text)]);
    let err = the_error(&result);
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            ErrorCode::Validate,
            "'fd.nme' is not a supported filter field"
        )
    );
}

use crate::condition::ast::ExprKind;
use crate::print_condition;
