//! Errors of the condition parser. Each one carries the position it is
//! about (1-based line and column, and the byte offset).

use super::ast::Pos;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error("{pos}: the condition is empty")]
    Empty { pos: Pos },

    /// The text does not follow the grammar: `message` says what was
    /// expected and what was found.
    #[error("{pos}: {message}")]
    Syntax { pos: Pos, message: String },

    /// A quote with no closing quote; `pos` is the opening quote.
    #[error("{pos}: unterminated string (opened here, never closed)")]
    UnterminatedString { pos: Pos },

    /// A backslash sequence Falco does not define, or one not allowed in
    /// this kind of quotes; `pos` is the backslash.
    #[error("{pos}: invalid escape sequence {sequence:?}: {reason}")]
    InvalidEscape {
        pos: Pos,
        sequence: String,
        reason: &'static str,
    },

    /// A field argument that decodes to bytes which are not UTF-8.
    #[error("{pos}: a field argument must be UTF-8 text")]
    NonUtf8FieldArg { pos: Pos },

    /// Parentheses (or `not`s) nested deeper than the parser allows.
    #[error("{pos}: nesting deeper than {limit} levels")]
    TooDeep { pos: Pos, limit: usize },
}

impl ParseError {
    pub fn pos(&self) -> Pos {
        match self {
            ParseError::Empty { pos }
            | ParseError::Syntax { pos, .. }
            | ParseError::UnterminatedString { pos }
            | ParseError::InvalidEscape { pos, .. }
            | ParseError::NonUtf8FieldArg { pos }
            | ParseError::TooDeep { pos, .. } => *pos,
        }
    }

    pub fn line(&self) -> usize {
        self.pos().line
    }

    pub fn column(&self) -> usize {
        self.pos().column
    }
}
