//! A YAML tree with a position on every node, built from libyaml's events
//! (through `libyaml-safer`, a safe port of libyaml).
//!
//! The node kinds follow yaml-cpp, which Falco uses: a plain `~`, `null`,
//! `Null`, `NULL` or an empty plain value is a null node, not a scalar.
//! Anchors and aliases work; alias expansion and nesting are bounded so a
//! hostile file cannot exhaust memory or the stack.

use super::sources::{Position, SourceFile};
use libyaml_safer::{EventData, Mark, Parser, ScalarStyle};
use std::collections::HashMap;

/// How deeply sequences and mappings may nest.
pub const MAX_YAML_DEPTH: usize = 256;

/// How many nodes a file may produce, aliases expanded.
pub const MAX_YAML_NODES: usize = 2_000_000;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// How a scalar was written (the loader needs it to map a value's
/// characters back to the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub style: Style,
    pub start: Position,
    pub end: Position,
}

/// A YAML syntax error (or a limit hit) and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub message: String,
    pub pos: Position,
}

impl Node {
    /// The value of `key` in a mapping (the first entry with that key, as
    /// yaml-cpp's `node[key]`).
    pub fn get(&self, key: &str) -> Option<&Node> {
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

    pub fn as_seq(&self) -> Option<&[Node]> {
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

/// Parses every document of `file`. A document with no content is a null
/// node.
///
/// libyaml-safer 0.3 can panic on some malformed input (a backslash at
/// the very end of a double-quoted scalar at the end of the input): the
/// text gets a final line break, which YAML ignores and which avoids that
/// case, and any other panic of the parser becomes an error.
pub(crate) fn parse_documents(file: &SourceFile) -> Result<Vec<Node>, YamlError> {
    std::panic::catch_unwind(|| parse_events(file)).unwrap_or_else(|_| {
        Err(YamlError {
            message: "the YAML parser failed on this input".to_owned(),
            pos: file.position(0),
        })
    })
}

fn parse_events(file: &SourceFile) -> Result<Vec<Node>, YamlError> {
    let padded;
    let mut input = if file.text.ends_with('\n') {
        file.text.as_bytes()
    } else {
        padded = format!("{}\n", file.text);
        padded.as_bytes()
    };
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    let mut builder = Builder::new(file);
    loop {
        let event = parser.parse().map_err(|err| {
            let mark = err.problem_mark().unwrap_or_default();
            let problem = err.problem();
            let message = match err.context() {
                Some(context) => format!("{problem} {context}"),
                None => problem.to_owned(),
            };
            YamlError {
                message: format!(
                    "error at line {}, column {}: {message}",
                    mark.line + 1,
                    mark.column + 1
                ),
                pos: builder.pos(mark),
            }
        })?;
        let pos = builder.pos(event.start_mark);
        let end = builder.pos(event.end_mark);
        match event.data {
            EventData::StreamEnd => break,
            EventData::StreamStart { .. } | EventData::DocumentStart { .. } => {}
            EventData::DocumentEnd { .. } => builder.end_document(pos),
            EventData::Alias { anchor } => builder.alias(&anchor, pos)?,
            EventData::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => {
                let node = scalar_node(value, style, tag.is_some(), pos, end);
                builder.add(node, anchor)?;
            }
            EventData::SequenceStart { anchor, .. } => {
                builder.open(Frame::Seq(Vec::new()), anchor, pos)?
            }
            EventData::MappingStart { anchor, .. } => {
                builder.open(Frame::Map(Vec::new(), None), anchor, pos)?
            }
            EventData::SequenceEnd | EventData::MappingEnd => builder.close(end)?,
        }
    }
    Ok(builder.documents)
}

fn scalar_node(
    value: String,
    style: ScalarStyle,
    tagged: bool,
    start: Position,
    end: Position,
) -> Node {
    let style = match style {
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
        _ => Style::Plain,
    };
    let null = style == Style::Plain
        && !tagged
        && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL");
    Node {
        kind: if null {
            NodeKind::Null
        } else {
            NodeKind::Scalar(value)
        },
        style,
        start,
        end,
    }
}

enum Frame {
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>, Option<Node>),
}

struct Open {
    frame: Frame,
    anchor: Option<String>,
    start: Position,
}

struct Builder<'f> {
    file: &'f SourceFile,
    stack: Vec<Open>,
    root: Option<Node>,
    documents: Vec<Node>,
    anchors: HashMap<String, (Node, usize)>,
    nodes: usize,
}

impl<'f> Builder<'f> {
    fn new(file: &'f SourceFile) -> Self {
        Builder {
            file,
            stack: Vec::new(),
            root: None,
            documents: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
        }
    }

    fn pos(&self, mark: Mark) -> Position {
        let offset = usize::try_from(mark.index).unwrap_or(usize::MAX);
        self.file.position(offset)
    }

    fn error(&self, message: &str, pos: Position) -> YamlError {
        YamlError {
            message: message.to_owned(),
            pos,
        }
    }

    fn count(&mut self, nodes: usize, pos: Position) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_YAML_NODES {
            return Err(self.error(
                &format!("the document expands to more than {MAX_YAML_NODES} nodes"),
                pos,
            ));
        }
        Ok(())
    }

