//! The run's watcher thread: it stops the run on SIGINT/SIGTERM/SIGHUP or
//! when `-M` seconds have passed, reopens the outputs on SIGUSR1, and with
//! `watch_config_files` asks for a restart (as SIGHUP does) when a
//! configuration or rules file changes (its modification time, checked
//! once a second).

use crate::config::Config;
use crate::flag::Flag;
use crate::logger;
use crate::outputs::Outputs;
use crate::signals::Signals;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// How often the watcher looks at the signals and the clock.
const TURN: Duration = Duration::from_millis(50);
/// The watched files are checked every this many turns (once a second).
const TURNS_PER_FILE_CHECK: u32 = 20;

/// What the watcher looks after.
#[derive(Debug)]
pub struct Watcher<'a> {
    signals: &'a Signals,
    outputs: &'a Outputs,
    /// `-M`: how long the run may last.
    max: Option<Duration>,
    /// The files whose change restarts the run (none: not watched).
    files: Vec<String>,
    /// Their modification times when the watch was set up.
    before: Vec<Option<SystemTime>>,
}

/// The files `watch_config_files` watches: the configuration files, then
/// the rules files; none when it is off.
pub fn watched_files(config: &Config, rules_files: &[String]) -> Vec<String> {
    if !config.watch_config_files {
        return Vec::new();
    }
    config
        .files
        .iter()
        .map(|f| f.path.clone())
        .chain(rules_files.iter().cloned())
        .collect()
}

/// The modification times of `files` (None: unreadable).
fn mtimes(files: &[String]) -> Vec<Option<SystemTime>> {
    files
        .iter()
        .map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .collect()
}

