//! Quoted strings: decoding Falco's escapes, and writing values back as
//! bare words or quoted strings.
//!
//! Escapes (Falco's set): `\\` `\/` `\b` `\f` `\n` `\r` `\t`, the quote that
//! opened the string (`\"` inside "...", `\'` inside '...'), and `\xHH`
//! (exactly two hex digits, any byte). Falco also reads `\ ` (backslash,
//! space) as a lone backslash — a leniency it keeps for old rules.

/// Why an escape could not be decoded; `offset` is the backslash's byte
/// offset inside the text given to [`unescape`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EscapeError {
    pub offset: usize,
    pub sequence: String,
    pub reason: &'static str,
}

/// Decodes the body of a string quoted with `quote` (`"` or `'`).
pub(super) fn unescape(body: &str, quote: char) -> Result<Vec<u8>, EscapeError> {
    let mut out = Vec::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((offset, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let error = |sequence: String, reason| EscapeError {
            offset,
            sequence,
            reason,
        };
        let Some((_, escaped)) = chars.next() else {
            return Err(error("\\".into(), "a backslash ends the string"));
        };
        match escaped {
            'b' => out.push(0x08),
            'f' => out.push(0x0c),
            'n' => out.push(b'\n'),
            'r' => out.push(b'\r'),
            't' => out.push(b'\t'),
            '\\' | ' ' => out.push(b'\\'),
            '/' => out.push(b'/'),
            '"' | '\'' if escaped == quote => out.push(escaped as u8),
            '"' | '\'' => {
                return Err(error(
                    format!("\\{escaped}"),
                    "this quote needs no escape inside the other kind of quotes",
                ))
            }
            'x' => {
                let hex: String = chars.clone().take(2).map(|(_, h)| h).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(byte) if hex.len() == 2 && hex.chars().all(|h| h.is_ascii_hexdigit()) => {
                        out.push(byte);
                        chars.nth(1);
                    }
                    _ => {
                        return Err(error(
                            format!("\\x{hex}"),
                            "\\x takes exactly two hexadecimal digits",
                        ))
                    }
                }
            }
            other => return Err(error(format!("\\{other}"), "not a supported escape")),
        }
    }
    Ok(out)
}

/// True when `c` may appear in a bare (unquoted) value: anything but
/// blanks, quotes, parentheses, `=` and `,`.
pub(super) fn is_bare_char(c: char) -> bool {
    !matches!(
        c,
        ' ' | '\t'
            | '\r'
            | '\n'
            | '\u{08}'
            | '\u{0B}'
            | '\u{0C}'
            | '('
            | ')'
            | '"'
            | '\''
            | '='
            | ','
    )
}

/// True when `c` may appear in a bare field argument (`proc.aname[2]`).
pub(super) fn is_bare_arg_char(c: char) -> bool {
    !matches!(
        c,
        ' ' | '\t' | '\r' | '\n' | '\u{08}' | '\u{0B}' | '\u{0C}' | '[' | ']' | '"' | '\''
    )
}

/// Writes `bytes` bare when `bare_char` accepts all of it (and it is
/// non-empty UTF-8), otherwise as a double-quoted string.
pub(super) fn write_value(out: &mut String, bytes: &[u8], bare_char: fn(char) -> bool) {
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.is_empty() && text.chars().all(bare_char) => out.push_str(text),
        _ => write_quoted(out, bytes),
    }
}

/// Writes `bytes` as a double-quoted string that [`unescape`] reads back
/// to the same bytes.
pub(super) fn write_quoted(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{08}' => out.push_str("\\b"),
                '\u{0C}' => out.push_str("\\f"),
                c if c.is_ascii_control() => push_hex(out, c as u8),
                c => out.push(c),
            }
        }
        chunk.invalid().iter().for_each(|&byte| push_hex(out, byte));
    }
    out.push('"');
}

fn push_hex(out: &mut String, byte: u8) {
    out.push_str(&format!("\\x{byte:02X}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &str, quote: char) -> Vec<u8> {
        unescape(body, quote).unwrap()
    }

    #[test]
    fn decodes_every_escape() {
        assert_eq!(decode(r#"a\"b"#, '"'), b"a\"b");
        assert_eq!(decode(r"a\'b", '\''), b"a'b");
        assert_eq!(decode(r"\b\f\n\r\t\\\/", '"'), b"\x08\x0c\n\r\t\\/");
        assert_eq!(decode(r"\x41\xff\x00", '"'), b"A\xff\x00");
        assert_eq!(decode(r"a\ b", '"'), b"a\\b");
        assert_eq!(decode("é'", '"'), "é'".as_bytes());
    }

    #[test]
    fn rejects_unknown_and_wrong_quote_escapes() {
        let err = unescape(r"ab\q", '"').unwrap_err();
        assert_eq!((err.offset, err.sequence.as_str()), (2, r"\q"));
        assert_eq!(unescape(r"\'", '"').unwrap_err().sequence, r"\'");
        assert_eq!(unescape(r#"\""#, '\'').unwrap_err().sequence, r#"\""#);
        assert_eq!(unescape(r"\x4", '"').unwrap_err().sequence, r"\x4");
        assert_eq!(unescape(r"\x4g", '"').unwrap_err().sequence, r"\x4g");
        assert_eq!(unescape(r"\x+1", '"').unwrap_err().sequence, r"\x+1");
        assert_eq!(unescape("\\", '"').unwrap_err().offset, 0);
    }

    #[test]
    fn quoting_round_trips_any_bytes() {
        let samples: [&[u8]; 6] = [
            b"",
            b"plain",
            b"a \"quoted\" \\ 'word'",
            b"\x00\x01\x08\x0b\x0c\x7f\n\r\t",
            b"\xff\xfe invalid \xc3",
            "ünïcödé ✓".as_bytes(),
        ];
        for bytes in samples {
            let mut out = String::new();
            write_quoted(&mut out, bytes);
            let body = &out[1..out.len() - 1];
            assert_eq!(unescape(body, '"').unwrap(), bytes, "via {out}");
        }
    }

    #[test]
    fn values_go_bare_only_when_they_can() {
        let written = |bytes: &[u8]| {
            let mut out = String::new();
            write_value(&mut out, bytes, is_bare_char);
            out
        };
        assert_eq!(written(b"/etc/shadow"), "/etc/shadow");
        assert_eq!(written(b"runc:[1:CHILD]"), "runc:[1:CHILD]");
        assert_eq!(written(b""), "\"\"");
        assert_eq!(written(b"a b"), "\"a b\"");
        assert_eq!(written(b"a=b"), "\"a=b\"");
        assert_eq!(written(b"a,b"), "\"a,b\"");
        assert_eq!(written(b"f(x)"), "\"f(x)\"");
        assert_eq!(written(b"\xff"), "\"\\xFF\"");
    }
}
