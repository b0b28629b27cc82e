//! Malformed conditions: each error names the right line and column and
//! says what went wrong.

use super::ast::Pos;
use super::{parse_condition, ParseError, MAX_PAREN_DEPTH, MAX_TREE_DEPTH};

/// The error for `src`, as (line, column, message).
fn error(src: &str) -> (usize, usize, String) {
    match parse_condition(src) {
        Ok(tree) => panic!("{src:?} should not parse, got {tree:?}"),
        Err(err) => (err.line(), err.column(), err.to_string()),
    }
}

fn assert_error(src: &str, line: usize, column: usize, needle: &str) {
    let (got_line, got_column, message) = error(src);
    assert_eq!((got_line, got_column), (line, column), "{src:?}: {message}");
    assert!(
        message.contains(needle),
        "{src:?}: {message:?} lacks {needle:?}"
    );
    let place = format!("line {line}, column {column}: ");
    assert!(message.starts_with(&place), "{message:?}");
}

#[test]
fn unbalanced_parentheses() {
    assert_error(
        "(proc.name = a",
        1,
        15,
        "expected 'or', 'and' or ')', found the end",
    );
    assert_error("proc.name = a)", 1, 14, "found ')'");
    assert_error("((a) and b", 1, 11, "')'");
    assert_error("a and\n  (b or\n   c", 3, 5, "')'");
    assert_error("proc.name in (a, b", 1, 19, "expected ')' or ','");
    assert_error("tolower(fd.name = x", 1, 17, "expected ')', found '='");
    assert_error("proc.name = val(proc.pname", 1, 27, "')'");
}

#[test]
fn missing_operands() {
    assert_error("proc.name =", 1, 12, "expected val(<field>), a transformer");
    assert_error(
        "proc.name = ",
        1,
        13,
        "a quoted string or a bare value, found the end",
    );
    assert_error("a and", 1, 6, "expected a check");
    assert_error("a or\n", 2, 1, "expected a check");
    assert_error("not", 1, 4, "expected a check");
    assert_error("a and not", 1, 10, "expected a check");
    assert_error("proc.name in", 1, 13, "a list such as (a, b), a list name");
    assert_error("evt.count >", 1, 12, "a number");
    assert_error("and b", 1, 1, "found 'and'");
}

#[test]
fn bad_operators() {
    let ops = "an operator (=, !=, <, <=, >, >=, contains";
    assert_error("proc.name", 1, 10, ops);
    assert_error("proc.name ~= bash", 1, 11, "found '~='");
    assert_error("proc.name like bash", 1, 11, "found 'like'");
    assert_error("proc.name\n  startwith x", 2, 3, "found 'startwith'");
    assert_error("proc.name contains\"x\"", 1, 11, "needs a blank after it");
    assert_error("proc.name = bash\nand fd.name <> x", 2, 14, "a number");
}

#[test]
fn bad_values() {
    assert_error("evt.count > abc", 1, 13, "expected val(<field>), a number");
    assert_error("proc.name in (a,)", 1, 17, "found ')'");
    assert_error("proc.name = a b", 1, 15, "found 'b'");
    assert_error("proc.aname[2 = a", 1, 13, "expected ']', found a blank");
    assert_error("proc.name = val(tolower(x.y))", 1, 17, "a field name");
    assert_error("1 = 2", 1, 1, "expected a check");
}

#[test]
fn unterminated_strings_point_at_the_opening_quote() {
    assert_error("proc.name = \"abc", 1, 13, "unterminated string");
    assert_error("proc.name = 'abc\\'", 1, 13, "unterminated string");
    assert_error(
        "a and\n  proc.name in (\"x\", \"y)",
        2,
        22,
        "unterminated string",
    );
    assert_error("json.value[\"a] = b", 1, 12, "unterminated string");
    // An earlier error wins over a later open quote.
    assert_error("proc.name foo \"abc", 1, 11, "found 'foo'");
}

#[test]
fn invalid_escapes_point_at_the_backslash() {
    assert_error(
        r#"proc.name = "ab\qc""#,
        1,
        16,
        r#"invalid escape sequence "\\q""#,
    );
    assert_error("a and\nproc.name = 'x\\\"'", 2, 15, "needs no escape");
    assert_error(r#"fd.name contains "\x4""#, 1, 19, "two hexadecimal digits");
}

#[test]
fn empty_conditions() {
    for src in ["", "   ", "\n\t\r\n"] {
        let start = Pos {
            offset: 0,
            line: 1,
            column: 1,
        };
        assert_eq!(
            parse_condition(src).unwrap_err(),
            ParseError::Empty { pos: start }
        );
    }
    assert!(error("").2.contains("empty"));
}

#[test]
fn nesting_limits() {
    let nested = |depth: usize| format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
    assert!(parse_condition(&nested(MAX_PAREN_DEPTH)).is_ok());
    let too_deep = nested(MAX_PAREN_DEPTH + 1);
    assert_error(&too_deep, 1, MAX_PAREN_DEPTH + 1, "nesting deeper than");

    let nots = |count: usize| format!("{}a", "not ".repeat(count));
    assert!(parse_condition(&nots(MAX_TREE_DEPTH)).is_ok());
    assert!(matches!(
        parse_condition(&nots(MAX_TREE_DEPTH + 1)),
        Err(ParseError::TooDeep { .. })
    ));
    // Far past the limits: an error, not a stack overflow.
    assert!(parse_condition(&nested(100_000)).is_err());
    assert!(parse_condition(&nots(100_000)).is_err());
    let transformers = format!(
        "{}fd.name{} = x",
        "tolower(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert!(parse_condition(&transformers).is_err());
}

#[test]
fn the_deepest_accepted_condition_fits_a_small_stack() {
    // Nested groups, each `b or not (a and ...)`, with transformers at the
    // bottom: the worst the limits allow, on a 512 KiB thread stack (enough
    // unoptimized too; Rust gives spawned threads 2 MiB by default).
    let mut src = format!(
        "{}fd.name{} = x",
        "tolower(".repeat(MAX_PAREN_DEPTH / 2),
        ")".repeat(MAX_PAREN_DEPTH / 2)
    );
    for _ in 0..MAX_PAREN_DEPTH / 2 {
        src = format!("b or not (a and {src})");
    }
    let worker = std::thread::Builder::new().stack_size(512 * 1024);
    let handle = worker
        .spawn(move || parse_condition(&src).map(|_| ()))
        .unwrap();
    assert_eq!(handle.join().unwrap(), Ok(()));
}
