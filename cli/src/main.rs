//! `falco`: parse the command line, then do what its [`Mode`] asks,
//! loading falco.yaml first for every mode but the schemas.
//!
//! Exit codes are Falco's: 0 on success (including `--help`), 1 on any
//! error — a bad command line (`Runtime error: ... Exiting.`), a bad
//! configuration, rules files with errors, or a failed run (`Error: ...`).

#![forbid(unsafe_code)]

use falco::app::{self, read_config};
use falco::config::{Config, DEFAULT_CONFIG_FILE};
use falco::context::Ending;
use falco::logger;
use falco::mode::Mode;
use falco::options::{self, Options, ParseOutcome};
use std::process::ExitCode;

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("Error: {err}");
            falco::logger::fatal_to_syslog(&format!("Error: {err}"));
            ExitCode::from(1)
        }
    }
}

/// The configuration of a mode that reads one: `-c`, else the default
/// file when it exists, else Falco's built-in defaults (enough for
/// `--version` and friends); Falco's own log set up from it, the version
/// and the configuration's warnings logged. Also the file it came from.
fn start(opts: &Options) -> anyhow::Result<(Config, Option<String>)> {
    let path = opts.config_file.clone().or_else(|| {
        std::path::Path::new(DEFAULT_CONFIG_FILE)
            .exists()
            .then(|| DEFAULT_CONFIG_FILE.to_owned())
    });
    let config = read_config(path.as_deref(), opts)?;
    logger::configure(&config.logging, config.outputs.time_format_iso_8601);
    logger::info(&format!(
        "Falco version: {} ({})",
        falco::version::FALCO_VERSION,
        std::env::consts::ARCH
    ));
    for (warning, line) in config.validation_report() {
        logger::log(
            if warning {
                logger::LogLevel::Warning
            } else {
                logger::LogLevel::Info
            },
            &line,
        );
    }
    for warning in &config.warnings {
        logger::warning(warning);
    }
    Ok((config, path))
}

/// [`start`] for the modes that need a configuration file: the
/// configuration and its path.
fn start_with_file(opts: &Options) -> anyhow::Result<(Config, String)> {
    match start(opts)? {
        (config, Some(path)) => Ok((config, path)),
        (_, None) => {
            anyhow::bail!("You must create a config file at {DEFAULT_CONFIG_FILE} or by passing -c")
        }
    }
}

fn emit_json(value: &serde_json::Value) -> anyhow::Result<u8> {
    falco::emit(&format!("{}\n", serde_json::to_string_pretty(value)?));
    Ok(0)
}

fn real_main() -> anyhow::Result<u8> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some((subcommand, rest)) = falco::subcommand::find(&args) {
        return subcommand(rest);
    }
    let opts = match options::parse(std::env::args_os()) {
        Ok(opts) => opts,
        Err(ParseOutcome::Help(text)) => {
            falco::emit(&text);
            return Ok(0);
        }
        Err(ParseOutcome::Error(err)) => {
            eprintln!("Runtime error: {err}. Exiting.");
            return Ok(1);
        }
    };
    for warning in &opts.deprecations {
        eprintln!("{warning}");
    }
    match Mode::of(&opts) {
        Mode::ConfigSchema => emit_json(&falco::config::schema::config_schema()),
        Mode::RuleSchema => emit_json(&falco::rule_schema::rule_schema()),
        Mode::Version => {
            let (config, _) = start(&opts)?;
            let info = falco::version::VersionsInfo::new();
            if config.outputs.json_output {
                falco::emit(&format!("{}\n", info.json()));
            } else {
                falco::emit(&info.text());
            }
            Ok(0)
        }
        Mode::PageSize => {
            start(&opts)?;
            let size = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
                .ok()
                .flatten()
                .unwrap_or(4096);
            falco::emit(&format!("Your system page size is: {size} bytes\n"));
            Ok(0)
        }
        Mode::IgnoredEvents => {
            start(&opts)?;
            falco::emit(&falco::listing::ignored_events());
            Ok(0)
        }
        Mode::ListEvents => {
            start(&opts)?;
            falco::emit(&falco::listing::list_events(
                opts.format,
                falco::version::DRIVER_SCHEMA_VERSION,
            ));
            Ok(0)
        }
        Mode::ListPlugins => {
            start_with_file(&opts)?;
            falco::emit("0 Plugins Loaded:\n");
            Ok(0)
        }
        Mode::PluginInfo(name) => {
            start_with_file(&opts)?;
            anyhow::bail!("could not find plugin {name} (falco-rs loads no plugins)")
        }
        Mode::ListFields(source) => {
            start_with_file(&opts)?;
            let text =
                falco::listing::list_fields(&source, opts.format, opts.names_only, opts.verbose)
                    .map_err(anyhow::Error::msg)?;
            falco::emit(&text);
            Ok(0)
        }
        Mode::Validate => app::validate(&start_with_file(&opts)?.0, &opts),
        Mode::Describe => app::describe(&start_with_file(&opts)?.0, &opts),
        Mode::Support => app::support(&start_with_file(&opts)?.0, &opts),
        Mode::Doctor => Ok(falco::doctor::doctor(&start(&opts)?.0, &opts)),
        Mode::DryRun => app::dry_run(&start_with_file(&opts)?.0, &opts),
        Mode::Run => {
            let (mut config, path) = start_with_file(&opts)?;
            loop {
                match app::run(&config, &opts)? {
                    Ending::Exit(code) => return Ok(code),
                    // A reload that needs the engine reopened: everything
                    // again from the configuration.
                    Ending::Restart => config = read_config(Some(&path), &opts)?,
                }
            }
        }
    }
}
