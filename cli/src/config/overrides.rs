//! `-o key=value`: setting configuration values from the command line, with
//! Falco's key syntax (yaml_helper's `get_node`):
//!
//! ```text
//! Key     := NodeKey ('.' NodeKey)*
//! NodeKey := name ('[' integer? ']')*
//! ```
//!
//! `a.b.c=v` sets a nested key; `list[2]=v` sets an item; `list[]=v`
//! appends an item, so `rules[].disable.rule=X` adds one rule selection
//! entry. A value written `{...}` is read as a YAML mapping
//! (`append_output[]={"match": {"source": "syscall"}}`); anything else is a
//! string scalar, converted to the key's type when read (so
//! `json_output=true` is a boolean).

use super::error::ConfigError;
use super::yaml::{self, Key, Kind, Node, Origin};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    Append,
}

fn path_error(key: &str, message: String) -> ConfigError {
    ConfigError::General(format!("Config error at key \"{key}\": {message}"))
}

fn parse_path(key: &str) -> Result<Vec<Step>, ConfigError> {
    let mut steps = Vec::new();
    for (i, segment) in key.split('.').enumerate() {
        let name_end = segment.find('[').unwrap_or(segment.len());
        let name = &segment[..name_end];
        if name.is_empty() {
            return Err(path_error(
                key,
                format!("Parsing error: empty key name in part {} of the key", i + 1),
            ));
        }
        steps.push(Step::Key(name.to_owned()));
        let mut rest = &segment[name_end..];
        while !rest.is_empty() {
            let Some(inner) = rest.strip_prefix('[') else {
                return Err(path_error(
                    key,
                    format!("Parsing error: expected '.' or '[' before '{rest}'"),
                ));
            };
            let Some(close) = inner.find(']') else {
                return Err(path_error(key, "Parsing error: missing ']'".to_owned()));
            };
            let index = &inner[..close];
            if index.is_empty() {
                steps.push(Step::Append);
            } else {
                let n = index.parse::<usize>().map_err(|_| {
                    path_error(
                        key,
                        format!("Parsing error: expected a numeric index, found '{index}'"),
                    )
                })?;
                steps.push(Step::Index(n));
            }
            rest = &inner[close + 1..];
        }
    }
    Ok(steps)
}

/// Gives every node of a tree parsed from an option the option as origin.
fn reorigin(node: &mut Node, origin: &Origin) {
    node.origin = origin.clone();
    match &mut node.kind {
        Kind::Seq(items) => items.iter_mut().for_each(|n| reorigin(n, origin)),
        Kind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            k.origin = origin.clone();
            reorigin(v, origin);
        }),
        Kind::Null | Kind::Scalar(_) => {}
    }
}

/// The value of an option: a `{...}` mapping or a string scalar.
fn option_value(text: &str, value: &str, origin: &Origin) -> Result<Node, ConfigError> {
    if value.len() >= 2 && value.starts_with('{') && value.ends_with('}') {
        let mut node = yaml::parse("-o", value).map_err(|err| {
            ConfigError::General(format!(
                "Error parsing config option \"{text}\": the value is not valid YAML: {}",
                err.message
            ))
        })?;
        reorigin(&mut node, origin);
        Ok(node)
    } else {
        Ok(Node::new(Kind::Scalar(value.to_owned()), origin.clone()))
    }
}

