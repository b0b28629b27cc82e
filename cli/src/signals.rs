//! Signals for the event loop, through `signal-hook`'s safe flag API
//! (`signal_hook::flag::register` sets an `AtomicBool` from the handler;
//! nothing else runs in signal context, so no `unsafe` is needed here):
//! SIGINT/SIGTERM stop, SIGHUP reloads the configuration and rules,
//! SIGUSR1 reopens the outputs (log rotation), as in Falco.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub terminate: Arc<AtomicBool>,
    pub restart: Arc<AtomicBool>,
    pub reopen_outputs: Arc<AtomicBool>,
}

impl Signals {
    /// Registers the handlers.
    pub fn install() -> std::io::Result<Signals> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1};
        let signals = Signals::default();
        signal_hook::flag::register(SIGINT, signals.terminate.clone())?;
        signal_hook::flag::register(SIGTERM, signals.terminate.clone())?;
        signal_hook::flag::register(SIGHUP, signals.restart.clone())?;
        signal_hook::flag::register(SIGUSR1, signals.reopen_outputs.clone())?;
        Ok(signals)
    }

    /// Whether SIGUSR1 arrived since the last call.
    pub fn take_reopen(&self) -> bool {
        self.reopen_outputs.swap(false, Ordering::Relaxed)
    }

    /// SIGINT or SIGTERM arrived (SIGHUP reloads: see [`crate::reload`]).
    pub fn should_stop(&self) -> bool {
        self.terminate.load(Ordering::Relaxed)
    }
}
