//! The load-time lint through the loader: rules that can never match
//! (`LOAD_NEVER_MATCHES`) and exception items that can never match
//! (`LOAD_EXCEPTION_NEVER_MATCHES`), with their messages and positions,
//! and the near misses that must stay quiet.

use super::test_support::*;
use super::*;
use crate::compiler::{CompiledRuleset, Issue};
use falco_sinsp::SyscallFields;

/// Loads one file with the syscall fields (and so their value kinds).
fn load_checked(text: &str) -> LoadResult {
    RulesLoader::with_sources(vec![EventSource::with_fields(
        DEFAULT_SOURCE,
        SyscallFields::new(),
    )])
    .load(&[(FILE, text)])
}

/// The lint's warnings (ours, not Falco's) of a successful load.
fn lint_warnings(result: &LoadResult) -> Vec<&LoadWarning> {
    assert!(result.successful(), "{}", describe(result));
    result
        .warnings()
        .filter(|w| !w.code.is_falco_code())
        .collect()
}

/// 1-based (line, column) of the first `needle` of `text` at or after
/// line `from` (1-based).
fn find(text: &str, from: usize, needle: &str) -> (usize, usize) {
    for (n, line) in text.lines().enumerate().skip(from - 1) {
        if let Some(col) = line.find(needle) {
            return (n + 1, col + 1);
        }
    }
    panic!("{needle} not in {text}")
}

#[test]
fn contradicting_values_never_match() {
    let text = rule("r", "evt.type = open and proc.name = a and proc.name = b");
    let result = load_checked(&text);
    let found = lint_warnings(&result);
    assert_eq!(found.len(), 1, "{}", describe(&result));
    let warning = found[0];
    assert_eq!(warning.code, WarningCode::NeverMatches);
    assert_eq!(
        warning.message,
        "Rule can never match: its checks on proc.name contradict each other"
    );
    // At the check that completes the contradiction, in the condition.
    let (line, column) = find(&text, 3, "proc.name = b");
    assert_eq!(
        at(&warning.context),
        (ItemType::ConditionExpression, "", line, column)
    );
    let shown = result.files[0].verbose_string(&result.sources);
    assert!(
        shown.contains("LOAD_NEVER_MATCHES (Rule can never match): Rule can never match"),
        "{shown}"
    );
    assert!(shown.contains("    rule 'r': (rules.yaml:0:2)"), "{shown}");
    assert!(
        shown.contains("condition expression: (\"evt.type = open a...\":2:51)"),
        "{shown}"
    );
    assert!(result.to_json().contains("\"code\":\"LOAD_NEVER_MATCHES\""));
}

#[test]
fn contradictions_the_brief_names() {
    for condition in [
        "evt.type = open and fd.num > 5 and fd.num < 3",
        "evt.type = open and fd.num = 1 and fd.num != 1",
        "evt.type = open and proc.name in (a, b) and proc.name in (c)",
        "evt.type = open and proc.name = a and not proc.name in (a, b)",
        "evt.type = open and not proc.name = a and proc.name = a",
    ] {
        let result = load_checked(&rule("r", condition));
        let found = lint_warnings(&result);
        assert_eq!(found.len(), 1, "{condition}: {}", describe(&result));
        assert_eq!(found[0].code, WarningCode::NeverMatches, "{condition}");
    }
}

#[test]
fn near_misses_stay_quiet() {
    for condition in [
        "evt.type = open and proc.name = a",
        "evt.type = open and (proc.name = a or proc.name = b)",
        "evt.type = open and proc.aname = a and proc.aname = b",
        "evt.type = open and fd.num > 3 and fd.num < 5",
        "evt.type = open and not proc.name in (a, b) and proc.name = c",
        "evt.type = open and proc.name icontains A and proc.name = a",
        "evt.type in (open, execve) and not evt.type = open",
    ] {
        let result = load_checked(&rule("r", condition));
        assert!(
            lint_warnings(&result).is_empty(),
            "{condition}: {}",
            describe(&result)
        );
    }
}

#[test]
fn contradiction_through_a_macro() {
    let text = format!(
        "- macro: is_a\n  condition: proc.name = a\n{}",
        rule("r", "evt.type = open and is_a and proc.name = b")
    );
    let result = load_checked(&text);
    let found = lint_warnings(&result);
    assert_eq!(found.len(), 1, "{}", describe(&result));
    let (line, column) = find(&text, 3, "proc.name = b");
    assert_eq!(
        at(&found[0].context),
        (ItemType::ConditionExpression, "", line, column)
    );
}

