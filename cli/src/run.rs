//! The run: opens the engine `engine.kind` names, seeds the inspector with
//! its initial state, compiles the loaded rules for the `syscall` source,
//! applies the configuration's selection, priority and `rule_matching`, and
//! turns every match into an [`Alert`] for the outputs. Prints Falco's
//! summary at the end.

use crate::app::{RunContext, RESTART};
use crate::capture::{Recorder, RuleCapture};
use crate::config::append_output::{appended_for, ExtraField};
use crate::config::{Config, RuleMatching};
use crate::drops::{DropMonitor, Verdict};
use crate::flag::Flag;
use crate::logger;
use crate::metrics::{own_usage, MetricsEmitter, RuleCount, Shared, Snapshot};
use crate::outputs::Alert;
use crate::signals::Signals;
use crate::webserver::Webserver;
use anyhow::{bail, Context as _, Result};
use falco_engine::compiler::{CompiledRuleset, Issue, Matching};
use falco_engine::drive::{drive_with, Hooks};
use falco_engine::loader::Priority;
use falco_scap::{Engine, EngineStats};
use falco_sinsp::format::Formatter;
use falco_sinsp::{Ctx, Inspector, SyscallFields, Value};
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How one rule's alerts are rendered: its output format (with the
/// `append_output` text) and the extra `output_fields`.
struct AlertFormat {
    output: Formatter,
    extra: Vec<(String, Extra)>,
}

enum Extra {
    /// One field, keeping its JSON type.
    Raw(Formatter),
    /// An output format rendered as a string.
    Formatted(Formatter),
}

/// The `syscall` source's rules, compiled and selected as configured.
fn compile_rules(context: &RunContext) -> Result<CompiledRuleset<SyscallFields>> {
    let ruleset = &context.rules.ruleset;
    let (mut set, issues) = CompiledRuleset::compile(ruleset, SyscallFields::new());
    let mut errors = Vec::new();
    for issue in issues {
        let named = |msg: &str| format!("rule '{}': {msg}", issue.rule);
        match &issue.issue {
            Issue::Error(code, msg) => errors.push(format!("{} ({})", named(msg), code.as_str())),
            Issue::Warning(code, msg) => {
                logger::warning(&format!("{} ({})", named(msg), code.as_str()))
            }
        }
    }
    if !errors.is_empty() {
        bail!(
            "Could not load rules: {} errors:\n{}",
            errors.len(),
            errors.join("\n")
        );
    }
    let selected: HashMap<&str, bool> = ruleset
        .rules
        .iter()
        .map(|r| r.name.as_str())
        .zip(context.rules.enabled.iter().copied())
        .collect();
    for rule in &mut set.rules {
        rule.enabled = selected.get(rule.name.as_str()).copied().unwrap_or(false);
    }
    set.matching = match context.config.rule_matching {
        RuleMatching::First => Matching::First,
        RuleMatching::All => Matching::All,
    };
    set.set_min_priority(context.config.priority);
    let enabled = set.rules.iter().filter(|r| r.enabled).count();
    logger::info(&format!(
        "Loaded {} rules, {} enabled for source syscall",
        set.rules.len(),
        enabled
    ));
    Ok(set)
}

/// The alert format of every compiled rule (same order as `set.rules`).
fn alert_formats(
    config: &Config,
    set: &CompiledRuleset<SyscallFields>,
) -> Result<Vec<AlertFormat>> {
    let fields = &set.source;
    set.rules
        .iter()
        .map(|rule| {
            let tags: Vec<String> = rule.tags.iter().cloned().collect();
            let appended = appended_for(&config.append_output, &rule.name, &tags, &rule.source);
            let text = format!("{}{}", rule.output.trim_end(), appended.text);
            let output = Formatter::new(fields, &text)
                .with_context(|| format!("Invalid output format of rule '{}'", rule.name))?;
            let extra = appended
                .fields
                .iter()
                .map(|f| {
                    let (name, extra) = match f {
                        ExtraField::Raw(name) => (
                            name.clone(),
                            Extra::Raw(Formatter::new(fields, &format!("%{name}"))?),
                        ),
                        ExtraField::Formatted { name, format } => (
                            name.clone(),
                            Extra::Formatted(Formatter::new(fields, format)?),
                        ),
                    };
                    Ok((name, extra))
                })
                .collect::<Result<Vec<_>, falco_sinsp::FieldError>>()
                .with_context(|| {
                    format!("Invalid append_output fields for rule '{}'", rule.name)
                })?;
            Ok(AlertFormat { output, extra })
        })
        .collect()
}

