//! Reading configuration files and merging `config_files` includes, as
//! Falco does: the main file first, then every entry of `config_files` in
//! order (a directory contributes its regular files in name order), each
//! merged with its strategy:
//!
//! - `append` (the default): a sequence is appended to the existing one,
//!   anything else replaces the existing value;
//! - `override`: every key replaces the existing value;
//! - `add-only`: only keys that are not set yet are added.
//!
//! Missing entries are skipped; an included file may not include others.

use super::error::ConfigError;
use super::schema::{unknown_keys, UnknownKey, FALCO_CONFIG};
use super::types::Doc;
use super::yaml::{self, Kind, Node, Origin};
use std::path::Path;

pub const CONFIG_FILES_KEY: &str = "config_files";

/// A configuration file that took part, with the keys it had that falco-rs
/// does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedFile {
    pub path: String,
    pub unknown_keys: Vec<UnknownKey>,
}

/// How an included file is merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Append,
    Override,
    AddOnly,
}

impl Strategy {
    /// Falco's reading: anything but `override` and `add-only` appends.
    pub fn parse(text: &str) -> Strategy {
        match text {
            "override" => Strategy::Override,
            "add-only" => Strategy::AddOnly,
            _ => Strategy::Append,
        }
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Parses a configuration text: the first YAML document, environment
/// variables expanded; it must be a mapping (an empty file is an empty
/// one).
pub fn parse_text(path: &str, text: &str) -> Result<Node, ConfigError> {
    let mut root = yaml::parse(path, text).map_err(|err| ConfigError::Syntax {
        origin: err.origin,
        message: err.message,
    })?;
    root.expand_env(&env_var);
    match root.kind {
        Kind::Map(_) => Ok(root),
        Kind::Null => Ok(Node::empty_map(root.origin)),
        _ => Err(ConfigError::at(
            &root.origin,
            format!(
                "the configuration must be a YAML mapping, found {}",
                root.kind_name()
            ),
        )),
    }
}

/// Reads and parses a configuration file.
pub fn read_file(path: &str) -> Result<Node, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_owned(),
        error,
    })?;
    parse_text(path, &text)
}

/// The `config_files` entries: `(path, strategy, where)`.
fn include_entries(root: &Node) -> Result<Vec<(String, Strategy, Origin)>, ConfigError> {
    let Some(node) = root.get(CONFIG_FILES_KEY) else {
        return Ok(Vec::new());
    };
    let items: Vec<&Node> = match &node.kind {
        Kind::Null => Vec::new(),
        Kind::Seq(items) => items.iter().collect(),
        Kind::Scalar(_) | Kind::Map(_) => vec![node],
    };
    let mut out = Vec::new();
    for item in items {
        match &item.kind {
            Kind::Null => {}
            Kind::Scalar(path) => out.push((path.clone(), Strategy::Append, item.origin.clone())),
            Kind::Map(_) => {
                let doc = Doc::new(root).item(item, CONFIG_FILES_KEY);
                let Some((path, _)) = doc.scalar("path")? else {
                    return Err(ConfigError::at(
                        &item.origin,
                        "config_files: an entry must have a 'path'",
                    ));
                };
                let strategy = Strategy::parse(&doc.string("strategy", "append")?);
                out.push((path.to_owned(), strategy, item.origin.clone()));
            }
            Kind::Seq(_) => {
                return Err(ConfigError::at(
                    &item.origin,
                    "config_files: an entry must be a path or a {path, strategy} mapping",
                ))
            }
        }
    }
    Ok(out)
}

/// Merges the top-level keys of `include` into `root`.
pub fn merge(
    root: &mut Node,
    include: Node,
    strategy: Strategy,
    include_path: &str,
) -> Result<(), ConfigError> {
    let Kind::Map(entries) = include.kind else {
        return Ok(());
    };
    for (key, value) in entries {
        if key.name == CONFIG_FILES_KEY {
            return Err(ConfigError::at(
                &key.origin,
                format!("Config error: '{CONFIG_FILES_KEY}' directive in included config file {include_path}."),
            ));
        }
        let existing = root.get_mut(&key.name);
        match (strategy, existing) {
            (Strategy::AddOnly, Some(_)) => {}
            (Strategy::Append, Some(current)) if matches!(value.kind, Kind::Seq(_)) => {
                let Kind::Seq(new_items) = value.kind else {
                    unreachable!()
                };
                match &mut current.kind {
                    Kind::Seq(items) => items.extend(new_items),
                    _ => *current = Node::new(Kind::Seq(new_items), value.origin),
                }
            }
            (_, Some(current)) => *current = value,
            (_, None) => root.set(key, value),
        }
    }
    Ok(())
}