#[test]
fn no_event_type_is_left_to_load_no_evttype() {
    // With warn_evttypes (the default) Falco's LOAD_NO_EVTTYPE, which the
    // compiler adds, says it: the lint does not repeat it.
    let condition = "evt.type = open and evt.type = execve";
    let result = load_checked(&rule("r", condition));
    assert!(lint_warnings(&result).is_empty(), "{}", describe(&result));
    let (_, issues) =
        CompiledRuleset::compile(result.ruleset.as_ref().unwrap(), SyscallFields::new());
    assert!(issues
        .iter()
        .any(|i| matches!(i.issue, Issue::Warning(WarningCode::NoEvttype, _))));
    // Silenced there, so said here.
    let text = rule("r", condition) + "  warn_evttypes: false\n";
    let result = load_checked(&text);
    let found = lint_warnings(&result);
    assert_eq!(found.len(), 1, "{}", describe(&result));
    assert_eq!(found[0].code, WarningCode::NeverMatches);
    assert_eq!(
        found[0].message,
        "Rule can never match: no event type satisfies its evt.type checks"
    );
    let (line, column) = find(&text, 3, "evt.type = open");
    assert_eq!(
        at(&found[0].context),
        (ItemType::ConditionExpression, "", line, column)
    );
    // A near miss: one event type left.
    let text = rule("r", "evt.type in (open, execve) and not evt.type = execve")
        + "  warn_evttypes: false\n";
    assert!(lint_warnings(&load_checked(&text)).is_empty());
}

/// A rule with one exception (`exception` is the YAML of its list entry,
/// indented under `exceptions:`).
fn with_exception(condition: &str, exception: &str) -> String {
    format!("{}  exceptions:\n{exception}", rule("r", condition))
}

#[test]
fn exception_values_outside_the_rules_event_types() {
    let text = with_exception(
        "evt.type in (open, openat) and proc.name = bash",
        "    - name: types\n      fields: evt.type\n      values: [execve, open]\n",
    );
    let result = load_checked(&text);
    let found = lint_warnings(&result);
    assert_eq!(found.len(), 1, "{}", describe(&result));
    let warning = found[0];
    assert_eq!(warning.code, WarningCode::ExceptionNeverMatches);
    assert_eq!(
        warning.message,
        "Exception 'types' can never match: 'evt.type in (execve)' is never true when the rule condition is"
    );
    let (line, column) = find(&text, 6, "execve");
    assert_eq!(
        at(&warning.context),
        (ItemType::ExceptionValue, "", line, column)
    );
    let locations = warning.context.locations();
    let exception = &locations[locations.len() - 2];
    assert_eq!(
        (exception.item_type, exception.item_name.as_str()),
        (ItemType::Exception, "types")
    );
    // Near miss: every value is one of the rule's types.
    let text = with_exception(
        "evt.type in (open, openat) and proc.name = bash",
        "    - name: types\n      fields: evt.type\n      values: [openat, open]\n",
    );
    assert!(lint_warnings(&load_checked(&text)).is_empty());
}

#[test]
fn exception_tuples_the_condition_excludes() {
    let exception = "    - name: shells\n      fields: [proc.name, fd.name]\n      values:\n        - [bash, /etc]\n        - [sh, /tmp]\n";
    let text = with_exception("evt.type = open and proc.name = bash", exception);
    let result = load_checked(&text);
    let found = lint_warnings(&result);
    assert_eq!(found.len(), 1, "{}", describe(&result));
    assert_eq!(found[0].code, WarningCode::ExceptionNeverMatches);
    assert_eq!(
        found[0].message,
        "Exception 'shells' can never match: 'proc.name = sh and fd.name = /tmp' is never true when the rule condition is"
    );
    // At the tuple's first value.
    let (line, column) = find(&text, 10, "[sh,");
    assert_eq!(
        at(&found[0].context),
        (ItemType::ExceptionValue, "", line, column + 1)
    );
    // Near miss: a condition that lets either name through.
    let text = with_exception("evt.type = open and proc.name in (bash, sh)", exception);
    assert!(lint_warnings(&load_checked(&text)).is_empty());
}

