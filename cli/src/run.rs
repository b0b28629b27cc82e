//! The run, as wiring: compiles the rules ([`crate::rules`]) and their
//! alert formats ([`crate::outputs::alert`]), opens the source
//! `engine.kind` names ([`crate::source`]), seeds the inspector with its
//! initial state, and drives events through state and rules while the
//! watcher ([`crate::watch`]) looks after signals and files. Each match
//! becomes an alert for the outputs and a count for the summary
//! ([`crate::summary`]); each second refreshes the metrics
//! ([`crate::metrics::live`]) and checks drops ([`crate::drops`]).

use crate::capture::{reload_recorder, Recorder, RuleCapture};
use crate::config::Config;
use crate::context::{Ending, RunContext};
use crate::drops::{DropMonitor, Verdict};
use crate::flag::Flag;
use crate::hold::HeldAlerts;
use crate::logger::{self, LogLevel};
use crate::metrics::live::{Counters, LiveMetrics};
use crate::metrics::StateCounters;
use crate::options::Options;
use crate::outputs::alert::{AlertFormat, RunFields};
use crate::outputs::Outputs;
use crate::reload::{reopen_reason, Generation, Mailbox, RELOAD_FAILED};
use crate::rules::{compile_rules, LoadedRules};
use crate::source::{interesting_syscalls, open_engine};
use crate::summary::{self, Counts};
use crate::watch::{watched_files, Watcher};
use crate::webserver::Webserver;
use anyhow::{anyhow, bail, Result};
use falco_engine::compiler::explain::Explainer;
use falco_engine::compiler::CompiledRuleset;
use falco_engine::drive::{drive_with, DriveStats, Hooks};
use falco_engine::loader::Ruleset;
use falco_scap::Engine;
use falco_sinsp::runtimes::{Feed, Level, Log};
use falco_sinsp::{Ctx, Inspector, Purging, SyscallFields};
use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The rules of a run, compiled, with the alert format of each (same
/// order as `set.rules`).
#[derive(Debug)]
pub struct Compiled {
    pub set: CompiledRuleset<SyscallFields>,
    pub formats: Vec<AlertFormat>,
    /// With `--explain`: each rule's explainer (same order as `set.rules`).
    pub explainers: Option<Vec<Explainer<SyscallFields>>>,
}

/// What a run checks before it opens its source (`--dry-run` stops
/// there), and a reload before it is taken: the rules compile and their
/// output formats resolve.
pub fn compile(config: &Config, rules: &LoadedRules, options: &Options) -> Result<Compiled> {
    let set = compile_rules(rules, config)?;
    let formats = AlertFormat::for_rules(&config.append_output, &set)?;
    let explainers = options
        .explain
        .then(|| explainers(&rules.ruleset, &set))
        .transpose()?;
    Ok(Compiled {
        set,
        formats,
        explainers,
    })
}

/// The explainer of every rule of `set`, from its loaded form in `ruleset`.
pub fn explainers(
    ruleset: &Ruleset,
    set: &CompiledRuleset<SyscallFields>,
) -> Result<Vec<Explainer<SyscallFields>>> {
    set.rules
        .iter()
        .map(|r| {
            let rule = ruleset
                .rule(&r.name)
                .ok_or_else(|| anyhow::anyhow!("rule '{}' is not loaded", r.name))?;
            Explainer::new(rule, ruleset, &set.source)
                .map_err(|e| anyhow::anyhow!("rule '{}' cannot be explained: {e:?}", r.name))
        })
        .collect()
}

/// What stays the same for the whole run, whatever is reloaded.
#[derive(Debug, Clone, Copy)]
struct Env<'r> {
    options: &'r Options,
    hostname: &'r str,
    mailbox: &'r Mailbox,
    live: bool,
}

/// A held alert: its rule, in the generation that matched it.
type HeldMatch = (Arc<Generation>, usize);