/// A field's values as Falco puts them in `output_fields`: numbers and
/// booleans keep their type, a missing value is `null`, several values are
/// joined with commas.
fn json_of(vals: &[Value<'_>]) -> Json {
    match vals {
        [] => Json::Null,
        [Value::Int(v)] => Json::from(*v),
        [Value::UInt(v)] => Json::from(*v),
        [Value::Bool(v)] => Json::from(*v),
        [Value::Double(v)] => serde_json::Number::from_f64(*v)
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(v.to_string())),
        [v] => Json::String(v.to_string()),
        many => Json::String(
            many.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(","),
        ),
    }
}

impl AlertFormat {
    fn alert(
        &self,
        rule: &falco_engine::compiler::CompiledRule<SyscallFields>,
        fields: &SyscallFields,
        c: &Ctx<'_>,
        context: &RunContext,
    ) -> Alert {
        let mut output_fields = Vec::new();
        self.output.for_each_field(fields, c, |name, vals| {
            output_fields.push((name.to_string(), json_of(vals)));
        });
        for (name, extra) in &self.extra {
            let value = match extra {
                Extra::Raw(f) => {
                    let mut v = Json::Null;
                    f.for_each_field(fields, c, |_, vals| v = json_of(vals));
                    v
                }
                Extra::Formatted(f) => Json::String(f.format(fields, c)),
            };
            output_fields.push((name.clone(), value));
        }
        for (name, value) in &context.config.static_fields {
            output_fields.push((name.clone(), Json::String(value.clone())));
        }
        Alert {
            rule: rule.name.clone(),
            priority: rule.priority,
            source: rule.source.clone(),
            tags: rule.tags.iter().cloned().collect(),
            time_ns: c.ev.ts,
            hostname: context.hostname.clone(),
            message: self.output.format(fields, c),
            output_fields,
        }
    }
}

/// What the run does with each match, each event and each second.
struct RunHooks<'r, 'c> {
    set: &'r CompiledRuleset<SyscallFields>,
    formats: &'r [AlertFormat],
    context: &'r RunContext<'c>,
    counts: Counts,
    drops: DropMonitor,
    recorder: Option<Recorder>,
    exit_on_drops: bool,
    /// Events the rules saw.
    events: u64,
    /// The snapshot `/metrics` and the metrics snapshots read (live runs
    /// with the web server or `metrics` on).
    metrics: Option<Shared>,
    emitter: Option<MetricsEmitter>,
}

impl RunHooks<'_, '_> {
    /// Refreshes the shared metrics and sends a snapshot when one is due.
    fn refresh_metrics(&mut self, stats: &EngineStats) {
        let Some(shared) = &self.metrics else {
            return;
        };
        let (cpu_seconds, rss_bytes, vsz_bytes) = own_usage();
        let rules = self
            .counts
            .by_rule
            .iter()
            .filter_map(|(name, count)| {
                let rule = self.set.rules.iter().find(|r| &r.name == name)?;
                Some(RuleCount {
                    rule: name.clone(),
                    priority: rule.priority,
                    source: rule.source.clone(),
                    tags: rule.tags.iter().cloned().collect(),
                    count: *count,
                })
            })
            .collect();
        let Ok(mut s) = shared.lock() else {
            return;
        };
        s.now_ns = now_ns();
        s.events = self.events;
        s.engine = stats.clone();
        s.outputs_queue_drops = self.context.outputs.stats().dropped;
        s.rules = rules;
        s.cpu_seconds = cpu_seconds;
        s.rss_bytes = rss_bytes;
        s.vsz_bytes = vsz_bytes;
        if let Some(emitter) = &mut self.emitter {
            emitter.tick(&s, &self.context.outputs);
        }
    }
}

