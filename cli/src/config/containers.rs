//! The built-in container engines, configured as Falco's container plugin
//! is: the `init_config` of the `container` entry of `plugins` (when
//! `load_plugins` selects it), else the plugin's defaults (every engine on
//! its default sockets). `HOST_ROOT` prefixes every socket path.
//!
//! Keys: `label_max_len`, `with_size`, `hooks`, and
//! `engines.<docker|podman|containerd|cri|lxc|libvirt_lxc|bpm>.{enabled,sockets}`.
//! falco-rs adds `metadata_wait_ms`, the longest an alert waits for its
//! container's metadata, and `max_containers`, the most containers the
//! container cache keeps (the plugin has no such bound).

use super::error::ConfigError;
use super::plugins::PluginsConfig;
use falco_sinsp::runtimes::{EngineKind, RuntimesConfig};
use falco_sinsp::state::containers::DEFAULT_MAX_CONTAINERS;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// The container engines' settings, and how long an alert may wait for
/// its container's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainersConfig {
    pub runtimes: RuntimesConfig,
    pub metadata_wait: Duration,
    /// The most containers cached (`init_config.max_containers`).
    pub max_containers: usize,
    /// Keys of `init_config` falco-rs does not know (warned about).
    pub unknown_keys: Vec<String>,
}

/// Falco-rs's default wait for late container metadata.
const DEFAULT_METADATA_WAIT_MS: u64 = 500;