/// Applies one `-o key=value` option to the configuration tree.
pub fn apply(root: &mut Node, option: &str) -> Result<(), ConfigError> {
    let Some((key, value)) = option.split_once('=') else {
        return Err(ConfigError::General(format!(
            "Error parsing config option \"{option}\". Must be of the form key=val or key.subkey=val"
        )));
    };
    let origin = Origin::Option(Arc::from(option));
    let steps = parse_path(key)?;
    let value = option_value(option, value, &origin)?;
    let mut node = root;
    for step in &steps {
        if node.is_null() {
            node.kind = match step {
                Step::Key(_) => Kind::Map(Vec::new()),
                Step::Index(_) | Step::Append => Kind::Seq(Vec::new()),
            };
        }
        let kind_name = node.kind_name();
        node = match step {
            Step::Key(name) => {
                if !matches!(node.kind, Kind::Map(_)) {
                    return Err(path_error(
                        key,
                        format!("cannot set '{name}' inside {kind_name}"),
                    ));
                }
                if node.get(name).is_none() {
                    node.set(
                        Key {
                            name: name.clone(),
                            origin: origin.clone(),
                        },
                        Node::null(origin.clone()),
                    );
                }
                node.get_mut(name).expect("the key was just set")
            }
            Step::Append | Step::Index(_) => {
                let Kind::Seq(items) = &mut node.kind else {
                    return Err(path_error(
                        key,
                        format!("cannot index {kind_name} like a sequence"),
                    ));
                };
                let n = match step {
                    Step::Index(n) => *n,
                    _ => items.len(),
                };
                if n == items.len() {
                    items.push(Node::null(origin.clone()));
                }
                let len = items.len();
                items.get_mut(n).ok_or_else(|| {
                    path_error(
                        key,
                        format!("index {n} is out of range (the sequence has {len} items)"),
                    )
                })?
            }
        };
    }
    *node = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::types::Doc;
    use crate::config::yaml::parse;

    fn tree(text: &str) -> Node {
        parse("falco.yaml", text).unwrap()
    }

    #[test]
    fn nested_keys_are_created_and_replaced() {
        let mut root = tree("engine:\n  kind: kmod\n");
        apply(&mut root, "engine.kind=replay").unwrap();
        apply(&mut root, "engine.replay.capture_file=/tmp/x.scap").unwrap();
        apply(&mut root, "json_output=true").unwrap();
        let doc = Doc::new(&root);
        assert_eq!(doc.string("engine.kind", "").unwrap(), "replay");
        assert_eq!(
            doc.string("engine.replay.capture_file", "").unwrap(),
            "/tmp/x.scap"
        );
        assert!(doc.bool("json_output", false).unwrap());
        assert_eq!(
            doc.origin("engine.kind").to_string(),
            "command line option '-o engine.kind=replay'"
        );
    }

    #[test]
    fn brackets_append_and_index() {
        let mut root = tree("rules_files: [/a.yaml]\n");
        apply(&mut root, "rules_files[]=/b.yaml").unwrap();
        apply(&mut root, "rules_files[0]=/z.yaml").unwrap();
        apply(&mut root, "rules[].disable.rule=*").unwrap();
        apply(&mut root, "rules[].enable.tag=network").unwrap();
        let doc = Doc::new(&root);
        let files: Vec<String> = doc
            .strings("rules_files")
            .unwrap()
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(files, ["/z.yaml", "/b.yaml"]);
        let Kind::Seq(rules) = &doc.node("rules").unwrap().kind else {
            panic!()
        };
        assert_eq!(rules.len(), 2, "each [] appends a new entry");
        assert_eq!(
            doc.item(&rules[1], "rules")
                .string("enable.tag", "")
                .unwrap(),
            "network"
        );
        assert!(apply(&mut root, "rules_files[7]=/q.yaml").is_err());
    }

    #[test]
    fn object_values_are_yaml() {
        let mut root = tree("{}");
        apply(
            &mut root,
            r#"append_output[]={"match": {"source": "syscall"}, "extra_output": "on CPU %evt.cpu"}"#,
        )
        .unwrap();
        let doc = Doc::new(&root);
        let Kind::Seq(items) = &doc.node("append_output").unwrap().kind else {
            panic!()
        };
        let doc = doc.item(&items[0], "append_output");
        assert_eq!(doc.string("match.source", "").unwrap(), "syscall");
        assert_eq!(doc.string("extra_output", "").unwrap(), "on CPU %evt.cpu");
    }

    #[test]
    fn bad_options_are_errors() {
        let mut root = tree("priority: debug\n");
        let err = apply(&mut root, "json_output").unwrap_err().to_string();
        assert_eq!(
            err,
            "Error parsing config option \"json_output\". Must be of the form key=val or key.subkey=val"
        );
        assert!(apply(&mut root, "a..b=1")
            .unwrap_err()
            .to_string()
            .contains("Config error at key \"a..b\""));
        assert!(apply(&mut root, "a[x]=1")
            .unwrap_err()
            .to_string()
            .contains("numeric index, found 'x'"));
        assert!(apply(&mut root, "a[0=1").is_err());
        assert!(apply(&mut root, "priority.x=1")
            .unwrap_err()
            .to_string()
            .contains("inside a scalar"));
        // The value may contain '=' itself.
        apply(&mut root, "program_output.program=a=b").unwrap();
        assert_eq!(
            Doc::new(&root)
                .string("program_output.program", "")
                .unwrap(),
            "a=b"
        );
    }
}
