//! The condition text as the parser sees it: byte offsets to line/column,
//! and a quick pre-scan that runs before the grammar.
//!
//! The pre-scan bounds parenthesis nesting so that the recursive grammar
//! cannot exhaust the stack on hostile input, and finds a quote that is
//! never closed so that error can be reported where the string starts.

use super::ast::Pos;

/// Maps byte offsets of one text to [`Pos`] (lines end at `\n`).
#[derive(Debug)]
pub(super) struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let breaks = text.match_indices('\n').map(|(at, _)| at + 1);
        LineIndex {
            text,
            line_starts: std::iter::once(0).chain(breaks).collect(),
        }
    }

    /// The position of byte `offset`, clamped to the text and moved back
    /// to a character boundary.
    pub fn pos(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line - 1];
        let column = self.text[line_start..offset].chars().count() + 1;
        Pos {
            offset,
            line,
            column,
        }
    }
}

/// What the pre-scan found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Scan {
    /// Offset of the first `(` that goes deeper than the limit.
    pub too_deep_at: Option<usize>,
    /// Offset of a quote whose string never ends.
    pub unterminated_quote_at: Option<usize>,
}

/// Walks the text once, skipping quoted strings (with their escapes) the
/// way the grammar reads them. Outside strings a quote always opens one
/// (bare words cannot contain quotes), so an open string at the end means
/// the text cannot parse.
pub(super) fn scan(text: &str, depth_limit: usize) -> Scan {
    let mut result = Scan::default();
    let mut depth = 0usize;
    let mut open_quote: Option<(u8, usize)> = None;
    let mut bytes = text.bytes().enumerate();
    while let Some((at, byte)) = bytes.next() {
        match (open_quote, byte) {
            (Some(_), b'\\') => {
                bytes.next();
            }
            (Some((quote, _)), b) if b == quote => open_quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => open_quote = Some((byte, at)),
            (None, b'(') => {
                depth += 1;
                if depth > depth_limit && result.too_deep_at.is_none() {
                    result.too_deep_at = Some(at);
                }
            }
            (None, b')') => depth = depth.saturating_sub(1),
            (None, _) => {}
        }
    }
    result.unterminated_quote_at = open_quote.map(|(_, at)| at);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let index = LineIndex::new("ab\nçd\n\nx");
        let at = |offset| {
            let p = index.pos(offset);
            (p.line, p.column)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(2), (1, 3));
        assert_eq!(at(3), (2, 1));
        assert_eq!(at(5), (2, 2)); // after the two-byte 'ç'
        assert_eq!(at(4), (2, 1)); // inside 'ç': moved back to its start
        assert_eq!(at(7), (3, 1));
        assert_eq!(at(8), (4, 1));
        assert_eq!(at(99), (4, 2)); // clamped to the end
    }

    #[test]
    fn scan_finds_deep_nesting_outside_strings() {
        assert_eq!(scan("((a))", 2), Scan::default());
        assert_eq!(scan("(((a)))", 2).too_deep_at, Some(2));
        assert_eq!(scan("a = \"(((((\" and (b)", 2), Scan::default());
        assert_eq!(scan("(a) (b) (c)", 1), Scan::default());
    }

    #[test]
    fn scan_finds_unterminated_strings() {
        assert_eq!(scan("a = \"x", 9).unterminated_quote_at, Some(4));
        assert_eq!(scan("a = 'x\\'", 9).unterminated_quote_at, Some(4));
        assert_eq!(scan("a = \"it's\"", 9), Scan::default());
        assert_eq!(
            scan("a = 'say \"hi\"' and b = \"\\\"\"", 9),
            Scan::default()
        );
    }
}
