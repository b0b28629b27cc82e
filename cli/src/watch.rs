//! The run's watcher thread: it stops the run on SIGINT/SIGTERM or when
//! `-M` seconds have passed, asks the event loop to reopen the outputs on
//! SIGUSR1, and on SIGHUP or (with `watch_config_files`) a change of a
//! configuration or rules file (its modification time, checked once a
//! second) prepares a reload: the new configuration and rules, compiled
//! here while events go on, are posted to the event loop
//! ([`crate::reload`]); a reload that fails is logged and counted, and the
//! run goes on as it was.

use crate::config::Config;
use crate::flag::Flag;
use crate::logger;
use crate::reload::{Generation, Mailbox, RELOAD_FAILED};
use crate::signals::Signals;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// How often the watcher looks at the signals and the clock.
const TURN: Duration = Duration::from_millis(50);
/// The watched files are checked every this many turns (once a second).
const TURNS_PER_FILE_CHECK: u32 = 20;

/// Prepares a reload: reads, loads and compiles (see [`Generation::load`]).
pub type Prepare<'a> = &'a (dyn Fn() -> anyhow::Result<Generation> + Sync);

/// What the watcher looks after.
pub struct Watcher<'a> {
    signals: &'a Signals,
    mailbox: &'a Mailbox,
    prepare: Prepare<'a>,
    /// `-M`: how long the run may last.
    max: Option<Duration>,
    /// The files whose change reloads the run (none: not watched).
    files: Vec<String>,
    /// Their modification times when they were last read.
    before: Vec<Option<SystemTime>>,
    /// Whether they are watched at all (`watch_config_files`).
    watching: bool,
}

