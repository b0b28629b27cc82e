//! Text that remembers where each of its bytes came from.
//!
//! A rule's final condition is assembled from pieces: YAML scalars (whose
//! value differs from the file bytes once YAML folds lines and decodes
//! escapes), text appended by `override`/`append`, exception clauses the
//! loader generates, and list items substituted for list names. A
//! [`MappedText`] carries, for every byte, the global offset (see
//! [`super::sources`]) it stands for, so that a parse error or a tree
//! node anywhere in the assembled text points back into the right file.

use super::yaml::Style;
use std::ops::Range;
use std::sync::Arc;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MappedText {
    text: String,
    /// Sorted by `start`; each span runs to the next one's start.
    spans: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq)]
struct Span {
    start: usize,
    origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
enum Origin {
    /// Byte `i` of the span maps to `offsets[first + i]`.
    Offsets(Arc<[usize]>, usize),
    /// Every byte maps to one global offset (generated text).
    Point(usize),
}

impl MappedText {
    /// A scalar's value; `offsets` has one global offset per byte of
    /// `value` plus one for its end.
    pub fn from_offsets(value: &str, offsets: Vec<usize>) -> MappedText {
        MappedText {
            text: value.to_owned(),
            spans: vec![Span {
                start: 0,
                origin: Origin::Offsets(offsets.into(), 0),
            }],
        }
    }

