//! libyaml's events to a tree of [`Node`]s, within the limits.

use super::{Documents, Error, Mark, Node, NodeKind, Options, Style};
use super::{MAX_YAML_DEPTH, MAX_YAML_NODES};
use libyaml_safer::{EventData, Parser, ScalarStyle};
use std::collections::HashMap;
use std::panic::RefUnwindSafe;

/// Parses the documents of `text` (every one, or only the first), each
/// position being `locate` of libyaml's mark. A document with no content
/// is a null node; a stream without documents gives none.
///
/// libyaml-safer 0.3 can panic on some malformed input (a backslash at
/// the very end of a double-quoted scalar at the end of the input): the
/// text gets a final line break, which YAML ignores and which avoids that
/// case, and any other panic of the parser becomes an error.
pub fn parse<P, F>(text: &str, options: Options, locate: F) -> Result<Vec<Node<P>>, Error<P>>
where
    P: Clone,
    F: Fn(Mark) -> P + RefUnwindSafe,
{
    std::panic::catch_unwind(|| parse_events(text, options, &locate)).unwrap_or_else(|_| {
        Err(Error {
            message: "the YAML parser failed on this input".to_owned(),
            pos: locate(Mark {
                offset: 0,
                line: 1,
                column: 1,
            }),
            syntax: None,
        })
    })
}

fn parse_events<P: Clone>(
    text: &str,
    options: Options,
    locate: &dyn Fn(Mark) -> P,
) -> Result<Vec<Node<P>>, Error<P>> {
    let padded;
    let mut input = if text.ends_with('\n') {
        text.as_bytes()
    } else {
        padded = format!("{text}\n");
        padded.as_bytes()
    };
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    let mut builder = Builder::new(options.scalar_keys);
    loop {
        let event = parser.parse().map_err(|err| {
            let mark = Mark::from(err.problem_mark().unwrap_or_default());
            let problem = err.problem();
            Error {
                message: match err.context() {
                    Some(context) => format!("{problem} {context}"),
                    None => problem.to_owned(),
                },
                pos: locate(mark),
                syntax: Some(mark),
            }
        })?;
        let pos = locate(event.start_mark.into());
        let end = locate(event.end_mark.into());
        match event.data {
            EventData::StreamEnd => break,
            EventData::StreamStart { .. } | EventData::DocumentStart { .. } => {}
            EventData::DocumentEnd { .. } => {
                builder.end_document(pos);
                if options.documents == Documents::First {
                    break;
                }
            }
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

fn scalar_node<P>(value: String, style: ScalarStyle, tagged: bool, start: P, end: P) -> Node<P> {
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

enum Frame<P> {
    Seq(Vec<Node<P>>),
    Map(Vec<(Node<P>, Node<P>)>, Option<Node<P>>),
}

struct Open<P> {
    frame: Frame<P>,
    anchor: Option<String>,
    start: P,
}

struct Builder<P> {
    scalar_keys: bool,
    stack: Vec<Open<P>>,
    root: Option<Node<P>>,
    documents: Vec<Node<P>>,
    anchors: HashMap<String, (Node<P>, usize)>,
    nodes: usize,
}

fn error<P>(message: String, pos: P) -> Error<P> {
    Error {
        message,
        pos,
        syntax: None,
    }
}

impl<P: Clone> Builder<P> {
    fn new(scalar_keys: bool) -> Self {
        Builder {
            scalar_keys,
            stack: Vec::new(),
            root: None,
            documents: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
        }
    }

    fn count(&mut self, nodes: usize, pos: &P) -> Result<(), Error<P>> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_YAML_NODES {
            return Err(error(
                format!("the document expands to more than {MAX_YAML_NODES} nodes"),
                pos.clone(),
            ));
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame<P>, anchor: Option<String>, start: P) -> Result<(), Error<P>> {
        if self.stack.len() >= MAX_YAML_DEPTH {
            return Err(error(
                format!("nesting deeper than {MAX_YAML_DEPTH} levels"),
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

    fn close(&mut self, end: P) -> Result<(), Error<P>> {
        let Some(open) = self.stack.pop() else {
            return Err(error("unbalanced end of a collection".to_owned(), end));
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

    fn alias(&mut self, anchor: &str, pos: P) -> Result<(), Error<P>> {
        let Some(&(_, size)) = self.anchors.get(anchor) else {
            return Err(error(format!("the anchor '{anchor}' is not defined"), pos));
        };
        // Count before copying: the copy is what the bound protects.
        self.count(size, &pos)?;
        match self.anchors.get(anchor) {
            Some((node, _)) => {
                let node = node.clone();
                self.add_node(node)
            }
            None => Ok(()),
        }
    }

    fn add(&mut self, node: Node<P>, anchor: Option<String>) -> Result<(), Error<P>> {
        self.count(1, &node.start)?;
        if let Some(anchor) = anchor {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        self.add_node(node)
    }

    fn add_node(&mut self, node: Node<P>) -> Result<(), Error<P>> {
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
                Some(key)
                    if self.scalar_keys
                        && !matches!(key.kind, NodeKind::Scalar(_) | NodeKind::Null) =>
                {
                    return Err(error(
                        "a mapping key must be a scalar".to_owned(),
                        key.start,
                    ))
                }
                Some(key) => entries.push((key, node)),
            },
        }
        Ok(())
    }

    fn end_document(&mut self, pos: P) {
        let root = self.root.take().unwrap_or(Node {
            kind: NodeKind::Null,
            style: Style::Plain,
            start: pos.clone(),
            end: pos,
        });
        self.documents.push(root);
        self.anchors.clear();
    }
}
