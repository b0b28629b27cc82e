//! What the parser builds: every operator, precedence, keywords, lists.

use super::ast::*;
use super::parse_condition;
use super::test_tree::*;

#[test]
fn every_binary_operator_parses_with_its_kind_of_operand() {
    for op in BinaryOp::ALL {
        let (src, rhs) = match op.operand_class() {
            OperandClass::Numeric => (format!("evt.count {} 5", op.as_str()), s("5")),
            OperandClass::String => (format!("fd.name {} /etc", op.as_str()), s("/etc")),
            OperandClass::List => (format!("fd.name {} (a, b)", op.as_str()), list(&["a", "b"])),
        };
        let lhs = if op.operand_class() == OperandClass::Numeric {
            field("evt.count")
        } else {
            field("fd.name")
        };
        assert_eq!(parse(&src), cmp(lhs, op, rhs), "{src}");
    }
}

#[test]
fn double_equals_is_equality() {
    assert_eq!(parse("proc.name == bash"), parse("proc.name = bash"));
    assert_eq!(
        parse("proc.name==bash"),
        cmp(field("proc.name"), BinaryOp::Eq, s("bash"))
    );
}

#[test]
fn exists_is_unary() {
    let expected = expr(ExprKind::Unary {
        lhs: field("k8s.pod.name"),
        op: UnaryOp::Exists,
    });
    assert_eq!(parse("k8s.pod.name exists"), expected);
    assert_eq!(
        parse("not proc.aname[1] exists"),
        not(expr(ExprKind::Unary {
            lhs: field_with_arg("proc.aname", "1"),
            op: UnaryOp::Exists,
        }))
    );
}

#[test]
fn symbol_operators_need_no_blanks() {
    assert_eq!(
        parse("fd.num>=0"),
        cmp(field("fd.num"), BinaryOp::Ge, s("0"))
    );
    assert_eq!(
        parse("fd.num<=0"),
        cmp(field("fd.num"), BinaryOp::Le, s("0"))
    );
    assert_eq!(
        parse("fd.num<0"),
        cmp(field("fd.num"), BinaryOp::Lt, s("0"))
    );
    assert_eq!(
        parse("fd.num>0"),
        cmp(field("fd.num"), BinaryOp::Gt, s("0"))
    );
    assert_eq!(
        parse("proc.name!=bash"),
        cmp(field("proc.name"), BinaryOp::Ne, s("bash"))
    );
    assert_eq!(
        parse("fd.typechar='f'"),
        cmp(field("fd.typechar"), BinaryOp::Eq, s("f"))
    );
}

#[test]
fn list_operators_may_touch_their_list() {
    assert_eq!(
        parse("proc.name in(a,b)"),
        cmp(field("proc.name"), BinaryOp::In, list(&["a", "b"]))
    );
    assert_eq!(
        parse("proc.name pmatch(/tmp)"),
        cmp(field("proc.name"), BinaryOp::PMatch, list(&["/tmp"]))
    );
}

#[test]
fn word_operators_end_as_words() {
    assert!(parse_condition("proc.name contains\"x\"").is_err());
    assert!(parse_condition("proc.name inx").is_err());
    assert!(parse_condition("proc.name existsx").is_err());
    assert!(parse_condition("proc.name intersectsx").is_err());
    assert_eq!(
        parse("proc.name contains\t\"x\""),
        cmp(field("proc.name"), BinaryOp::Contains, s("x"))
    );
}

#[test]
fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
    let (a, b, c) = (macro_ref("a"), macro_ref("b"), macro_ref("c"));
    assert_eq!(
        parse("a or b and not c"),
        or(vec![a.clone(), and(vec![b.clone(), not(c.clone())])])
    );
    assert_eq!(parse("not a and b"), and(vec![not(a.clone()), b.clone()]));
    assert_eq!(parse("not a or b"), or(vec![not(a.clone()), b.clone()]));
    assert_eq!(
        parse("a and b or c"),
        or(vec![and(vec![a.clone(), b.clone()]), c.clone()])
    );
    assert_eq!(
        parse("(a or b) and c"),
        and(vec![or(vec![a.clone(), b.clone()]), c.clone()])
    );
    assert_eq!(parse("not (a or b)"), not(or(vec![a.clone(), b.clone()])));
}

