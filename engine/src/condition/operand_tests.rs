//! What the parser builds for operands: fields and their arguments,
//! transformers, strings, numbers, blanks, and the positions of nodes.

use super::ast::*;
use super::parse_condition;
use super::test_tree::*;

#[test]
fn field_names_and_arguments() {
    assert_eq!(lhs_of("fd.name = x"), field("fd.name"));
    assert_eq!(lhs_of("evt.arg.name = x"), field("evt.arg.name"));
    assert_eq!(lhs_of("proc.aname = x"), field("proc.aname"));
    assert_eq!(lhs_of("k8s.ns.name = x"), field("k8s.ns.name"));
    assert_eq!(
        lhs_of("proc.aname[2] = x"),
        field_with_arg("proc.aname", "2")
    );
    assert_eq!(lhs_of("evt.arg[1] = x"), field_with_arg("evt.arg", "1"));
    assert_eq!(
        lhs_of("evt.arg[flags] = x"),
        field_with_arg("evt.arg", "flags")
    );
    assert_eq!(
        lhs_of("json.value[/a/b] = x"),
        field_with_arg("json.value", "/a/b")
    );
    assert_eq!(
        lhs_of("json.value[\"a b\"] = x"),
        field_with_arg("json.value", "a b")
    );
    assert_eq!(
        lhs_of("json.value['a]b'] = x"),
        field_with_arg("json.value", "a]b")
    );
    match lhs_of("proc.aname[3] = x") {
        FieldExpr::Field(f) => assert_eq!(f.arg.and_then(|a| a.as_index()), Some(3)),
        other => panic!("{other:?}"),
    }
    assert!(parse_condition("proc.aname [2] = x").is_err());
    assert!(parse_condition("proc.aname[] = x").is_err());
    assert!(parse_condition("proc.aname[a b] = x").is_err());
    assert!(parse_condition("proc.aname[\"\\xff\"] = x").is_err());
    assert!(parse_condition("proc. = x").is_err());
    assert!(parse_condition("proc.1name = x").is_err());
}

#[test]
fn transformers_on_the_left() {
    use TransformKind::*;
    for kind in TransformKind::ALL {
        let src = format!("{}(fd.name) = x", kind.as_str());
        assert_eq!(lhs_of(&src), transform(kind, field("fd.name")), "{src}");
    }
    assert_eq!(
        lhs_of("toupper( basename(proc.aname[1]) ) = X"),
        transform(
            ToUpper,
            transform(Basename, field_with_arg("proc.aname", "1"))
        )
    );
    assert_eq!(
        parse("len(proc.args) > 3"),
        cmp(transform(Len, field("proc.args")), BinaryOp::Gt, s("3"))
    );
    assert_eq!(
        lhs_of("b64(evt.buffer) exists"),
        transform(B64, field("evt.buffer"))
    );
    assert!(parse_condition("tolower (fd.name) = x").is_err());
    assert!(parse_condition("upper(fd.name) = x").is_err());
    assert!(parse_condition("tolower(x) = x").is_err());
    assert!(parse_condition("val(fd.name) = x").is_err());
}

#[test]
fn fields_on_the_right() {
    use TransformKind::*;
    assert_eq!(
        rhs_of("proc.name = val(proc.pname)"),
        Value::Field(field("proc.pname"))
    );
    assert_eq!(
        rhs_of("proc.name = val( proc.aname[2] )"),
        Value::Field(field_with_arg("proc.aname", "2"))
    );
    assert_eq!(
        parse("tolower(proc.name) = tolower(proc.pname)"),
        cmp(
            transform(ToLower, field("proc.name")),
            BinaryOp::Eq,
            Value::Field(transform(ToLower, field("proc.pname")))
        )
    );
    assert_eq!(
        rhs_of("evt.count < val(evt.other)"),
        Value::Field(field("evt.other"))
    );
    assert_eq!(
        rhs_of("proc.name in val(proc.args)"),
        Value::Field(field("proc.args"))
    );
    assert_eq!(
        rhs_of("fd.name startswith basename(proc.exepath)"),
        Value::Field(transform(Basename, field("proc.exepath")))
    );
    assert!(parse_condition("proc.name = val(tolower(proc.pname))").is_err());
    assert!(parse_condition("proc.name = toupper(val(proc.pname))").is_err());
    assert!(parse_condition("proc.name = val(x)").is_err());
}