impl<'a> Watcher<'a> {
    /// A watcher of `files`, from their state now.
    pub fn new(
        signals: &'a Signals,
        outputs: &'a Outputs,
        max: Option<Duration>,
        files: Vec<String>,
    ) -> Watcher<'a> {
        let before = mtimes(&files);
        Watcher {
            signals,
            outputs,
            max,
            files,
            before,
        }
    }

    /// Watches until `done` is set; sets `stop` when the run must stop,
    /// and `files_changed` (with the restart signal) when a watched file
    /// changed.
    pub fn run(&self, files_changed: &AtomicBool, stop: &AtomicBool, done: &Flag) {
        let start = Instant::now();
        let mut turns = 0u32;
        while !done.is_set() {
            if self.signals.take_reopen() {
                logger::info("SIGUSR1 received, reopening outputs...");
                self.outputs.reopen();
            }
            turns = turns.wrapping_add(1);
            if !self.files.is_empty()
                && turns % TURNS_PER_FILE_CHECK == 0
                && mtimes(&self.files) != self.before
            {
                logger::info(
                    "A change in a watched configuration or rules file was detected, restarting...",
                );
                files_changed.store(true, Ordering::Relaxed);
                self.signals.restart.store(true, Ordering::Relaxed);
            }
            let expired = self.max.is_some_and(|m| start.elapsed() >= m);
            if self.signals.should_stop() || expired {
                stop.store(true, Ordering::Relaxed);
                return;
            }
            done.wait(TURN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::{FormatOptions, Output, OutputError, OutputMessage};
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;

    /// An output that counts its reopenings.
    struct Reopens(Arc<AtomicU64>);

    impl Output for Reopens {
        fn name(&self) -> &'static str {
            "reopens"
        }
        fn output(&mut self, _: &OutputMessage) -> Result<(), OutputError> {
            Ok(())
        }
        fn reopen(&mut self) -> Result<(), OutputError> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
    }

    /// Signal flags no handler sets, and outputs that count reopenings
    /// (stopped when dropped).
    struct Fixture {
        signals: Signals,
        reopens: Arc<AtomicU64>,
        outputs: Outputs,
    }

    impl Fixture {
        fn new() -> Fixture {
            let reopens = Arc::new(AtomicU64::new(0));
            let outputs = Outputs::with_channels(
                FormatOptions::default(),
                "test-host",
                0,
                Duration::from_secs(5),
                vec![Box::new(Reopens(reopens.clone()))],
            );
            Fixture {
                signals: Signals::default(),
                reopens,
                outputs,
            }
        }

        fn watcher(&self, max: Option<Duration>, files: Vec<String>) -> Watcher<'_> {
            Watcher::new(&self.signals, &self.outputs, max, files)
        }
    }

    /// Waits (60 s at most) for `cond`.
    fn eventually(cond: impl Fn() -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if cond() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        cond()
    }

    /// Sets the flag when dropped, even by a panic.
    struct EndOnDrop<'a>(&'a Flag);

    impl Drop for EndOnDrop<'_> {
        fn drop(&mut self) {
            self.0.set();
        }
    }

    /// Runs a watcher on its own thread while `act` runs; with `stops`,
    /// waits for the watcher to stop the run by itself, then ends the
    /// watch as the end of events does. Returns (stop, files_changed).
    fn watch(watcher: Watcher<'_>, act: impl FnOnce(), stops: bool) -> (bool, bool) {
        let (stop, changed, done) = (AtomicBool::new(false), AtomicBool::new(false), Flag::new());
        std::thread::scope(|scope| {
            let watching = scope.spawn(|| watcher.run(&changed, &stop, &done));
            // A failed assertion in `act` ends the watch too.
            let _end = EndOnDrop(&done);
            act();
            if stops {
                assert!(eventually(|| watching.is_finished()), "the watcher returns");
            }
        });
        (stop.into_inner(), changed.into_inner())
    }

    #[test]
    fn a_stop_signal_stops_the_run() {
        let f = Fixture::new();
        let watcher = f.watcher(None, Vec::new());
        let (stop, changed) = watch(
            watcher,
            || f.signals.terminate.store(true, Ordering::Relaxed),
            true,
        );
        assert!(stop && !changed);
    }

    #[test]
    fn the_end_of_events_ends_the_watch_without_a_stop() {
        let f = Fixture::new();
        let done = Flag::new();
        let (stop, changed) = (AtomicBool::new(false), AtomicBool::new(false));
        done.set();
        f.watcher(None, Vec::new()).run(&changed, &stop, &done);
        assert!(!stop.into_inner() && !changed.into_inner());
    }

    #[test]
    fn the_run_stops_after_its_maximum_duration() {
        let f = Fixture::new();
        let watcher = f.watcher(Some(Duration::ZERO), Vec::new());
        let (stop, changed) = watch(watcher, || {}, true);
        assert!(stop && !changed);
    }

    #[test]
    fn sigusr1_reopens_the_outputs_and_the_run_goes_on() {
        let f = Fixture::new();
        let watcher = f.watcher(None, Vec::new());
        let (stop, _) = watch(
            watcher,
            || {
                f.signals.reopen_outputs.store(true, Ordering::Relaxed);
                assert!(eventually(|| f.reopens.load(Ordering::Relaxed) == 1));
                assert!(!f.signals.reopen_outputs.load(Ordering::Relaxed), "taken");
            },
            false,
        );
        assert!(!stop, "a reopening does not stop the run");
    }

    #[test]
    fn a_changed_watched_file_restarts_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.yaml");
        std::fs::write(&path, "- list: a\n  items: []\n").unwrap();
        let f = Fixture::new();
        let watcher = f.watcher(None, vec![path.display().to_string()]);
        let (stop, changed) = watch(
            watcher,
            || {
                let file = std::fs::File::options().write(true).open(&path).unwrap();
                file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1))
                    .unwrap();
            },
            true,
        );
        assert!(stop && changed);
        assert!(f.signals.restart.load(Ordering::Relaxed), "as SIGHUP does");
    }

    #[test]
    fn watched_files_are_the_configuration_then_the_rules() {
        let rules = vec!["/r.yaml".to_string()];
        let off = Config::from_text("/c.yaml", "watch_config_files: false\n", &[]).unwrap();
        assert!(watched_files(&off, &rules).is_empty());
        let on = Config::from_text("/c.yaml", "watch_config_files: true\n", &[]).unwrap();
        let files: Vec<String> = on.files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(files, ["/c.yaml"]);
        assert_eq!(
            watched_files(&on, &rules),
            [files, rules].concat(),
            "configuration files first"
        );
    }
}
