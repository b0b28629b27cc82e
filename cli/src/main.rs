//! `falco`: parse the command line, load falco.yaml, then do what was
//! asked.
//!
//! Exit codes are Falco's: 0 on success (including `--help`), 1 on any
//! error — a bad command line (`Runtime error: ... Exiting.`), a bad
//! configuration, rules files with errors, or a failed run (`Error: ...`).

#![forbid(unsafe_code)]

use falco::config::{Config, DEFAULT_CONFIG_FILE};
use falco::logger;
use falco::options::{self, ParseOutcome};
use std::process::ExitCode;

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("Error: {err}");
            ExitCode::from(1)
        }
    }
}

fn real_main() -> anyhow::Result<u8> {
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
    if opts.config_schema {
        falco::emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&falco::config::schema::config_schema())?
        ));
        return Ok(0);
    }
    if opts.rule_schema {
        falco::emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&falco::rule_schema::rule_schema())?
        ));
        return Ok(0);
    }

    // The configuration: -c, else the default file when it exists, else
    // Falco's built-in defaults (enough for --version and friends).
    let path = opts.config_file.clone().or_else(|| {
        std::path::Path::new(DEFAULT_CONFIG_FILE)
            .exists()
            .then(|| DEFAULT_CONFIG_FILE.to_owned())
    });
    let mut config = Config::load(path.as_deref(), &opts.config_options)?;
    if opts.unbuffered {
        config.outputs.buffered_outputs = false;
    }
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

    if opts.version {
        let info = falco::version::VersionsInfo::new();
        if config.outputs.json_output {
            falco::emit(&format!("{}\n", info.json()));
        } else {
            falco::emit(&info.text());
        }
        return Ok(0);
    }
    if opts.page_size {
        let size = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
            .ok()
            .flatten()
            .unwrap_or(4096);
        falco::emit(&format!("Your system page size is: {size} bytes\n"));
        return Ok(0);
    }
    if opts.print_ignored_events {
        falco::emit(&falco::listing::ignored_events());
        return Ok(0);
    }
    if opts.list_events {
        falco::emit(&falco::listing::list_events(
            opts.format,
            falco::version::DRIVER_SCHEMA_VERSION,
        ));
        return Ok(0);
    }
    if path.is_none() {
        anyhow::bail!("You must create a config file at {DEFAULT_CONFIG_FILE} or by passing -c");
    }
    if opts.list_plugins {
        falco::emit("0 Plugins Loaded:\n");
        return Ok(0);
    }
    if let Some(name) = &opts.plugin_info {
        anyhow::bail!("could not find plugin {name} (falco-rs loads no plugins)");
    }
    if let Some(source) = &opts.list_fields {
        let text = falco::listing::list_fields(source, opts.format, opts.names_only, opts.verbose)
            .map_err(anyhow::Error::msg)?;
        falco::emit(&text);
        return Ok(0);
    }
    loop {
        let code = falco::app::run(&config, &opts)?;
        if code != falco::app::RESTART {
            return Ok(u8::try_from(code).unwrap_or(1));
        }
        // SIGHUP: reload the configuration (and, in `run`, the rules).
        config = Config::load(path.as_deref(), &opts.config_options)?;
        if opts.unbuffered {
            config.outputs.buffered_outputs = false;
        }
    }
}
