//! `--version` and `--support`, in Falco's formats.

use falco_engine::loader::{BUILTIN_PLUGINS, ENGINE_VERSION};
use serde_json::{json, Value};

/// This program's version.
pub const FALCO_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The version of the event schema falco-abi implements: the PPM schema of
/// the libs the reference table came from, versioned by falco-rs.
pub const DRIVER_SCHEMA_VERSION: &str = "1.0.0";

/// What `--version` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionsInfo {
    pub falco_version: String,
    pub libs_version: String,
    pub plugin_api_version: String,
    pub engine_version: String,
    pub driver_api_version: String,
    pub driver_schema_version: String,
    pub default_driver_version: String,
    /// Capabilities built in that Falco gets from plugins.
    pub plugin_versions: Vec<(String, String)>,
}

impl Default for VersionsInfo {
    fn default() -> Self {
        VersionsInfo::new()
    }
}

impl VersionsInfo {
    pub fn new() -> VersionsInfo {
        let api = falco_abi::ioctl::API_VERSION;
        VersionsInfo {
            falco_version: FALCO_VERSION.to_owned(),
            libs_version: format!("falco-rs {FALCO_VERSION}"),
            plugin_api_version: "none (plugins are not loaded)".to_owned(),
            engine_version: ENGINE_VERSION.to_string(),
            driver_api_version: format!("{}.{}.{}", api.major, api.minor, api.patch),
            driver_schema_version: DRIVER_SCHEMA_VERSION.to_owned(),
            default_driver_version: format!("{FALCO_VERSION}+driver"),
            plugin_versions: BUILTIN_PLUGINS
                .iter()
                .map(|(name, version)| (name.to_string(), version.to_string()))
                .collect(),
        }
    }

    /// Falco's text form.
    pub fn text(&self) -> String {
        format!(
            "Falco version: {}\nLibs version:  {}\nPlugin API:    {}\nEngine:        {}\nDriver:\n  API version:    {}\n  Schema version: {}\n  Default driver: {}\n",
            self.falco_version,
            self.libs_version,
            self.plugin_api_version,
            self.engine_version,
            self.driver_api_version,
            self.driver_schema_version,
            self.default_driver_version
        )
    }

    /// Falco's JSON form (with `json_output`; also in `--support`).
    pub fn json(&self) -> Value {
        let plugins: serde_json::Map<String, Value> = self
            .plugin_versions
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        json!({
            "falco_version": self.falco_version,
            "libs_version": self.libs_version,
            "plugin_api_version": self.plugin_api_version,
            "driver_api_version": self.driver_api_version,
            "driver_schema_version": self.driver_schema_version,
            "default_driver_version": self.default_driver_version,
            "engine_version": ENGINE_VERSION.minor.to_string(),
            "engine_version_semver": self.engine_version,
            "plugin_versions": plugins,
        })
    }
}

/// `--support`: versions, system, command line, configuration and the
/// rules files' contents.
pub fn support_json(
    cmdline: &str,
    config_text: &str,
    config: Value,
    rules_files: &[String],
    rules_digest: &str,
) -> Value {
    let info = VersionsInfo::new();
    let system = match nix::sys::utsname::uname() {
        Ok(u) => json!({
            "sysname": u.sysname().to_string_lossy(),
            "nodename": u.nodename().to_string_lossy(),
            "release": u.release().to_string_lossy(),
            "version": u.version().to_string_lossy(),
            "machine": u.machine().to_string_lossy(),
        }),
        Err(e) => json!({ "error": e.to_string() }),
    };
    let rules: Vec<Value> = rules_files
        .iter()
        .map(|name| {
            json!({
                "name": name,
                "variants": [{ "content": std::fs::read_to_string(name).unwrap_or_default() }],
            })
        })
        .collect();
    json!({
        "version": info.falco_version,
        "engine_info": info.json(),
        "system_info": system,
        "cmdline": cmdline,
        "config": config_text,
        "config_loaded": config,
        "rules_files": rules,
        "rules_digest": rules_digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_falcos_lines() {
        let text = VersionsInfo::new().text();
        let keys: Vec<&str> = text.lines().map(|l| l.split(':').next().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "Falco version",
                "Libs version",
                "Plugin API",
                "Engine",
                "Driver",
                "  API version",
                "  Schema version",
                "  Default driver"
            ]
        );
        assert!(text.contains("Engine:        0.57.0\n"));
    }

    #[test]
    fn json_keys() {
        let v = VersionsInfo::new().json();
        assert_eq!(v["engine_version"], "57");
        assert_eq!(v["engine_version_semver"], "0.57.0");
        assert_eq!(v["plugin_versions"]["container"], "0.4.0");
    }
}
