//! Reloading while running (SIGHUP, `watch_config_files`): the new
//! configuration and rules are read, validated and compiled aside, on the
//! watcher's thread, as a [`Generation`]; the event loop takes it between
//! two events ([`Mailbox`]) and swaps it in with the engine, the ring and
//! the thread, fd and container tables left as they are. A reload that
//! fails leaves the run on the generation it had.
//!
//! Falco restarts its whole application on a reload (it closes the
//! driver and scans /proc again); here only a change of what the opened
//! engine was opened with ([`reopen_reason`]) does that.

use crate::config::Config;
use crate::options::Options;
use crate::rules::{load_rules, LoadedRules};
use crate::run::{compile, Compiled};
use anyhow::Result;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// How a failed reload is logged (then what failed, with its file:line).
pub const RELOAD_FAILED: &str =
    "Reload failed, still running with the previous configuration and rules";

/// One configuration with its rules, compiled: what a reload replaces.
#[derive(Debug)]
pub struct Generation {
    pub config: Config,
    pub rules: LoadedRules,
    pub compiled: Compiled,
}

impl Generation {
    /// Reads `path` with the command line's `-o` options, loads the rules
    /// they name and compiles them with their output formats: everything
    /// that can fail, done before anything running is touched.
    pub fn load(path: &str, options: &Options) -> Result<Generation> {
        let config = crate::app::read_config(Some(path), options)?;
        let rules = load_rules(&config, options)?;
        let compiled = compile(&config, &rules, options)?;
        Ok(Generation {
            config,
            rules,
            compiled,
        })
    }
}

/// Why applying `new` in place of `old` needs the engine closed and opened
/// again (the setting that changed), or `None` when it can go on.
pub fn reopen_reason(old: &Config, new: &Config) -> Option<&'static str> {
    let (o, n) = (&old.engine, &new.engine);
    if o.kind != n.kind {
        Some("engine.kind")
    } else if o.buf_size_preset != n.buf_size_preset {
        Some("buf_size_preset")
    } else if o.cpus_for_each_buffer != n.cpus_for_each_buffer {
        Some("cpus_for_each_buffer")
    } else if o.drop_failed_exit != n.drop_failed_exit {
        Some("drop_failed_exit")
    } else if o.capture_file != n.capture_file {
        Some("engine.replay.capture_file")
    } else if old.libs.falco_libs.snaplen != new.libs.falco_libs.snaplen {
        Some("falco_libs.snaplen")
    } else {
        None
    }
}

/// Between the watcher, which prepares reloads and notes SIGUSR1, and the
/// event loop, which acts on them between events.
#[derive(Debug, Default)]
pub struct Mailbox {
    /// Set when something waits for the event loop (read once per event:
    /// one relaxed load).
    attention: AtomicBool,
    prepared: Mutex<Option<Generation>>,
    reopen_outputs: AtomicBool,
    /// Reloads that failed and changed nothing.
    failed: AtomicU64,
}

impl Mailbox {
    /// Whether the event loop has something to take.
    #[inline]
    pub fn needs_attention(&self) -> bool {
        self.attention.load(Ordering::Relaxed)
    }

    /// A reload is ready (it replaces one not yet taken).
    pub fn post(&self, generation: Generation) {
        if let Ok(mut slot) = self.prepared.lock() {
            *slot = Some(generation);
        }
        self.attention.store(true, Ordering::Release);
    }

    /// SIGUSR1 arrived: the outputs are to be reopened.
    pub fn post_reopen(&self) {
        self.reopen_outputs.store(true, Ordering::Relaxed);
        self.attention.store(true, Ordering::Release);
    }

    /// A reload failed.
    pub fn count_failure(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn failures(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// What waits: whether the outputs are to be reopened, and the
    /// reload, if one is ready.
    pub fn take(&self) -> (bool, Option<Generation>) {
        self.attention.store(false, Ordering::Relaxed);
        let reopen = self.reopen_outputs.swap(false, Ordering::Acquire);
        let prepared = self.prepared.lock().ok().and_then(|mut s| s.take());
        (reopen, prepared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::from_text("/f.yaml", text, &[]).unwrap()
    }

    #[test]
    fn only_what_the_engine_was_opened_with_needs_a_reopen() {
        let base = config("engine:\n  kind: modern_ebpf\n");
        assert_eq!(reopen_reason(&base, &base), None);
        let other_rules = config("engine:\n  kind: modern_ebpf\nrules_files: [/x.yaml]\npriority: error\njson_output: true\n");
        assert_eq!(reopen_reason(&base, &other_rules), None);
        let kmod = config("engine:\n  kind: kmod\n");
        assert_eq!(reopen_reason(&base, &kmod), Some("engine.kind"));
        let bigger =
            config("engine:\n  kind: modern_ebpf\n  modern_ebpf:\n    buf_size_preset: 6\n");
        assert_eq!(reopen_reason(&base, &bigger), Some("buf_size_preset"));
        let snaplen = config("engine:\n  kind: modern_ebpf\nfalco_libs:\n  snaplen: 200\n");
        assert_eq!(reopen_reason(&base, &snaplen), Some("falco_libs.snaplen"));
    }

    #[test]
    fn the_mailbox_hands_over_the_latest_reload_once() {
        let m = Mailbox::default();
        assert!(!m.needs_attention());
        m.post_reopen();
        assert!(m.needs_attention());
        let (reopen, prepared) = m.take();
        assert!(reopen && prepared.is_none());
        assert!(!m.needs_attention());
        assert!(!m.take().0, "taken once");
        m.count_failure();
        m.count_failure();
        assert_eq!(m.failures(), 2);
    }
}
