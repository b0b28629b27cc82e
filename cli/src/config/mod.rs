//! falco.yaml: reading, merging, `-o` overrides and typed settings.
//!
//! The steps follow Falco's `falco_configuration::init_from_file`:
//!
//! 1. read the main file (`-c`, default `/etc/falco/falco.yaml`),
//!    expanding `${VAR}`;
//! 2. apply the `-o config_files...` options, then merge every
//!    `config_files` entry in order ([`files`]);
//! 3. apply every `-o key=value` option ([`overrides`]);
//! 4. read the typed settings, one module per concern, with Falco's
//!    defaults. Unknown keys are reported per file ([`schema`]), wrong
//!    types and values are errors naming file, line and column
//!    ([`error`], [`types`]).

pub mod append_output;
pub mod containers;
pub mod engine;
pub mod error;
pub mod files;
pub mod libs;
pub mod logging;
pub mod outputs;
pub mod overrides;
pub mod plugins;
pub mod rules;
pub mod runtime;
pub mod schema;
pub mod types;
pub mod yaml;

pub use append_output::{AppendOutput, Appended, ExtraField};
pub use engine::{EngineConfig, EngineKind};
pub use error::ConfigError;
pub use files::LoadedFile;
pub use logging::{LogLevel, LoggingConfig};
pub use outputs::{
    DeliveryConfig, FileOutputConfig, HttpOutputConfig, OutputsConfig, ProgramOutputConfig,
    SpoolSettings, WhenFull,
};
pub use rules::{RuleSelection, RulesConfig};

use falco_engine::loader::Priority;
use types::Doc;
use yaml::{Node, Origin};

/// Where falco looks for its configuration when `-c` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "/etc/falco/falco.yaml";

/// `rule_matching`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleMatching {
    First,
    All,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main file (empty when running without one), then the included
    /// files, each with the keys falco-rs did not know.
    pub files: Vec<LoadedFile>,
    pub watch_config_files: bool,
    pub rules: RulesConfig,
    pub engine: EngineConfig,
    pub plugins: plugins::PluginsConfig,
    /// The built-in container engines (the container plugin's config).
    pub containers: containers::ContainersConfig,
    /// Rules less severe than this are not loaded.
    pub priority: Priority,
    pub rule_matching: RuleMatching,
    pub outputs: OutputsConfig,
    pub append_output: Vec<AppendOutput>,
    pub static_fields: Vec<(String, String)>,
    pub logging: LoggingConfig,
    pub webserver: runtime::WebserverConfig,
    pub metrics: runtime::MetricsConfig,
    pub syscall_event_drops: runtime::SyscallEventDrops,
    pub syscall_event_timeouts_max_consecutives: u32,
    pub capture: runtime::CaptureConfig,
    pub libs: libs::LibsConfig,
    /// Warnings to log once the logger is set up (deprecated keys...).
    pub warnings: Vec<String>,
    /// The merged tree, for `--support`.
    pub tree: Node,
}

impl Config {
    /// Loads the configuration from `path` (or from nothing: Falco's
    /// defaults) with the `-o` options applied.
    pub fn load(path: Option<&str>, options: &[String]) -> Result<Config, ConfigError> {
        match path {
            Some(path) => {
                let root = files::read_file(path)?;
                Config::build(root, Some(path), options)
            }
            None => Config::build(Node::empty_map(Origin::Default), None, options),
        }
    }

    /// Loads a configuration from text (as if read from `path`).
    pub fn from_text(path: &str, text: &str, options: &[String]) -> Result<Config, ConfigError> {
        let root = files::parse_text(path, text)?;
        Config::build(root, Some(path), options)
    }

    /// Loads a configuration from text with the `-o` options applied, like
    /// [`from_text`](Self::from_text), but reads no other file:
    /// `config_files` entries stay unmerged. The fuzz target's entry point
    /// (`fuzz/`): a fuzzed include must not read the machine's files.
    pub fn from_text_alone(text: &str, options: &[String]) -> Result<Config, ConfigError> {
        let mut root = files::parse_text("falco.yaml", text)?;
        for option in options {
            overrides::apply(&mut root, option)?;
        }
        Config::from_tree(root, Vec::new())
    }

