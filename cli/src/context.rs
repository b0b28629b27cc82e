//! What a run is given, prepared before its source is opened (the rules,
//! the outputs, the signal flags, the host name), and how it ends.

use crate::config::Config;
use crate::listing::SYSCALL_SOURCE;
use crate::logger;
use crate::options::Options;
use crate::outputs::Outputs;
use crate::rules::LoadedRules;
use crate::signals::Signals;
use anyhow::{anyhow, bail, Context as _, Result};

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

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// With this exit code.
    Exit(u8),
    /// SIGHUP, or a watched file changed: the caller reloads the
    /// configuration and the rules and runs again, as Falco does.
    Restart,
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

impl<'a> RunContext<'a> {
    /// Checks the event sources, starts the outputs, installs the signal
    /// handlers and writes the pid file (`-P`).
    pub fn prepare(
        config: &'a Config,
        options: &'a Options,
        rules: LoadedRules,
    ) -> Result<RunContext<'a>> {
        select_sources(options)?;
        let hostname = hostname();
        let outputs = Outputs::from_config(&config.outputs, &hostname, options.unbuffered)
            .map_err(|e| anyhow!(e))?;
        let signals = Signals::install().context("could not install signal handlers")?;
        if let Some(pidfile) = &options.pidfile {
            std::fs::write(pidfile, format!("{}\n", std::process::id()))
                .with_context(|| format!("Could not write pid file {pidfile}"))?;
        }
        Ok(RunContext {
            config,
            options,
            rules,
            outputs,
            signals,
            hostname,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::parse;

    fn options(args: &[&str]) -> Options {
        let mut all = vec!["falco"];
        all.extend_from_slice(args);
        parse(all).unwrap()
    }

    #[test]
    fn syscall_is_the_one_source() {
        assert!(select_sources(&options(&[])).is_ok());
        assert!(select_sources(&options(&["--enable-source", "syscall"])).is_ok());
        assert_eq!(
            select_sources(&options(&["--enable-source", "k8s_audit"]))
                .unwrap_err()
                .to_string(),
            "Attempted enabling an unknown event source: k8s_audit"
        );
        assert_eq!(
            select_sources(&options(&["--disable-source", "aws"]))
                .unwrap_err()
                .to_string(),
            "Attempted disabling an unknown event source: aws"
        );
        assert_eq!(
            select_sources(&options(&["--disable-source", "syscall"]))
                .unwrap_err()
                .to_string(),
            "Must enable at least one event source"
        );
    }
}
