//! falco-engine: Falco's rules engine.
//!
//! So far: the condition language ([`condition`]) — grammar, typed syntax
//! tree, parser and printer — and the rules loader ([`loader`]): YAML rules
//! files to a ruleset of expanded conditions, with Falco's errors and
//! warnings. The compiler and evaluator build on them. [`yaml`] is the
//! YAML reader of both the rules loader and the cli's falco.yaml.

#![forbid(unsafe_code)]

pub mod compiler;
pub mod condition;
pub mod drive;
pub mod loader;
pub mod yaml;

pub use condition::{parse_condition, print_condition, ParseError};
pub use loader::{LoadResult, RulesLoader, Ruleset};