    fn build(
        mut root: Node,
        path: Option<&str>,
        options: &[String],
    ) -> Result<Config, ConfigError> {
        let files = match path {
            Some(path) => {
                for option in options
                    .iter()
                    .filter(|o| o.starts_with(files::CONFIG_FILES_KEY))
                {
                    overrides::apply(&mut root, option)?;
                }
                files::merge_includes(&mut root, path)?
            }
            None => Vec::new(),
        };
        for option in options {
            overrides::apply(&mut root, option)?;
        }
        Config::from_tree(root, files)
    }

    fn from_tree(root: Node, files: Vec<LoadedFile>) -> Result<Config, ConfigError> {
        let doc = Doc::new(&root);
        let mut warnings = Vec::new();

        let priority_text = doc.string("priority", "debug")?;
        let priority = Priority::parse(&priority_text).ok_or_else(|| {
            ConfigError::at(
                &doc.origin("priority"),
                format!("Unknown priority \"{priority_text}\"--must be one of emergency, alert, critical, error, warning, notice, informational, debug"),
            )
        })?;
        let matching = doc.string("rule_matching", "first")?;
        let rule_matching = match matching.as_str() {
            "first" => RuleMatching::First,
            "all" => RuleMatching::All,
            _ => {
                return Err(ConfigError::at(
                    &doc.origin("rule_matching"),
                    format!(
                        "Unknown rule matching strategy \"{matching}\"--must be one of first, all"
                    ),
                ))
            }
        };
        let rules = RulesConfig::load(&doc)?;
        warnings.extend(rules.warning.clone());
        let (append_output, append_warnings) = append_output::load(&doc)?;
        warnings.extend(append_warnings);
        let plugins = plugins::PluginsConfig::load(&doc)?;
        warnings.extend(plugins.ignored_messages());
        let containers =
            containers::ContainersConfig::load(&plugins, std::env::var("HOST_ROOT").ok())?;
        warnings.extend(containers.warnings());

        Ok(Config {
            files,
            watch_config_files: doc.bool("watch_config_files", true)?,
            engine: EngineConfig::load(&doc)?,
            priority,
            rule_matching,
            outputs: OutputsConfig::load(&doc)?,
            static_fields: append_output::load_static_fields(&doc)?,
            logging: LoggingConfig::load(&doc)?,
            webserver: runtime::WebserverConfig::load(&doc)?,
            metrics: runtime::MetricsConfig::load(&doc)?,
            syscall_event_drops: runtime::SyscallEventDrops::load(&doc)?,
            syscall_event_timeouts_max_consecutives: runtime::load_max_consecutive_timeouts(&doc)?,
            capture: runtime::CaptureConfig::load(&doc)?,
            libs: libs::LibsConfig::load(&doc)?,
            rules,
            append_output,
            plugins,
            containers,
            warnings,
            tree: root,
        })
    }

    /// The main configuration file, if there is one.
    pub fn main_file(&self) -> Option<&str> {
        self.files.first().map(|f| f.path.as_str())
    }

    /// Falco's schema-validation lines for the configuration files:
    /// `(is_warning, text)`, one header then one line per file.
    pub fn validation_report(&self) -> Vec<(bool, String)> {
        let mut out = Vec::new();
        if self.files.is_empty() {
            return out;
        }
        out.push((
            false,
            "Falco initialized with configuration files:".to_owned(),
        ));
        for file in &self.files {
            if file.unknown_keys.is_empty() {
                out.push((false, format!("   {} | schema validation: ok", file.path)));
            } else {
                for key in &file.unknown_keys {
                    out.push((
                        true,
                        format!(
                            "   {} | schema validation: failed for {}: unknown key '{}', ignored",
                            file.path, key.origin, key.path
                        ),
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod schema_tests;
#[cfg(test)]
mod tests;
