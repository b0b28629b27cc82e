//! The rules loader: Falco rules files (YAML) in, a [`Ruleset`] out, with
//! Falco's errors and warnings per file.
//!
//! It follows Falco's rule loader (reader, collector, compiler) closely:
//! the same items and keys, the same `override`/`append` semantics, the
//! same exception text, lists substituted into conditions textually, the
//! same codes and messages, and the same load-results JSON. Files load in
//! order into one collection, and after each file everything collected so
//! far is compiled again — so, as in Falco, warnings about earlier files
//! (an unused macro) show up again in later files' results.
//!
//! - `yaml`: rules files through [`crate::yaml`], positions in [`sources`];
//! - `items`, `rule_item`, `overrides`, `exceptions`, `decode`: reading;
//! - `collector`: define / append / replace / enable, in load order;
//! - `lists`, `macros`, `assemble`: expansion into condition trees;
//! - `lint`, `satisfy`, `noop`: warnings of our own (not Falco's) about
//!   rules, exceptions and overrides that can never take effect;
//! - `result`, `codes`, `context`, `report`, `snippet`: what is reported;
//! - [`mapped_text`] and [`sources`]: positions, so that every message and
//!   every node of an expanded condition points into the right file.
//!
//! ```
//! use falco_engine::loader::RulesLoader;
//!
//! let rules = "- macro: spawned\n  condition: evt.type = execve\n\
//!              - rule: Shell\n  desc: a shell\n  condition: spawned and proc.name = bash\n  \
//!              output: shell (%proc.cmdline)\n  priority: WARNING\n";
//! let loaded = RulesLoader::new().load(&[("my_rules.yaml", rules)]);
//! assert!(loaded.successful());
//! let ruleset = loaded.ruleset.unwrap();
//! let rule = ruleset.rule("Shell").unwrap();
//! assert_eq!(falco_engine::print_condition(&rule.condition), "evt.type = execve and proc.name = bash");
//! ```

mod assemble;
mod codes;
mod collector;
mod context;
mod decode;
mod exceptions;
mod fields;
mod items;
mod lint;
mod lists;
mod macros;
pub(crate) mod mapped_text;
mod noop;
mod overrides;
mod priority;
mod remap;
mod report;
mod result;
mod rule_item;
mod ruleset;
mod satisfy;
mod snippet;
pub mod sources;
mod version;
pub(crate) mod yaml;

pub use crate::yaml::{MAX_YAML_DEPTH, MAX_YAML_NODES};
pub use codes::{ErrorCode, WarningCode};
pub use context::{Context, ItemType, Location};
pub use fields::FieldCatalog;
pub use macros::{MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES};
pub use priority::Priority;
pub use report::{context_snippet, context_string, load_results_json};
pub use result::{FileResult, LoadError, LoadWarning, Message};
pub use rule_item::DEFAULT_SOURCE;
pub use ruleset::{List, Macro, Rule, Ruleset};
pub use sources::{Position, SourceFile, Sources};
pub use version::{
    check_plugin_requirement, PluginRequirement, Version, BUILTIN_PLUGINS, ENGINE_VERSION,
};

use collector::Collector;
use result::Fail;
use std::path::Path;

/// An event source rules can name (`source: syscall`), with its fields
/// when known.
pub struct EventSource {
    pub name: String,
    pub fields: Option<Box<dyn FieldCatalog + Send + Sync>>,
}

impl EventSource {
    /// A source whose fields the loader does not check.
    pub fn new(name: &str) -> EventSource {
        EventSource {
            name: name.to_owned(),
            fields: None,
        }
    }

    /// A source whose condition, output and exception fields are checked
    /// against `fields`.
    pub fn with_fields(
        name: &str,
        fields: impl FieldCatalog + Send + Sync + 'static,
    ) -> EventSource {
        EventSource {
            name: name.to_owned(),
            fields: Some(Box::new(fields)),
        }
    }
}

impl std::fmt::Debug for EventSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSource")
            .field("name", &self.name)
            .field("fields", &self.fields.is_some())
            .finish()
    }
}

/// Loads rules files one after another into one collection, like Falco's
/// engine does with repeated `load_rules` calls.
#[derive(Debug)]
pub struct RulesLoader {
    event_sources: Vec<EventSource>,
    collector: Collector,
    files: Sources,
    ruleset: Option<Ruleset>,
}

impl Default for RulesLoader {
    fn default() -> Self {
        RulesLoader::new()
    }
}

/// The outcome of loading several files.
#[derive(Debug, Clone)]
pub struct LoadResult {
    /// One result per file, in load order.
    pub files: Vec<FileResult>,
    /// The rules, when every file loaded without error.
    pub ruleset: Option<Ruleset>,
    /// The files' text, for locating positions and printing snippets.
    pub sources: Sources,
}

