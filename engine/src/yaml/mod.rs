//! The one YAML reader of falco-rs: a tree with a position on every node,
//! built from libyaml's events (through `libyaml-safer`, a safe port of
//! libyaml), for rules files (the [`crate::loader`]) and for falco.yaml
//! (the cli). Both are read with libyaml's leniency, which is what Falco's
//! yaml-cpp accepts.
//!
//! The node kinds follow yaml-cpp: a plain `~`, `null`, `Null`, `NULL` or
//! an empty plain value is a null node, not a scalar. Anchors and aliases
//! work; alias expansion and nesting are bounded ([`MAX_YAML_DEPTH`],
//! [`MAX_YAML_NODES`]) so a hostile file cannot exhaust memory or the
//! stack.
//!
//! A position is whatever the reader makes of libyaml's [`Mark`]: the
//! rules loader maps the byte offset into its own files, the cli keeps
//! the file, line and column. [`parse`] takes that mapping.

mod builder;
#[cfg(test)]
mod tests;

pub use builder::parse;

/// How deeply sequences and mappings may nest, in any YAML file. The
/// larger of the two limits the readers had (the cli had 128, the rules
/// loader 256): the trees are walked recursively, and 256 frames are far
/// from any stack limit, while real files nest less than 10 deep.
pub const MAX_YAML_DEPTH: usize = 256;

/// How many nodes a file may produce, aliases expanded (the cli had one
/// million, the rules loader two). Bounds the memory an alias bomb can
/// take (a few hundred megabytes at most) while leaving room for the
/// largest real rules files, which have tens of thousands of nodes.
pub const MAX_YAML_NODES: usize = 2_000_000;

/// A place as libyaml reports it: byte offset, 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl From<libyaml_safer::Mark> for Mark {
    fn from(mark: libyaml_safer::Mark) -> Mark {
        let number = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Mark {
            offset: number(mark.index),
            line: number(mark.line).saturating_add(1),
            column: number(mark.column).saturating_add(1),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind<P> {
    Null,
    /// A scalar (quoted or not: a quoted `"5"` is still the number 5 to
    /// yaml-cpp).
    Scalar(String),
    Seq(Vec<Node<P>>),
    /// Keys and values in file order.
    Map(Vec<(Node<P>, Node<P>)>),
}

/// How a scalar was written (the rules loader needs it to map a value's
/// characters back to the file). Collections are `Plain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A node, from `start` to `end` (both as the reader's positions).
#[derive(Debug, Clone, PartialEq)]
pub struct Node<P> {
    pub kind: NodeKind<P>,
    pub style: Style,
    pub start: P,
    pub end: P,
}

/// A YAML syntax error (or a limit hit) and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error<P> {
    pub message: String,
    pub pos: P,
    /// Where libyaml found the error, when it is a syntax error (and not
    /// a limit, an undefined anchor or a key that is not a scalar).
    pub syntax: Option<Mark>,
}

/// Which documents of a stream to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Documents {
    /// Only the first, ignoring the rest of the stream, syntax errors
    /// included (yaml-cpp's `LoadFile`, which Falco uses for falco.yaml).
    First,
    /// Every document (yaml-cpp's `LoadAll`, used for rules files).
    All,
}

/// How to read a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub documents: Documents,
    /// Whether a mapping key must be a scalar (or null): a sequence or a
    /// mapping as a key is then an error, at the key.
    pub scalar_keys: bool,
}

impl<P> Node<P> {
    /// The value of `key` in a mapping (the first entry with that key, as
    /// yaml-cpp's `node[key]`).
    pub fn get(&self, key: &str) -> Option<&Node<P>> {
        match &self.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_scalar() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(value) => Some(value),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node<P>]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, NodeKind::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.kind, NodeKind::Seq(_))
    }

    /// How many nodes this one is, itself included (what an alias of it
    /// adds to a document).
    fn size(&self) -> usize {
        match &self.kind {
            NodeKind::Null | NodeKind::Scalar(_) => 1,
            NodeKind::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            NodeKind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }
}