#[test]
fn not_applies_to_a_whole_comparison() {
    assert_eq!(
        parse("not proc.name in (a) and b"),
        and(vec![
            not(cmp(field("proc.name"), BinaryOp::In, list(&["a"]))),
            macro_ref("b")
        ])
    );
}

#[test]
fn chains_flatten_but_parentheses_nest() {
    let (a, b, c) = (macro_ref("a"), macro_ref("b"), macro_ref("c"));
    assert_eq!(
        parse("a and b and c"),
        and(vec![a.clone(), b.clone(), c.clone()])
    );
    assert_eq!(
        parse("a or b or c"),
        or(vec![a.clone(), b.clone(), c.clone()])
    );
    assert_eq!(
        parse("a and (b and c)"),
        and(vec![a.clone(), and(vec![b.clone(), c.clone()])])
    );
    assert_eq!(parse("((a))"), a);
}

#[test]
fn not_forms() {
    let a = macro_ref("a");
    assert_eq!(parse("not(a)"), not(a.clone()));
    assert_eq!(parse("not (a)"), not(a.clone()));
    assert_eq!(parse("not\na"), not(a.clone()));
    assert_eq!(parse("not not a"), not(not(a.clone())));
    assert_eq!(
        parse("b and not(a)"),
        and(vec![macro_ref("b"), not(a.clone())])
    );
}

#[test]
fn keywords_are_whole_words() {
    assert_eq!(parse("notepad"), macro_ref("notepad"));
    assert_eq!(parse("not_in_container"), macro_ref("not_in_container"));
    assert_eq!(
        parse("android and orange or nothing"),
        or(vec![
            and(vec![macro_ref("android"), macro_ref("orange")]),
            macro_ref("nothing")
        ])
    );
    assert_eq!(
        parse("a and(b)or(c)"),
        or(vec![
            and(vec![macro_ref("a"), macro_ref("b")]),
            macro_ref("c")
        ])
    );
    for keyword_alone in ["and", "or", "not", "a and or", "a or not"] {
        assert!(parse_condition(keyword_alone).is_err(), "{keyword_alone}");
    }
}

#[test]
fn keywords_are_fine_as_values_and_list_names() {
    assert_eq!(rhs_of("proc.name = and"), s("and"));
    assert_eq!(rhs_of("proc.name in (or, not)"), list(&["or", "not"]));
    assert_eq!(
        rhs_of("proc.name in and"),
        Value::ListRef {
            name: "and".into(),
            pos: Pos::default()
        }
    );
}

#[test]
fn inline_lists() {
    assert_eq!(
        rhs_of("proc.name in (a, b, \"c d\")"),
        list(&["a", "b", "c d"])
    );
    assert_eq!(rhs_of("proc.name in ()"), list(&[]));
    assert_eq!(
        rhs_of("proc.name in ( a ,b\n, 'c' )"),
        list(&["a", "b", "c"])
    );
    assert_eq!(
        rhs_of("proc.name in (\"a,b\", 'x)y')"),
        list(&["a,b", "x)y"])
    );
    assert_eq!(
        rhs_of("proc.pname in (runc:[0:PARENT], /usr/bin/*, <NA>)"),
        list(&["runc:[0:PARENT]", "/usr/bin/*", "<NA>"])
    );
    assert!(parse_condition("proc.name in (a,)").is_err());
    assert!(parse_condition("proc.name in (,a)").is_err());
    assert!(parse_condition("proc.name in (a b)").is_err());
    assert!(parse_condition("proc.name in (a=b)").is_err());
}

#[test]
fn list_names_after_list_operators() {
    let list_ref = |name: &str| Value::ListRef {
        name: name.into(),
        pos: Pos::default(),
    };
    assert_eq!(
        rhs_of("proc.name in shell_binaries"),
        list_ref("shell_binaries")
    );
    assert_eq!(rhs_of("fd.name pmatch safe_dirs"), list_ref("safe_dirs"));
    // Inside parentheses a name is an item; the loader expands list names.
    assert_eq!(rhs_of("fd.name pmatch (safe_dirs)"), list(&["safe_dirs"]));
    assert!(parse_condition("proc.name in /bin/sh").is_err());
}
