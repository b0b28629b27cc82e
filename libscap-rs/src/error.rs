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

    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Why a live engine (or the reader thread of a replay) failed, as a kind
/// a program can act on: the CLI says what to do about each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineFailure {
    /// The kernel offers no BTF (/sys/kernel/btf/vmlinux): the eBPF
    /// engine cannot relocate its probe.
    NoBtf,
    /// EPERM/EACCES: not root, or without CAP_BPF and CAP_PERFMON.
    NotPermitted,
    /// The kernel's verifier rejected a program of the probe.
    VerifierRejected,
    /// The kernel module is not loaded: no device, or a device without
    /// its driver.
    ModuleNotLoaded,
    /// Another consumer holds the device.
    Busy,
    /// Data from the kernel or a file that does not parse.
    Malformed,
    /// Anything else; the message says what.
    Other,
}

/// A live engine's error: its kind, the whole message in words (the cause
/// included, as users read it), and the error it came from.
#[derive(Debug)]
pub struct EngineError {
    pub failure: EngineFailure,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl EngineError {
    pub fn new(failure: EngineFailure, message: impl Into<String>) -> EngineError {
        EngineError {
            failure,
            message: message.into(),
            source: None,
        }
    }

    /// The same error, keeping `source` as its cause.
    pub fn caused_by(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// `failure`, unless an error in `e`'s chain says permission was
    /// denied (EPERM/EACCES), which is what most of the kernel's refusals
    /// come down to when falco is not privileged.
    pub fn classify(
        e: &(dyn std::error::Error + 'static),
        failure: EngineFailure,
    ) -> EngineFailure {
        let mut cause = Some(e);
        while let Some(c) = cause {
            let denied = c
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied)
                || c.downcast_ref::<nix::errno::Errno>().is_some_and(|n| {
                    matches!(n, nix::errno::Errno::EPERM | nix::errno::Errno::EACCES)
                });
            if denied {
                return EngineFailure::NotPermitted;
            }
            cause = c.source();
        }
        failure
    }
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EngineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn a_refusal_anywhere_in_the_chain_is_not_permitted() {
        let denied = Outer(std::io::Error::from_raw_os_error(nix::libc::EPERM));
        assert_eq!(
            EngineError::classify(&denied, EngineFailure::VerifierRejected),
            EngineFailure::NotPermitted
        );
        let errno = nix::errno::Errno::EACCES;
        assert_eq!(
            EngineError::classify(&errno, EngineFailure::Other),
            EngineFailure::NotPermitted
        );
        let other = Outer(std::io::Error::from_raw_os_error(nix::libc::EINVAL));
        assert_eq!(
            EngineError::classify(&other, EngineFailure::VerifierRejected),
            EngineFailure::VerifierRejected
        );
    }

    #[test]
    fn the_message_is_whole_and_the_cause_is_kept() {
        let e: ScapError = EngineError::new(EngineFailure::Busy, "kmod: busy")
            .caused_by(std::io::Error::from_raw_os_error(nix::libc::EBUSY))
            .into();
        assert_eq!(e.to_string(), "kmod: busy");
        // (ScapError::Engine is transparent: its source is the cause.)
        let cause = std::error::Error::source(&e).expect("its cause");
        assert_eq!(
            cause
                .downcast_ref::<std::io::Error>()
                .and_then(|e| e.raw_os_error()),
            Some(nix::libc::EBUSY)
        );
    }
}