/// What the run does with each match, each event and each second.
struct RunHooks<'r> {
    /// The configuration and rules running now.
    generation: Arc<Generation>,
    env: Env<'r>,
    outputs: Outputs,
    /// The syscalls the engine captures (`None`: all).
    syscalls: Option<BTreeSet<u16>>,
    counts: Counts,
    drops: DropMonitor,
    recorder: Option<Recorder>,
    exit_on_drops: bool,
    /// Events the rules saw.
    events: u64,
    /// Live runs with the web server or `metrics` on.
    metrics: Option<LiveMetrics>,
    webserver: Option<Webserver>,
    /// Alerts waiting for their container's metadata.
    held: HeldAlerts<HeldMatch>,
    /// Reloads applied in place.
    reloads: u64,
    /// A reload taken from the mailbox, applied once the event loop has
    /// returned (its rules are borrowed while it runs).
    next: Option<Generation>,
}

/// Renders the alert of rule `i` of `generation` on `c` and hands it to
/// the outputs.
fn send_alert(generation: &Generation, hostname: &str, outputs: &Outputs, i: usize, c: &Ctx<'_>) {
    let compiled = &generation.compiled;
    let set = &compiled.set;
    let run = RunFields {
        hostname,
        static_fields: &generation.config.static_fields,
    };
    let mut alert = compiled.formats[i].alert(&set.rules[i], &set.source, c, run);
    if let Some(explainers) = &compiled.explainers {
        alert.explain = Some(explainers[i].explain(&set.source, c));
    }
    outputs.send(&alert);
}

/// Whether who hides whose matches (rule_matching: first) is worth its
/// cost, evaluating the other rules of events that already matched:
/// someone reads it (-v, or the rules' metrics).
fn count_shadowed(options: &Options, config: &Config, metrics: bool) -> bool {
    options.verbose || (metrics && config.metrics.rules_counters_enabled)
}

/// The web server, for live runs that serve `metrics` (as in Falco).
fn start_webserver(
    config: &Config,
    metrics: Option<&LiveMetrics>,
    live: bool,
) -> Result<Option<Webserver>> {
    match metrics {
        Some(metrics) if config.webserver.enabled && live => {
            let ws = Webserver::start(&config.webserver, metrics.shared().clone())
                .map_err(|e| anyhow!(e))?;
            logger::info(&format!("Starting HTTP server listening on {}", ws.addr()));
            Ok(Some(ws))
        }
        _ => Ok(None),
    }
}

