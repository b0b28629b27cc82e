//! What loading one file produced: its errors and warnings.

use super::codes::{ErrorCode, WarningCode};
use super::context::Context;

/// One error or warning: its code, Falco's message, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<Code> {
    pub code: Code,
    pub message: String,
    pub context: Context,
}

pub type LoadError = Message<ErrorCode>;
pub type LoadWarning = Message<WarningCode>;

/// The result of loading one rules file, as Falco reports it per file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileResult {
    pub name: String,
    pub errors: Vec<LoadError>,
    pub warnings: Vec<LoadWarning>,
}

impl FileResult {
    pub fn new(name: &str) -> FileResult {
        FileResult {
            name: name.to_owned(),
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// True when the file loaded without error (warnings allowed).
    pub fn successful(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn has_warnings(&self) -> bool {
        !self.warnings.is_empty()
    }

    pub(crate) fn add_error(&mut self, fail: Fail) {
        self.errors.push(Message {
            code: fail.code,
            message: fail.message,
            context: fail.context,
        });
    }

    pub(crate) fn warn(
        &mut self,
        code: WarningCode,
        message: impl Into<String>,
        context: &Context,
    ) {
        self.warnings.push(Message {
            code,
            message: message.into(),
            context: context.clone(),
        });
    }
}

/// An error that stops the current stage (Falco throws these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail {
    pub code: ErrorCode,
    pub message: String,
    pub context: Context,
}

impl Fail {
    pub fn new(code: ErrorCode, message: impl Into<String>, context: &Context) -> Fail {
        Fail {
            code,
            message: message.into(),
            context: context.clone(),
        }
    }

    /// A structure error of the YAML (`LOAD_ERR_YAML_VALIDATE`).
    pub fn yaml(message: impl Into<String>, context: &Context) -> Fail {
        Fail::new(ErrorCode::YamlValidate, message, context)
    }

    /// A semantic error (`LOAD_ERR_VALIDATE`).
    pub fn validate(message: impl Into<String>, context: &Context) -> Fail {
        Fail::new(ErrorCode::Validate, message, context)
    }
}

pub(crate) type Check<T> = Result<T, Fail>;
