//! `load_plugins` and `plugins`. falco-rs loads no plugins (the container
//! plugin's fields are built in): the entries are checked as Falco checks
//! them, then ignored with a message.

use super::error::ConfigError;
use super::types::Doc;
use super::yaml::Kind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginEntry {
    pub name: String,
    pub library_path: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginsConfig {
    /// The plugins Falco would load (`load_plugins` order, or every entry
    /// of `plugins` when `load_plugins` is not set).
    pub selected: Vec<PluginEntry>,
    pub hostinfo: bool,
}

impl PluginsConfig {
    pub fn load(doc: &Doc) -> Result<PluginsConfig, ConfigError> {
        let mut defined = Vec::new();
        if let Some(node) = doc.node("plugins") {
            let items = match &node.kind {
                Kind::Seq(items) => &items[..],
                Kind::Null => &[][..],
                _ => return Err(ConfigError::at(&node.origin, "plugins must be a sequence")),
            };
            for item in items {
                let entry = doc.item(item, "plugins");
                let name = entry.scalar("name")?;
                let library_path = entry.scalar("library_path")?;
                let (Some((name, _)), Some((library_path, _))) = (name, library_path) else {
                    return Err(ConfigError::at(
                        &item.origin,
                        "could not load plugins config: a plugin needs a 'name' and a 'library_path'",
                    ));
                };
                defined.push(PluginEntry {
                    name: name.to_owned(),
                    library_path: library_path.to_owned(),
                });
            }
        }
        let selected = if doc.is_defined("load_plugins") {
            let mut selected = Vec::new();
            for (name, origin) in doc.strings("load_plugins")? {
                let entry = defined.iter().find(|p| p.name == name).ok_or_else(|| {
                    ConfigError::at(
                        &origin,
                        format!(
                            "Cannot load plugin '{name}': plugin config not found for given name"
                        ),
                    )
                })?;
                selected.push(entry.clone());
            }
            selected
        } else {
            defined
        };
        Ok(PluginsConfig {
            selected,
            hostinfo: doc.bool("plugins_hostinfo", true)?,
        })
    }

    /// The message logged for each plugin falco-rs does not load.
    pub fn ignored_messages(&self) -> Vec<String> {
        self.selected
            .iter()
            .map(|p| {
                format!(
                    "falco-rs does not load plugins: ignoring plugin '{}' ({}); container fields are built in",
                    p.name, p.library_path
                )
            })
            .collect()
    }
}
