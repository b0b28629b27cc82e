//! Falco's condition language: the text after `condition:` in rules and
//! macros, e.g. `evt.type = execve and not proc.name in (bash, sh)`.
//!
//! - `grammar.pest` — the syntax (start here to see what is accepted);
//! - [`ast`] — the typed tree, with source positions on every node;
//! - [`parse_condition`] — text to tree, with line/column errors;
//! - [`print_condition`] — tree back to canonical text.
//!
//! This module stands alone: it depends on no other workspace crate.
//!
//! ```
//! use falco_engine::condition::{parse_condition, print_condition};
//!
//! let tree = parse_condition("proc.name==bash and not fd.name in (a,'b c')").unwrap();
//! assert_eq!(print_condition(&tree), r#"proc.name = bash and not fd.name in (a, "b c")"#);
//!
//! let err = parse_condition("proc.name = bash and\n  (fd.name = x").unwrap_err();
//! assert_eq!((err.line(), err.column()), (2, 15));
//! ```

pub mod ast;
mod diagnostics;
mod error;
mod literal;
mod parser;
mod printer;
mod source;

pub use ast::Expr;
pub use error::ParseError;
pub use parser::{parse_condition, MAX_PAREN_DEPTH, MAX_TREE_DEPTH};
pub use printer::print_condition;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod error_tests;
#[cfg(test)]
mod mutation_tests;
#[cfg(test)]
mod operand_tests;
#[cfg(test)]
mod parser_tests;
#[cfg(test)]
mod printer_tests;
#[cfg(test)]
mod test_corpus;
#[cfg(test)]
mod test_tree;
