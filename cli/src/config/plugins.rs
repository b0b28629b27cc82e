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
    /// `init_config` as JSON (a string holding JSON is parsed), with where
    /// the entry is.
    pub init_config: Option<serde_json::Value>,
    pub origin: super::yaml::Origin,
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
                let init_config = match item.get("init_config") {
                    None => None,
                    Some(n) => match n.to_json() {
                        serde_json::Value::String(text) if !text.trim().is_empty() => {
                            Some(serde_json::from_str(&text).map_err(|e| {
                                ConfigError::at(
                                    &n.origin,
                                    format!("plugin '{name}': init_config is not valid JSON: {e}"),
                                )
                            })?)
                        }
                        serde_json::Value::Null | serde_json::Value::String(_) => None,
                        v => Some(v),
                    },
                };
                defined.push(PluginEntry {
                    name: name.to_owned(),
                    library_path: library_path.to_owned(),
                    init_config,
                    origin: item.origin.clone(),
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

    /// The `container` plugin's entry, when selected: its `init_config`
    /// configures the built-in container engines.
    pub fn container(&self) -> Option<&PluginEntry> {
        self.selected.iter().find(|p| p.name == "container")
    }

    /// The message logged for each plugin falco-rs does not load (the
    /// container plugin is built in and is not one of them).
    pub fn ignored_messages(&self) -> Vec<String> {
        self.selected
            .iter()
            .filter(|p| p.name != "container")
            .map(|p| {
                format!(
                    "falco-rs does not load plugins: ignoring plugin '{}' ({}); container fields are built in",
                    p.name, p.library_path
                )
            })
            .collect()
    }
}
