//! falco-rs's `falco` command: the library behind the binary.
//!
//! - [`options`]: the command line (clap), deprecated flags mapped to `-o`;
//! - [`config`]: falco.yaml, includes, `-o` overrides, typed settings
//!   (one module per concern);
//! - [`outputs`]: alerts, their text/JSON rendering, the queue and the
//!   output channels (one module per output);
//! - [`app`]: `-V`, `-L`/`-l`, `--support`, `--dry-run`, and the run
//!   (`run_events`, to be wired to the event loop);
//! - [`listing`], [`describe`], [`version`], [`rule_schema`]: what the
//!   informational flags print;
//! - [`logger`], [`signals`]: Falco's own log, signal flags.

#![forbid(unsafe_code)]

pub mod app;
pub mod capture;
pub mod config;
pub mod context;
pub mod describe;
pub mod drops;
pub mod flag;
pub mod listing;
pub mod logger;
pub mod metrics;
pub mod mode;
pub mod options;
pub mod outputs;
pub mod rule_schema;
pub mod rules;
pub mod run;
pub mod signals;
pub mod source;
pub mod summary;
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
