//! `append_output` (Falco 0.39+): text and fields added to the output of
//! the rules an entry matches, and `static_fields`.
//!
//! An entry matches a rule when each of its `match` conditions holds: the
//! same `source`, the same `rule` name, and every tag of `tags` among the
//! rule's tags (a missing condition holds). Matching entries contribute in
//! configuration order: `extra_output` is appended to the rule's output
//! text after a space, `suggested_output` appends the suggested fields of
//! the source as `name=%field`, and `extra_fields` go into the JSON
//! `output_fields` only.

use super::error::ConfigError;
use super::rules::strings_of;
use super::types::Doc;
use super::yaml::Kind;

/// The fields falco-rs suggests for `suggested_output` on the syscall
/// source: what Falco's container plugin suggests (container identity,
/// image and Kubernetes pod), which falco-rs extracts itself.
pub const SUGGESTED_SYSCALL_FIELDS: &[&str] = &[
    "container.id",
    "container.name",
    "container.image.repository",
    "container.image.tag",
    "k8s.ns.name",
    "k8s.pod.name",
];

/// A field added to `output_fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtraField {
    /// A field, rendered with its own JSON type (`- evt.hostname`).
    Raw(String),
    /// A name and an output format rendered as a string
    /// (`- home_directory: "${HOME}"`).
    Formatted { name: String, format: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppendOutput {
    pub source: Option<String>,
    pub tags: Vec<String>,
    pub rule: Option<String>,
    pub extra_output: String,
    pub extra_fields: Vec<ExtraField>,
    pub suggested_output: bool,
}

impl AppendOutput {
    pub fn matches(&self, rule: &str, tags: &[String], source: &str) -> bool {
        self.source.as_deref().is_none_or(|s| s == source)
            && self.rule.as_deref().is_none_or(|r| r == rule)
            && self.tags.iter().all(|t| tags.contains(t))
    }

    fn load(doc: Doc) -> Result<AppendOutput, ConfigError> {
        let item = doc.root;
        if !matches!(item.kind, Kind::Map(_)) {
            return Err(ConfigError::at(
                &item.origin,
                "append_output: each entry must be a mapping",
            ));
        }
        let mut entry = AppendOutput {
            source: doc.scalar("match.source")?.map(|(s, _)| s.to_owned()),
            rule: doc.scalar("match.rule")?.map(|(s, _)| s.to_owned()),
            tags: match doc.node("match") {
                Some(m) => strings_of(&doc.item(m, "match"), "tags")?,
                None => Vec::new(),
            },
            extra_output: doc.string("extra_output", "")?,
            suggested_output: doc.bool("suggested_output", false)?,
            extra_fields: Vec::new(),
        };
        if let Some(fields) = doc.node("extra_fields") {
            let items = match &fields.kind {
                Kind::Seq(items) => &items[..],
                Kind::Null => &[][..],
                _ => {
                    return Err(ConfigError::at(
                        &fields.origin,
                        "append_output: extra_fields must be a sequence",
                    ))
                }
            };
            for field in items {
                match &field.kind {
                    Kind::Scalar(name) => entry.extra_fields.push(ExtraField::Raw(name.clone())),
                    Kind::Map(pairs) => {
                        for (key, value) in pairs {
                            let format = value.as_scalar().ok_or_else(|| {
                                ConfigError::at(
                                    &value.origin,
                                    "append_output: an extra field's format must be a string",
                                )
                            })?;
                            entry.extra_fields.push(ExtraField::Formatted {
                                name: key.name.clone(),
                                format: format.to_owned(),
                            });
                        }
                    }
                    _ => return Err(ConfigError::at(
                        &field.origin,
                        "append_output: an extra field is a field name or a {name: format} mapping",
                    )),
                }
            }
        }
        Ok(entry)
    }
}

/// Reads `append_output`; also returns Falco's warning for entries that
/// name both a rule and tags.
pub fn load(doc: &Doc) -> Result<(Vec<AppendOutput>, Vec<String>), ConfigError> {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    if let Some(node) = doc.node("append_output") {
        let items = match &node.kind {
            Kind::Seq(items) => &items[..],
            Kind::Null => &[][..],
            _ => {
                return Err(ConfigError::at(
                    &node.origin,
                    "append_output must be a sequence",
                ))
            }
        };
        for item in items {
            let entry = AppendOutput::load(doc.item(item, "append_output"))?;
            if let (Some(rule), false) = (&entry.rule, entry.tags.is_empty()) {
                let tags = entry.tags.join(", ");
                warnings.push(format!(
                    "An append_output entry specifies both a rule ({rule}) and a list of tags ({tags}). This means that output will be appended only to the {rule} rule and only if it has all the tags: {tags}."
                ));
            }
            entries.push(entry);
        }
    }
    Ok((entries, warnings))
}

/// Reads `static_fields`: a mapping of names to (string) values.
pub fn load_static_fields(doc: &Doc) -> Result<Vec<(String, String)>, ConfigError> {
    match doc.node("static_fields") {
        None => Ok(Vec::new()),
        Some(node) => match &node.kind {
            Kind::Null => Ok(Vec::new()),
            Kind::Map(entries) => entries
                .iter()
                .map(|(k, v)| match &v.kind {
                    Kind::Scalar(s) => Ok((k.name.clone(), s.clone())),
                    Kind::Null => Ok((k.name.clone(), String::new())),
                    _ => Err(ConfigError::at(
                        &v.origin,
                        "static_fields: values must be strings",
                    )),
                })
                .collect(),
            _ => Err(ConfigError::at(
                &node.origin,
                "static_fields must be a mapping",
            )),
        },
    }
}

/// What `append_output` adds to one rule's alerts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Appended {
    /// Appended to the output format text, with its leading space(s):
    /// `format + &appended.text` is the new format.
    pub text: String,
    /// Added to `output_fields`.
    pub fields: Vec<ExtraField>,
}