impl RunHooks<'_> {
    /// Sends the held alerts that can go (all of them with `all`).
    fn release_held(&mut self, insp: &Inspector, all: bool) {
        if self.held.is_empty() {
            return;
        }
        let (hostname, outputs) = (self.env.hostname, &self.outputs);
        self.held
            .release(insp, Instant::now(), all, |(generation, i), c| {
                send_alert(&generation, hostname, outputs, i, c)
            });
    }

    /// Takes `next` in place of the running generation, between events,
    /// with the engine and the state tables kept. Returns the setting
    /// whose change needs the engine reopened instead (then nothing was
    /// changed). A step that fails before anything was swapped leaves the
    /// run as it was, logged and counted as a failed reload.
    fn apply(
        &mut self,
        mut next: Generation,
        engine: &mut dyn Engine,
        insp: &mut Inspector,
    ) -> Option<&'static str> {
        if !self.env.live {
            return Some("the replayed capture");
        }
        let old = &self.generation.config;
        if let Some(key) = reopen_reason(old, &next.config) {
            return Some(key);
        }
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            self.env.mailbox.count_failure();
            logger::log(LogLevel::Error, &format!("{RELOAD_FAILED}: {what}: {e}"));
        };
        // What can fail first, before anything running is replaced.
        let outputs = if next.config.outputs != old.outputs {
            match Outputs::from_config(
                &next.config.outputs,
                self.env.hostname,
                self.env.options.unbuffered,
            ) {
                Ok(outputs) => Some(outputs),
                Err(e) => {
                    failed("outputs", &e);
                    return None;
                }
            }
        } else {
            None
        };
        let syscalls = interesting_syscalls(&next.config, &next.compiled.set);
        if syscalls != self.syscalls {
            match engine.set_syscalls(syscalls.as_ref()) {
                Ok(true) => logger::info(&format!(
                    "The engine now captures {} syscalls",
                    syscalls
                        .as_ref()
                        .map_or("all".to_string(), |s| s.len().to_string())
                )),
                Ok(false) => return Some("the engine's syscall selection"),
                Err(e) => {
                    failed("changing the engine's syscall selection", &e);
                    return None;
                }
            }
            self.syscalls = syscalls;
        }
        // From here on, nothing fails the reload.
        if let Some(outputs) = outputs {
            // The old outputs deliver what they hold on their own thread:
            // a slow one must not hold the events back.
            let old = std::mem::replace(&mut self.outputs, outputs);
            std::thread::spawn(move || old.stop());
        }
        let new = &next.config;
        if new.logging != old.logging {
            logger::configure(&new.logging, new.outputs.time_format_iso_8601);
        }
        self.held.set_wait(new.containers.metadata_wait);
        self.drops.reconfigure(&new.syscall_event_drops);
        apply_state_limits(new, insp, true);
        if new.containers != old.containers {
            follow_container_runtimes(new, insp);
        }
        let captures = RuleCapture::for_rules(&next.compiled.set, &next.rules.ruleset);
        self.recorder = reload_recorder(
            self.recorder.take(),
            new.capture == old.capture,
            &new.capture,
            &captures,
        );
        if new.webserver != old.webserver || new.metrics != old.metrics {
            self.webserver = None;
            self.metrics = LiveMetrics::new(new, true, self.env.hostname, &next.rules.digest);
            match start_webserver(new, self.metrics.as_ref(), true) {
                Ok(ws) => self.webserver = ws,
                Err(e) => logger::log(LogLevel::Error, &format!("Reload: {e}")),
            }
        } else if let Some(metrics) = &self.metrics {
            metrics.set_rules_digest(&next.rules.digest);
        }
        next.compiled.set.count_shadowed =
            count_shadowed(self.env.options, new, self.metrics.is_some());
        logger::info(&format!(
            "Reloaded without reopening the engine: {} rules enabled, rules digest {}",
            next.compiled.set.rules.len(),
            next.rules.digest
        ));
        self.generation = Arc::new(next);
        self.reloads += 1;
        None
    }
}