    /// Generated text standing for one place.
    pub fn point(text: &str, global: usize) -> MappedText {
        MappedText {
            text: text.to_owned(),
            spans: vec![Span {
                start: 0,
                origin: Origin::Point(global),
            }],
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn push(&mut self, other: &MappedText) {
        let shift = self.text.len();
        self.text.push_str(&other.text);
        for span in &other.spans {
            self.spans.push(Span {
                start: span.start + shift,
                origin: span.origin.clone(),
            });
        }
    }

    pub fn push_point(&mut self, text: &str, global: usize) {
        self.push(&MappedText::point(text, global));
    }

    /// The global offset that byte `offset` of the text stands for (the end
    /// of the text maps to where the last piece ends).
    pub fn locate(&self, offset: usize) -> usize {
        let index = self.spans.partition_point(|span| span.start <= offset);
        let Some(span) = self.spans.get(index.saturating_sub(1)) else {
            return 0;
        };
        match &span.origin {
            Origin::Point(global) => *global,
            Origin::Offsets(offsets, first) => {
                let at = first + (offset - span.start);
                offsets
                    .get(at)
                    .or(offsets.last())
                    .copied()
                    .unwrap_or_default()
            }
        }
    }

    /// The global offsets the text's bytes stand for, as ranges (one per
    /// piece): where in the files this text was written.
    pub fn global_ranges(&self) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        for (i, span) in self.spans.iter().enumerate() {
            let end = self.spans.get(i + 1).map_or(self.text.len(), |s| s.start);
            match &span.origin {
                Origin::Point(global) => out.push(*global..*global + 1),
                Origin::Offsets(offsets, first) => {
                    let len = end.saturating_sub(span.start);
                    let part = offsets.get(*first..(*first + len).min(offsets.len()));
                    let (Some(lo), Some(hi)) = (
                        part.and_then(|p| p.iter().min()),
                        part.and_then(|p| p.iter().max()),
                    ) else {
                        continue;
                    };
                    out.push(*lo..*hi + 1);
                }
            }
        }
        out
    }

    /// The first byte of the text that stands for global offset `global`.
    pub fn offset_of(&self, global: usize) -> Option<usize> {
        (0..self.text.len()).find(|&at| self.text.is_char_boundary(at) && self.locate(at) == global)
    }

    /// The part of the text in `range` (byte offsets on char boundaries).
    pub fn slice(&self, range: Range<usize>) -> MappedText {
        let mut out = MappedText {
            text: self.text[range.clone()].to_owned(),
            spans: Vec::new(),
        };
        for (i, span) in self.spans.iter().enumerate() {
            let end = self.spans.get(i + 1).map_or(self.text.len(), |s| s.start);
            if span.start >= range.end || end <= range.start {
                continue;
            }
            let skip = range.start.saturating_sub(span.start);
            let origin = match &span.origin {
                Origin::Point(global) => Origin::Point(*global),
                Origin::Offsets(offsets, first) => Origin::Offsets(offsets.clone(), first + skip),
            };
            out.spans.push(Span {
                start: span.start.max(range.start) - range.start,
                origin,
            });
        }
        out
    }

    /// Replaces `range` with `replacement`.
    pub fn splice(&mut self, range: Range<usize>, replacement: &MappedText) {
        let mut out = self.slice(0..range.start);
        out.push(replacement);
        out.push(&self.slice(range.end..self.text.len()));
        *self = out;
    }
}

/// One global offset per byte of a scalar's `value` (plus one for its
/// end), found by walking the value and the scalar's text in the file
/// (`raw`, starting at global offset `base`) side by side. YAML folds
/// lines, strips indentation and decodes escapes, so the walk skips
/// blanks and quotes, lets a blank stand for a line break, and takes a
/// double-quoted escape as one character.
pub(crate) fn align_scalar(value: &str, raw: &str, base: usize, style: Style) -> Vec<usize> {
    let src: Vec<(usize, char)> = raw.char_indices().collect();
    let mut cur = match style {
        // Skip the header line (`>`, `|-`, a comment...).
        Style::Literal | Style::Folded => src
            .iter()
            .position(|&(_, c)| c == '\n')
            .map_or(src.len(), |at| at + 1),
        _ => 0,
    };
    let quote = match style {
        Style::SingleQuoted => Some('\''),
        Style::DoubleQuoted => Some('"'),
        _ => None,
    };
    let mut out = Vec::with_capacity(value.len() + 1);
    for c in value.chars() {
        let at = loop {
            let Some(&(off, s)) = src.get(cur) else {
                break raw.len();
            };
            if style == Style::DoubleQuoted && s == '\\' {
                match src.get(cur + 1).map(|&(_, e)| e) {
                    // A line continuation produces nothing.
                    Some('\n' | '\r') => cur += 2,
                    Some(e) => {
                        cur += 2 + escape_extra(e);
                        break off;
                    }
                    None => {
                        cur += 1;
                        break off;
                    }
                }
                continue;
            }
            if s == c || (c.is_whitespace() && s.is_whitespace()) {
                cur += 1;
                break off;
            }
            if s.is_whitespace() || Some(s) == quote {
                cur += 1;
                continue;
            }
            break off;
        };
        out.extend(std::iter::repeat_n(base + at, c.len_utf8()));
    }
    out.push(base + src.get(cur).map_or(raw.len(), |&(off, _)| off));
    out
}

/// How many characters follow the letter of a double-quoted escape.
fn escape_extra(letter: char) -> usize {
    match letter {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For each byte of `value`, the raw text at the offset it maps to.
    fn mapped(value: &str, raw: &str, style: Style) -> Vec<char> {
        let offsets = align_scalar(value, raw, 100, style);
        assert_eq!(offsets.len(), value.len() + 1);
        value
            .char_indices()
            .map(|(i, _)| raw[offsets[i] - 100..].chars().next().unwrap_or('$'))
            .collect()
    }

    #[test]
    fn plain_and_folded_scalars_map_every_character() {
        let raw = "evt.type = open and\n    proc.name = x";
        let value = "evt.type = open and proc.name = x";
        let offsets = align_scalar(value, raw, 0, Style::Plain);
        let p = value.find("proc").unwrap();
        assert_eq!(&raw[offsets[p]..offsets[p] + 4], "proc");
        assert_eq!(mapped(value, raw, Style::Plain)[19], '\n'); // the folded break
        let raw = ">\n    a and\n\n    b\n";
        let value = "a and\nb\n";
        let offsets = align_scalar(value, raw, 0, Style::Folded);
        assert_eq!(&raw[offsets[0]..offsets[0] + 1], "a");
        assert_eq!(&raw[offsets[6]..offsets[6] + 1], "b");
    }

    #[test]
    fn quoted_scalars_skip_quotes_and_escapes() {
        let raw = r#""a\"b \x41 c""#;
        let value = "a\"b A c";
        let offsets = align_scalar(value, raw, 0, Style::DoubleQuoted);
        assert_eq!(&raw[offsets[0]..offsets[0] + 1], "a");
        assert_eq!(&raw[offsets[1]..offsets[1] + 2], "\\\"");
        assert_eq!(&raw[offsets[4]..offsets[4] + 4], "\\x41");
        assert_eq!(&raw[offsets[6]..offsets[6] + 1], "c");
        let raw = "'it''s x'";
        let offsets = align_scalar("it's x", raw, 0, Style::SingleQuoted);
        assert_eq!(&raw[offsets[5]..offsets[5] + 1], "x");
    }

    #[test]
    fn mapped_text_tracks_pieces_through_splices() {
        let mut text = MappedText::from_offsets("ab cd", vec![10, 11, 12, 13, 14, 15]);
        text.push_point(" and x", 50);
        assert_eq!(text.text(), "ab cd and x");
        assert_eq!(text.locate(3), 13);
        assert_eq!(text.locate(7), 50);
        assert_eq!(text.locate(text.len()), 50);
        text.splice(0..2, &MappedText::point("(l1, l2)", 90));
        assert_eq!(text.text(), "(l1, l2) cd and x");
        assert_eq!(text.locate(1), 90);
        assert_eq!(text.locate(9), 13);
        assert_eq!(text.locate(13), 50);
        let empty = MappedText::from_offsets("", vec![7]);
        assert_eq!(empty.locate(0), 7);
    }
}
