//! The rules of a run: Falco's `load_rules_files` (files expanded, loaded
//! in order, schema-checked, plugin requirements), the configuration's
//! `rules:` selection, and the compilation for the `syscall` source with
//! that selection, `priority` and `rule_matching` applied.

use crate::config::{rules as rules_config, Config, RuleMatching, RuleSelection};
use crate::listing::SYSCALL_SOURCE;
use crate::logger::{self, LogLevel};
use crate::options::Options;
use crate::rule_schema::validate as rule_schema;
use anyhow::{anyhow, bail, Result};
use falco_engine::compiler::{CompiledRuleset, Issue, Matching};
use falco_engine::loader::{EventSource, Ruleset, BUILTIN_PLUGINS};
use falco_engine::RulesLoader;
use falco_sinsp::field::{FieldArg, FieldSource};
use falco_sinsp::SyscallFields;
use std::collections::BTreeSet;

/// The rules digest: SHA-256 over the contents of `files` in load order
/// (what `cat FILES | sha256sum` prints), as `sha256:HEX`. It names the
/// exact rules a run uses: in the start-up log, `/versions`, the metrics
/// and `--support`. A file that cannot be read is an error.
pub fn rules_digest(files: &[String]) -> std::io::Result<String> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for file in files {
        ctx.update(&std::fs::read(file)?);
    }
    let hex: String = ctx
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("sha256:{hex}"))
}

/// A rules loader that knows the `syscall` source and checks every field
/// against falco-sinsp's field table.
pub fn rules_loader() -> RulesLoader {
    let fields = SyscallFields::new();
    let catalog = move |name: &str, arg: bool| {
        let arg = arg.then_some(FieldArg::Index(0));
        fields.resolve(name, arg.as_ref()).is_ok()
    };
    RulesLoader::with_sources(vec![EventSource::with_fields(SYSCALL_SOURCE, catalog)])
}

/// The rules of a run: the ruleset, the names of the rules enabled after
/// the configuration's `rules:` selection, and the files they came from.
#[derive(Debug, Clone)]
pub struct LoadedRules {
    pub ruleset: Ruleset,
    pub enabled: BTreeSet<String>,
    pub files: Vec<String>,
    /// [`rules_digest`] of `files` (empty when one could not be read
    /// again).
    pub digest: String,
}

impl LoadedRules {
    /// `ruleset` with `selection` applied, in order, to each rule's
    /// `enabled` from its rules file.
    pub fn select(ruleset: Ruleset, selection: &[RuleSelection], files: Vec<String>) -> Self {
        let tags: Vec<Vec<String>> = ruleset
            .rules
            .iter()
            .map(|r| r.tags.iter().cloned().collect())
            .collect();
        let enabled = rules_config::apply_selection(
            selection,
            ruleset
                .rules
                .iter()
                .zip(&tags)
                .map(|(r, t)| (r.name.as_str(), t.as_slice(), r.enabled)),
        );
        let enabled = ruleset
            .rules
            .iter()
            .zip(enabled)
            .filter(|(_, on)| *on)
            .map(|(r, _)| r.name.clone())
            .collect();
        LoadedRules {
            ruleset,
            enabled,
            digest: rules_digest(&files).unwrap_or_default(),
            files,
        }
    }
}

/// Falco's default rules files, for the subcommands (`falco explain`,
/// `falco tune`) when no rules file is given.
pub const DEFAULT_RULES: &[&str] = &[
    "/etc/falco/falco_rules.yaml",
    "/etc/falco/falco_rules.local.yaml",
];

/// The rules of `paths` (and of `extra`, a name and a text, after them),
/// loaded in order for the subcommands that take rules files directly
/// (`falco test`, `falco explain`): the first file with errors stops the
/// loading, with Falco's load result as the message.
pub fn load_rule_files(
    paths: &[std::path::PathBuf],
    extra: Option<(&str, &str)>,
) -> Result<Ruleset, String> {
    let mut loader = rules_loader();
    for path in paths {
        let result = loader.load_path(path);
        if !result.successful() {
            return Err(result.verbose_string(loader.sources()));
        }
    }
    if let Some((name, text)) = extra {
        let result = loader.load_file(name, text);
        if !result.successful() {
            return Err(result.verbose_string(loader.sources()));
        }
    }
    loader
        .ruleset()
        .cloned()
        .ok_or_else(|| "no rules were loaded".to_owned())
}

/// Checks a rules file against the rules schema and logs the result as
/// Falco does: `   FILE | schema validation: ok`, or a warning per
/// problem. It never stops the loading.
pub fn log_schema_validation(file: &str) {
    log_validation(file, &rule_schema::validate_rules_file(file));
}