impl Hooks<dyn Engine> for RunHooks<'_> {
    fn on_match(&mut self, i: usize, c: &Ctx<'_>) {
        let rule = &self.generation.compiled.set.rules[i];
        self.counts.add(rule.priority, &rule.name);
        let now = Instant::now();
        let missing = self.held.missing(c);
        if let Some(recorder) = &mut self.recorder {
            recorder.on_match(i, c, missing.map(|id| (id, now + self.held.wait())));
        }
        match missing {
            Some(id) => self.held.hold((self.generation.clone(), i), c, id, now),
            None => send_alert(&self.generation, self.env.hostname, &self.outputs, i, c),
        }
    }

    fn on_shadowed(&mut self, first: usize, hidden: usize) {
        let rules = &self.generation.compiled.set.rules;
        self.counts
            .add_shadowed(&rules[first].name, &rules[hidden].name);
    }

    fn on_event(&mut self, c: &Ctx<'_>) {
        self.events += 1;
        self.drops.observe(c.ev.ts);
        if let Some(recorder) = &mut self.recorder {
            recorder.on_event(c);
        }
        self.release_held(c.insp, false);
    }

    fn on_touch(&mut self, ts: u64) {
        self.events += 1;
        self.drops.observe(ts);
    }

    fn due(&self) -> bool {
        self.drops.is_due() || self.env.mailbox.needs_attention()
    }

    /// Between events: the watcher's requests (reopen the outputs; a
    /// reload, which ends this pass of the event loop so that it can be
    /// swapped in), then a drop check when one fell due (event time): the
    /// engine's counters against the last check's.
    fn on_due(&mut self, engine: &dyn Engine, _insp: &Inspector) -> bool {
        if self.env.mailbox.needs_attention() {
            let (reopen, prepared) = self.env.mailbox.take();
            if reopen {
                self.outputs.reopen();
            }
            if prepared.is_some() {
                self.next = prepared;
                return false;
            }
        }
        let Some(report) = self.drops.check(engine.stats()) else {
            return true;
        };
        let verdict = self.drops.act(&report, &self.outputs);
        self.exit_on_drops = verdict == Verdict::Exit;
        !self.exit_on_drops
    }

    fn on_tick(&mut self, engine: &dyn Engine, insp: &Inspector) -> bool {
        self.release_held(insp, false);
        if let Some(metrics) = &mut self.metrics {
            let stats = engine.stats();
            let config = &self.generation.config;
            let counters = Counters {
                events: self.events,
                engine: &stats,
                by_rule: self.counts.by_rule(),
                shadowed: self.counts.shadowed(),
                rules: &self.generation.compiled.set.rules,
                alerts_held: self.held.held,
                alerts_incomplete: self.held.incomplete,
                reloads: self.reloads,
                reload_failures: self.env.mailbox.failures(),
                state: config
                    .metrics
                    .state_counters_enabled
                    .then(|| StateCounters::of(insp)),
            };
            metrics.refresh(counters, &self.outputs);
        }
        true
    }
}

/// The state tables' bounds: `falco_libs.thread_table_size`, the container
/// cache's size, and for live runs the periodic purge of threads and
/// containers whose removal was lost
/// (`falco_libs.thread_table_auto_purging_*`; Falco's libs do not purge
/// while replaying a capture either).
fn apply_state_limits(config: &Config, insp: &mut Inspector, live: bool) {
    let libs = &config.libs.falco_libs;
    insp.threads.set_limit(libs.thread_table_size as usize);
    insp.containers.set_limit(config.containers.max_containers);
    let purging = live.then(|| {
        Purging::every(
            libs.thread_table_auto_purging_interval_s,
            libs.thread_table_auto_purging_thread_timeout_s,
        )
        .live()
    });
    if insp.purging() != purging.as_ref() {
        insp.set_purging(purging);
    }
}

/// Live runs follow the container runtimes (docker, podman) the
/// container plugin's configuration enables; their metadata reaches the
/// inspector between events.
fn follow_container_runtimes(config: &Config, insp: &mut Inspector) {
    let log: Log = Arc::new(|level, msg: &str| match level {
        Level::Info => logger::info(msg),
        Level::Warning => logger::warning(msg),
    });
    let feed = Feed::start(&config.containers.runtimes, log);
    if feed.is_empty() {
        logger::info(
            "No container runtime socket found: container metadata comes from cgroups only",
        );
    }
    for endpoint in &feed.endpoints {
        logger::info(&format!("Following {endpoint}"));
    }
    insp.attach_runtimes(feed);
}