/// Merges every `config_files` entry of `root` (the main file, read from
/// `main_path`) and returns the files that took part, main file first.
pub fn merge_includes(root: &mut Node, main_path: &str) -> Result<Vec<LoadedFile>, ConfigError> {
    let mut loaded = vec![LoadedFile {
        path: main_path.to_owned(),
        unknown_keys: unknown_keys(root, &FALCO_CONFIG),
    }];
    for (path, strategy, origin) in include_entries(root)? {
        if Path::new(&path) == Path::new(main_path) {
            return Err(ConfigError::at(
                &origin,
                format!(
                    "Config error: '{CONFIG_FILES_KEY}' directive tried to recursively include main config file: {main_path}."
                ),
            ));
        }
        let p = Path::new(&path);
        let files: Vec<String> = if p.is_file() {
            vec![path.clone()]
        } else if p.is_dir() {
            let mut files: Vec<String> = std::fs::read_dir(p)
                .map_err(|error| ConfigError::Read {
                    path: path.clone(),
                    error,
                })?
                .filter_map(|entry| entry.ok())
                .map(|entry| entry.path())
                .filter(|entry| entry.is_file())
                .map(|entry| entry.display().to_string())
                .collect();
            files.sort();
            files
        } else {
            // Like rules files: a missing entry is skipped.
            continue;
        };
        for file in files {
            let include = read_file(&file)?;
            loaded.push(LoadedFile {
                path: file.clone(),
                unknown_keys: unknown_keys(&include, &FALCO_CONFIG),
            });
            merge(root, include, strategy, &file)?;
        }
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(root: &Node) -> Vec<String> {
        Doc::new(root)
            .strings("rules_files")
            .unwrap()
            .into_iter()
            .map(|x| x.0)
            .collect()
    }

    #[test]
    fn strategies_merge_like_falco() {
        let base = || parse_text("main.yaml", "rules_files: [/a.yaml]\npriority: debug\n").unwrap();
        let include = || {
            parse_text(
                "inc.yaml",
                "rules_files: [/b.yaml]\npriority: error\nlog_level: debug\n",
            )
            .unwrap()
        };

        let mut root = base();
        merge(&mut root, include(), Strategy::Append, "inc.yaml").unwrap();
        assert_eq!(files(&root), ["/a.yaml", "/b.yaml"]);
        assert_eq!(Doc::new(&root).string("priority", "").unwrap(), "error");

        let mut root = base();
        merge(&mut root, include(), Strategy::Override, "inc.yaml").unwrap();
        assert_eq!(files(&root), ["/b.yaml"]);

        let mut root = base();
        merge(&mut root, include(), Strategy::AddOnly, "inc.yaml").unwrap();
        assert_eq!(files(&root), ["/a.yaml"]);
        assert_eq!(Doc::new(&root).string("priority", "").unwrap(), "debug");
        assert_eq!(Doc::new(&root).string("log_level", "").unwrap(), "debug");
    }

    #[test]
    fn includes_are_read_in_order_and_may_not_nest() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("conf.d")).unwrap();
        std::fs::write(d.join("conf.d/20-b.yaml"), "rules_files: [/two.yaml]\n").unwrap();
        std::fs::write(d.join("conf.d/10-a.yaml"), "rules_files: [/one.yaml]\n").unwrap();
        std::fs::write(d.join("x.yaml"), "priority: notice\n").unwrap();
        let main = d.join("falco.yaml");
        let text = format!(
            "rules_files: [/zero.yaml]\nconfig_files:\n  - {}\n  - path: {}\n    strategy: override\n  - /does/not/exist\n",
            d.join("conf.d").display(),
            d.join("x.yaml").display()
        );
        std::fs::write(&main, &text).unwrap();
        let main = main.display().to_string();
        let mut root = read_file(&main).unwrap();
        let loaded = merge_includes(&mut root, &main).unwrap();
        assert_eq!(loaded.len(), 4);
        assert_eq!(files(&root), ["/zero.yaml", "/one.yaml", "/two.yaml"]);
        assert_eq!(Doc::new(&root).string("priority", "").unwrap(), "notice");

        std::fs::write(d.join("conf.d/30-c.yaml"), "config_files: [/x]\n").unwrap();
        let mut root = read_file(&main).unwrap();
        let err = merge_includes(&mut root, &main).unwrap_err().to_string();
        assert!(
            err.contains("'config_files' directive in included config file"),
            "{err}"
        );
        assert!(err.contains("30-c.yaml:1:1"), "{err}");

        std::fs::write(
            d.join("self.yaml"),
            format!("config_files: [{}]\n", d.join("self.yaml").display()),
        )
        .unwrap();
        let path = d.join("self.yaml").display().to_string();
        let mut root = read_file(&path).unwrap();
        let err = merge_includes(&mut root, &path).unwrap_err().to_string();
        assert!(
            err.contains("tried to recursively include main config file"),
            "{err}"
        );
    }

    #[test]
    fn a_non_mapping_file_is_an_error() {
        let err = parse_text("l.yaml", "- a\n- b\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "l.yaml:1:1: the configuration must be a YAML mapping, found a sequence"
        );
        assert!(parse_text("e.yaml", "").unwrap().get("x").is_none());
    }
}
