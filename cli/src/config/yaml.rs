//! falco.yaml as a tree whose every node knows where it came from: a file
//! with a line and a column, or a `-o key=value` option.
//!
//! Read by the engine's YAML reader ([`falco_engine::yaml`], libyaml's
//! leniency, which is what Falco's yaml-cpp accepts, and its limits), so
//! node kinds follow yaml-cpp: a plain `~`, `null`, `Null`, `NULL` or an
//! empty plain value is null. Only the first document of a file counts
//! (yaml-cpp's `LoadFile`), and a mapping key must be a scalar. What is
//! configuration-specific lives here: the [`Origin`] of a node (which may
//! be a `-o` option), keys by name, and changing the tree as files and
//! options are merged.

use falco_engine::yaml::{self, Documents, Mark, Options};
use std::fmt;
use std::sync::Arc;

/// Where a node came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file, with a 1-based line and column.
    File {
        path: Arc<str>,
        line: usize,
        column: usize,
    },
    /// A `-o key=value` command line option.
    Option(Arc<str>),
    /// Not written anywhere (a default, or a node created by `[]`).
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line, column } => write!(f, "{path}:{line}:{column}"),
            Origin::Option(text) => write!(f, "command line option '-o {text}'"),
            Origin::Default => f.write_str("default value"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    /// A scalar (quoted or not: a quoted `"5"` is still the number 5 to
    /// yaml-cpp).
    Scalar(String),
    Seq(Vec<Node>),
    /// Keys in file order; a repeated key keeps its first value when read
    /// (yaml-cpp's `node[key]`).
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub origin: Origin,
}

/// A YAML syntax error: the message and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub origin: Origin,
}

impl Node {
    pub fn new(kind: Kind, origin: Origin) -> Node {
        Node { kind, origin }
    }

    pub fn null(origin: Origin) -> Node {
        Node::new(Kind::Null, origin)
    }

    pub fn empty_map(origin: Origin) -> Node {
        Node::new(Kind::Map(Vec::new()), origin)
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.kind {
            Kind::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.name == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets `key` in a mapping (replacing its first occurrence).
    pub fn set(&mut self, key: Key, value: Node) {
        if let Kind::Map(entries) = &mut self.kind {
            match entries.iter_mut().find(|(k, _)| k.name == key.name) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
        }
    }

    pub fn as_scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// What kind of node this is, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Scalar(_) => "a scalar",
            Kind::Seq(_) => "a sequence",
            Kind::Map(_) => "a mapping",
        }
    }

    /// The node as JSON (scalars typed the way yaml-cpp's JSON conversion
    /// types them: integer, then float, then boolean, then string).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Scalar(s) => {
                if let Some(i) = super::types::parse_int(s) {
                    Value::from(i)
                } else if let Some(f) = super::types::parse_float(s) {
                    serde_json::Number::from_f64(f).map_or(Value::String(s.clone()), Value::Number)
                } else if let Some(b) = super::types::parse_bool(s) {
                    Value::Bool(b)
                } else {
                    Value::String(s.clone())
                }
            }
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => {
                let mut map = serde_json::Map::new();
                for (k, v) in entries {
                    map.entry(k.name.clone()).or_insert_with(|| v.to_json());
                }
                Value::Object(map)
            }
        }
    }

    /// Replaces every `${VAR}` in every scalar by the variable's value (or
    /// nothing when unset) and `$${...}` by `${...}`, as Falco does when it
    /// reads a configuration file.
    pub fn expand_env(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        match &mut self.kind {
            Kind::Scalar(s) => *s = expand_env_vars(s, env),
            Kind::Seq(items) => items.iter_mut().for_each(|n| n.expand_env(env)),
            Kind::Map(entries) => entries.iter_mut().for_each(|(_, v)| v.expand_env(env)),
            Kind::Null => {}
        }
    }
}

/// Falco's environment variable substitution in configuration values,
/// step for step (yaml_helper's `pre_process_env_vars`): `${VAR}` becomes
/// the variable's value (nothing when unset) and `$${...}` becomes
/// `${...}`. Like Falco, a `$` followed by anything else ends the
/// substitution for the rest of the value.
pub fn expand_env_vars(value: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut value = value.to_owned();
    let mut start = value.find('$');
    while let Some(pos) = start {
        let rest = &value[pos..];
        let next_from;
        if rest.starts_with("${") {
            let Some(end) = rest.find('}') else { break };
            let name = rest[2..end].to_owned();
            let replacement = env(&name).unwrap_or_default();
            value.replace_range(pos..pos + end + 1, &replacement);
            next_from = pos;
        } else if rest.starts_with("$${") {
            if !rest.contains('}') {
                break;
            }
            value.remove(pos);
            next_from = pos + 1;
        } else {
            break;
        }
        start = value
            .get(next_from..)
            .and_then(|r| r.find('$'))
            .map(|i| i + next_from);
    }
    value
}

/// Parses the first document of `text` (read from `path`). An empty
/// document is a null node.
pub fn parse(path: &str, text: &str) -> Result<Node, SyntaxError> {
    let path: Arc<str> = Arc::from(path);
    let mut docs = read(&path, text, Documents::First)?;
    Ok(if docs.is_empty() {
        Node::null(Origin::File {
            path,
            line: 1,
            column: 1,
        })
    } else {
        docs.swap_remove(0)
    })
}

