//! `LOAD_NOOP_OVERRIDE`: appends and overrides that change nothing, each
//! at its key, and the near misses that do change something.

use super::test_support::*;
use super::*;

const BASE: &str = "- list: shells\n  items: [bash, sh]\n\
                    - macro: spawned\n  condition: evt.type = execve\n\
                    - rule: r\n  desc: d\n  condition: spawned and proc.name in (shells)\n  \
                    output: o\n  priority: INFO\n  tags: [a, b]\n  exceptions:\n    - name: ex\n      \
                    fields: [proc.pname]\n      values: [[init]]\n";

/// Lines of BASE: the next item starts on line 15.
const NEXT: usize = 15;

/// The no-op warnings of BASE followed by `more`, as (message, key, line,
/// column) of the innermost location.
fn noops(more: &str) -> Vec<(String, String, usize, usize)> {
    let result = load(&format!("{BASE}{more}"));
    assert!(result.successful(), "{}", describe(&result));
    warnings(&result, WarningCode::NoopOverride)
        .into_iter()
        .map(|w| {
            let (item_type, key, line, column) = at(&w.context);
            assert_eq!(item_type, ItemType::Override);
            (w.message.clone(), key.to_owned(), line, column)
        })
        .collect()
}

fn one(
    message: &str,
    key: &str,
    line: usize,
    column: usize,
) -> Vec<(String, String, usize, usize)> {
    vec![(message.to_owned(), key.to_owned(), line, column)]
}

#[test]
fn the_base_has_none() {
    assert!(noops("").is_empty());
}

#[test]
fn empty_condition_appends() {
    // An empty string is already an error (Falco's "Value must be
    // non-empty"); blanks get through and append nothing.
    let empty = load(&format!(
        "{BASE}- rule: r\n  condition: \"\"\n  override:\n    condition: append\n"
    ));
    assert_eq!(the_error(&empty).message, "Value must be non-empty");
    let rule = "- rule: r\n  condition: \" \"\n  override:\n    condition: append\n";
    assert_eq!(
        noops(rule),
        one(
            "Appending an empty condition changes nothing",
            "condition",
            NEXT + 1,
            14
        )
    );
    let legacy = "- rule: r\n  condition: \" \"\n  append: true\n";
    assert_eq!(
        noops(legacy),
        one(
            "Appending an empty condition changes nothing",
            "condition",
            NEXT + 1,
            14
        )
    );
    let macro_append =
        "- macro: spawned\n  condition: \"  \"\n  override:\n    condition: append\n";
    assert_eq!(
        noops(macro_append),
        one(
            "Appending an empty condition changes nothing",
            "condition",
            NEXT + 1,
            14
        )
    );
    // Near misses: something is appended.
    assert!(
        noops("- rule: r\n  condition: and fd.num > 2\n  override:\n    condition: append\n")
            .is_empty()
    );
    assert!(noops("- macro: spawned\n  condition: or evt.type = execveat\n  override:\n    condition: append\n").is_empty());
}

#[test]
fn replacing_with_the_same_value() {
    let same = "- rule: r\n  priority: INFO\n  desc: d\n  override:\n    priority: replace\n    desc: replace\n";
    let mut found = noops(same);
    found.sort();
    assert_eq!(
        found,
        [
            (
                "Replacing 'desc' with the value it already has changes nothing".to_owned(),
                "desc".to_owned(),
                NEXT + 2,
                9
            ),
            (
                "Replacing 'priority' with the value it already has changes nothing".to_owned(),
                "priority".to_owned(),
                NEXT + 1,
                13
            ),
        ]
    );
    let condition = "- rule: r\n  condition: spawned and proc.name in (shells)\n  override:\n    condition: replace\n";
    assert_eq!(
        noops(condition),
        one(
            "Replacing 'condition' with the value it already has changes nothing",
            "condition",
            NEXT + 1,
            14
        )
    );
    // Near misses: a different value.
    assert!(noops("- rule: r\n  priority: ERROR\n  override:\n    priority: replace\n").is_empty());
    assert!(
        noops("- rule: r\n  condition: spawned\n  override:\n    condition: replace\n").is_empty()
    );
}

#[test]
fn enabled_set_to_what_it_is() {
    let replace = "- rule: r\n  enabled: true\n  override:\n    enabled: replace\n";
    assert_eq!(
        noops(replace),
        one(
            "Replacing 'enabled' with the value it already has changes nothing",
            "enabled",
            NEXT + 1,
            12
        )
    );
    let legacy = "- rule: r\n  enabled: true\n";
    assert_eq!(
        noops(legacy),
        one(
            "The rule is already enabled: setting 'enabled: true' changes nothing",
            "enabled",
            NEXT + 1,
            12
        )
    );
    // Near misses: disabling, and enabling again after that.
    assert!(noops("- rule: r\n  enabled: false\n").is_empty());
    assert!(noops("- rule: r\n  enabled: false\n- rule: r\n  enabled: true\n").is_empty());
}

#[test]
fn list_appends_of_items_already_there() {
    let list = "- list: shells\n  items: [sh, bash]\n  override:\n    items: append\n";
    assert_eq!(
        noops(list),
        one(
            "Every appended item is already in list 'shells'",
            "items",
            NEXT + 1,
            10
        )
    );
    let legacy = "- list: shells\n  items: [sh]\n  append: true\n";
    assert_eq!(noops(legacy).len(), 1);
    // Near miss: one new item among old ones.
    assert!(
        noops("- list: shells\n  items: [sh, zsh]\n  override:\n    items: append\n").is_empty()
    );
}

#[test]
fn exception_and_tag_appends_already_there() {
    let exception = "- rule: r\n  exceptions:\n    - name: ex\n      values: [[init]]\n  override:\n    exceptions: append\n";
    assert_eq!(
        noops(exception),
        one(
            "Every value appended to exception 'ex' is already present",
            "exceptions",
            NEXT + 2,
            5
        )
    );
    let tags = "- rule: r\n  tags: [b]\n  override:\n    tags: append\n";
    assert_eq!(
        noops(tags),
        one("Every appended tag is already present", "tags", NEXT + 1, 9)
    );
    // Near misses: a new value, a new exception, a new tag.
    assert!(noops("- rule: r\n  exceptions:\n    - name: ex\n      values: [[init], [systemd]]\n  override:\n    exceptions: append\n").is_empty());
    assert!(noops("- rule: r\n  exceptions:\n    - name: other\n      fields: [proc.pname]\n      values: [[init]]\n  override:\n    exceptions: append\n").is_empty());
    assert!(noops("- rule: r\n  tags: [c]\n  override:\n    tags: append\n").is_empty());
}

#[test]
fn noops_render_as_load_warnings() {
    let result = load(&format!(
        "{BASE}- list: shells\n  items: [sh]\n  override:\n    items: append\n"
    ));
    let shown = result.files[0].verbose_string(&result.sources);
    assert!(
        shown.contains("    overrides 'items': (rules.yaml:15:9)"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "LOAD_NOOP_OVERRIDE (Override or append changes nothing): Every appended item is already in list 'shells'"
        ),
        "{shown}"
    );
    assert!(result.files[0]
        .summary_string()
        .contains("LOAD_NOOP_OVERRIDE (Override or append changes nothing)"));
}
