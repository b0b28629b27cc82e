//! `rules_files` (and the deprecated `rules_file`) and `rules`: which rules
//! files are loaded and which rules are enabled.

use super::error::ConfigError;
use super::types::{seq_of_strings, Doc};
use super::yaml::Kind;
use std::path::Path;

/// Enable or disable rules by name or by tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSelection {
    pub enable: bool,
    /// A rule name; `*` matches any run of characters.
    pub rule: Option<String>,
    /// A tag (exact).
    pub tag: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesConfig {
    /// The paths as configured.
    pub configured: Vec<String>,
    /// The configured paths that exist (Falco keeps only those).
    pub files: Vec<String>,
    /// `rules:` entries in order.
    pub selection: Vec<RuleSelection>,
    /// A deprecation warning to log, if any.
    pub warning: Option<String>,
}

impl RulesConfig {
    pub fn load(doc: &Doc) -> Result<RulesConfig, ConfigError> {
        let mut config = RulesConfig::default();
        let has_files = doc.is_defined("rules_files");
        let has_file = doc.is_defined("rules_file");
        if has_files && has_file {
            return Err(ConfigError::at(
                &doc.origin("rules_file"),
                "both 'rules_files' and 'rules_file' keys set",
            ));
        }
        if has_file {
            config.warning = Some(
                "Using deprecated config key 'rules_file' (singular form). Please use new 'rules_files' config key (plural form).".to_owned(),
            );
        }
        let key = if has_file {
            "rules_file"
        } else {
            "rules_files"
        };
        config.configured = doc.strings(key)?.into_iter().map(|(s, _)| s).collect();
        config.files = config
            .configured
            .iter()
            .filter(|path| Path::new(path).exists())
            .cloned()
            .collect();
        if let Some(node) = doc.node("rules") {
            let items = match &node.kind {
                Kind::Null => &[][..],
                Kind::Seq(items) => &items[..],
                _ => {
                    return Err(ConfigError::at(
                        &node.origin,
                        "rules must be a sequence of enable/disable entries",
                    ))
                }
            };
            for item in items {
                config
                    .selection
                    .push(selection_entry(doc.item(item, "rules"))?);
            }
        }
        Ok(config)
    }
}

fn selection_entry(entry: Doc) -> Result<RuleSelection, ConfigError> {
    let item = entry.root;
    let bad = || {
        ConfigError::at(
            &item.origin,
            "rules: each entry must be 'enable' or 'disable' with a 'rule' or a 'tag'",
        )
    };
    let (enable, key, body) = match (entry.node("enable"), entry.node("disable")) {
        (Some(body), None) => (true, "enable", body),
        (None, Some(body)) => (false, "disable", body),
        _ => return Err(bad()),
    };
    let doc = entry.item(body, key);
    let rule = doc.scalar("rule")?.map(|(s, _)| s.to_owned());
    let tag = doc.scalar("tag")?.map(|(s, _)| s.to_owned());
    if rule.is_none() && tag.is_none() {
        return Err(bad());
    }
    Ok(RuleSelection { enable, rule, tag })
}

/// Falco's wildcard match: `*` matches any run of characters (none
/// included); everything else matches itself.
pub fn matches_wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Applies `selection` in order to rules given as `(name, tags, enabled in
/// the rules file)`, and returns whether each rule ends up enabled.
pub fn apply_selection<'a>(
    selection: &[RuleSelection],
    rules: impl IntoIterator<Item = (&'a str, &'a [String], bool)>,
) -> Vec<bool> {
    rules
        .into_iter()
        .map(|(name, tags, mut enabled)| {
            for sel in selection {
                let by_name = sel
                    .rule
                    .as_deref()
                    .is_some_and(|p| matches_wildcard(p, name));
                let by_tag = sel
                    .tag
                    .as_deref()
                    .is_some_and(|t| tags.iter().any(|x| x == t));
                if by_name || by_tag {
                    enabled = sel.enable;
                }
            }
            enabled
        })
        .collect()
}

/// Falco's `read_rules_file_directory`: a directory gives its regular
/// files in name order, and only `*.yaml` and `*.yml` files are kept.
pub fn expand_rules_paths(paths: &[String]) -> Result<Vec<String>, String> {
    let is_yaml = |p: &str| p.ends_with(".yaml") || p.ends_with(".yml");
    let mut out = Vec::new();
    for path in paths {
        let p = Path::new(path);
        if p.is_dir() {
            let mut files: Vec<String> = std::fs::read_dir(p)
                .map_err(|e| format!("Could not read rules directory {path}: {e}"))?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|e| e.is_file())
                .map(|e| e.display().to_string())
                .collect();
            files.sort();
            out.extend(files.into_iter().filter(|f| is_yaml(f)));
        } else if is_yaml(path) {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// A sequence of strings under `key` of an item (used by append_output).
pub(crate) fn strings_of(doc: &Doc, key: &str) -> Result<Vec<String>, ConfigError> {
    match doc.node(key) {
        None => Ok(Vec::new()),
        Some(node) => Ok(seq_of_strings(key, node)?
            .into_iter()
            .map(|(s, _)| s)
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches_wildcard("*", "anything"));
        assert!(matches_wildcard("hello*", "hello world"));
        assert!(matches_wildcard("*shell*", "Terminal shell in container"));
        assert!(matches_wildcard("a*c*e", "abcde"));
        assert!(!matches_wildcard("a*c*e", "abcd"));
        assert!(!matches_wildcard("hello", "hello world"));
        assert!(!matches_wildcard("ab*ba", "aba"));
    }

    #[test]
    fn selections_apply_in_order() {
        let sel = vec![
            RuleSelection {
                enable: false,
                rule: Some("*".into()),
                tag: None,
            },
            RuleSelection {
                enable: true,
                rule: None,
                tag: Some("network".into()),
            },
            RuleSelection {
                enable: false,
                rule: Some("Noisy*".into()),
                tag: None,
            },
        ];
        let net = ["network".to_owned()];
        let none: Vec<String> = vec![];
        let got = apply_selection(
            &sel,
            [
                ("Outbound", &net[..], true),
                ("Noisy network", &net[..], true),
                ("Shell", &none[..], true),
                ("Disabled in file", &net[..], false),
            ],
        );
        assert_eq!(got, [true, false, false, true]);
    }

    #[test]
    fn rules_paths_expand_directories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.yaml"), "").unwrap();
        std::fs::write(dir.path().join("a.yml"), "").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "").unwrap();
        let d = dir.path().display().to_string();
        let got = expand_rules_paths(&[d.clone(), "/x/rules.yaml".into(), "/x/rules.txt".into()])
            .unwrap();
        assert_eq!(
            got,
            [
                format!("{d}/a.yml"),
                format!("{d}/b.yaml"),
                "/x/rules.yaml".to_owned()
            ]
        );
    }
}
