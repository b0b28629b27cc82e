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

use crate::config::runtime::{CaptureConfig, CaptureMode};
use crate::logger;
use falco_engine::compiler::CompiledRuleset;
use falco_engine::loader::Ruleset;
use falco_scap::state::{FdTarget, FdType};
use falco_scap::SavefileWriter;
use falco_abi::EventCode;
use falco_scap::builder::{view, EventBuilder};
use falco_scap::{Event, HeaderLayout};
use falco_sinsp::{Ctx, Inspector, SyscallFields};
use std::collections::HashSet;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

/// The recording in progress.
struct Recording {
    writer: SavefileWriter<BufWriter<File>>,
    path: PathBuf,
    until_ns: u64,
    /// Containers whose metadata the file has, as of which change of the
    /// container table.
    containers: HashSet<String>,
    seen_changes: u64,
    /// The container whose metadata the events wait for, and until when.
    waiting: Option<(String, Instant)>,
    /// Events kept back meanwhile.
    backlog: Vec<(Vec<u8>, HeaderLayout)>,
}

impl Recording {
    /// Writes the events kept back.
    fn flush_backlog(&mut self) -> falco_scap::Result<()> {
        for (raw, layout) in std::mem::take(&mut self.backlog) {
            // The bytes came from a parsed event: they parse again.
            if let Ok(ev) = Event::parse(&raw, layout) {
                self.writer.write_event(&ev)?;
            }
        }
        Ok(())
    }

    /// Writes (or keeps back) one event.
    fn record(&mut self, c: &Ctx<'_>) -> falco_scap::Result<()> {
        if let Some((id, deadline)) = &self.waiting {
            if !c.insp.containers.contains(id) && Instant::now() < *deadline {
                self.backlog.push((c.ev.raw().to_vec(), c.ev.layout()));
                return Ok(());
            }
            self.waiting = None;
            self.write_containers(c.insp, c.ev.ts)?;
            self.flush_backlog()?;
        }
        self.write_containers(c.insp, c.ev.ts)?;
        self.writer.write_event(&c.ev)
    }

    /// Writes a container event for each container the file lacks.
    fn write_containers(&mut self, insp: &Inspector, ts: u64) -> falco_scap::Result<()> {
        if insp.containers.changes() == self.seen_changes {
            return Ok(());
        }
        self.seen_changes = insp.containers.changes();
        for c in insp.containers.iter() {
            if self.containers.insert(c.id.clone()) {
                // Container events belong to no thread (tid -1).
                let raw = EventBuilder::new(EventCode::CONTAINER_JSON_2_E)
                    .ts(ts)
                    .tid(u64::MAX)
                    .set("json", c.to_json().as_str())
                    .build();
                self.writer.write_event(&view(&raw))?;
            }
        }
        Ok(())
    }
}

/// Starts, feeds and closes capture files.
pub struct Recorder {
    prefix: String,
    /// How long each compiled rule's match records (ns); `None`: it
    /// does not record.
    per_rule: Vec<Option<u64>>,
    active: Option<Recording>,
    /// Files finished so far.
    pub written: Vec<PathBuf>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("prefix", &self.prefix)
            .field("recording", &self.active.as_ref().map(|r| &r.path))
            .field("written", &self.written)
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

impl Recorder {
    /// `None` when `capture.enabled` is false or no rule records.
    pub fn new(config: &CaptureConfig, rules: &[RuleCapture]) -> Option<Recorder> {
        if !config.enabled {
            return None;
        }
        let per_rule: Vec<Option<u64>> = rules
            .iter()
            .map(|r| {
                let records = r.capture || config.mode == CaptureMode::AllRules;
                let ns = match r.duration_ms {
                    0 => config.default_duration_ns,
                    ms => u64::from(ms) * 1_000_000,
                };
                records.then_some(ns)
            })
            .collect();
        per_rule.iter().any(Option::is_some).then(|| Recorder {
            prefix: config.path_prefix.clone(),
            per_rule,
            active: None,
            written: Vec::new(),
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
        let mut state = c.insp.snapshot();
        for t in state.threads.values_mut() {
            for fd in &mut t.fds {
                downgrade_fd_type(&mut fd.target);
            }
        }
        let started = File::create(&path)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                SavefileWriter::new(BufWriter::new(f), &state).map_err(|e| e.to_string())
            });
        match started {
            Ok(writer) => {
                logger::info(&format!("Capture started: {}", path.display()));
                self.active = Some(Recording {
                    writer,
                    path,
                    until_ns: until,
                    containers: HashSet::new(),
                    // Nothing written yet, even if the table never changed.
                    seen_changes: u64::MAX,
                    waiting: wait.map(|(id, deadline)| (id.to_string(), deadline)),
                    backlog: Vec::new(),
                })
            }
            Err(e) => logger::log(
                logger::LogLevel::Error,
                &format!("Capture: cannot start {}: {e}", path.display()),
            ),
        }
    }

    /// Every event: recorded while a recording runs; the first event past
    /// its end closes it.
    pub fn on_event(&mut self, c: &Ctx<'_>) {
        let Some(active) = &mut self.active else {
            return;
        };
        if c.ev.ts > active.until_ns {
            self.finish();
            return;
        }
        let written = active.record(c);
        if let Err(e) = written {
            logger::log(
                logger::LogLevel::Error,
                &format!("Capture: writing {}: {e}", active.path.display()),
            );
            self.active = None;
        }
    }

    /// Closes the recording in progress, if any.
    pub fn finish(&mut self) {
        let Some(mut active) = self.active.take() else {
            return;
        };
        let done = active.flush_backlog().and_then(|()| active.writer.finish()).and_then(|mut w| {
            use std::io::Write;
            w.flush().map_err(falco_scap::ScapError::Write)
        });
        match done {
            Ok(_) => {
                logger::info(&format!("Capture written: {}", active.path.display()));
                self.written.push(active.path);
            }
            Err(e) => logger::log(
                logger::LogLevel::Error,
                &format!("Capture: finishing {}: {e}", active.path.display()),
            ),
        }
    }
}

/// Capture files are for every reader, sysdig 0.29 included, whose fd
/// list stops at FILE_V2: newer fd types are written as what such readers
/// call them (a memfd is a file; bpf, userfaultfd, io_uring and pidfd fds
/// are of unknown type). Events are not changed.
fn downgrade_fd_type(target: &mut FdTarget) {
    if let FdTarget::Named { fd_type, .. } = target {
        *fd_type = match *fd_type {
            FdType::Memfd => FdType::FileV2,
            FdType::Bpf | FdType::Userfaultfd | FdType::IoUring | FdType::Pidfd => FdType::Unknown,
            other => other,
        };
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
