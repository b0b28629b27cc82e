use super::*;

const ALL: Options = Options {
    documents: Documents::All,
    scalar_keys: false,
};

fn parse_with(text: &str, options: Options) -> Result<Vec<Node<Mark>>, Error<Mark>> {
    parse(text, options, |mark| mark)
}

fn parse_all(text: &str) -> Result<Vec<Node<Mark>>, Error<Mark>> {
    parse_with(text, ALL)
}

fn at(mark: Mark) -> (usize, usize) {
    (mark.line, mark.column)
}

#[test]
fn nodes_carry_positions_and_yaml_cpp_kinds() {
    let docs = parse_all("- rule: x\n  tags: [a, ~]\n  desc: \"null\"\n  e:\n").unwrap();
    let item = &docs[0].as_seq().unwrap()[0];
    assert_eq!(at(item.start), (1, 3));
    let rule = item.get("rule").unwrap();
    assert_eq!(rule.as_scalar(), Some("x"));
    assert_eq!(rule.style, Style::Plain);
    assert_eq!(
        (rule.start.line, rule.start.column, rule.start.offset),
        (1, 9, 8)
    );
    assert_eq!(rule.end.offset, 9);
    let tags = item.get("tags").unwrap().as_seq().unwrap();
    assert!(tags[1].is_null());
    let desc = item.get("desc").unwrap();
    assert_eq!(desc.as_scalar(), Some("null"));
    assert_eq!(desc.style, Style::DoubleQuoted);
    assert!(item.get("e").unwrap().is_null());
    assert!(item.get("missing").is_none());
    // A tagged or quoted null word is a scalar.
    let docs = parse_all("[!!str ~, '~', Null, NULL, null]\n").unwrap();
    let items = docs[0].as_seq().unwrap();
    let nulls: Vec<bool> = items.iter().map(Node::is_null).collect();
    assert_eq!(nulls, [false, false, true, true, true]);
}

#[test]
fn several_documents_and_empty_ones() {
    let docs = parse_all("- a: 1\n---\n---\n- b: 2\n").unwrap();
    assert_eq!(docs.len(), 3);
    assert!(docs[1].is_null());
    assert!(docs[2].is_seq());
    let docs = parse_all("- a\n---\n- b\n...\n---\n").unwrap();
    assert_eq!(docs.len(), 3);
    assert_eq!(at(docs[1].start), (3, 1));
    assert!(docs[2].is_null());
    assert!(parse_all("# nothing\n").unwrap().is_empty());
}

#[test]
fn the_first_document_only_ignores_the_rest() {
    let first = Options {
        documents: Documents::First,
        ..ALL
    };
    let docs = parse_with("a: 1\n---\nc: 2\n", first).unwrap();
    assert_eq!(docs.len(), 1);
    assert!(docs[0].get("c").is_none());
    // A syntax error in a later document counts only when reading all.
    assert!(parse_with("- a\n---\n- [b\n", first).is_ok());
    assert!(parse_all("- a\n---\n- [b\n").is_err());
    assert!(parse_with("", first).unwrap().is_empty());
}

#[test]
fn aliases_copy_the_anchored_node() {
    let docs = parse_all("- &x {a: 1}\n- *x\n").unwrap();
    let items = docs[0].as_seq().unwrap();
    assert_eq!(items[0].kind, items[1].kind);
    let err = parse_all("- *nope\n").unwrap_err();
    assert_eq!(err.message, "the anchor 'nope' is not defined");
    assert_eq!((at(err.pos), err.syntax), ((1, 3), None));
    // Anchors do not cross documents.
    assert!(parse_all("- &x a\n---\n- *x\n").is_err());
}

#[test]
fn keys_may_be_required_to_be_scalars() {
    let text = "? [a]\n: 1\n~: 2\n";
    let docs = parse_all(text).unwrap();
    let crate::yaml::NodeKind::Map(entries) = &docs[0].kind else {
        panic!()
    };
    assert!(entries[0].0.is_seq());
    let strict = Options {
        scalar_keys: true,
        ..ALL
    };
    let err = parse_with(text, strict).unwrap_err();
    assert_eq!(err.message, "a mapping key must be a scalar");
    assert_eq!(at(err.pos), (1, 3));
    assert!(parse_with("~: 2\na: 1\n", strict).is_ok());
}

#[test]
fn syntax_errors_point_at_the_problem() {
    let err = parse_all("- a: [b\n- c: d\n").unwrap_err();
    assert_eq!(at(err.pos), (2, 4));
    assert_eq!(err.syntax.map(at), Some((2, 4)));
    assert!(err.message.starts_with("did not find expected"), "{err:?}");
    let err = parse_all("a: 1\n  b: 2\n").unwrap_err();
    assert_eq!(err.pos.line, 2, "{err:?}");
}

#[test]
fn limits_stop_hostile_input() {
    let deep = "[".repeat(MAX_YAML_DEPTH + 1);
    let err = parse_all(&deep).unwrap_err();
    assert_eq!(
        err.message,
        format!("nesting deeper than {MAX_YAML_DEPTH} levels")
    );
    assert!(parse_all(&format!(
        "{}{}",
        "[".repeat(MAX_YAML_DEPTH),
        "]".repeat(MAX_YAML_DEPTH)
    ))
    .is_ok());
    let mut laughs = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..8 {
        let refs = vec![format!("*l{}", level - 1); 10].join(", ");
        laughs.push_str(&format!("l{level}: &l{level} [{refs}]\n"));
    }
    let err = parse_all(&laughs).unwrap_err();
    assert_eq!(
        err.message,
        format!("the document expands to more than {MAX_YAML_NODES} nodes")
    );
}

#[test]
fn a_backslash_at_the_end_is_an_error_not_a_panic() {
    let err = parse_all("a: \"\\").unwrap_err();
    assert!(err.message.contains("end of stream"), "{err:?}");
}

#[test]
fn the_upstream_sandbox_flow_list_parses() {
    // A flow list closed at the parent's indentation, as in
    // falco-sandbox_rules.yaml (yaml-rust2 rejects it; libyaml does not).
    let text = "- list: l\n  items: [\n    a, b\n  ]\n- list: m\n  items: [c,\n  d\n]\n";
    let docs = parse_all(text).unwrap();
    assert_eq!(docs[0].as_seq().unwrap().len(), 2);
}