impl LoadResult {
    pub fn successful(&self) -> bool {
        self.files.iter().all(FileResult::successful)
    }

    pub fn errors(&self) -> impl Iterator<Item = &LoadError> {
        self.files.iter().flat_map(|f| f.errors.iter())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &LoadWarning> {
        self.files.iter().flat_map(|f| f.warnings.iter())
    }

    /// Falco's `{"falco_load_results": [...]}` document.
    pub fn to_json(&self) -> String {
        load_results_json(&self.files, &self.sources)
    }
}

impl RulesLoader {
    /// A loader knowing the `syscall` source, without a field catalog.
    pub fn new() -> RulesLoader {
        RulesLoader::with_sources(vec![EventSource::new(DEFAULT_SOURCE)])
    }

    /// A loader knowing exactly these event sources; rules for other
    /// sources are skipped with `LOAD_UNKNOWN_SOURCE`.
    pub fn with_sources(event_sources: Vec<EventSource>) -> RulesLoader {
        RulesLoader {
            event_sources,
            collector: Collector::default(),
            files: Sources::default(),
            ruleset: None,
        }
    }

    /// Loads one more file: reads it into the collection, then compiles
    /// everything collected so far. On success the ruleset is replaced;
    /// on error there is none until a later file compiles.
    pub fn load_file(&mut self, name: &str, content: &str) -> FileResult {
        let index = self.files.add(name, content);
        let mut res = FileResult::new(name);
        let read = items::Reader {
            file: self.files.file(index),
            res: &mut res,
            collector: &mut self.collector,
            sources: &self.event_sources,
        }
        .read();
        self.ruleset = None;
        if read {
            match assemble::assemble(&self.collector, &self.event_sources, &self.files, &mut res) {
                Ok(ruleset) => self.ruleset = Some(ruleset),
                Err(fail) => res.add_error(fail),
            }
        }
        res
    }

    /// Reads and loads a file from disk (`LOAD_ERR_FILE_READ` when it
    /// cannot be read as UTF-8 text).
    pub fn load_path(&mut self, path: &Path) -> FileResult {
        let name = path.display().to_string();
        match std::fs::read(path).map(String::from_utf8) {
            Ok(Ok(text)) => self.load_file(&name, &text),
            Ok(Err(_)) => self.file_read_error(
                &name,
                format!("Could not read file {name}: it is not UTF-8 text"),
            ),
            Err(err) => self.file_read_error(
                &name,
                format!("Could not open file {name} for reading: {err}"),
            ),
        }
    }

    fn file_read_error(&mut self, name: &str, message: String) -> FileResult {
        let mut res = FileResult::new(name);
        res.add_error(Fail::new(
            ErrorCode::FileRead,
            message,
            &Context::file(name),
        ));
        self.ruleset = None;
        res
    }

    /// Loads `(name, content)` files in order, every one of them even after
    /// an error (as `falco -V` does), and returns every file's result.
    pub fn load(mut self, files: &[(&str, &str)]) -> LoadResult {
        let results: Vec<FileResult> = files
            .iter()
            .map(|(name, text)| self.load_file(name, text))
            .collect();
        let ok = results.iter().all(FileResult::successful);
        LoadResult {
            files: results,
            ruleset: if ok { self.ruleset } else { None },
            sources: self.files,
        }
    }

    /// The ruleset of the last successful compile.
    pub fn ruleset(&self) -> Option<&Ruleset> {
        self.ruleset.as_ref()
    }

    pub fn sources(&self) -> &Sources {
        &self.files
    }
}

/// Loads arbitrary bytes as a rules file and renders every result the way
/// `falco -V` would. Never panics: this is the rules loader's fuzz entry
/// point.
pub fn fuzz_load(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    let loaded = RulesLoader::new().load(&[("fuzz.yaml", &text)]);
    let mut out = loaded.to_json();
    for file in &loaded.files {
        out.push_str(&file.verbose_string(&loaded.sources));
        out.push_str(&file.summary_string());
    }
    out
}

#[cfg(test)]
mod error_tests;
#[cfg(test)]
mod exception_tests;
#[cfg(test)]
mod expand_tests;
#[cfg(test)]
mod item_tests;
#[cfg(test)]
mod lint_tests;
#[cfg(test)]
mod mutation_tests;
#[cfg(test)]
mod noop_tests;
#[cfg(test)]
mod override_tests;
#[cfg(test)]
mod report_tests;
#[cfg(test)]
mod satisfy_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod upstream_tests;