#[test]
fn an_exception_that_always_matches_makes_the_rule_never_match() {
    let text = with_exception(
        "evt.type = open and proc.name = bash",
        "    - name: all\n      fields: [proc.name]\n      values: [[bash]]\n",
    );
    let result = load_checked(&text);
    let found = lint_warnings(&result);
    assert_eq!(found.len(), 1, "{}", describe(&result));
    assert_eq!(found[0].code, WarningCode::NeverMatches);
    // Near miss: the exception narrows with a second field.
    let text = with_exception(
        "evt.type = open and proc.name = bash",
        "    - name: some\n      fields: [proc.name, fd.name]\n      values: [[bash, /etc]]\n",
    );
    assert!(lint_warnings(&load_checked(&text)).is_empty());
}

#[test]
fn wrongly_typed_exception_values_are_already_compile_errors() {
    // A number field with a word: the folded condition does not compile,
    // which `-V` reports as LOAD_ERR_COMPILE_CONDITION; nothing to lint.
    let text = with_exception(
        "evt.type = open and fd.num > 2",
        "    - name: bad\n      fields: [fd.num]\n      values: [[three]]\n",
    );
    let result = load_checked(&text);
    assert!(lint_warnings(&result).is_empty());
    let (_, issues) =
        CompiledRuleset::compile(result.ruleset.as_ref().unwrap(), SyscallFields::new());
    assert!(
        issues
            .iter()
            .any(|i| matches!(i.issue, Issue::Error(ErrorCode::CompileCondition, _))),
        "{issues:?}"
    );
}

#[test]
fn any_catalog_gets_the_syscall_fields_kinds() {
    // `falco -V` checks fields with a catalog of its own (a closure): the
    // syscall fields' kinds do not depend on it, nor on having one.
    let text = rule("r", "evt.type = open and proc.name = a and proc.name = b");
    let closure = RulesLoader::with_sources(vec![EventSource::with_fields(
        DEFAULT_SOURCE,
        |_: &str, _: bool| true,
    )])
    .load(&[(FILE, &text)]);
    assert_eq!(lint_warnings(&closure).len(), 1, "{}", describe(&closure));
    assert_eq!(lint_warnings(&load(&text)).len(), 1);
}

#[test]
fn other_sources_only_self_contradictions() {
    // Nothing known about the values of another source's fields: two of
    // them may both hold, a check and its negation may not.
    let loaded = |condition: &str| {
        let text = rule("r", condition) + "  source: k8s_audit\n";
        RulesLoader::with_sources(vec![
            EventSource::new(DEFAULT_SOURCE),
            EventSource::new("k8s_audit"),
        ])
        .load(&[(FILE, &text)])
    };
    assert!(lint_warnings(&loaded("ka.verb = create and ka.verb = delete")).is_empty());
    let result = loaded("ka.verb = create and ka.verb != create");
    let found = lint_warnings(&result);
    assert_eq!(found.len(), 1, "{}", describe(&result));
    assert_eq!(
        found[0].message,
        "Rule can never match: its checks on ka.verb contradict each other"
    );
}

#[test]
fn upstream_rules_lint_to_one_known_finding() {
    let Some(files) = upstream_files() else {
        return;
    };
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let result = RulesLoader::with_sources(vec![EventSource::with_fields(
        DEFAULT_SOURCE,
        SyscallFields::new(),
    )])
    .load(&refs);
    let found: Vec<String> = lint_warnings(&result)
        .iter()
        .map(|w| {
            format!(
                "{} {} '{}': {}",
                w.context.name(),
                w.code,
                w.context.locations()[1].item_name,
                w.message
            )
        })
        .collect();
    // Real: the sandbox's placeholder `allowed_containers` is `container.id
    // exists`, so `container_started` (`container.id != host`, which needs
    // the field) `and not allowed_containers` can never hold until a user
    // overrides the macro, as its comment asks. Reported once, by the
    // file that defines the rule (later loads would repeat it, as they
    // repeat unused macros).
    assert_eq!(
        found,
        [
            "falco-sandbox_rules.yaml LOAD_NEVER_MATCHES 'Launch Disallowed Container': \
          Rule can never match: its checks on container.id contradict each other"
        ],
        "{found:#?}"
    );
}
