//! The run, as wiring: compiles the rules ([`crate::rules`]) and their
//! alert formats ([`crate::outputs::alert`]), opens the source
//! `engine.kind` names ([`crate::source`]), seeds the inspector with its
//! initial state, and drives events through state and rules while the
//! watcher ([`crate::watch`]) looks after signals and files. Each match
//! becomes an alert for the outputs and a count for the summary
//! ([`crate::summary`]); each second refreshes the metrics
//! ([`crate::metrics::live`]) and checks drops ([`crate::drops`]).

use crate::capture::{Recorder, RuleCapture};
use crate::context::{Ending, RunContext};
use crate::drops::{DropMonitor, Verdict};
use crate::flag::Flag;
use crate::hold::HeldAlerts;
use crate::logger;
use crate::metrics::live::{Counters, LiveMetrics};
use crate::metrics::StateCounters;
use crate::outputs::alert::{AlertFormat, RunFields};
use crate::rules::compile_rules;
use crate::summary::{self, Counts};
use crate::watch::{watched_files, Watcher};
use crate::webserver::Webserver;
use anyhow::{bail, Result};
use falco_engine::compiler::explain::Explainer;
use falco_engine::compiler::CompiledRuleset;
use falco_engine::drive::{drive_with, Hooks};
use falco_engine::loader::Ruleset;
use falco_scap::Engine;
use falco_sinsp::runtimes::{Feed, Level, Log};
use falco_sinsp::{Ctx, Inspector, SyscallFields};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
/// there): the rules compile and their output formats resolve.
pub fn compile(context: &RunContext) -> Result<Compiled> {
    let set = compile_rules(&context.rules, context.config)?;
    let formats = AlertFormat::for_rules(&context.config.append_output, &set)?;
    let explainers = context
        .options
        .explain
        .then(|| explainers(&context.rules.ruleset, &set))
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

/// What the run does with each match, each event and each second.
struct RunHooks<'r, 'c> {
    compiled: &'r Compiled,
    context: &'r RunContext<'c>,
    counts: Counts,
    drops: DropMonitor,
    recorder: Option<Recorder>,
    exit_on_drops: bool,
    /// Events the rules saw.
    events: u64,
    /// Live runs with the web server or `metrics` on.
    metrics: Option<LiveMetrics>,
    /// Alerts waiting for their container's metadata.
    held: HeldAlerts,
}

/// Renders the alert of rule `i` on `c` and hands it to the outputs.
fn send_alert(compiled: &Compiled, context: &RunContext<'_>, i: usize, c: &Ctx<'_>) {
    let set = &compiled.set;
    let run = RunFields {
        hostname: &context.hostname,
        static_fields: &context.config.static_fields,
    };
    let mut alert = compiled.formats[i].alert(&set.rules[i], &set.source, c, run);
    if let Some(explainers) = &compiled.explainers {
        alert.explain = Some(explainers[i].explain(&set.source, c));
    }
    context.outputs.send(&alert);
}

impl RunHooks<'_, '_> {
    /// Sends the held alerts that can go (all of them with `all`).
    fn release_held(&mut self, insp: &Inspector, all: bool) {
        if self.held.is_empty() {
            return;
        }
        let (compiled, context) = (self.compiled, self.context);
        self.held.release(insp, Instant::now(), all, |i, c| {
            send_alert(compiled, context, i, c)
        });
    }
}

impl Hooks<dyn Engine> for RunHooks<'_, '_> {
    fn on_match(&mut self, i: usize, c: &Ctx<'_>) {
        let rule = &self.compiled.set.rules[i];
        self.counts.add(rule.priority, &rule.name);
        let now = Instant::now();
        let missing = self.held.missing(c);
        if let Some(recorder) = &mut self.recorder {
            recorder.on_match(i, c, missing.map(|id| (id, now + self.held.wait())));
        }
        match missing {
            Some(id) => self.held.hold(i, c, id, now),
            None => send_alert(self.compiled, self.context, i, c),
        }
    }

    fn on_shadowed(&mut self, first: usize, hidden: usize) {
        let rules = &self.compiled.set.rules;
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
        self.drops.is_due()
    }

    /// A drop check fell due (event time): the engine's counters against
    /// the last check's.
    fn on_due(&mut self, engine: &dyn Engine, _insp: &Inspector) -> bool {
        let Some(report) = self.drops.check(engine.stats()) else {
            return true;
        };
        let verdict = self.drops.act(&report, &self.context.outputs);
        self.exit_on_drops = verdict == Verdict::Exit;
        !self.exit_on_drops
    }

    fn on_tick(&mut self, engine: &dyn Engine, insp: &Inspector) -> bool {
        self.release_held(insp, false);
        if let Some(metrics) = &mut self.metrics {
            let stats = engine.stats();
            let counters = Counters {
                events: self.events,
                engine: &stats,
                by_rule: self.counts.by_rule(),
                shadowed: self.counts.shadowed(),
                rules: &self.compiled.set.rules,
                alerts_held: self.held.held,
                alerts_incomplete: self.held.incomplete,
                state: self
                    .context
                    .config
                    .metrics
                    .state_counters_enabled
                    .then(|| StateCounters::of(insp)),
            };
            metrics.refresh(counters, &self.context.outputs);
        }
        true
    }
}

/// Live runs follow the container runtimes (docker, podman) the
/// container plugin's configuration enables; their metadata reaches the
/// inspector between events.
fn follow_container_runtimes(config: &crate::config::Config, insp: &mut Inspector) {
    let log: Log = Arc::new(|level, msg: &str| match level {
        Level::Info => logger::info(msg),
        Level::Warning => logger::warning(msg),
    });
    let feed = Feed::start(&config.containers.runtimes, log);
    if feed.is_empty() {
        logger::info("No container runtime socket found: container metadata comes from cgroups only");
    }
    for endpoint in &feed.endpoints {
        logger::info(&format!("Following {endpoint}"));
    }
    insp.attach_runtimes(feed);
}

/// The run. Returns how it ended: an exit code, or a restart after SIGHUP
/// or a change of a watched file.
pub fn run_events(context: RunContext) -> Result<Ending> {
    let mut compiled = compile(&context)?;
    let mut engine = crate::source::open_engine(context.config, &compiled.set)?;
    let live = engine.is_live();
    let metrics = LiveMetrics::new(
        context.config,
        live,
        &context.hostname,
        &context.rules.digest,
    );
    // Who hides whose matches (rule_matching: first) is worth its cost,
    // evaluating the other rules of events that already matched, when
    // someone reads it: -v, or the rules' metrics.
    compiled.set.count_shadowed = context.options.verbose
        || (metrics.is_some() && context.config.metrics.rules_counters_enabled);
    let mut insp = Inspector::new(engine.take_initial_state());
    insp.threads
        .set_limit(context.config.libs.falco_libs.thread_table_size as usize);
    if live {
        follow_container_runtimes(context.config, &mut insp);
    }
    let (stop, done) = (AtomicBool::new(false), Flag::new());
    let files_changed = AtomicBool::new(false);
    let rule_captures = RuleCapture::for_rules(&compiled.set, &context.rules.ruleset);
    let mut hooks = RunHooks {
        compiled: &compiled,
        context: &context,
        counts: Counts::default(),
        drops: DropMonitor::new(
            &context.config.syscall_event_drops,
            engine.stats(),
            engine.name() == "modern_ebpf",
        ),
        recorder: Recorder::new(&context.config.capture, &rule_captures),
        exit_on_drops: false,
        events: 0,
        metrics,
        held: HeldAlerts::new(context.config.containers.metadata_wait),
    };
    // The web server runs with live engines only, as in Falco.
    let _webserver = match &hooks.metrics {
        Some(metrics) if context.config.webserver.enabled && live => {
            match Webserver::start(
                &context.config.webserver,
                metrics.shared().clone(),
                &context.rules.digest,
            ) {
                Ok(ws) => {
                    logger::info(&format!("Starting HTTP server listening on {}", ws.addr()));
                    Some(ws)
                }
                Err(e) => bail!("{e}"),
            }
        }
        _ => None,
    };
    let watcher = Watcher::new(
        &context.signals,
        &context.outputs,
        (context.options.duration_secs > 0)
            .then(|| Duration::from_secs(context.options.duration_secs)),
        watched_files(context.config, &context.rules.files),
    );
    let started = Instant::now();
    let result = std::thread::scope(|scope| {
        scope.spawn(|| watcher.run(&files_changed, &stop, &done));
        let result = drive_with(engine.as_mut(), &mut insp, &compiled.set, &stop, &mut hooks);
        hooks.release_held(&insp, true);
        done.set();
        result
    });
    if let Some(recorder) = &mut hooks.recorder {
        recorder.close();
    }
    let RunHooks {
        counts,
        drops,
        exit_on_drops,
        ..
    } = hooks;
    let elapsed = started.elapsed();
    let restart = context.signals.restart.load(Ordering::Relaxed);
    let snapshot = context.outputs.stop();
    let stats = match result {
        Ok(stats) => stats,
        Err(e) => bail!("{e}"),
    };
    crate::emit(&counts.text());
    if context.options.verbose {
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
    if restart {
        if !files_changed.load(Ordering::Relaxed) {
            logger::info("SIGHUP received, restarting...");
        }
        return Ok(Ending::Restart);
    }
    Ok(Ending::Exit(0))
}
