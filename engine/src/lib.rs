//! falco-engine: Falco's rules engine.
//!
//! So far: the condition language ([`condition`]) — grammar, typed syntax
//! tree, parser and printer. The rules loader, compiler and evaluator build
//! on it.

#![forbid(unsafe_code)]

pub mod condition;

pub use condition::{parse_condition, print_condition, ParseError};