/// The suffix and the extra fields for a rule, from every matching entry
/// in order. The event loop applies the suffix to the rule's output format
/// once, when the rules are compiled, and renders the fields per alert.
pub fn appended_for(
    entries: &[AppendOutput],
    rule: &str,
    tags: &[String],
    source: &str,
) -> Appended {
    let mut out = Appended::default();
    for entry in entries.iter().filter(|e| e.matches(rule, tags, source)) {
        if !entry.extra_output.is_empty() {
            out.text.push(' ');
            out.text.push_str(&entry.extra_output);
        }
        if entry.suggested_output && source == "syscall" {
            for field in SUGGESTED_SYSCALL_FIELDS {
                out.text.push(' ');
                out.text
                    .push_str(&format!("{}=%{field}", field.replace('.', "_")));
            }
        }
        out.fields.extend(entry.extra_fields.iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml::parse;

    fn entries(text: &str) -> Vec<AppendOutput> {
        let root = parse("f.yaml", text).unwrap();
        load(&Doc::new(&root)).unwrap().0
    }

    #[test]
    fn matching_entries_contribute_in_order() {
        let e = entries(
            "append_output:\n  - match: {source: syscall}\n    extra_output: \"on CPU %evt.cpu\"\n    extra_fields:\n      - home_directory: \"/root\"\n      - evt.hostname\n  - match: {rule: Other}\n    extra_output: never\n  - match: {tags: [network, mitre]}\n    extra_output: \"net=%fd.name\"\n",
        );
        let tags = vec!["mitre".to_owned(), "network".to_owned()];
        let got = appended_for(&e, "Outbound", &tags, "syscall");
        assert_eq!(got.text, " on CPU %evt.cpu net=%fd.name");
        assert_eq!(
            got.fields,
            [
                ExtraField::Formatted {
                    name: "home_directory".into(),
                    format: "/root".into()
                },
                ExtraField::Raw("evt.hostname".into())
            ]
        );
        let got = appended_for(&e, "Outbound", &tags[..1], "k8s_audit");
        assert_eq!(got, Appended::default());
        assert_eq!(appended_for(&e, "Other", &[], "k8s").text, " never");
    }

    #[test]
    fn suggested_output_adds_container_fields_for_syscall() {
        let e = entries("append_output:\n  - suggested_output: true\n");
        let got = appended_for(&e, "R", &[], "syscall");
        assert!(
            got.text
                .starts_with(" container_id=%container.id container_name=%container.name"),
            "{}",
            got.text
        );
        assert_eq!(appended_for(&e, "R", &[], "k8s_audit").text, "");
    }

    #[test]
    fn rule_and_tags_together_warn() {
        let root = parse(
            "f.yaml",
            "append_output:\n  - match: {rule: R, tags: [a, b]}\n    extra_output: x\n",
        )
        .unwrap();
        let (_, warnings) = load(&Doc::new(&root)).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("only to the R rule and only if it has all the tags: a, b"));
    }
}
