//! The source excerpt Falco prints under a message: the line holding the
//! position (at most 80 bytes either side, cut with "..."), and a line
//! with a caret under the position.

/// Falco's default snippet width.
pub const SNIPPET_WIDTH: usize = 160;

/// The snippet of `content` at byte `pos`.
pub fn snippet(content: &str, pos: usize) -> String {
    let bytes = content.as_bytes();
    if bytes.is_empty() {
        return "<No context available>\n".to_owned();
    }
    let half = SNIPPET_WIDTH / 2;
    // A position at (or past) the end, or on a line break, moves back to
    // the last character before it.
    let mut pos = pos;
    while pos > 0 && (pos >= bytes.len() || bytes[pos] == b'\n') {
        pos -= 1;
    }
    let mut from = pos;
    while from > 0 && bytes[from] != b'\n' && pos - from < half {
        from -= 1;
    }
    let mut to = pos;
    while to + 1 < bytes.len() && bytes[to] != b'\n' && to - pos < half {
        to += 1;
    }
    if bytes[from] == b'\n' {
        from += 1;
    }
    if bytes[to] == b'\n' {
        if to == 0 {
            return "<No context available>\n".to_owned();
        }
        to -= 1;
    }
    if from > to {
        return "<No context available>\n".to_owned();
    }
    let mut line = bytes[from..=to].to_vec();
    if pos - from >= half {
        line.splice(0..3.min(line.len()), b"...".iter().copied());
    }
    if to - pos >= half {
        let start = line.len().saturating_sub(3);
        line.splice(start.., b"...".iter().copied());
    }
    let mut out = String::from_utf8_lossy(&line).into_owned();
    out.push('\n');
    if pos - from <= line.len() {
        out.push_str(&" ".repeat(pos - from));
        out.push_str("^\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_line_with_a_caret() {
        let text = "- rule: a\n  priority: BAD\n";
        let at = text.find("BAD").unwrap();
        assert_eq!(snippet(text, at), "  priority: BAD\n            ^\n");
        // Past the end: the last character of the file.
        assert_eq!(snippet(text, 999), "  priority: BAD\n              ^\n");
        assert_eq!(snippet("", 0), "<No context available>\n");
        assert_eq!(snippet("\n", 0), "<No context available>\n");
    }

    #[test]
    fn long_lines_are_cut_around_the_position() {
        let text = format!("{}X{}", "a".repeat(200), "b".repeat(200));
        let shown = snippet(&text, 200);
        let first = shown.lines().next().unwrap();
        assert!(
            first.starts_with("...") && first.ends_with("..."),
            "{first}"
        );
        assert_eq!(first.len(), 161);
        assert_eq!(shown.lines().nth(1).unwrap().len(), 81);
    }
}
