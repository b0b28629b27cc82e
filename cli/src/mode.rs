//! What `falco` was asked to do: the one [`Mode`] a command line selects,
//! in Falco's order of precedence (`--config-schema` wins over
//! `--version`, `-V` over `-L`, `-L` over `--support`, ...). `main`
//! matches on it once.

use crate::options::Options;

/// One thing `falco` does per invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `--config-schema`: before any configuration is read.
    ConfigSchema,
    /// `--rule-schema`: before any configuration is read.
    RuleSchema,
    /// `--version` (JSON with `json_output`).
    Version,
    /// `--page-size`.
    PageSize,
    /// `-i`.
    IgnoredEvents,
    /// `--list-events`.
    ListEvents,
    /// `--list-plugins` (from here on a configuration file is required).
    ListPlugins,
    /// `--plugin-info NAME`.
    PluginInfo(String),
    /// `--list [SOURCE]` (`""`: every source).
    ListFields(String),
    /// `-V FILE...` (with `-L`/`-l`, describes the rules after).
    Validate,
    /// `-L` / `-l RULE` (from here on the rules are loaded).
    Describe,
    /// `--support`.
    Support,
    /// `--doctor` (falco-rs's own): which engine can run here.
    Doctor,
    /// `--dry-run`: everything a run checks, no events read.
    DryRun,
    /// The run: events -> state -> rules -> alerts.
    Run,
}

impl Mode {
    /// The mode `options` select.
    pub fn of(options: &Options) -> Mode {
        if options.config_schema {
            Mode::ConfigSchema
        } else if options.rule_schema {
            Mode::RuleSchema
        } else if options.version {
            Mode::Version
        } else if options.page_size {
            Mode::PageSize
        } else if options.print_ignored_events {
            Mode::IgnoredEvents
        } else if options.list_events {
            Mode::ListEvents
        } else if options.list_plugins {
            Mode::ListPlugins
        } else if let Some(name) = &options.plugin_info {
            Mode::PluginInfo(name.clone())
        } else if let Some(source) = &options.list_fields {
            Mode::ListFields(source.clone())
        } else if !options.validate.is_empty() {
            Mode::Validate
        } else if options.describe_all_rules || options.describe_rule.is_some() {
            Mode::Describe
        } else if options.support {
            Mode::Support
        } else if options.doctor {
            Mode::Doctor
        } else if options.dry_run {
            Mode::DryRun
        } else {
            Mode::Run
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::parse;

    fn mode(args: &[&str]) -> Mode {
        let mut all = vec!["falco"];
        all.extend_from_slice(args);
        Mode::of(&parse(all).unwrap())
    }

    #[test]
    fn each_flag_selects_its_mode() {
        assert_eq!(mode(&[]), Mode::Run);
        assert_eq!(mode(&["-r", "r.yaml", "-M", "5"]), Mode::Run);
        assert_eq!(mode(&["--config-schema"]), Mode::ConfigSchema);
        assert_eq!(mode(&["--rule-schema"]), Mode::RuleSchema);
        assert_eq!(mode(&["--version"]), Mode::Version);
        assert_eq!(mode(&["--page-size"]), Mode::PageSize);
        assert_eq!(mode(&["-i"]), Mode::IgnoredEvents);
        assert_eq!(mode(&["--list-events"]), Mode::ListEvents);
        assert_eq!(mode(&["--list-plugins"]), Mode::ListPlugins);
        assert_eq!(
            mode(&["--plugin-info", "k8saudit"]),
            Mode::PluginInfo("k8saudit".into())
        );
        assert_eq!(mode(&["--list"]), Mode::ListFields(String::new()));
        assert_eq!(
            mode(&["--list", "syscall"]),
            Mode::ListFields("syscall".into())
        );
        assert_eq!(mode(&["-V", "r.yaml"]), Mode::Validate);
        assert_eq!(mode(&["-L"]), Mode::Describe);
        assert_eq!(mode(&["-l", "Some rule"]), Mode::Describe);
        assert_eq!(mode(&["--support"]), Mode::Support);
        assert_eq!(mode(&["--dry-run"]), Mode::DryRun);
    }

    #[test]
    fn falcos_precedence_when_several_are_given() {
        assert_eq!(
            mode(&["--version", "--config-schema", "--rule-schema"]),
            Mode::ConfigSchema
        );
        assert_eq!(mode(&["--version", "--rule-schema"]), Mode::RuleSchema);
        assert_eq!(mode(&["--page-size", "--version"]), Mode::Version);
        assert_eq!(mode(&["--list-events", "-i"]), Mode::IgnoredEvents);
        assert_eq!(mode(&["--list", "--list-plugins"]), Mode::ListPlugins);
        assert_eq!(
            mode(&["-V", "r.yaml", "--list"]),
            Mode::ListFields(String::new())
        );
        assert_eq!(mode(&["-L", "-V", "r.yaml"]), Mode::Validate);
        assert_eq!(mode(&["--support", "-L"]), Mode::Describe);
        assert_eq!(mode(&["--dry-run", "--support"]), Mode::Support);
    }
}