/// The run. Returns how it ended: an exit code, or a restart when a
/// reload changed what the engine was opened with (see
/// [`crate::reload`]).
pub fn run_events(context: RunContext) -> Result<Ending> {
    let RunContext {
        config,
        options,
        rules,
        outputs,
        signals,
        hostname,
    } = context;
    let compiled = compile(config, &rules, options)?;
    let mut first = Generation {
        config: config.clone(),
        rules,
        compiled,
    };
    let syscalls = interesting_syscalls(config, &first.compiled.set);
    let mut engine = open_engine(config, &first.compiled.set, syscalls.clone())?;
    let live = engine.is_live();
    let metrics = LiveMetrics::new(config, live, &hostname, &first.rules.digest);
    first.compiled.set.count_shadowed = count_shadowed(options, config, metrics.is_some());
    let mut insp = Inspector::new(engine.take_initial_state());
    apply_state_limits(config, &mut insp, live);
    if live {
        follow_container_runtimes(config, &mut insp);
    }
    let (stop, done) = (AtomicBool::new(false), Flag::new());
    let mailbox = Mailbox::default();
    let rule_captures = RuleCapture::for_rules(&first.compiled.set, &first.rules.ruleset);
    let watched = watched_files(config, &first.rules.files);
    let webserver = start_webserver(config, metrics.as_ref(), live)?;
    let mut hooks = RunHooks {
        env: Env {
            options,
            hostname: &hostname,
            mailbox: &mailbox,
            live,
        },
        outputs,
        syscalls,
        counts: Counts::default(),
        drops: DropMonitor::new(
            &config.syscall_event_drops,
            engine.stats(),
            engine.name() == "modern_ebpf",
        ),
        recorder: Recorder::new(&config.capture, &rule_captures),
        exit_on_drops: false,
        events: 0,
        metrics,
        webserver,
        held: HeldAlerts::new(config.containers.metadata_wait),
        reloads: 0,
        next: None,
        generation: Arc::new(first),
    };
    let config_path = config.main_file().map(str::to_owned);
    let prepare = || match &config_path {
        Some(path) => Generation::load(path, options),
        None => bail!("falco runs without a configuration file: there is nothing to reload"),
    };
    let watcher = Watcher::new(
        &signals,
        &mailbox,
        &prepare,
        (options.duration_secs > 0).then(|| Duration::from_secs(options.duration_secs)),
        watched,
    );
    let started = Instant::now();
    let (result, reopen) = std::thread::scope(|scope| {
        scope.spawn(|| watcher.run(&stop, &done));
        let mut total = DriveStats::default();
        let mut reopen = None;
        let result = loop {
            let generation = hooks.generation.clone();
            let set = &generation.compiled.set;
            match drive_with(engine.as_mut(), &mut insp, set, &stop, &mut hooks) {
                Ok(stats) => {
                    total.events += stats.events;
                    total.matches += stats.matches;
                }
                Err(e) => break Err(e),
            }
            let Some(next) = hooks.next.take() else {
                break Ok(total);
            };
            if let Some(why) = hooks.apply(next, engine.as_mut(), &mut insp) {
                reopen = Some(why);
                break Ok(total);
            }
        };
        hooks.release_held(&insp, true);
        done.set();
        (result, reopen)
    });
    if let Some(recorder) = &mut hooks.recorder {
        recorder.close();
    }
    let RunHooks {
        counts,
        drops,
        exit_on_drops,
        outputs,
        ..
    } = hooks;
    let elapsed = started.elapsed();
    let snapshot = outputs.stop();
    let stats = match result {
        Ok(stats) => stats,
        Err(e) => bail!("{e}"),
    };
    crate::emit(&counts.text());
    if options.verbose {
        crate::emit(&counts.shadowed_text());
        // Falco writes these two on standard error.
        eprint!("{}", summary::elapsed_text(elapsed, stats.events));
    }
    eprint!(
        "{}",
        summary::drops_text(drops.drops_detected, drops.actions_taken)
    );
    if exit_on_drops {
        return Ok(Ending::Exit(1));
    }
    if snapshot.dropped > 0 {
        logger::warning(&format!(
            "{} alerts were dropped: the outputs queue was full",
            snapshot.dropped
        ));
    }
    if let Some(why) = reopen {
        logger::info(&format!(
            "The reload changed {why}: closing the engine and restarting..."
        ));
        return Ok(Ending::Restart);
    }
    Ok(Ending::Exit(0))
}