#[test]
fn quoted_strings_and_escapes() {
    assert_eq!(rhs_of("proc.name = \"a b\""), s("a b"));
    assert_eq!(rhs_of("proc.name = 'a b'"), s("a b"));
    assert_eq!(rhs_of("proc.name = \"\""), s(""));
    assert_eq!(rhs_of(r#"proc.name = "say \"hi\"""#), s("say \"hi\""));
    assert_eq!(rhs_of(r"proc.name = 'it\'s'"), s("it's"));
    assert_eq!(rhs_of(r#"proc.name = "it's""#), s("it's"));
    assert_eq!(rhs_of(r"proc.name = 'a\tb\n\\'"), s("a\tb\n\\"));
    assert_eq!(
        rhs_of(r#"fd.name contains "\xFF\x00""#),
        Value::Str(lit(b"\xff\x00"))
    );
    assert_eq!(rhs_of("proc.name = \"a) or (b\""), s("a) or (b"));
    assert_eq!(rhs_of("proc.name = \"multi\nline\""), s("multi\nline"));
    assert!(parse_condition(r"proc.name = 'a\q'").is_err());
    assert!(parse_condition(r#"proc.name = "a\'""#).is_err());
}

#[test]
fn bare_values() {
    assert_eq!(rhs_of("fd.name = /etc/shadow"), s("/etc/shadow"));
    assert_eq!(rhs_of("evt.dir = <"), s("<"));
    assert_eq!(rhs_of("fd.name glob /tmp/*.sh"), s("/tmp/*.sh"));
    assert_eq!(rhs_of(r"fd.name = C:\dir"), s(r"C:\dir"));
    assert_eq!(rhs_of("proc.name = ünï"), s("ünï"));
    assert_eq!(rhs_of("evt.arg.flags contains O_TRUNC"), s("O_TRUNC"));
    assert_eq!(rhs_of("evt.buffer bcontains CAFEBABE"), s("CAFEBABE"));
    assert_eq!(rhs_of("proc.pid = -1"), s("-1"));
    assert_eq!(
        parse("(proc.name = bash)"),
        cmp(field("proc.name"), BinaryOp::Eq, s("bash"))
    );
    assert!(parse_condition("proc.name = a=b").is_err());
}

#[test]
fn numbers_after_numeric_operators() {
    for number in [
        "5", "-3", "+3", "1.5", "2.", "1e+5", "1.5E-3", "0x1F", "0XffFF",
    ] {
        assert_eq!(
            rhs_of(&format!("evt.count > {number}")),
            s(number),
            "{number}"
        );
    }
    for not_a_number in ["abc", "\"5\"", "1e5", "0x", "5abc", "/5"] {
        let src = format!("evt.count > {not_a_number}");
        assert!(parse_condition(&src).is_err(), "{src}");
    }
}

#[test]
fn blanks_and_line_breaks() {
    let expected = and(vec![
        cmp(field("proc.name"), BinaryOp::Eq, s("a")),
        macro_ref("b"),
    ]);
    assert_eq!(parse("  proc.name = a and b  "), expected);
    assert_eq!(parse("proc.name\t=\ta\r\nand\nb\n"), expected);
    assert_eq!(parse("proc.name\u{08}=\u{08}a and b"), expected);
}

#[test]
fn positions_point_at_each_node() {
    let src = "a and\n  not proc.aname[2] = \"x\"\n  or tolower(fd.name) in (b, 'c')";
    let tree = parse_condition(src).unwrap();
    let at = |p: Pos| (p.line, p.column, p.offset);
    let ExprKind::Or(top) = &tree.kind else {
        panic!("{tree:?}")
    };
    assert_eq!(at(tree.pos), (1, 1, 0));
    let ExprKind::And(first) = &top[0].kind else {
        panic!("{top:?}")
    };
    assert_eq!(at(first[0].pos), (1, 1, 0));
    assert_eq!(at(first[1].pos), (2, 3, 8));
    let ExprKind::Not(compare) = &first[1].kind else {
        panic!()
    };
    assert_eq!(at(compare.pos), (2, 7, 12));
    let ExprKind::Compare {
        lhs: FieldExpr::Field(f),
        rhs: Value::Str(x),
        ..
    } = &compare.kind
    else {
        panic!()
    };
    assert_eq!(at(f.pos), (2, 7, 12));
    assert_eq!(f.arg.as_ref().map(|arg| at(arg.pos)), Some((2, 18, 23)));
    assert_eq!(at(x.pos), (2, 23, 28));
    let ExprKind::Compare {
        lhs,
        rhs: Value::List { items, pos },
        ..
    } = &top[1].kind
    else {
        panic!()
    };
    assert_eq!(at(lhs.pos()), (3, 6, 37));
    assert_eq!(at(lhs.base_field().pos), (3, 14, 45));
    assert_eq!(at(*pos), (3, 26, 57));
    assert_eq!(
        items.iter().map(|i| at(i.pos)).collect::<Vec<_>>(),
        [(3, 27, 58), (3, 30, 61)]
    );
}

#[test]
fn positions_count_characters_not_bytes() {
    let tree = parse_condition("proc.name = \"é\" and x").unwrap();
    let ExprKind::And(children) = &tree.kind else {
        panic!()
    };
    assert_eq!((children[1].pos.column, children[1].pos.offset), (21, 21));
}
