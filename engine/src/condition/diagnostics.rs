//! Turns the grammar's failures into readable [`ParseError`]s:
//! "expected an operator (...), found 'foo'".

use super::error::ParseError;
use super::parser::Rule;
use super::source::LineIndex;
use pest::error::{Error, ErrorVariant, InputLocation};

pub(super) fn syntax_error(
    err: &Error<Rule>,
    src: &str,
    index: &LineIndex<'_>,
    unterminated_quote_at: Option<usize>,
) -> ParseError {
    let offset = match err.location {
        InputLocation::Pos(at) => at,
        InputLocation::Span((start, _)) => start,
    };
    if let Some(quote) = unterminated_quote_at {
        if offset >= quote {
            return ParseError::UnterminatedString {
                pos: index.pos(quote),
            };
        }
    }
    let found = src.get(offset..).unwrap_or("");
    let message = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut message = format!("expected {}, found {}", expected(positives), token(found));
            if positives.contains(&Rule::str_op) && needs_blank_after_word_op(found) {
                message.push_str(" (a word operator needs a blank after it)");
            }
            message
        }
        // pest's own guards ("stack limit reached", "call limit reached").
        ErrorVariant::CustomError { message } => {
            format!("the condition is too complex to parse here ({message})")
        }
    };
    ParseError::Syntax {
        pos: index.pos(offset),
        message,
    }
}

/// "A, B or C" from the rules the grammar tried at the failing spot.
fn expected(rules: &[Rule]) -> String {
    let mut phrases: Vec<&str> = Vec::new();
    // The end of the condition reads best as the last choice.
    let end_last = rules
        .iter()
        .filter(|rule| **rule != Rule::EOI)
        .chain(rules.iter().filter(|rule| **rule == Rule::EOI));
    for rule in end_last {
        let phrase = phrase(*rule);
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    match phrases.split_last() {
        None => "something else".to_owned(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn phrase(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the condition",
        Rule::kw_or => "'or'",
        Rule::kw_and => "'and'",
        Rule::op_exists | Rule::num_op | Rule::str_op | Rule::list_op => {
            "an operator (=, !=, <, <=, >, >=, contains, icontains, bcontains, startswith, \
             bstartswith, endswith, glob, iglob, regex, in, intersects, pmatch, exists)"
        }
        Rule::val_open | Rule::val_call => "val(<field>)",
        Rule::transform_kind | Rule::transform_open | Rule::transform => {
            "a transformer (tolower, toupper, b64, basename, len)"
        }
        Rule::field_name | Rule::field | Rule::field_expr => "a field name such as proc.name",
        Rule::field_arg | Rule::arg_bare => "a field argument",
        Rule::quoted => "a quoted string",
        Rule::bare => "a bare value",
        Rule::hex_number | Rule::number => "a number",
        Rule::list => "a list such as (a, b)",
        Rule::list_ref => "a list name",
        Rule::rparen => "')'",
        Rule::rbracket => "']'",
        Rule::comma => "','",
        _ => "a check (a field comparison, a macro name, 'not' or '(')",
    }
}

/// The token at the failing spot, for "found ...".
fn token(rest: &str) -> String {
    let Some(first) = rest.chars().next() else {
        return "the end of the condition".to_owned();
    };
    if first.is_whitespace() {
        return "a blank".to_owned();
    }
    let text: String = if "()[],\"'=".contains(first) {
        first.to_string()
    } else {
        rest.chars()
            .take_while(|c| !c.is_whitespace() && !"()[],\"'".contains(*c))
            .take(24)
            .collect()
    };
    format!("'{}'", text.escape_debug())
}

/// `proc.name contains"x"`: a word operator written without the blank
/// Falco requires after it.
fn needs_blank_after_word_op(found: &str) -> bool {
    const WORD_OPS: [&str; 9] = [
        "glob",
        "iglob",
        "contains",
        "icontains",
        "bcontains",
        "startswith",
        "bstartswith",
        "endswith",
        "regex",
    ];
    WORD_OPS.iter().any(|op| {
        found
            .strip_prefix(op)
            .and_then(|after| after.chars().next())
            .is_some_and(|next| !next.is_alphanumeric() && next != '_')
    })
}