    fn open(
        &mut self,
        frame: Frame,
        anchor: Option<String>,
        start: Position,
    ) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_YAML_DEPTH {
            return Err(self.error(
                &format!("nesting deeper than {MAX_YAML_DEPTH} levels"),
                start,
            ));
        }
        self.stack.push(Open {
            frame,
            anchor,
            start,
        });
        Ok(())
    }

    fn close(&mut self, end: Position) -> Result<(), YamlError> {
        let Some(open) = self.stack.pop() else {
            return Err(self.error("unbalanced end of a collection", end));
        };
        let kind = match open.frame {
            Frame::Seq(items) => NodeKind::Seq(items),
            Frame::Map(entries, _) => NodeKind::Map(entries),
        };
        let node = Node {
            kind,
            style: Style::Plain,
            start: open.start,
            end,
        };
        self.add(node, open.anchor)
    }

    fn alias(&mut self, anchor: &str, pos: Position) -> Result<(), YamlError> {
        let Some(&(_, size)) = self.anchors.get(anchor) else {
            return Err(self.error(&format!("the anchor '{anchor}' is not defined"), pos));
        };
        // Count before copying: the copy is what the bound protects.
        self.count(size, pos)?;
        if let Some((node, _)) = self.anchors.get(anchor) {
            let node = node.clone();
            self.add_node(node);
        }
        Ok(())
    }

    fn add(&mut self, node: Node, anchor: Option<String>) -> Result<(), YamlError> {
        self.count(1, node.start)?;
        if let Some(anchor) = anchor {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        self.add_node(node);
        Ok(())
    }

    fn add_node(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open {
                frame: Frame::Seq(items),
                ..
            }) => items.push(node),
            Some(Open {
                frame: Frame::Map(entries, pending),
                ..
            }) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
    }

    fn end_document(&mut self, pos: Position) {
        let root = self.root.take().unwrap_or(Node {
            kind: NodeKind::Null,
            style: Style::Plain,
            start: pos,
            end: pos,
        });
        self.documents.push(root);
        self.anchors.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::sources::Sources;

    fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
        let mut sources = Sources::default();
        let index = sources.add("t.yaml", text);
        parse_documents(sources.file(index))
    }

    #[test]
    fn nodes_carry_positions_and_yaml_cpp_kinds() {
        let docs = parse("- rule: x\n  tags: [a, ~]\n  desc: \"null\"\n  e:\n").unwrap();
        let item = &docs[0].as_seq().unwrap()[0];
        assert_eq!((item.start.line, item.start.column), (1, 3));
        let rule = item.get("rule").unwrap();
        assert_eq!(rule.as_scalar(), Some("x"));
        assert_eq!(
            (rule.start.line, rule.start.column, rule.start.offset),
            (1, 9, 8)
        );
        let tags = item.get("tags").unwrap().as_seq().unwrap();
        assert!(tags[1].is_null());
        assert_eq!(item.get("desc").unwrap().as_scalar(), Some("null"));
        assert!(item.get("e").unwrap().is_null());
        assert!(item.get("missing").is_none());
    }

    #[test]
    fn several_documents_and_empty_ones() {
        let docs = parse("- a: 1\n---\n---\n- b: 2\n").unwrap();
        assert_eq!(docs.len(), 3);
        assert!(docs[1].is_null());
        assert!(docs[2].is_seq());
    }

    #[test]
    fn aliases_copy_the_anchored_node() {
        let docs = parse("- &x {a: 1}\n- *x\n").unwrap();
        let items = docs[0].as_seq().unwrap();
        assert_eq!(items[0].kind, items[1].kind);
        let err = parse("- *nope\n").unwrap_err();
        assert!(err.message.contains("not defined"), "{err:?}");
    }

    #[test]
    fn syntax_errors_point_at_the_problem() {
        let err = parse("- a: [b\n- c: d\n").unwrap_err();
        assert!(
            err.message.starts_with("error at line 2, column 4"),
            "{err:?}"
        );
        assert_eq!((err.pos.line, err.pos.column), (2, 4));
    }

    #[test]
    fn limits_stop_hostile_input() {
        let deep = "[".repeat(MAX_YAML_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().message.contains("nesting"));
        let mut laughs = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..8 {
            let refs = vec![format!("*l{}", level - 1); 10].join(", ");
            laughs.push_str(&format!("l{level}: &l{level} [{refs}]\n"));
        }
        let err = parse(&laughs).unwrap_err();
        assert!(err.message.contains("more than"), "{err:?}");
    }

    #[test]
    fn a_backslash_at_the_end_is_an_error_not_a_panic() {
        let err = parse("a: \"\\").unwrap_err();
        assert!(err.message.contains("end of stream"), "{err:?}");
    }

    #[test]
    fn the_upstream_sandbox_flow_list_parses() {
        // A flow list closed at the parent's indentation, as in
        // falco-sandbox_rules.yaml (yaml-rust2 rejects it; libyaml does not).
        let text = "- list: l\n  items: [\n    a, b\n  ]\n- list: m\n  items: [c,\n  d\n]\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs[0].as_seq().unwrap().len(), 2);
    }
}
