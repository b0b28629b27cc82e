//! The modes that load rules: `-V` (validate), `-L`/`-l` (describe),
//! `--support`, `--dry-run` and the live/replay run.
//!
//! The run itself (driver or capture -> state -> rules -> alerts) lives in
//! [`crate::run`]; everything it needs is prepared here in a [`RunContext`].

use crate::config::{rules as rules_config, Config};
use crate::describe;
use crate::listing::SYSCALL_SOURCE;
use crate::logger::{self, LogLevel};
use crate::options::{ListFormat, Options};
use crate::outputs::Outputs;
use crate::rule_schema::validate as rule_schema;
use crate::signals::Signals;
use anyhow::{anyhow, bail, Context as _, Result};
use falco_engine::compiler::{report as compiler_report, CompiledRuleset};
use falco_engine::loader::{load_results_json, EventSource, FileResult, Ruleset, BUILTIN_PLUGINS};
use falco_engine::RulesLoader;
use falco_sinsp::field::{FieldArg, FieldSource};
use falco_sinsp::SyscallFields;

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

/// The rules of a run: the ruleset, whether each rule is enabled after
/// the configuration's `rules:` selection (same order as
/// `ruleset.rules`), and the files they came from.
#[derive(Debug, Clone)]
pub struct LoadedRules {
    pub ruleset: Ruleset,
    pub enabled: Vec<bool>,
    pub files: Vec<String>,
}

/// Everything the event loop needs.
#[derive(Debug)]
pub struct RunContext<'a> {
    pub config: &'a Config,
    pub options: &'a Options,
    pub rules: LoadedRules,
    pub outputs: Outputs,
    pub signals: Signals,
    pub hostname: String,
}

