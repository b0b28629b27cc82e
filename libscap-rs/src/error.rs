//! The one error type of falco-scap.

use std::path::PathBuf;

/// Everything that can go wrong reading or writing captures and talking to
/// engines. Format errors carry the byte offset (in the uncompressed
/// stream) of the block they were found in, and its type.
#[derive(Debug, thiserror::Error)]
pub enum ScapError {
    #[error("{path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("read error at offset {offset}: {source}")]
    Read { offset: u64, source: std::io::Error },

    #[error("write error: {0}")]
    Write(#[from] std::io::Error),

    #[error("not a capture file: {0}")]
    NotACapture(String),

    #[error("truncated {block} at offset {offset}: {what}")]
    Truncated {
        offset: u64,
        block: BlockName,
        what: String,
    },

    #[error("corrupt {block} at offset {offset}: {what}")]
    Corrupt {
        offset: u64,
        block: BlockName,
        what: String,
    },

    #[error("capture format version {major}.{minor} is newer than this reader understands")]
    VersionTooNew { major: u16, minor: u16 },

    #[error("{0}")]
    Engine(String),
}

impl ScapError {
    /// The byte offset the error refers to, when it has one.
    pub fn offset(&self) -> Option<u64> {
        match self {
            ScapError::Read { offset, .. }
            | ScapError::Truncated { offset, .. }
            | ScapError::Corrupt { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

/// A block type as error messages name it: its known name, or its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockName(pub u32);

impl std::fmt::Display for BlockName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match crate::savefile::block::BlockType::from_u32(self.0) {
            Some(t) => write!(f, "{} block (0x{:x})", t.name(), self.0),
            None if self.0 == u32::MAX => f.write_str("block header"),
            None => write!(f, "block of type 0x{:x}", self.0),
        }
    }
}

pub type Result<T, E = ScapError> = std::result::Result<T, E>;
