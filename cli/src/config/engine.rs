//! `engine`: where events come from.

use super::error::ConfigError;
use super::types::Doc;

/// Falco's default preset for the ring buffer size.
pub const DEFAULT_BUF_SIZE_PRESET: i16 = 4;
/// Falco's default for modern eBPF: one buffer per two CPUs.
pub const DEFAULT_CPUS_FOR_EACH_BUFFER: u16 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Kmod,
    ModernEbpf,
    Replay,
    Nodriver,
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Kmod => "kmod",
            EngineKind::ModernEbpf => "modern_ebpf",
            EngineKind::Replay => "replay",
            EngineKind::Nodriver => "nodriver",
        }
    }

    pub fn parse(text: &str) -> Option<EngineKind> {
        [
            EngineKind::Kmod,
            EngineKind::ModernEbpf,
            EngineKind::Replay,
            EngineKind::Nodriver,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    pub kind: EngineKind,
    /// `engine.<kind>.buf_size_preset` of the selected driver.
    pub buf_size_preset: i16,
    /// `engine.<kind>.drop_failed_exit` of the selected driver.
    pub drop_failed_exit: bool,
    /// `engine.modern_ebpf.cpus_for_each_buffer`.
    pub cpus_for_each_buffer: u16,
    /// `engine.replay.capture_file`.
    pub capture_file: String,
}

impl EngineConfig {
    /// Reads `engine`; like Falco, only the selected kind's block is read,
    /// and the kind defaults to `kmod` when unset.
    pub fn load(doc: &Doc) -> Result<EngineConfig, ConfigError> {
        let kind_text = doc.string("engine.kind", "kmod")?;
        let kind = EngineKind::parse(&kind_text).ok_or_else(|| {
            ConfigError::at(
                &doc.origin("engine.kind"),
                format!("engine.kind '{kind_text}' is not a valid kind (kmod, modern_ebpf, replay, nodriver)."),
            )
        })?;
        let mut engine = EngineConfig {
            kind,
            buf_size_preset: DEFAULT_BUF_SIZE_PRESET,
            drop_failed_exit: false,
            cpus_for_each_buffer: DEFAULT_CPUS_FOR_EACH_BUFFER,
            capture_file: String::new(),
        };
        match kind {
            EngineKind::Kmod => {
                engine.buf_size_preset =
                    doc.int("engine.kmod.buf_size_preset", DEFAULT_BUF_SIZE_PRESET)?;
                engine.drop_failed_exit = doc.bool("engine.kmod.drop_failed_exit", false)?;
            }
            EngineKind::ModernEbpf => {
                engine.cpus_for_each_buffer = doc.int(
                    "engine.modern_ebpf.cpus_for_each_buffer",
                    DEFAULT_CPUS_FOR_EACH_BUFFER,
                )?;
                engine.buf_size_preset = doc.int(
                    "engine.modern_ebpf.buf_size_preset",
                    DEFAULT_BUF_SIZE_PRESET,
                )?;
                engine.drop_failed_exit = doc.bool("engine.modern_ebpf.drop_failed_exit", false)?;
            }
            EngineKind::Replay => {
                engine.capture_file = doc.string("engine.replay.capture_file", "")?;
                if engine.capture_file.is_empty() {
                    return Err(ConfigError::at(
                        &doc.origin("engine.kind"),
                        "engine.kind is 'replay' but no engine.replay.capture_file specified.",
                    ));
                }
            }
            EngineKind::Nodriver => {}
        }
        Ok(engine)
    }
}
