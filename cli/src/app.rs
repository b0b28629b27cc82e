//! The modes that load rules: `-V` (validate), `-L`/`-l` (describe),
//! `--support`, `--dry-run` and the live/replay run, each a function
//! [`crate::mode::Mode`] selects in `main`.
//!
//! The rules come from [`crate::rules`]; the run is prepared in a
//! [`RunContext`] and its events read in [`crate::run`].

use crate::config::Config;
use crate::context::{Ending, RunContext};
use crate::describe;
use crate::logger;
use crate::options::{ListFormat, Options};
use crate::rules::{load_rules, log_schema_validation, rules_loader};
use anyhow::{anyhow, Result};
use falco_engine::compiler::{report as compiler_report, CompiledRuleset};
use falco_engine::loader::{load_results_json, FileResult, Ruleset, BUILTIN_PLUGINS};
use falco_sinsp::SyscallFields;

fn describe_as_json(config: &Config, options: &Options) -> bool {
    if options.format_given {
        options.format == ListFormat::Json
    } else {
        config.outputs.json_output
    }
}

/// `-L` / `-l RULE`: the loaded rules described (JSON with `--format json`
/// or `json_output`).
pub fn describe(config: &Config, options: &Options) -> Result<u8> {
    let rules = load_rules(config, options)?;
    crate::emit(&describe_rules(config, options, &rules.ruleset)?);
    Ok(0)
}

/// `--support`: versions, the command line, the configuration and the
/// rules files, as one JSON document.
pub fn support(config: &Config, options: &Options) -> Result<u8> {
    let rules = load_rules(config, options)?;
    let text = config
        .main_file()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .unwrap_or_default();
    let support = crate::version::support_json(
        &options.cmdline,
        &text,
        config.tree.to_json(),
        &rules.files,
        &rules.digest,
    );
    crate::emit(&format!("{support}\n"));
    Ok(0)
}

/// `--dry-run`: everything a run checks (sources, outputs, pid file, rules
/// compiled, output formats resolved); only the source is not opened.
pub fn dry_run(config: &Config, options: &Options) -> Result<u8> {
    let context = RunContext::prepare(config, options, load_rules(config, options)?)?;
    crate::run::compile(context.config, &context.rules, context.options)?;
    logger::info("Skipping event processing in dry-run");
    context.outputs.stop();
    Ok(0)
}

/// falco.yaml (`path`; Falco's defaults without one) and the `-o`
/// options, with `-U`.
pub fn read_config(path: Option<&str>, opts: &Options) -> Result<Config> {
    let mut config = Config::load(path, &opts.config_options)?;
    if opts.unbuffered {
        config.outputs.buffered_outputs = false;
    }
    Ok(config)
}

/// The live or replay run (see [`crate::run`]).
pub fn run(config: &Config, options: &Options) -> Result<Ending> {
    let context = RunContext::prepare(config, options, load_rules(config, options)?)?;
    crate::run::run_events(context)
}

/// `-V`: loads the files in order, prints Falco's results (JSON with
/// `json_output`), and fails when a file has errors.
pub fn validate(config: &Config, options: &Options) -> Result<u8> {
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
