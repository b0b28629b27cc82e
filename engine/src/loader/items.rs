//! Reading a rules file: its documents, and the top-level items other
//! than rules (`required_engine_version`, `required_plugin_versions`,
//! `list`, `macro`). Follows rule_loader_reader.cpp: the first error
//! stops the file.

use super::codes::{ErrorCode, WarningCode};
use super::collector::{Collector, ListInfo, ListItem, MacroInfo};
use super::context::{Context, ItemType};
use super::decode;
use super::mapped_text::{align_scalar, MappedText};
use super::noop;
use super::overrides::decode_overrides;
use super::result::{Check, Fail, FileResult};
use super::rule_item::read_rule;
use super::sources::SourceFile;
use super::version::{PluginRequirement, Version};
use super::yaml::{parse_documents, Node};
use super::EventSource;

pub(crate) const WARNING_APPEND: &str =
    "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
pub(crate) const WARNING_ENABLED: &str = "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
pub(crate) const ERROR_OVERRIDE_APPEND: &str = "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";

const RGX_IDENTIFIER: &str = "([a-zA-Z]+[a-zA-Z0-9_]*)";
const RGX_BARESTR: &str = "([^()\"'[:space:]=,]+)";

/// Everything reading one file needs.
pub(crate) struct Reader<'a> {
    pub file: &'a SourceFile,
    pub res: &'a mut FileResult,
    pub collector: &'a mut Collector,
    pub sources: &'a [EventSource],
}

