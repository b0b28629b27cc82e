//! Configuration errors: every one names where the offending value was
//! written (file, line and column, or the `-o` option).

use super::yaml::Origin;
use std::fmt;

#[derive(Debug)]
pub enum ConfigError {
    /// A file could not be read.
    Read { path: String, error: std::io::Error },
    /// A YAML syntax error.
    Syntax { origin: Origin, message: String },
    /// A value of the wrong type or out of range, or a structural error.
    At { origin: Origin, message: String },
    /// An error about the configuration as a whole (no single place).
    General(String),
}

impl ConfigError {
    pub fn at(origin: &Origin, message: impl Into<String>) -> ConfigError {
        ConfigError::At {
            origin: origin.clone(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, error } => {
                write!(f, "Cannot read config file ({path}): {error}")
            }
            ConfigError::Syntax { origin, message } => {
                write!(f, "{origin}: YAML syntax error: {message}")
            }
            ConfigError::At { origin, message } => write!(f, "{origin}: {message}"),
            ConfigError::General(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ConfigError {}