impl std::fmt::Debug for Watcher<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("max", &self.max)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
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
    /// A watcher of `files`, from their state now; `prepare` makes the
    /// reloads it posts to `mailbox`.
    pub fn new(
        signals: &'a Signals,
        mailbox: &'a Mailbox,
        prepare: Prepare<'a>,
        max: Option<Duration>,
        files: Vec<String>,
    ) -> Watcher<'a> {
        let before = mtimes(&files);
        Watcher {
            signals,
            mailbox,
            prepare,
            max,
            watching: !files.is_empty(),
            files,
            before,
        }
    }

    /// Watches until `done` is set; sets `stop` when the run must stop.
    pub fn run(mut self, stop: &AtomicBool, done: &Flag) {
        let start = Instant::now();
        let mut turns = 0u32;
        while !done.is_set() {
            if self.signals.take_reopen() {
                logger::info("SIGUSR1 received, reopening outputs...");
                self.mailbox.post_reopen();
            }
            turns = turns.wrapping_add(1);
            if self.watching
                && turns % TURNS_PER_FILE_CHECK == 0
                && mtimes(&self.files) != self.before
            {
                logger::info(
                    "A change in a watched configuration or rules file was detected, reloading...",
                );
                self.reload();
            }
            if self.signals.restart.swap(false, Ordering::Relaxed) {
                logger::info("SIGHUP received, reloading...");
                self.reload();
            }
            let expired = self.max.is_some_and(|m| start.elapsed() >= m);
            if self.signals.should_stop() || expired {
                stop.store(true, Ordering::Relaxed);
                return;
            }
            done.wait(TURN);
        }
    }

    /// Prepares a reload and posts it, or logs why it failed. The files
    /// are looked at again from the state they were read in.
    fn reload(&mut self) {
        let read = mtimes(&self.files);
        match (self.prepare)() {
            Ok(generation) => {
                if self.watching || generation.config.watch_config_files {
                    self.watching = generation.config.watch_config_files;
                    self.files = watched_files(&generation.config, &generation.rules.files);
                    self.before = mtimes(&self.files);
                }
                self.mailbox.post(generation);
            }
            Err(e) => {
                self.before = read;
                self.mailbox.count_failure();
                logger::log(logger::LogLevel::Error, &format!("{RELOAD_FAILED}: {e:#}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    /// Signal flags no handler sets, a mailbox, and a preparation that
    /// counts its calls and fails (a real one needs rules to compile:
    /// the live tests reload for real).
    #[derive(Default)]
    struct Fixture {
        signals: Signals,
        mailbox: Mailbox,
        prepared: AtomicU64,
    }

    impl Fixture {
        fn prepare(&self) -> anyhow::Result<Generation> {
            self.prepared.fetch_add(1, Ordering::Relaxed);
            anyhow::bail!("rules.yaml:3:5: broken on purpose")
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

    /// Runs a watcher of `files` (with `max`) on its own thread while
    /// `act` runs; with `stops`, waits for the watcher to stop the run by
    /// itself, then ends the watch as the end of events does. Returns
    /// whether it stopped the run.
    fn watch(
        f: &Fixture,
        max: Option<Duration>,
        files: Vec<String>,
        act: impl FnOnce(),
        stops: bool,
    ) -> bool {
        let prepare = || f.prepare();
        let watcher = Watcher::new(&f.signals, &f.mailbox, &prepare, max, files);
        let (stop, done) = (AtomicBool::new(false), Flag::new());
        std::thread::scope(|scope| {
            let watching = scope.spawn(|| watcher.run(&stop, &done));
            // A failed assertion in `act` ends the watch too.
            let _end = EndOnDrop(&done);
            act();
            if stops {
                assert!(eventually(|| watching.is_finished()), "the watcher returns");
            }
        });
        stop.into_inner()
    }

    #[test]
    fn a_stop_signal_stops_the_run() {
        let f = Fixture::default();
        let stop = watch(
            &f,
            None,
            Vec::new(),
            || f.signals.terminate.store(true, Ordering::Relaxed),
            true,
        );
        assert!(stop);
    }

    #[test]
    fn the_end_of_events_ends_the_watch_without_a_stop() {
        let f = Fixture::default();
        let prepare = || f.prepare();
        let done = Flag::new();
        let stop = AtomicBool::new(false);
        done.set();
        Watcher::new(&f.signals, &f.mailbox, &prepare, None, Vec::new()).run(&stop, &done);
        assert!(!stop.into_inner());
    }

    #[test]
    fn the_run_stops_after_its_maximum_duration() {
        let f = Fixture::default();
        assert!(watch(&f, Some(Duration::ZERO), Vec::new(), || {}, true));
    }

    #[test]
    fn sigusr1_asks_the_event_loop_to_reopen_the_outputs() {
        let f = Fixture::default();
        let stop = watch(
            &f,
            None,
            Vec::new(),
            || {
                f.signals.reopen_outputs.store(true, Ordering::Relaxed);
                assert!(eventually(|| f.mailbox.needs_attention()));
                assert!(!f.signals.reopen_outputs.load(Ordering::Relaxed), "taken");
                let (reopen, prepared) = f.mailbox.take();
                assert!(reopen && prepared.is_none());
            },
            false,
        );
        assert!(!stop, "a reopening does not stop the run");
    }

    #[test]
    fn sighup_prepares_a_reload_and_a_failed_one_keeps_the_run_going() {
        let f = Fixture::default();
        let stop = watch(
            &f,
            None,
            Vec::new(),
            || {
                f.signals.restart.store(true, Ordering::Relaxed);
                assert!(eventually(|| f.mailbox.failures() == 1));
                assert_eq!(f.prepared.load(Ordering::Relaxed), 1);
                assert!(!f.signals.restart.load(Ordering::Relaxed), "taken");
                assert!(!f.mailbox.needs_attention(), "nothing to swap in");
            },
            false,
        );
        assert!(!stop, "a reload does not stop the run");
    }

    #[test]
    fn a_changed_watched_file_prepares_one_reload_per_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.yaml");
        std::fs::write(&path, "- list: a\n  items: []\n").unwrap();
        let f = Fixture::default();
        let touch = |secs| {
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
                .unwrap();
        };
        let stop = watch(
            &f,
            None,
            vec![path.display().to_string()],
            || {
                touch(1);
                assert!(eventually(|| f.mailbox.failures() == 1));
                touch(2);
                assert!(eventually(|| f.mailbox.failures() == 2));
                assert_eq!(f.prepared.load(Ordering::Relaxed), 2);
            },
            false,
        );
        assert!(!stop, "a changed file does not stop the run");
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