/// The shared metrics snapshot of a live run that serves or emits metrics.
fn live_metrics(config: &Config, live: bool, hostname: &str) -> Option<Shared> {
    let wanted = config.webserver.enabled || config.metrics.enabled;
    (live && wanted).then(|| {
        let kernel_release = nix::sys::utsname::uname()
            .map(|u| u.release().to_string_lossy().into_owned())
            .unwrap_or_default();
        Arc::new(Mutex::new(Snapshot {
            hostname: hostname.to_owned(),
            kernel_release,
            start_ns: now_ns(),
            now_ns: now_ns(),
            boot_ns: boot_ns(),
            ..Snapshot::default()
        }))
    })
}

/// When the host booted, nanoseconds since the epoch (/proc/stat btime).
fn boot_ns() -> u64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse::<u64>().ok())
        })
        .map_or(0, |secs| secs * 1_000_000_000)
}

impl Hooks<dyn Engine> for RunHooks<'_, '_> {
    fn on_match(&mut self, i: usize, c: &Ctx<'_>) {
        let rule = &self.set.rules[i];
        self.counts.add(rule.priority, &rule.name);
        let alert = self.formats[i].alert(rule, &self.set.source, c, self.context);
        self.context.outputs.send(&alert);
        if let Some(recorder) = &mut self.recorder {
            recorder.on_match(i, c);
        }
    }

    fn on_event(&mut self, c: &Ctx<'_>) {
        self.events += 1;
        if let Some(recorder) = &mut self.recorder {
            recorder.on_event(c);
        }
    }

    fn on_touch(&mut self) {
        self.events += 1;
    }

    fn on_tick(&mut self, engine: &dyn Engine) -> bool {
        // One read of the engine's counters serves both.
        let stats = engine.stats();
        self.refresh_metrics(&stats);
        let Some(report) = self.drops.check(stats, Instant::now()) else {
            return true;
        };
        let verdict = self.drops.act(&report, now_ns(), &self.context.outputs);
        self.exit_on_drops = verdict == Verdict::Exit;
        !self.exit_on_drops
    }
}

/// Wall-clock nanoseconds since the epoch (for Falco's own alerts).
fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// What the summary counts.
#[derive(Default)]
struct Counts {
    total: u64,
    by_priority: BTreeMap<Priority, u64>,
    by_rule: Vec<(String, u64)>,
}

impl Counts {
    fn add(&mut self, priority: Priority, rule: &str) {
        self.total += 1;
        *self.by_priority.entry(priority).or_default() += 1;
        match self.by_rule.iter_mut().find(|(r, _)| r == rule) {
            Some((_, n)) => *n += 1,
            None => self.by_rule.push((rule.to_string(), 1)),
        }
    }

    /// Falco's end-of-run text.
    fn text(&self) -> String {
        let mut s = format!(
            "Events detected: {}\nRule counts by severity:\n",
            self.total
        );
        for (p, n) in &self.by_priority {
            s.push_str(&format!("   {}: {n}\n", p.as_str().to_uppercase()));
        }
        s.push_str("Triggered rules by rule name:\n");
        for (r, n) in &self.by_rule {
            s.push_str(&format!("   {r}: {n}\n"));
        }
        s
    }
}

/// The modification times of `files` (None: unreadable).
fn mtimes(files: &[String]) -> Vec<Option<std::time::SystemTime>> {
    files
        .iter()
        .map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .collect()
}

/// Sets `stop` when a stop signal arrives or `max` elapses, reopens the
/// outputs on SIGUSR1, and (with `watch_config_files`) asks for a restart
/// when one of `watched` changes, until `done` is set.
fn watch(
    signals: &Signals,
    outputs: &crate::outputs::Outputs,
    max: Option<Duration>,
    watched: &[String],
    files_changed: &AtomicBool,
    stop: &AtomicBool,
    done: &Flag,
) {
    let start = Instant::now();
    let before = mtimes(watched);
    let mut turns = 0u32;
    while !done.is_set() {
        if signals.take_reopen() {
            logger::info("SIGUSR1 received, reopening outputs...");
            outputs.reopen();
        }
        turns = turns.wrapping_add(1);
        if !watched.is_empty() && turns % 20 == 0 && mtimes(watched) != before {
            logger::info(
                "A change in a watched configuration or rules file was detected, restarting...",
            );
            files_changed.store(true, Ordering::Relaxed);
            signals.restart.store(true, Ordering::Relaxed);
        }
        let expired = max.is_some_and(|m| start.elapsed() >= m);
        if signals.should_stop() || expired {
            stop.store(true, Ordering::Relaxed);
            return;
        }
        done.wait(Duration::from_millis(50));
    }
}

