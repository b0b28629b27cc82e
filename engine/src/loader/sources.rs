//! The rules files as loaded: their text, where each starts in one global
//! offset space, and offset -> line/column lookups.
//!
//! Every position in a loaded ruleset (the condition trees included) is a
//! *global* offset: the file's base plus the byte offset inside it. That
//! lets a tree built from several files (a rule in one file using a macro
//! from another) keep a plain [`crate::condition::ast::Pos`] on each node
//! while [`Sources::locate`] still tells which file a node came from.

use std::fmt;

/// A place in one file: byte offset, 1-based line, 1-based column
/// (counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Position {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// One rules file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    /// Global offset of the file's first byte.
    pub base: usize,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(name: &str, text: &str, base: usize) -> SourceFile {
        let breaks = text.match_indices('\n').map(|(at, _)| at + 1);
        SourceFile {
            name: name.to_owned(),
            text: text.to_owned(),
            base,
            line_starts: std::iter::once(0).chain(breaks).collect(),
        }
    }

    /// The position of byte `offset` of this file (clamped to the text and
    /// moved back to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line.saturating_sub(1)];
        Position {
            offset,
            line,
            column: self.text[line_start..offset].chars().count() + 1,
        }
    }

    /// The global offset of byte `offset` of this file.
    pub fn global(&self, offset: usize) -> usize {
        self.base + offset.min(self.text.len())
    }
}

/// All files loaded so far, in load order.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Adds a file and returns its index.
    pub(crate) fn add(&mut self, name: &str, text: &str) -> usize {
        // One spare offset per file so that "end of file" positions of
        // neighbouring files never coincide.
        let base = self
            .files
            .last()
            .map_or(0, |last| last.base + last.text.len() + 1);
        self.files.push(SourceFile::new(name, text, base));
        self.files.len() - 1
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    pub(crate) fn file(&self, index: usize) -> &SourceFile {
        &self.files[index]
    }

    /// The text of the file named `name` (the last one of that name).
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .rev()
            .find(|file| file.name == name)
            .map(|file| file.text.as_str())
    }

    /// The file and in-file position of a global offset.
    pub fn locate(&self, global: usize) -> Option<(&SourceFile, Position)> {
        let index = self.files.partition_point(|file| file.base <= global);
        let file = self.files.get(index.checked_sub(1)?)?;
        Some((file, file.position(global - file.base)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_offsets_find_their_file_and_line() {
        let mut sources = Sources::default();
        sources.add("a.yaml", "ab\ncd\n");
        sources.add("b.yaml", "é\nx");
        let (file, pos) = sources.locate(4).unwrap();
        assert_eq!((file.name.as_str(), pos.line, pos.column), ("a.yaml", 2, 2));
        let b = sources.file(1);
        assert_eq!(b.base, 7);
        let (file, pos) = sources.locate(b.global(3)).unwrap();
        assert_eq!((file.name.as_str(), pos.line, pos.column), ("b.yaml", 2, 1));
        let (_, pos) = sources.locate(b.global(2)).unwrap();
        assert_eq!((pos.line, pos.column), (1, 2)); // after the two-byte 'é'
        assert_eq!(sources.text_of("b.yaml"), Some("é\nx"));
        assert!(Sources::default().locate(0).is_none());
    }
}
