//! Versions: the engine version rules files ask for, and the built-in
//! "plugins" that stand in for Falco plugins the rules require.

use std::fmt;

/// The engine version falco-rs reports. The upstream rules ask for
/// `required_engine_version: 0.57.0`; Falco accepts a rules file when the
/// engine has the same major version and is not older.
pub const ENGINE_VERSION: Version = Version {
    major: 0,
    minor: 57,
    patch: 0,
};

/// Capabilities built into falco-rs that Falco gets from plugins. The
/// upstream rules require the `container` plugin (>= 0.4.0); falco-rs
/// extracts container fields itself, so it reports that plugin as loaded
/// in this version.
pub const BUILTIN_PLUGINS: &[(&str, Version)] = &[(
    "container",
    Version {
        major: 0,
        minor: 4,
        patch: 0,
    },
)];

/// A `major.minor.patch` version, compared as libsinsp compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    /// Reads "x.y.z" the way libsinsp does (`sscanf("%u.%u.%u")`): three
    /// numbers separated by dots, anything after the third ignored.
    pub fn parse(text: &str) -> Option<Version> {
        let mut rest = text;
        let mut parts = [0u32; 3];
        for (i, part) in parts.iter_mut().enumerate() {
            if i > 0 {
                rest = rest.strip_prefix('.')?;
            }
            rest = rest.trim_start_matches([' ', '\t', '\n', '\r', '\u{0B}', '\u{0C}']);
            let rest_unsigned = rest.strip_prefix('+').unwrap_or(rest);
            let digits = rest_unsigned.len()
                - rest_unsigned
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .len();
            if digits == 0 {
                return None;
            }
            *part = rest_unsigned[..digits].parse().ok()?;
            rest = &rest_unsigned[digits..];
        }
        Some(Version {
            major: parts[0],
            minor: parts[1],
            patch: parts[2],
        })
    }

    /// `required_engine_version: 26` means 0.26.0.
    pub fn implicit(minor: u32) -> Version {
        Version {
            major: 0,
            minor,
            patch: 0,
        }
    }

    /// Whether something of this version satisfies a requirement for
    /// `requested`: same major version, and not older.
    pub fn compatible_with(self, requested: Version) -> bool {
        self.major == requested.major && self >= requested
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// One accepted plugin for a `required_plugin_versions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRequirement {
    pub name: String,
    pub version: String,
}

/// Checks one entry (a plugin and its alternatives) against the plugins
/// available, as Falco does after loading rules: the first alternative
/// that is available decides.
pub fn check_plugin_requirement(
    alternatives: &[PluginRequirement],
    available: &[(&str, Version)],
) -> Result<(), String> {
    for requirement in alternatives {
        let Some((name, version)) = available.iter().find(|(name, _)| *name == requirement.name)
        else {
            continue;
        };
        let wanted = Version::parse(&requirement.version).ok_or_else(|| {
            format!(
                "Invalid required version '{}' for plugin '{}'",
                requirement.version, requirement.name
            )
        })?;
        if !version.compatible_with(wanted) {
            return Err(format!(
                "Plugin '{name}' version '{version}' is not compatible with required plugin version '{}'",
                requirement.version
            ));
        }
        return Ok(());
    }
    let names: Vec<String> = alternatives
        .iter()
        .map(|r| format!("{} (>= {})", r.name, r.version))
        .collect();
    Err(format!(
        "Plugin requirement not satisfied, must load one of: {}",
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn versions_parse_like_sscanf() {
        assert_eq!(v("0.57.0"), Version::implicit(57));
        assert_eq!(
            v("1.2.3-rc1"),
            Version {
                major: 1,
                minor: 2,
                patch: 3
            }
        );
        assert_eq!(
            v(" 1. 2. 3"),
            Version {
                major: 1,
                minor: 2,
                patch: 3
            }
        );
        for bad in ["1.2", "seven", "1..2", "", "a.b.c"] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn compatibility_needs_same_major_and_not_older() {
        assert!(ENGINE_VERSION.compatible_with(v("0.57.0")));
        assert!(ENGINE_VERSION.compatible_with(v("0.26.0")));
        assert!(!ENGINE_VERSION.compatible_with(v("0.58.0")));
        assert!(!ENGINE_VERSION.compatible_with(v("0.57.1")));
        assert!(!ENGINE_VERSION.compatible_with(v("1.0.0")));
    }

    #[test]
    fn the_builtin_container_support_satisfies_the_upstream_rules() {
        let container = |version: &str| PluginRequirement {
            name: "container".into(),
            version: version.into(),
        };
        assert_eq!(
            check_plugin_requirement(&[container("0.4.0")], BUILTIN_PLUGINS),
            Ok(())
        );
        assert!(
            check_plugin_requirement(&[container("0.5.0")], BUILTIN_PLUGINS)
                .unwrap_err()
                .contains("not compatible")
        );
        let k8s = PluginRequirement {
            name: "k8saudit".into(),
            version: "0.1.0".into(),
        };
        assert!(
            check_plugin_requirement(std::slice::from_ref(&k8s), BUILTIN_PLUGINS)
                .unwrap_err()
                .contains("k8saudit (>= 0.1.0)")
        );
        assert_eq!(
            check_plugin_requirement(&[k8s, container("0.1.0")], BUILTIN_PLUGINS),
            Ok(())
        );
    }
}