fn log_validation(file: &str, validation: &rule_schema::Validation) {
    for (warning, line) in rule_schema::report_lines(file, validation) {
        let level = if warning {
            LogLevel::Warning
        } else {
            LogLevel::Info
        };
        logger::log(level, &line);
    }
}

/// Falco's `load_rules_files`: the files from `-r` (or the configuration),
/// directories expanded, loaded in order; errors stop, warnings are
/// logged; then the plugin requirements and the `rules:` selection.
pub fn load_rules(config: &Config, options: &Options) -> Result<LoadedRules> {
    let configured = if options.rules_files.is_empty() {
        config.rules.files.clone()
    } else {
        options.rules_files.clone()
    };
    if configured.is_empty() {
        bail!("You must specify at least one rules file/directory via -r or a rules_files entry in falco.yaml");
    }
    let files = rules_config::expand_rules_paths(&configured).map_err(|e| anyhow!(e))?;
    logger::info("Loading rules from:");
    let mut loader = rules_loader();
    // The schema check only logs: it runs on a thread of its own, file by
    // file, while the files load (it is a fifth of the loading's work, all
    // of it before the first event); its lines are logged where they were.
    std::thread::scope(|scope| -> Result<()> {
        let (checked, validations) = std::sync::mpsc::channel();
        let to_check = &files;
        scope.spawn(move || {
            for file in to_check {
                if checked
                    .send(rule_schema::validate_rules_file(file))
                    .is_err()
                {
                    break;
                }
            }
        });
        for file in &files {
            let result = loader.load_path(std::path::Path::new(file));
            match validations.recv() {
                Ok(validation) => log_validation(file, &validation),
                Err(_) => log_schema_validation(file),
            }
            if !result.successful() {
                bail!("{}", result.verbose_string(loader.sources()));
            }
            if result.has_warnings() {
                logger::log(LogLevel::Warning, &result.verbose_string(loader.sources()));
            }
        }
        Ok(())
    })?;
    let ruleset = loader
        .ruleset()
        .cloned()
        .ok_or_else(|| anyhow!("no rules were loaded"))?;
    ruleset
        .check_plugin_requirements(BUILTIN_PLUGINS)
        .map_err(|e| anyhow!(e))?;
    for selection in &config.rules.selection {
        let verb = if selection.enable {
            "Enabling"
        } else {
            "Disabling"
        };
        if let Some(rule) = &selection.rule {
            logger::info(&format!("{verb} rules with name: {rule}"));
        }
        if let Some(tag) = &selection.tag {
            logger::info(&format!("{verb} rules with tag: {tag}"));
        }
    }
    let loaded = LoadedRules::select(ruleset, &config.rules.selection, files);
    logger::info(&format!("Rules digest: {}", loaded.digest));
    Ok(loaded)
}

