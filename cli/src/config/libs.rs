//! Capture and state tuning: `base_syscalls`, `falco_libs`,
//! `container_engines`, `buffer_format_base64`.

use super::error::ConfigError;
use super::types::Doc;

/// Falco's defaults for the thread table.
pub const DEFAULT_THREAD_TABLE_SIZE: u32 = 262_144;
pub const DEFAULT_THREAD_TABLE_AUTO_PURGING_INTERVAL_S: u32 = 300;
pub const DEFAULT_THREAD_TABLE_AUTO_PURGING_THREAD_TIMEOUT_S: u32 = 300;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseSyscalls {
    pub custom_set: Vec<String>,
    pub repair: bool,
    pub all: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FalcoLibs {
    pub thread_table_size: u32,
    pub thread_table_auto_purging_interval_s: u32,
    pub thread_table_auto_purging_thread_timeout_s: u32,
    /// 0: let the capture layer choose.
    pub snaplen: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEngines {
    pub docker: bool,
    pub cri: bool,
    pub cri_sockets: Vec<String>,
    pub cri_disable_async: bool,
    pub podman: bool,
    pub lxc: bool,
    pub libvirt_lxc: bool,
    pub bpm: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibsConfig {
    pub base_syscalls: BaseSyscalls,
    pub falco_libs: FalcoLibs,
    pub container_engines: ContainerEngines,
    pub buffer_format_base64: bool,
}

impl LibsConfig {
    pub fn load(doc: &Doc) -> Result<LibsConfig, ConfigError> {
        let mut custom_set = Vec::new();
        for (name, _) in doc.strings("base_syscalls.custom_set")? {
            if !custom_set.contains(&name) {
                custom_set.push(name);
            }
        }
        Ok(LibsConfig {
            base_syscalls: BaseSyscalls {
                custom_set,
                repair: doc.bool("base_syscalls.repair", false)?,
                all: doc.bool("base_syscalls.all", false)?,
            },
            falco_libs: FalcoLibs {
                thread_table_size: doc
                    .int("falco_libs.thread_table_size", DEFAULT_THREAD_TABLE_SIZE)?,
                thread_table_auto_purging_interval_s: doc.int(
                    "falco_libs.thread_table_auto_purging_interval_s",
                    DEFAULT_THREAD_TABLE_AUTO_PURGING_INTERVAL_S,
                )?,
                thread_table_auto_purging_thread_timeout_s: doc.int(
                    "falco_libs.thread_table_auto_purging_thread_timeout_s",
                    DEFAULT_THREAD_TABLE_AUTO_PURGING_THREAD_TIMEOUT_S,
                )?,
                snaplen: doc.int("falco_libs.snaplen", 0u64)?,
            },
            container_engines: ContainerEngines {
                docker: doc.bool("container_engines.docker.enabled", true)?,
                cri: doc.bool("container_engines.cri.enabled", true)?,
                cri_sockets: doc
                    .strings("container_engines.cri.sockets")?
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect(),
                cri_disable_async: doc.bool("container_engines.cri.disable_async", false)?,
                podman: doc.bool("container_engines.podman.enabled", false)?,
                lxc: doc.bool("container_engines.lxc.enabled", false)?,
                libvirt_lxc: doc.bool("container_engines.libvirt_lxc.enabled", false)?,
                bpm: doc.bool("container_engines.bpm.enabled", false)?,
            },
            buffer_format_base64: doc.bool("buffer_format_base64", false)?,
        })
    }
}