impl ContainersConfig {
    pub fn load(
        plugins: &PluginsConfig,
        host_root: Option<String>,
    ) -> Result<ContainersConfig, ConfigError> {
        let mut out = ContainersConfig {
            runtimes: RuntimesConfig {
                host_root: host_root.filter(|r| !r.is_empty()).map(PathBuf::from),
                ..RuntimesConfig::default()
            },
            metadata_wait: Duration::from_millis(DEFAULT_METADATA_WAIT_MS),
            max_containers: DEFAULT_MAX_CONTAINERS,
            unknown_keys: Vec::new(),
        };
        let Some(entry) = plugins.container() else {
            return Ok(out);
        };
        let Some(init) = &entry.init_config else {
            return Ok(out);
        };
        let err = |msg: String| {
            ConfigError::at(
                &entry.origin,
                format!("plugin 'container': init_config: {msg}"),
            )
        };
        let Some(map) = init.as_object() else {
            return Err(err("must be a mapping".into()));
        };
        let opts = &mut out.runtimes.options;
        for (key, value) in map {
            match key.as_str() {
                "label_max_len" => {
                    opts.label_max_len = value.as_u64().ok_or_else(|| {
                        err(format!(
                            "label_max_len must be a non-negative integer, not {value}"
                        ))
                    })? as usize
                }
                "with_size" => {
                    opts.with_size = value
                        .as_bool()
                        .ok_or_else(|| err(format!("with_size must be a boolean, not {value}")))?
                }
                "hooks" => {
                    let hooks = strings(value).ok_or_else(|| {
                        err(format!("hooks must be a list of strings, not {value}"))
                    })?;
                    if let Some(bad) = hooks
                        .iter()
                        .find(|h| !matches!(h.as_str(), "create" | "start"))
                    {
                        return Err(err(format!("hooks: unknown hook '{bad}' (create, start)")));
                    }
                    opts.hooks = hooks;
                }
                "metadata_wait_ms" => {
                    out.metadata_wait = Duration::from_millis(value.as_u64().ok_or_else(|| {
                        err(format!(
                            "metadata_wait_ms must be a non-negative integer, not {value}"
                        ))
                    })?)
                }
                "max_containers" => {
                    out.max_containers = value.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                        err(format!(
                            "max_containers must be a positive integer, not {value}"
                        ))
                    })? as usize
                }
                "engines" => {
                    let engines = value
                        .as_object()
                        .ok_or_else(|| err("engines must be a mapping".into()))?;
                    for (name, e) in engines {
                        let Some(engine) = out
                            .runtimes
                            .engines
                            .iter_mut()
                            .find(|c| c.kind.config_name() == name)
                        else {
                            out.unknown_keys.push(format!("engines.{name}"));
                            continue;
                        };
                        if let Some(enabled) = e.get("enabled") {
                            engine.enabled = enabled.as_bool().ok_or_else(|| {
                                err(format!("engines.{name}.enabled must be a boolean"))
                            })?;
                        }
                        if let Some(sockets) = e.get("sockets") {
                            engine.sockets = Some(strings(sockets).ok_or_else(|| {
                                err(format!("engines.{name}.sockets must be a list of strings"))
                            })?);
                        }
                    }
                }
                other => out.unknown_keys.push(other.to_string()),
            }
        }
        Ok(out)
    }

    /// The warnings the configuration deserves.
    pub fn warnings(&self) -> Vec<String> {
        self.unknown_keys
            .iter()
            .map(|k| format!("plugin 'container': init_config: unknown key '{k}' ignored"))
            .collect()
    }

    /// Whether an engine is enabled.
    pub fn enabled(&self, kind: EngineKind) -> bool {
        self.runtimes
            .engines
            .iter()
            .any(|e| e.kind == kind && e.enabled)
    }
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn load(yaml: &str, host_root: Option<&str>) -> Result<ContainersConfig, String> {
        let config = Config::from_text("falco.yaml", yaml, &[]).map_err(|e| e.to_string())?;
        ContainersConfig::load(&config.plugins, host_root.map(str::to_string))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_plugins_init_config_configures_the_engines() {
        let c = load(
            "plugins:\n  - name: container\n    library_path: libcontainer.so\n    init_config:\n      label_max_len: 20\n      max_containers: 64\n      with_size: true\n      hooks: [create, start]\n      engines:\n        docker: {enabled: false}\n        podman:\n          enabled: true\n          sockets: ['/tmp/p.sock']\nload_plugins: [container]\n",
            Some("/host"),
        )
        .unwrap();
        let r = &c.runtimes;
        assert_eq!((r.options.label_max_len, r.options.with_size), (20, true));
        assert_eq!(c.max_containers, 64);
        assert_eq!(r.options.hooks, ["create", "start"]);
        assert!(!c.enabled(EngineKind::Docker) && c.enabled(EngineKind::Podman));
        let podman = r
            .engines
            .iter()
            .find(|e| e.kind == EngineKind::Podman)
            .unwrap();
        assert_eq!(r.sockets(podman), [PathBuf::from("/host/tmp/p.sock")]);
        let docker = r
            .engines
            .iter()
            .find(|e| e.kind == EngineKind::Docker)
            .unwrap();
        assert_eq!(
            r.sockets(docker),
            [PathBuf::from("/host/var/run/docker.sock")]
        );
    }

    #[test]
    fn json_string_init_config_defaults_and_errors() {
        let c = load(
            "plugins:\n  - name: container\n    library_path: libcontainer.so\n    init_config: '{\"label_max_len\": 7, \"bogus\": 1}'\nload_plugins: [container]\n",
            None,
        )
        .unwrap();
        assert_eq!(c.runtimes.options.label_max_len, 7);
        assert_eq!(c.max_containers, DEFAULT_MAX_CONTAINERS);
        assert_eq!(
            c.warnings(),
            ["plugin 'container': init_config: unknown key 'bogus' ignored"]
        );
        // Not loaded: the plugin's defaults.
        let d = load("plugins:\n  - name: container\n    library_path: x.so\n    init_config: {label_max_len: 7}\nload_plugins: []\n", None).unwrap();
        assert_eq!(d.runtimes, RuntimesConfig::default());
        let e = load(
            "plugins:\n  - name: container\n    library_path: x.so\n    init_config:\n      hooks: [stop]\nload_plugins: [container]\n",
            None,
        )
        .unwrap_err();
        assert!(
            e.contains("falco.yaml:2:") && e.contains("unknown hook 'stop'"),
            "{e}"
        );
        let e = load(
            "plugins:\n  - name: container\n    library_path: x.so\n    init_config: '{not json'\nload_plugins: [container]\n",
            None,
        )
        .unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
        let e = load(
            "plugins:\n  - name: container\n    library_path: x.so\n    init_config:\n      max_containers: 0\nload_plugins: [container]\n",
            None,
        )
        .unwrap_err();
        assert!(
            e.contains("max_containers must be a positive integer"),
            "{e}"
        );
    }
}
