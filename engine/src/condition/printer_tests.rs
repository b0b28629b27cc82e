//! The printer's canonical text, and parse(print(tree)) == tree.

use super::ast::{Expr, ExprKind, Pos};
use super::{parse_condition, print_condition};

fn canonical(src: &str) -> String {
    match parse_condition(src) {
        Ok(tree) => print_condition(&tree),
        Err(err) => panic!("{src:?} should parse: {err}"),
    }
}

/// parse -> print -> parse gives the same tree, and printing is stable.
fn assert_round_trip(src: &str) {
    let tree = parse_condition(src).unwrap_or_else(|err| panic!("{src:?}: {err}"));
    let printed = print_condition(&tree);
    let again = parse_condition(&printed).unwrap_or_else(|err| panic!("{printed:?}: {err}"));
    assert_eq!(
        again.clone().without_positions(),
        tree.without_positions(),
        "{src:?} -> {printed:?}"
    );
    assert_eq!(
        print_condition(&again),
        printed,
        "printing {src:?} is not stable"
    );
}

#[test]
fn canonical_spacing_and_operators() {
    assert_eq!(canonical("proc.name==bash"), "proc.name = bash");
    assert_eq!(
        canonical("  fd.num>=0\nand\tfd.num<10 "),
        "fd.num >= 0 and fd.num < 10"
    );
    assert_eq!(canonical("proc.name in(a,b,  c)"), "proc.name in (a, b, c)");
    assert_eq!(canonical("proc.name in ()"), "proc.name in ()");
    assert_eq!(canonical("k8s.pod.name   exists"), "k8s.pod.name exists");
    assert_eq!(canonical("not(a)"), "not a");
    assert_eq!(canonical("((a))"), "a");
}

#[test]
fn parentheses_only_where_the_tree_needs_them() {
    assert_eq!(canonical("a or (b and not (c))"), "a or b and not c");
    assert_eq!(canonical("(a or b) and c"), "(a or b) and c");
    assert_eq!(canonical("a and (b and c)"), "a and (b and c)");
    assert_eq!(canonical("a or (b or c)"), "a or (b or c)");
    assert_eq!(canonical("not (a and b)"), "not (a and b)");
    assert_eq!(canonical("not (a or b)"), "not (a or b)");
    assert_eq!(canonical("not not a"), "not not a");
    assert_eq!(canonical("not (proc.name = a)"), "not proc.name = a");
}

#[test]
fn values_are_bare_when_they_can_be() {
    assert_eq!(
        canonical("fd.name = '/etc/shadow'"),
        "fd.name = /etc/shadow"
    );
    assert_eq!(canonical("fd.name = \"a b\""), "fd.name = \"a b\"");
    assert_eq!(canonical("fd.name = ''"), "fd.name = \"\"");
    assert_eq!(
        canonical("fd.name = 'say \"hi\"'"),
        r#"fd.name = "say \"hi\"""#
    );
    assert_eq!(canonical("fd.name = 'it\\'s'"), r#"fd.name = "it's""#);
    assert_eq!(
        canonical(r#"fd.name contains "\xff\x01\n""#),
        r#"fd.name contains "\xFF\x01\n""#
    );
    assert_eq!(
        canonical("proc.name in ('a,b', c, \"(x)\")"),
        r#"proc.name in ("a,b", c, "(x)")"#
    );
    assert_eq!(canonical("json.value[\"/a\"] = x"), "json.value[/a] = x");
    assert_eq!(
        canonical("json.value['a b'] = x"),
        "json.value[\"a b\"] = x"
    );
    assert_eq!(canonical("json.value['a]'] = x"), "json.value[\"a]\"] = x");
}

#[test]
fn fields_and_transformers() {
    assert_eq!(
        canonical("proc.name = val( proc.pname )"),
        "proc.name = val(proc.pname)"
    );
    assert_eq!(
        canonical("tolower( fd.name ) = toupper(basename(fd.directory))"),
        "tolower(fd.name) = toupper(basename(fd.directory))"
    );
    assert_eq!(canonical("len(proc.aname[2])>3"), "len(proc.aname[2]) > 3");
}

#[test]
fn tricky_conditions_round_trip() {
    for src in [
        "a or b and not c",
        "evt.type in (open, openat, openat2) and evt.is_open_write=true and fd.typechar='f' and fd.num>=0",
        "proc.pname in (runc:[0:PARENT], runc:[1:CHILD], runc) and not proc.aname[2] startswith /usr",
        "fd.name glob '/home/*/.ssh/*' or fd.name iglob \"*.PEM\" or fd.name regex '[a-z]*/proc/[0-9]+/cmdline'",
        "evt.buffer bcontains CAFEBABE and evt.buffer bstartswith 012AB3CC and proc.cmdline icontains \"-jar\"",
        "(proc.args=\"\" or proc.args intersects (\"-V\", \"-l\", \"-h\"))",
        "fd.name pmatch (/var/run, /var/spool, /etc, /boot) and not fd.directory pmatch (safe_dirs)",
        "tolower(proc.name) = tolower(proc.pname) and basename(proc.exepath) != val(proc.name)",
        "len(proc.args) >= 0x10 and evt.count < -1.5e+3 and evt.rawres <= +7",
        "proc.name = \"\\\\\\\\server\\\\share\" and fd.name endswith \"\\t\\r\\n\\b\\f\"",
        "not not not (a and (b or (c and not d)))",
        "proc.name=and and proc.name in (or, not) and proc.name in and",
        "fd.name contains \"\\x00\\x7f\\xc3\\xa9\\xff\" and fd.name startswith \"\\\"quoted\\\"\"",
        "json.value['/a b'] exists and evt.arg[1] = x and evt.arg.flags contains O_TRUNC",
        "macro_one\n  and (macro_two\n       or macro_three)",
    ] {
        assert_round_trip(src);
    }
}

#[test]
fn a_hand_built_tree_prints_as_expected() {
    let leaf = |name: &str| Expr {
        kind: ExprKind::MacroRef(name.into()),
        pos: Pos::default(),
    };
    let tree = Expr {
        kind: ExprKind::And(vec![
            Expr {
                kind: ExprKind::Or(vec![leaf("a"), leaf("b")]),
                pos: Pos::default(),
            },
            Expr {
                kind: ExprKind::Not(Box::new(leaf("c"))),
                pos: Pos::default(),
            },
        ]),
        pos: Pos::default(),
    };
    assert_eq!(print_condition(&tree), "(a or b) and not c");
}
