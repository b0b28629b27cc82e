//! What a successful load produces.

use super::context::Context;
use super::priority::Priority;
use super::version::{check_plugin_requirement, PluginRequirement, Version};
use crate::condition::ast::Expr;
use std::collections::BTreeSet;

/// A rule ready for the compiler: its condition has macros and lists
/// expanded and its exceptions folded in. Positions in the tree are
/// global offsets (see [`super::Sources::locate`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub description: String,
    pub source: String,
    pub condition: Expr,
    /// The condition as collected (appends joined, before exceptions and
    /// expansion), as Falco describes it.
    pub condition_text: String,
    /// The condition text Falco parses: with exceptions and lists folded in.
    pub expanded_text: String,
    pub output: String,
    pub priority: Priority,
    pub tags: BTreeSet<String>,
    /// The fields named by the rule's exceptions.
    pub exception_fields: BTreeSet<String>,
    /// The names of the rule's exceptions.
    pub exception_names: BTreeSet<String>,
    /// Each exception with a clause, in the order its `and not (...)`
    /// follows the condition: the global offset the clause's `not` stands
    /// for, and the exception's name (what `--explain` names them by).
    pub exception_clauses: Vec<(usize, String)>,
    /// The comparison operators of the rule's exceptions (implicit ones
    /// included: `=` per field, `in` for a single field).
    pub exception_operators: BTreeSet<String>,
    pub enabled: bool,
    pub warn_evttypes: bool,
    pub skip_if_unknown_filter: bool,
    pub capture: bool,
    pub capture_duration: u32,
    /// Where the rule was (first) defined.
    pub context: Context,
    /// Contexts for the compiler's messages about the condition and the
    /// output.
    pub condition_context: Context,
    pub output_context: Context,
}

/// A list with the lists it names expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub name: String,
    pub items: Vec<String>,
    pub used: bool,
}

/// A macro with the macros it uses expanded.
#[derive(Debug, Clone, PartialEq)]
pub struct Macro {
    pub name: String,
    pub condition: Expr,
    pub used: bool,
    /// Where the macro's condition was written (global offsets): a node
    /// of an expanded condition whose position falls here came from it.
    pub spans: Vec<std::ops::Range<usize>>,
}

/// Every rule, macro and list loaded, in definition order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ruleset {
    pub rules: Vec<Rule>,
    pub macros: Vec<Macro>,
    pub lists: Vec<List>,
    /// The highest `required_engine_version` seen.
    pub required_engine_version: Option<Version>,
    /// Each `required_plugin_versions` entry: a plugin and its alternatives.
    pub required_plugin_versions: Vec<Vec<PluginRequirement>>,
}

impl Ruleset {
    pub fn rule(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.name == name)
    }

    pub fn macro_named(&self, name: &str) -> Option<&Macro> {
        self.macros.iter().find(|m| m.name == name)
    }

    pub fn list(&self, name: &str) -> Option<&List> {
        self.lists.iter().find(|l| l.name == name)
    }

    /// Checks every plugin requirement against the plugins available
    /// (for falco-rs, [`super::version::BUILTIN_PLUGINS`]).
    pub fn check_plugin_requirements(&self, available: &[(&str, Version)]) -> Result<(), String> {
        self.required_plugin_versions
            .iter()
            .try_for_each(|alternatives| check_plugin_requirement(alternatives, available))
    }
}