impl Reader<'_> {
    /// A scalar's value with the file position of each of its bytes.
    pub fn mapped(&self, node: &Node) -> MappedText {
        let value = node.as_scalar().unwrap_or_default();
        let text = &self.file.text;
        let start = node.start.offset.min(text.len());
        let end = node.end.offset.clamp(start, text.len());
        let raw = text.get(start..end).unwrap_or_default();
        let offsets = align_scalar(value, raw, self.file.global(start), node.style);
        MappedText::from_offsets(value, offsets)
    }

    pub fn global(&self, node: &Node) -> usize {
        self.file.global(node.start.offset)
    }

    /// Reads the whole file; false when it stopped at an error.
    pub fn read(&mut self) -> bool {
        let root = Context::file(&self.file.name);
        let documents = match parse_documents(self.file) {
            Ok(documents) => documents,
            Err(err) => {
                let ctx = root.child(err.pos, ItemType::ValueFor, "");
                self.res
                    .add_error(Fail::new(ErrorCode::YamlParse, err.message, &ctx));
                return false;
            }
        };
        for document in documents.iter().filter(|d| !d.is_null()) {
            if let Err(fail) = self.read_document(document, &root) {
                self.res.add_error(fail);
                return false;
            }
        }
        true
    }

    fn read_document(&mut self, document: &Node, root: &Context) -> Check<()> {
        if !document.is_map() && !document.is_seq() {
            return Err(Fail::yaml("Rules content is not yaml", root));
        }
        let Some(items) = document.as_seq() else {
            return Err(Fail::yaml(
                "Rules content is not yaml array of objects",
                root,
            ));
        };
        for item in items.iter().filter(|i| !i.is_null()) {
            self.read_item(item, root)?;
        }
        Ok(())
    }

    fn read_item(&mut self, item: &Node, root: &Context) -> Check<()> {
        if !item.is_map() {
            let ctx = root.child(item.start, ItemType::RulesContentItem, "");
            return Err(Fail::yaml(
                "Unexpected element type. Each element should be a yaml associative array.",
                &ctx,
            ));
        }
        if item.get("required_engine_version").is_some() {
            self.read_engine_version(item, root)
        } else if let Some(value) = item.get("required_plugin_versions") {
            self.read_plugin_versions(value, root)
        } else if item.get("list").is_some() {
            self.read_list(item, root)
        } else if item.get("macro").is_some() {
            self.read_macro(item, root)
        } else if item.get("rule").is_some() {
            read_rule(self, item, root)
        } else {
            let ctx = root.child(item.start, ItemType::RulesContentItem, "");
            self.res
                .warn(WarningCode::UnknownItem, "Unknown top level item", &ctx);
            Ok(())
        }
    }

    fn read_engine_version(&mut self, item: &Node, root: &Context) -> Check<()> {
        let ctx = root.child(item.start, ItemType::RequiredEngineVersion, "");
        let key = "required_engine_version";
        let version = match decode::u32_value(item, key, &ctx) {
            Ok(minor) => Version::implicit(minor),
            Err(_) => {
                let text = decode::string(item, key, &ctx)?;
                Version::parse(&text).ok_or_else(|| {
                    Fail::yaml(
                        format!("Unable to parse engine version '{text}' as a semver string. Expected \"x.y.z\" semver format."),
                        &ctx,
                    )
                })?
            }
        };
        self.collector.define_engine_version(version, &ctx)
    }

    fn read_plugin_versions(&mut self, value: &Node, root: &Context) -> Check<()> {
        let ctx = root.child(value.start, ItemType::RequiredPluginVersions, "");
        let Some(plugins) = value.as_seq() else {
            return Err(Fail::yaml(
                "Value of required_plugin_versions must be a sequence",
                &ctx,
            ));
        };
        for plugin in plugins {
            let tmp = ctx.child(plugin.start, ItemType::RequiredPluginVersionsEntry, "");
            if !plugin.is_map() {
                return Err(Fail::yaml("Plugin version must be a mapping", &tmp));
            }
            let name = decode::string(plugin, "name", &tmp)?;
            let entry_ctx = ctx.child(plugin.start, ItemType::RequiredPluginVersionsEntry, &name);
            let version = decode::string(plugin, "version", &entry_ctx)?;
            let mut alternatives = vec![PluginRequirement { name, version }];
            if let Some(alts) = plugin.get("alternatives") {
                let Some(alts) = alts.as_seq() else {
                    return Err(Fail::yaml(
                        "Value of plugin version alternatives must be a sequence",
                        &entry_ctx,
                    ));
                };
                for alt in alts {
                    let tmp =
                        entry_ctx.child(alt.start, ItemType::RequiredPluginVersionsAlternative, "");
                    if !alt.is_map() {
                        return Err(Fail::yaml(
                            "Plugin version alternative must be a mapping",
                            &tmp,
                        ));
                    }
                    let name = decode::string(alt, "name", &tmp)?;
                    let alt_ctx = entry_ctx.child(
                        alt.start,
                        ItemType::RequiredPluginVersionsAlternative,
                        &name,
                    );
                    let version = decode::string(alt, "version", &alt_ctx)?;
                    alternatives.push(PluginRequirement { name, version });
                }
            }
            self.collector
                .define_plugin_versions(alternatives, &entry_ctx)?;
        }
        Ok(())
    }

    fn read_list(&mut self, item: &Node, root: &Context) -> Check<()> {
        let tmp = root.child(item.start, ItemType::List, "");
        let name = decode::string(item, "list", &tmp)?;
        let ctx = root.child(item.start, ItemType::List, &name);
        if !is_bare_string(&name) {
            self.res.warn(
                WarningCode::InvalidListName,
                format!("List has an invalid name. List names should match a regular expression: {RGX_BARESTR}"),
                &ctx,
            );
        }
        let items = decode::string_seq(item, "items", &ctx, false)?.unwrap_or_default();
        let items = items
            .into_iter()
            .map(|node| ListItem {
                text: node.as_scalar().unwrap_or_default().to_owned(),
                pos: self.global(node),
            })
            .collect();
        let mut append = decode::optional_bool(item, "append", &ctx)?.unwrap_or(false);
        if append {
            self.res
                .warn(WarningCode::DeprecatedItem, WARNING_APPEND, &ctx);
        }
        let overrides = decode_overrides(item, &["items"], &["items"], &ctx)?;
        if append && !overrides.is_empty() {
            return Err(Fail::yaml(ERROR_OVERRIDE_APPEND, &ctx));
        }
        append |= overrides.append.contains("items");
        let info = ListInfo {
            ctx,
            index: 0,
            visibility: 0,
            name,
            items,
        };
        if append {
            let noop = self
                .collector
                .lists
                .get(&info.name)
                .and_then(|prev| noop::list_append(prev, &info.items));
            let ctx = info.ctx.clone();
            self.collector.append_list(info)?;
            noop::report(self.res, item, &ctx, noop.into_iter().collect());
            Ok(())
        } else {
            self.collector.define_list(info);
            Ok(())
        }
    }

    fn read_macro(&mut self, item: &Node, root: &Context) -> Check<()> {
        let tmp = root.child(item.start, ItemType::Macro, "");
        let name = decode::string(item, "macro", &tmp)?;
        let ctx = root.child(item.start, ItemType::Macro, &name);
        if !is_identifier(&name) {
            self.res.warn(
                WarningCode::InvalidMacroName,
                format!("Macro has an invalid name. Macro names should match a regular expression: {RGX_IDENTIFIER}"),
                &ctx,
            );
        }
        let cond_node = decode::string_node(item, "condition", &ctx)?;
        let cond_ctx = ctx.child(cond_node.start, ItemType::MacroCondition, "");
        let mut append = decode::optional_bool(item, "append", &ctx)?.unwrap_or(false);
        if append {
            self.res
                .warn(WarningCode::DeprecatedItem, WARNING_APPEND, &ctx);
        }
        let overrides = decode_overrides(item, &["condition"], &["condition"], &ctx)?;
        if append && !overrides.is_empty() {
            return Err(Fail::yaml(ERROR_OVERRIDE_APPEND, &ctx));
        }
        append |= overrides.append.contains("condition");
        let info = MacroInfo {
            cond: self.mapped(cond_node),
            ctx,
            cond_ctx,
            index: 0,
            visibility: 0,
            name,
        };
        if append {
            // Judged before the collector's check that the macro exists,
            // but reported only once the append went through.
            let noop = noop::condition_append(&info.cond);
            let ctx = info.ctx.clone();
            self.collector.append_macro(info)?;
            noop::report(self.res, item, &ctx, noop.into_iter().collect());
            Ok(())
        } else {
            self.collector.define_macro(info);
            Ok(())
        }
    }
}

/// Falco's macro name pattern, `[a-zA-Z]+[a-zA-Z0-9_]*`, fully matched.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Falco's list name pattern, `[^()"'[:space:]=,]+`, fully matched.
pub(crate) fn is_bare_string(name: &str) -> bool {
    !name.is_empty()
        && !name.chars().any(|c| {
            matches!(
                c,
                '(' | ')' | '"' | '\'' | '=' | ',' | ' ' | '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}'
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_patterns() {
        assert!(is_identifier("open_write2"));
        assert!(!is_identifier("test-macro"));
        assert!(!is_identifier("2open"));
        assert!(!is_identifier("_x"));
        assert!(is_bare_string("k8s-binaries/x:1"));
        assert!(!is_bare_string("test list"));
        assert!(!is_bare_string("a,b"));
        assert!(!is_bare_string(""));
    }
}