/// The run. Returns the exit code, or [`RESTART`] after SIGHUP.
pub fn run_events(context: RunContext) -> Result<i32> {
    let set = compile_rules(&context)?;
    let formats = alert_formats(context.config, &set)?;
    if context.options.dry_run {
        // Everything is checked (rules compiled, output formats resolved);
        // only the source is not opened.
        logger::info("Skipping event processing in dry-run");
        context.outputs.stop();
        return Ok(0);
    }
    let mut engine = crate::source::open_engine(context.config, &set)?;
    let engine_is_live = engine.name() != "replay";
    let mut insp = Inspector::new(engine.take_initial_state());
    let max = (context.options.duration_secs > 0)
        .then(|| Duration::from_secs(context.options.duration_secs));
    let (stop, done) = (AtomicBool::new(false), Flag::new());
    let files_changed = AtomicBool::new(false);
    let rule_captures: Vec<RuleCapture> = set
        .rules
        .iter()
        .map(|r| {
            let loaded = context
                .rules
                .ruleset
                .rules
                .iter()
                .find(|l| l.name == r.name);
            RuleCapture {
                capture: loaded.is_some_and(|l| l.capture),
                duration_ms: loaded.map_or(0, |l| l.capture_duration),
            }
        })
        .collect();
    let mut hooks = RunHooks {
        set: &set,
        formats: &formats,
        context: &context,
        counts: Counts::default(),
        drops: DropMonitor::new(
            &context.config.syscall_event_drops,
            engine.stats(),
            Instant::now(),
        ),
        recorder: Recorder::new(&context.config.capture, &rule_captures),
        exit_on_drops: false,
        events: 0,
        metrics: live_metrics(context.config, engine_is_live, &context.hostname),
        emitter: MetricsEmitter::new(&context.config.metrics, now_ns()),
    };
    let watched: Vec<String> = if context.config.watch_config_files {
        context
            .config
            .files
            .iter()
            .map(|f| f.path.clone())
            .chain(context.rules.files.iter().cloned())
            .collect()
    } else {
        Vec::new()
    };
    // The web server runs with live engines only, as in Falco.
    let _webserver = match (
        &hooks.metrics,
        context.config.webserver.enabled && engine_is_live,
    ) {
        (Some(shared), true) => match Webserver::start(&context.config.webserver, shared.clone()) {
            Ok(ws) => {
                logger::info(&format!("Starting HTTP server listening on {}", ws.addr()));
                Some(ws)
            }
            Err(e) => bail!("{e}"),
        },
        _ => None,
    };
    let started = Instant::now();
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            watch(
                &context.signals,
                &context.outputs,
                max,
                &watched,
                &files_changed,
                &stop,
                &done,
            )
        });
        let result = drive_with(engine.as_mut(), &mut insp, &set, &stop, &mut hooks);
        done.set();
        result
    });
    if let Some(recorder) = &mut hooks.recorder {
        recorder.finish();
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
        let secs = elapsed.as_secs_f64();
        crate::emit(&format!(
            "Elapsed time: {secs:.3}, Captured Events: {}, {:.2} eps\n",
            stats.events,
            if secs > 0.0 {
                stats.events as f64 / secs
            } else {
                0.0
            }
        ));
    }
    if context.options.verbose && engine_is_live {
        crate::emit(&format!(
            "Syscall event drop monitoring:\n   - event drop detected: {} occurrences\n   - num times actions taken: {}\n",
            drops.drops_detected, drops.actions_taken
        ));
    }
    if exit_on_drops {
        logger::log(crate::logger::LogLevel::Error, "Exiting.");
        return Ok(1);
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
        return Ok(RESTART);
    }
    Ok(0)
}
