//! `capture`: recording the events that follow a rule match into a `.scap`
//! file. A match of a rule with `capture: true` (or of any rule with
//! `capture.mode: all_rules`) starts a file named
//! `<path_prefix>_<event time ns>_<event number>.scap` that opens with the
//! state at that moment (threads, fds, users, machine) and holds the
//! triggering event and every event after it, until the rule's
//! `capture_duration` (or `capture.default_duration`) has passed in event
//! time. A match while recording extends the recording. The container
//! metadata known when it starts, and any that arrives while it runs, is
//! written as container events (`CONTAINER_JSON_2_E`, which sysdig 0.29 and
//! Falco's container plugin both read). A recording started by an alert
//! held for its container's metadata keeps its events back until that
//! metadata is written first (or the wait is over), so the replay knows the
//! container when the alert's event comes. The files replay in falco
//! (`engine.kind: replay`) and read in sysdig.
//!
//! Beyond Falco: with `capture.pre_duration` the file starts that much
//! event time BEFORE the match, from a rolling window of recent events
//! ([`window`]: bounded by `capture.pre_max_mb`, and opening with the state
//! valid for its first event). `capture.max_size_mb` caps each file (the
//! event that would cross the cap ends it) and `capture.max_files` how
//! many this run keeps ([`files`]). Without `pre_duration` nothing is
//! kept in memory and each event costs what it did before.

mod files;
mod recording;
mod window;

use crate::config::runtime::{CaptureConfig, CaptureMode};
use crate::logger;
use falco_engine::compiler::CompiledRuleset;
use falco_engine::loader::Ruleset;
use falco_sinsp::{Ctx, SyscallFields};
use files::KeptFiles;
use recording::{state_head, Put, Recording};
use std::path::PathBuf;
use std::time::Instant;
use window::Window;

/// What the recorder did, for the run's log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CaptureStats {
    /// Files finished.
    pub files: u64,
    /// Files ended by `capture.max_size_mb`.
    pub cut: u64,
    /// Files that started before their match, from the window.
    pub looked_back: u64,
}

/// Starts, feeds and closes capture files.
pub struct Recorder {
    prefix: String,
    /// How long each compiled rule's match records (ns); `None`: it
    /// does not record.
    per_rule: Vec<Option<u64>>,
    active: Option<Recording>,
    /// `capture.max_size_mb` in bytes (0: no cap).
    max_bytes: u64,
    /// With `capture.pre_duration`.
    window: Option<Window>,
    files: KeptFiles,
    /// Files finished so far (removed ones included).
    pub written: Vec<PathBuf>,
    pub stats: CaptureStats,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("prefix", &self.prefix)
            .field("recording", &self.active.as_ref().map(|r| &r.path))
            .field("written", &self.written)
            .field("stats", &self.stats)
            .finish()
    }
}

/// A rule's capture settings: `capture` and `capture_duration` (ms, 0 =
/// the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleCapture {
    pub capture: bool,
    pub duration_ms: u32,
}

impl RuleCapture {
    /// The capture settings of every compiled rule (same order as
    /// `set.rules`), from its rule in `ruleset`.
    pub fn for_rules(set: &CompiledRuleset<SyscallFields>, ruleset: &Ruleset) -> Vec<RuleCapture> {
        set.rules
            .iter()
            .map(|r| {
                let loaded = ruleset.rules.iter().find(|l| l.name == r.name);
                RuleCapture {
                    capture: loaded.is_some_and(|l| l.capture),
                    duration_ms: loaded.map_or(0, |l| l.capture_duration),
                }
            })
            .collect()
    }
}

/// How long each rule's match records (ns), `None` where it does not.
fn per_rule(config: &CaptureConfig, rules: &[RuleCapture]) -> Vec<Option<u64>> {
    rules
        .iter()
        .map(|r| {
            let records = r.capture || config.mode == CaptureMode::AllRules;
            let ns = match r.duration_ms {
                0 => config.default_duration_ns,
                ms => u64::from(ms) * 1_000_000,
            };
            records.then_some(ns)
        })
        .collect()
}

/// The recorder of a run whose rules or configuration were reloaded: with
/// the same capture settings, `current` goes on (its recording in
/// progress and look-back window kept) with the new rules' settings;
/// otherwise it is closed and one is made from `config`. `None` when
/// nothing records any more.
pub fn reload_recorder(
    current: Option<Recorder>,
    same_settings: bool,
    config: &CaptureConfig,
    rules: &[RuleCapture],
) -> Option<Recorder> {
    match current {
        Some(mut recorder) if same_settings => {
            recorder.per_rule = per_rule(config, rules);
            if recorder.per_rule.iter().any(Option::is_some) {
                return Some(recorder);
            }
            recorder.close();
            None
        }
        Some(mut recorder) => {
            recorder.close();
            Recorder::new(config, rules)
        }
        None => Recorder::new(config, rules),
    }
}

impl Recorder {
    /// `None` when `capture.enabled` is false or no rule records.
    pub fn new(config: &CaptureConfig, rules: &[RuleCapture]) -> Option<Recorder> {
        if !config.enabled {
            return None;
        }
        let per_rule = per_rule(config, rules);
        per_rule.iter().any(Option::is_some).then(|| Recorder {
            prefix: config.path_prefix.clone(),
            per_rule,
            active: None,
            max_bytes: config.max_size_bytes,
            window: (config.pre_duration_ns > 0)
                .then(|| Window::new(config.pre_duration_ns, config.pre_max_bytes)),
            files: KeptFiles::new(config.max_files),
            written: Vec::new(),
            stats: CaptureStats::default(),
        })
    }