/// The host name alerts carry: `FALCO_HOSTNAME`, else the system's.
pub fn hostname() -> String {
    if let Ok(name) = std::env::var("FALCO_HOSTNAME") {
        if !name.is_empty() {
            return name;
        }
    }
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn describe_as_json(config: &Config, options: &Options) -> bool {
    if options.format_given {
        options.format == ListFormat::Json
    } else {
        config.outputs.json_output
    }
}

/// The rules modes and the run. Returns the exit code; errors are printed
/// by the caller (`Error: ...`, exit code 1).
pub fn run(config: &Config, options: &Options) -> Result<i32> {
    if !options.validate.is_empty() {
        return validate(config, options);
    }
    let rules = load_rules(config, options)?;
    if options.describe_all_rules || options.describe_rule.is_some() {
        crate::emit(&describe_rules(config, options, &rules.ruleset)?);
        return Ok(0);
    }
    if options.support {
        let text = config
            .main_file()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .unwrap_or_default();
        let support = crate::version::support_json(
            &options.cmdline,
            &text,
            config.tree.to_json(),
            &rules.files,
        );
        crate::emit(&format!("{support}\n"));
        return Ok(0);
    }
    select_sources(options)?;
    let hostname = hostname();
    let outputs = Outputs::from_config(&config.outputs, &hostname, options.unbuffered)
        .map_err(|e| anyhow!(e))?;
    let signals = Signals::install().context("could not install signal handlers")?;
    if let Some(pidfile) = &options.pidfile {
        std::fs::write(pidfile, format!("{}\n", std::process::id()))
            .with_context(|| format!("Could not write pid file {pidfile}"))?;
    }
    let context = RunContext {
        config,
        options,
        rules,
        outputs,
        signals,
        hostname,
    };
    run_events(context)
}

/// `--enable-source`/`--disable-source`: falco-rs has the `syscall`
/// source only.
fn select_sources(options: &Options) -> Result<()> {
    for source in &options.enable_sources {
        if source != SYSCALL_SOURCE {
            bail!("Attempted enabling an unknown event source: {source}");
        }
    }
    if let Some(source) = options
        .disable_sources
        .iter()
        .find(|s| *s != SYSCALL_SOURCE)
    {
        bail!("Attempted disabling an unknown event source: {source}");
    }
    if !options.disable_sources.is_empty() {
        // Disabling syscall disables every source falco-rs has.
        bail!("Must enable at least one event source");
    }
    logger::info(&format!("Loaded event sources: {SYSCALL_SOURCE}"));
    logger::info(&format!("Enabled event sources: {SYSCALL_SOURCE}"));
    Ok(())
}

/// What [`run`] returns after SIGHUP: the caller reloads the
/// configuration and the rules and runs again, as Falco does.
pub const RESTART: i32 = -1;

/// The live or replay run (see [`crate::run`]).
pub fn run_events(context: RunContext) -> Result<i32> {
    crate::run::run_events(context)
}

/// `-V`: loads the files in order, prints Falco's results (JSON with
/// `json_output`), and fails when a file has errors.
fn validate(config: &Config, options: &Options) -> Result<i32> {
    logger::info("Validating rules file(s):");
    for file in &options.validate {
        log_schema_validation(file);
    }
    let mut loader = rules_loader();
    let mut results: Vec<FileResult> = options
        .validate
        .iter()
        .map(|file| loader.load_path(std::path::Path::new(file)))
        .collect();
    // What only the compiler sees (operators against field types, bad
    // literals) is reported like the loader's own findings, as Falco does.
    if let Some(ruleset) = loader.ruleset() {
        let (_, issues) = CompiledRuleset::compile(ruleset, SyscallFields::new());
        for issue in compiler_report::add_to_results(&mut results, ruleset, issues) {
            logger::warning(&format!("rule '{}': {:?}", issue.rule, issue.issue));
        }
    }
    let successful = results.iter().all(FileResult::successful);
    let mut summary = Vec::new();
    for result in &results {
        if !result.successful() || !result.has_warnings() {
            summary.push(result.verbose_string(loader.sources()));
        } else {
            summary.push(format!("{}: Ok, with warnings", result.name));
            logger::warning(&result.verbose_string(loader.sources()));
        }
    }
    let summary = summary.join("\n");
    if successful {
        if let Some(ruleset) = loader.ruleset() {
            ruleset
                .check_plugin_requirements(BUILTIN_PLUGINS)
                .map_err(|e| anyhow!(e))?;
        }
    }
    let describe = successful && (options.describe_all_rules || options.describe_rule.is_some());
    if config.outputs.json_output {
        let mut doc: serde_json::Value =
            serde_json::from_str(&load_results_json(&results, loader.sources()))?;
        if describe {
            if let Some(ruleset) = loader.ruleset() {
                doc["falco_describe_results"] = describe_value(options, ruleset)?;
            }
        }
        crate::emit(&format!("{doc}\n"));
    } else {
        crate::emit(&format!("{summary}\n"));
        if describe {
            if let Some(ruleset) = loader.ruleset() {
                crate::emit("\n");
                crate::emit(&describe_text(options, ruleset)?);
            }
        }
    }
    if successful {
        Ok(0)
    } else {
        Err(anyhow!(summary))
    }
}

/// Checks a rules file against the rules schema and logs the result as
/// Falco does: `   FILE | schema validation: ok`, or a warning per
/// problem. It never stops the loading.
fn log_schema_validation(file: &str) {
    let validation = rule_schema::validate_rules_file(file);
    for (warning, line) in rule_schema::report_lines(file, &validation) {
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
    for file in &files {
        log_schema_validation(file);
        let result = loader.load_path(std::path::Path::new(file));
        if !result.successful() {
            bail!("{}", result.verbose_string(loader.sources()));
        }
        if result.has_warnings() {
            logger::log(LogLevel::Warning, &result.verbose_string(loader.sources()));
        }
    }
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
    let tags: Vec<Vec<String>> = ruleset
        .rules
        .iter()
        .map(|r| r.tags.iter().cloned().collect())
        .collect();
    let enabled = rules_config::apply_selection(
        &config.rules.selection,
        ruleset
            .rules
            .iter()
            .zip(&tags)
            .map(|(r, t)| (r.name.as_str(), t.as_slice(), r.enabled)),
    );
    Ok(LoadedRules {
        ruleset,
        enabled,
        files,
    })
}

fn described_rule<'a>(
    options: &Options,
    ruleset: &'a Ruleset,
) -> Result<Option<&'a falco_engine::loader::Rule>> {
    match &options.describe_rule {
        None => Ok(None),
        Some(name) => ruleset
            .rule(name)
            .map(Some)
            .ok_or_else(|| anyhow!("Rule \"{name}\" is not loaded")),
    }
}

fn describe_value(options: &Options, ruleset: &Ruleset) -> Result<serde_json::Value> {
    Ok(describe::rules_json(
        ruleset,
        described_rule(options, ruleset)?,
    ))
}

fn describe_text(options: &Options, ruleset: &Ruleset) -> Result<String> {
    Ok(match described_rule(options, ruleset)? {
        Some(rule) => describe::rules_text([rule]),
        None => describe::rules_text(&ruleset.rules),
    })
}

/// `-L` / `-l RULE` output.
pub fn describe_rules(config: &Config, options: &Options, ruleset: &Ruleset) -> Result<String> {
    if describe_as_json(config, options) {
        Ok(format!("{}\n", describe_value(options, ruleset)?))
    } else {
        describe_text(options, ruleset)
    }
}