/// Parses every document of `text` (yaml-cpp's `LoadAll`, which Falco
/// uses for rules files). A stream without documents gives none; an
/// empty document is a null node.
pub fn parse_all(path: &str, text: &str) -> Result<Vec<Node>, SyntaxError> {
    read(&Arc::from(path), text, Documents::All)
}

/// The engine's YAML reader, with falco.yaml's rule that keys are
/// scalars, its nodes turned into configuration nodes.
fn read(path: &Arc<str>, text: &str, documents: Documents) -> Result<Vec<Node>, SyntaxError> {
    let options = Options {
        documents,
        scalar_keys: true,
    };
    let locate = |mark: Mark| Origin::File {
        path: path.clone(),
        line: mark.line,
        column: mark.column,
    };
    match yaml::parse(text, options, locate) {
        Ok(docs) => Ok(docs.into_iter().map(Node::from).collect()),
        Err(err) => Err(SyntaxError {
            message: err.message,
            origin: err.pos,
        }),
    }
}

impl From<yaml::Node<Origin>> for Node {
    fn from(node: yaml::Node<Origin>) -> Node {
        let kind = match node.kind {
            yaml::NodeKind::Null => Kind::Null,
            yaml::NodeKind::Scalar(value) => Kind::Scalar(value),
            yaml::NodeKind::Seq(items) => Kind::Seq(items.into_iter().map(Node::from).collect()),
            yaml::NodeKind::Map(entries) => Kind::Map(
                entries
                    .into_iter()
                    .map(|(key, value)| {
                        // A null key is the empty name; the reader
                        // rejected any other kind (`scalar_keys`).
                        let key = Key {
                            name: key.as_scalar().unwrap_or_default().to_owned(),
                            origin: key.start,
                        };
                        (key, Node::from(value))
                    })
                    .collect(),
            ),
        };
        Node::new(kind, node.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/root".into()),
            "DOLLAR" => Some("$x".into()),
            _ => None,
        }
    }

    #[test]
    fn env_vars_expand_like_falco() {
        assert_eq!(expand_env_vars("${HOME}/.falco", &env), "/root/.falco");
        assert_eq!(expand_env_vars("a${NOPE}b", &env), "ab");
        assert_eq!(expand_env_vars("$${HOME}", &env), "${HOME}");
        // Falco stops at a '$' that starts neither form.
        assert_eq!(expand_env_vars("cost $5 ${HOME}", &env), "cost $5 ${HOME}");
        assert_eq!(
            expand_env_vars("${HOME} $5 ${HOME}", &env),
            "/root $5 ${HOME}"
        );
        assert_eq!(expand_env_vars("${HOME", &env), "${HOME");
        assert_eq!(expand_env_vars("${HOME}${HOME}", &env), "/root/root");
        assert_eq!(expand_env_vars("plain", &env), "plain");
    }

    #[test]
    fn nodes_have_positions_and_yaml_cpp_nulls() {
        let root = parse("f.yaml", "a: 1\nb:\n  c: [x, ~]\nd:\n").unwrap();
        let a = root.get("a").unwrap();
        assert_eq!(a.as_scalar(), Some("1"));
        assert_eq!(a.origin.to_string(), "f.yaml:1:4");
        let c = root.get("b").unwrap().get("c").unwrap();
        let Kind::Seq(items) = &c.kind else { panic!() };
        assert!(items[1].is_null());
        assert!(root.get("d").unwrap().is_null());
        assert_eq!(
            root.get("b").unwrap().get("c").unwrap().origin.to_string(),
            "f.yaml:3:6"
        );
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("bad.yaml", "a: [1, 2\nb: 3\n").unwrap_err();
        let Origin::File { line, .. } = err.origin else {
            panic!()
        };
        assert!(line >= 2, "{err:?}");
        let err = parse("bad.yaml", "a: 1\n  b: 2\n").unwrap_err();
        assert!(err.origin.to_string().starts_with("bad.yaml:2:"), "{err:?}");
    }

    #[test]
    fn only_the_first_document_and_aliases() {
        let root = parse("f.yaml", "a: &x [1]\nb: *x\n---\nc: 2\n").unwrap();
        assert!(root.get("c").is_none());
        assert_eq!(root.get("a").unwrap().kind, root.get("b").unwrap().kind);
        assert!(parse("f.yaml", "").unwrap().is_null());
        assert!(parse("f.yaml", "a: *nope\n").is_err());
    }

    #[test]
    fn keys_are_scalars_and_errors_are_libyamls() {
        let err = parse("f.yaml", "? [a]\n: 1\n").unwrap_err();
        assert_eq!(err.message, "a mapping key must be a scalar");
        assert_eq!(err.origin.to_string(), "f.yaml:1:3");
        assert!(parse("f.yaml", "~: 1\n").unwrap().get("").is_some());
        // libyaml's own words, without the rules loader's "error at line".
        let err = parse("bad.yaml", "a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.message.starts_with("did not find expected"), "{err:?}");
    }

    #[test]
    fn every_document_with_parse_all() {
        let docs = parse_all("f.yaml", "- a\n---\n- b\n...\n---\n").unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1].origin.to_string(), "f.yaml:3:1");
        assert!(docs[2].is_null());
        assert!(parse_all("f.yaml", "# nothing\n").unwrap().is_empty());
        // A syntax error in a later document is reported too.
        assert!(parse_all("f.yaml", "- a\n---\n- [b\n").is_err());
        assert!(parse("f.yaml", "- a\n---\n- [b\n").is_ok());
    }
}