    /// A rule matched: start recording, or record longer. `wait` names the
    /// container whose metadata the match's alert waits for, and until when.
    pub fn on_match(&mut self, rule: usize, c: &Ctx<'_>, wait: Option<(&str, Instant)>) {
        let Some(Some(duration)) = self.per_rule.get(rule).copied() else {
            return;
        };
        let until = c.ev.ts.saturating_add(duration);
        if let Some(active) = &mut self.active {
            active.until_ns = active.until_ns.max(until);
            if let Some((id, deadline)) = wait {
                if active.waiting.is_none() && !active.containers.contains(id) {
                    active.waiting = Some((id.to_string(), deadline));
                }
            }
            return;
        }
        let path = PathBuf::from(format!(
            "{}_{}_{}.scap",
            self.prefix,
            c.ev.ts,
            c.insp.scope().num
        ));
        self.files.make_room();
        let waiting = wait.map(|(id, deadline)| (id.to_string(), deadline));
        // The window's events precede this one (the run gives the window
        // each event after its matches): they go first, under their own
        // snapshot. Within a size cap they may use half the file, so that
        // the match and what follows it fit too.
        let budget = match self.max_bytes {
            0 => u64::MAX,
            max => max / 2,
        };
        let look_back = self.window.as_ref().and_then(|w| w.look_back(budget));
        let started = match &look_back {
            Some(lb) => Recording::create(path.clone(), lb.head, until, self.max_bytes, waiting)
                .and_then(|mut r| {
                    r.write_look_back(c.insp, lb).map_err(|e| e.to_string())?;
                    Ok(r)
                }),
            // Without a window (or with one too big for the file), the
            // file starts at the match with the state now. That state
            // already includes the match's event, which comes next: as
            // captures always began.
            None => state_head(c.insp)
                .map_err(|e| e.to_string())
                .and_then(|head| {
                    Recording::create(path.clone(), &head, until, self.max_bytes, waiting)
                }),
        };
        match started {
            Ok(rec) => {
                match (&look_back, &self.window) {
                    (Some(lb), _) => {
                        self.stats.looked_back += 1;
                        let back_ns = lb.first_ts.map_or(0, |t| c.ev.ts.saturating_sub(t));
                        logger::info(&format!(
                            "Capture started: {} ({} events from {:.3} s before the match)",
                            path.display(),
                            lb.count,
                            back_ns as f64 / 1e9
                        ));
                    }
                    (None, Some(_)) => logger::info(&format!(
                        "Capture started: {} (at the match: the look-back window is empty \
                         or larger than half of capture.max_size_mb)",
                        path.display()
                    )),
                    (None, None) => logger::info(&format!("Capture started: {}", path.display())),
                }
                self.active = Some(rec);
            }
            Err(e) => logger::log(
                logger::LogLevel::Error,
                &format!("Capture: cannot start {}: {e}", path.display()),
            ),
        }
    }

    /// Every event, after its matches: recorded while a recording runs
    /// (the first event past its end closes it), then kept in the window.
    pub fn on_event(&mut self, c: &Ctx<'_>) {
        if let Some(active) = &mut self.active {
            if c.ev.ts > active.until_ns {
                self.finish();
            } else {
                match active.record(c) {
                    Ok(Put::Written) => {}
                    Ok(Put::Full) => {
                        self.stats.cut += 1;
                        logger::info(&format!(
                            "Capture reached capture.max_size_mb ({} bytes): {}",
                            active.written(),
                            active.path.display()
                        ));
                        self.finish();
                    }
                    Err(e) => {
                        logger::log(
                            logger::LogLevel::Error,
                            &format!("Capture: writing {}: {e}", active.path.display()),
                        );
                        self.active = None;
                    }
                }
            }
        }
        if let Some(window) = &mut self.window {
            window.push(&c.ev, c.insp);
        }
    }

    /// Closes the recording in progress, if any.
    pub fn finish(&mut self) {
        let Some(active) = self.active.take() else {
            return;
        };
        match active.finish() {
            Ok(path) => {
                logger::info(&format!("Capture written: {}", path.display()));
                self.stats.files += 1;
                self.files.add(path.clone());
                self.written.push(path);
            }
            Err((path, e)) => logger::log(
                logger::LogLevel::Error,
                &format!("Capture: finishing {}: {e}", path.display()),
            ),
        }
    }

    /// At the end of the run: closes the recording and logs the totals.
    pub fn close(&mut self) {
        self.finish();
        let mut line = format!(
            "Captures: {} written ({} cut at capture.max_size_mb, {} started before their match), \
             {} removed (capture.max_files)",
            self.stats.files, self.stats.cut, self.stats.looked_back, self.files.removed
        );
        if let Some(w) = &self.window {
            line.push_str(&format!(
                "; look-back window: {} snapshots, {} events evicted, {} events and {} bytes held",
                w.stats.snapshots,
                w.stats.evicted,
                w.events(),
                w.bytes()
            ));
        }
        logger::info(&line);
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_compiled_rule_gets_its_capture_settings() {
        let mut loader = crate::rules::rules_loader();
        let result = loader.load_file(
            "r.yaml",
            "- rule: Plain\n  desc: d\n  condition: evt.type = close\n  output: o\n  priority: INFO\n\
             - rule: Records\n  desc: d\n  condition: evt.type = close\n  output: o\n  priority: INFO\n  capture: true\n  capture_duration: 250\n",
        );
        assert!(result.successful(), "{result:?}");
        let ruleset = loader.ruleset().unwrap();
        let (set, _) = CompiledRuleset::compile(ruleset, SyscallFields::new());
        assert_eq!(
            RuleCapture::for_rules(&set, ruleset),
            [
                RuleCapture {
                    capture: false,
                    duration_ms: 0
                },
                RuleCapture {
                    capture: true,
                    duration_ms: 250
                },
            ]
        );
    }
}
