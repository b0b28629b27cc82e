//! Expansion of lists and macros: ordering (visibility), nesting, and
//! the unused-item warnings.

use super::test_support::*;
use super::*;

#[test]
fn lists_inside_lists_expand_when_defined_before() {
    let text = format!(
        "- list: a\n  items: [x, y]\n- list: b\n  items: [a, z]\n- list: c\n  items: [d]\n- list: d\n  items: [w]\n{}",
        rule("r", "proc.name in (b) or proc.name in (c)")
    );
    let result = load(&text);
    // `c` names `d`, defined after it: kept as text here, then `d` is
    // substituted in the condition anyway (Falco substitutes every list).
    assert_eq!(
        condition_of(&result, "r"),
        "proc.name in (x, y, z) or proc.name in (w)"
    );
    let lists = &result.ruleset.as_ref().unwrap().lists;
    assert_eq!(lists[1].items, ["x", "y", "z"]);
    assert_eq!(lists[2].items, ["d"]);
    assert!(
        warnings(&result, WarningCode::UnusedList).is_empty(),
        "{}",
        describe(&result)
    );
}

#[test]
fn list_items_are_quoted_and_may_be_empty() {
    let text = format!(
        "- list: spaced\n  items: [\"a b\", '\"q r\"', c]\n- list: none\n  items: []\n{}",
        rule("r", "proc.name in (spaced) and fd.name in (none, /tmp)")
    );
    let rule_text = condition_of(&load(&text), "r");
    assert_eq!(
        rule_text,
        "proc.name in (\"a b\", \"q r\", c) and fd.name in (/tmp)"
    );
}

#[test]
fn macros_see_only_earlier_macros_rules_see_all() {
    let later = "- macro: a\n  condition: b\n- macro: b\n  condition: evt.type = open\n";
    let result = load(later);
    let err = the_error(&result);
    assert_eq!(
        (err.code, err.message.as_str()),
        (ErrorCode::Validate, "Undefined macro 'b' used in filter.")
    );
    let chain = err.context.locations();
    assert_eq!(chain[1].item_type, ItemType::Macro);
    assert_eq!(chain[2].item_type, ItemType::ConditionExpression);
    assert_eq!((chain[2].pos.line, chain[2].pos.column), (2, 14));
    // Redefining `a` after `b` makes `b` visible to it.
    let redefined = format!(
        "{later}- macro: a\n  condition: b and proc.name = x\n{}",
        rule("r", "a")
    );
    assert_eq!(
        condition_of(&load(&redefined), "r"),
        "evt.type = open and proc.name = x"
    );
    // A rule may use a macro defined after it.
    let rule_first = format!(
        "{}- macro: m\n  condition: evt.type = open\n",
        rule("r", "m and not m")
    );
    assert_eq!(
        condition_of(&load(&rule_first), "r"),
        "evt.type = open and not evt.type = open"
    );
}

#[test]
fn macro_loops_are_errors() {
    let text = format!(
        "- macro: a\n  condition: evt.type = open\n- macro: a\n  condition: a or x.y = 1\n{}",
        rule("r", "a")
    );
    let result = load(&text);
    let err = the_error(&result);
    assert_eq!(err.message, "reference loop in macro 'a'");
    assert_eq!(at(&err.context).2, 4);
}

#[test]
fn unused_macros_and_lists_warn_at_their_definition() {
    let text = format!(
        "- list: used\n  items: [a]\n- list: spare\n  items: [b]\n- macro: m1\n  condition: proc.name in (used)\n- macro: m2\n  condition: m1\n{}",
        rule("r", "evt.type = open")
    );
    let result = load(&text);
    let macros = warnings(&result, WarningCode::UnusedMacro);
    assert_eq!(macros.len(), 1);
    assert_eq!(
        macros[0].message,
        "Macro not referred to by any other rule/macro"
    );
    assert_eq!(at(&macros[0].context), (ItemType::Macro, "m2", 7, 3));
    let lists = warnings(&result, WarningCode::UnusedList);
    assert_eq!(lists.len(), 1);
    assert_eq!(
        lists[0].message,
        "List not referred to by any other rule/macro"
    );
    assert_eq!(at(&lists[0].context), (ItemType::List, "spare", 3, 3));
    let ruleset = result.ruleset.unwrap();
    assert!(ruleset.macro_named("m1").unwrap().used && !ruleset.macro_named("m2").unwrap().used);
    assert!(ruleset.list("used").unwrap().used);
}

#[test]
fn disabled_rules_still_use_their_macros() {
    let text = format!(
        "- macro: m\n  condition: evt.type = open\n{}  enabled: false\n",
        rule("r", "m")
    );
    let result = load(&text);
    assert!(result.warnings().next().is_none(), "{}", describe(&result));
    assert!(!result.ruleset.unwrap().rules[0].enabled);
}

#[test]
fn expanded_positions_point_into_each_macro() {
    let text = format!(
        "- macro: m\n  condition: >\n    evt.type = open\n    and fd.name = x\n{}",
        rule("r", "m or proc.name = y")
    );
    let result = load(&text);
    let rule = &result.ruleset.as_ref().unwrap().rules[0];
    let crate::condition::ast::ExprKind::Or(parts) = &rule.condition.kind else {
        panic!("{:?}", rule.condition)
    };
    let crate::condition::ast::ExprKind::And(checks) = &parts[0].kind else {
        panic!("{:?}", parts[0])
    };
    let (_, pos) = result.sources.locate(checks[1].pos.offset).unwrap();
    assert_eq!((pos.line, pos.column), (4, 9));
    let (_, pos) = result.sources.locate(parts[1].pos.offset).unwrap();
    assert_eq!((pos.line, pos.column), (7, 19));
}
