//! falco-rs's `falco` command: the library behind the binary.
//!
//! - [`options`]: the command line (clap), deprecated flags mapped to `-o`;
//! - [`config`]: falco.yaml, includes, `-o` overrides, typed settings
//!   (one module per concern);
//! - [`mode`]: the one thing a command line asks for, which `main` does;
//! - [`outputs`]: alerts (built from a match in [`outputs::alert`]), their
//!   text/JSON rendering, the queue and the output channels (one module per
//!   output);
//! - [`app`]: the modes that load rules: `-V`, `-L`/`-l`, `--support`,
//!   `--dry-run` and the run;
//! - [`rules`]: loading the rules files, the `rules:` selection, compiling
//!   for the `syscall` source;
//! - [`context`]: what a run is given ([`context::RunContext`]) and how it
//!   ends;
//! - [`run`]: the event loop's wiring: [`source`] (the engine),
//!   [`summary`] (end-of-run counts), [`watch`] (signals, `-M`, watched
//!   files), [`reload`] (reloads swapped in between events), [`metrics`],
//!   [`drops`], [`capture`], [`webserver`];
//! - [`listing`], [`describe`], [`version`], [`rule_schema`]: what the
//!   informational flags print;
//! - [`logger`], [`signals`]: Falco's own log, signal flags;
//! - [`subcommand`]: falco-rs's own subcommands, chosen by the first
//!   argument: [`ruletest`] (`falco test`, rule unit tests from YAML
//!   cases), [`explain`] (`falco explain`, why a rule did or did not match
//!   a capture's events; `--explain` adds the same trace to alerts) and
//!   [`tune`] (`falco tune`, rule exceptions proposed from alerts).

#![forbid(unsafe_code)]

pub mod app;
pub mod capture;
pub mod config;
pub mod context;
pub mod describe;
pub mod doctor;
pub mod explain;
pub mod drops;
pub mod flag;
pub mod hold;
pub mod listing;
pub mod logger;
pub mod metrics;
pub mod mode;
pub mod options;
pub mod outputs;
pub mod reload;
pub mod rule_schema;
pub mod rules;
pub mod ruletest;
pub mod run;
pub mod signals;
pub mod subcommand;
pub mod source;
pub mod summary;
pub mod tune;
pub mod version;
pub mod watch;
pub mod webserver;

/// Writes to standard output; a closed pipe (`falco -L | head`) is not an
/// error worth a panic.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