/// The `syscall` source's rules, compiled, with the selection of `rules`,
/// the configuration's `priority` and `rule_matching`. A rule that does
/// not compile is an error (every one is listed); warnings are logged.
pub fn compile_rules(
    rules: &LoadedRules,
    config: &Config,
) -> Result<CompiledRuleset<SyscallFields>> {
    let (mut set, issues) = CompiledRuleset::compile(&rules.ruleset, SyscallFields::new());
    let mut errors = Vec::new();
    for issue in issues {
        let named = |msg: &str| format!("rule '{}': {msg}", issue.rule);
        match &issue.issue {
            Issue::Error(code, msg) => errors.push(format!("{} ({})", named(msg), code.as_str())),
            Issue::Warning(code, msg) => {
                logger::warning(&format!("{} ({})", named(msg), code.as_str()))
            }
        }
    }
    if !errors.is_empty() {
        bail!(
            "Could not load rules: {} errors:\n{}",
            errors.len(),
            errors.join("\n")
        );
    }
    for rule in &mut set.rules {
        rule.enabled = rules.enabled.contains(&rule.name);
    }
    set.matching = match config.rule_matching {
        RuleMatching::First => Matching::First,
        RuleMatching::All => Matching::All,
    };
    set.set_min_priority(config.priority);
    let enabled = set.rules.iter().filter(|r| r.enabled).count();
    logger::info(&format!(
        "Loaded {} rules, {} enabled for source syscall",
        set.rules.len(),
        enabled
    ));
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use falco_abi::EventCode as C;

    const RULES: &str = "
- rule: Shell
  desc: a shell
  condition: evt.type = execve and proc.name = bash
  output: shell %proc.name
  priority: WARNING
  tags: [shell, process]
- rule: Write etc
  desc: a write below /etc
  condition: evt.type = openat and fd.name startswith /etc
  output: open %fd.name
  priority: ERROR
  tags: [filesystem]
- rule: Connect
  desc: a connection
  condition: evt.type = connect
  output: connect %fd.name
  priority: NOTICE
  tags: [network]
- rule: Off in file
  desc: disabled where defined
  condition: evt.type = close
  output: close
  priority: CRITICAL
  enabled: false
";

    fn ruleset(text: &str) -> Ruleset {
        let mut loader = rules_loader();
        let result = loader.load_file("rules.yaml", text);
        assert!(result.successful(), "{result:?}");
        loader.ruleset().cloned().unwrap()
    }

    fn config(text: &str) -> Config {
        Config::from_text("/etc/falco/falco.yaml", text, &[]).unwrap()
    }

    fn selected(config: &Config) -> LoadedRules {
        LoadedRules::select(ruleset(RULES), &config.rules.selection, Vec::new())
    }

    fn enabled(set: &CompiledRuleset<SyscallFields>) -> Vec<&str> {
        set.rules
            .iter()
            .filter(|r| r.enabled)
            .map(|r| r.name.as_str())
            .collect()
    }

    #[test]
    fn the_digest_is_sha256_of_the_files_in_load_order() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
        std::fs::write(&a, "a").unwrap();
        std::fs::write(&b, "bc").unwrap();
        let files = |v: &[&std::path::Path]| -> Vec<String> {
            v.iter().map(|p| p.display().to_string()).collect()
        };
        // SHA-256 of "abc" (FIPS 180-2's example).
        assert_eq!(
            rules_digest(&files(&[&a, &b])).unwrap(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(
            rules_digest(&files(&[&b, &a])).unwrap(),
            rules_digest(&files(&[&a, &b])).unwrap()
        );
        assert!(rules_digest(&files(&[&dir.path().join("none")])).is_err());
    }

    #[test]
    fn without_a_selection_the_rules_files_decide() {
        let config = config("");
        let rules = selected(&config);
        assert_eq!(
            rules.enabled,
            BTreeSet::from(["Shell", "Write etc", "Connect"].map(String::from))
        );
        let set = compile_rules(&rules, &config).unwrap();
        assert_eq!(enabled(&set), ["Shell", "Write etc", "Connect"]);
    }

    #[test]
    fn selection_by_tag_and_name_applies_in_order() {
        let config = config(
            "rules:\n  - disable: {tag: process}\n  - disable: {rule: '*etc'}\n  - enable: {rule: 'Off in file'}\n  - enable: {tag: shell}\n",
        );
        let set = compile_rules(&selected(&config), &config).unwrap();
        // `shell` re-enables Shell after `process` disabled it.
        assert_eq!(enabled(&set), ["Shell", "Connect", "Off in file"]);
        assert_eq!(set.rules.len(), 4, "disabled rules are still compiled");
    }

    #[test]
    fn rules_below_the_configured_priority_do_not_run() {
        let warning = config("priority: warning\n");
        let set = compile_rules(&selected(&warning), &warning).unwrap();
        // Still enabled, but Connect (NOTICE) is not indexed for connect.
        assert_eq!(enabled(&set), ["Shell", "Write etc", "Connect"]);
        assert!(set.has_rules_for(C::SYSCALL_OPENAT_2_X as u16));
        assert!(set.has_rules_for(C::SYSCALL_EXECVE_19_X as u16));
        assert!(!set.has_rules_for(C::SOCKET_CONNECT_X as u16));
        let debug = config("priority: debug\n");
        let everything = compile_rules(&selected(&debug), &debug).unwrap();
        assert!(everything.has_rules_for(C::SOCKET_CONNECT_X as u16));
    }

    #[test]
    fn rule_matching_follows_the_configuration() {
        let first = config("");
        assert_eq!(
            compile_rules(&selected(&first), &first).unwrap().matching,
            Matching::First
        );
        let all = config("rule_matching: all\n");
        assert_eq!(
            compile_rules(&selected(&all), &all).unwrap().matching,
            Matching::All
        );
    }

    #[test]
    fn a_rule_that_does_not_compile_stops_with_every_error_listed() {
        let rules = "
- rule: Bad number
  desc: d
  condition: evt.type = open and proc.pid = abc
  output: o
  priority: WARNING
";
        let config = config("");
        let loaded = LoadedRules::select(ruleset(rules), &[], Vec::new());
        let err = compile_rules(&loaded, &config).unwrap_err().to_string();
        assert!(
            err.starts_with("Could not load rules: 1 errors:\nrule 'Bad number': "),
            "{err}"
        );
        assert!(err.ends_with("(LOAD_ERR_COMPILE_CONDITION)"), "{err}");
    }
}
