//! The metrics of a live run: the shared [`Snapshot`] the web server reads,
//! refreshed by the event loop once a second, and the `metrics` snapshots
//! sent when one is due. Replays have none, as in Falco.

use super::{own_usage, MetricsEmitter, RuleCount, Shared, Snapshot};
use crate::config::Config;
use crate::outputs::Outputs;
use falco_engine::compiler::CompiledRule;
use falco_scap::EngineStats;
use falco_sinsp::SyscallFields;
use std::sync::{Arc, Mutex};

/// Wall-clock nanoseconds since the epoch (for Falco's own alerts).
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
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

/// The matches of each rule in `by_rule` with what metrics label them
/// with (priority, source, tags) from `rules`; names not among `rules`
/// are left out.
pub fn rule_counts(
    by_rule: &[(String, u64)],
    rules: &[CompiledRule<SyscallFields>],
) -> Vec<RuleCount> {
    by_rule
        .iter()
        .filter_map(|(name, count)| {
            let rule = rules.iter().find(|r| &r.name == name)?;
            Some(RuleCount {
                rule: name.clone(),
                priority: rule.priority,
                source: rule.source.clone(),
                tags: rule.tags.iter().cloned().collect(),
                count: *count,
            })
        })
        .collect()
}

/// The run's counters at one tick.
#[derive(Debug, Clone, Copy)]
pub struct Counters<'a> {
    /// Events the rules saw.
    pub events: u64,
    pub engine: &'a EngineStats,
    /// Matches by rule (see [`crate::summary::Counts::by_rule`]).
    pub by_rule: &'a [(String, u64)],
    /// Matches hidden by an earlier rule (see
    /// [`crate::summary::Counts::shadowed`]).
    pub shadowed: &'a [(String, String, u64)],
    pub rules: &'a [CompiledRule<SyscallFields>],
    /// Alerts held for container metadata, and sent incomplete.
    pub alerts_held: u64,
    pub alerts_incomplete: u64,
    /// Reloads applied, and failed.
    pub reloads: u64,
    pub reload_failures: u64,
    /// The state tables (`metrics.state_counters_enabled`).
    pub state: Option<crate::metrics::StateCounters>,
}

/// The metrics a live run serves (web server) or emits (`metrics`).
#[derive(Debug)]
pub struct LiveMetrics {
    shared: Shared,
    emitter: Option<MetricsEmitter>,
}

impl LiveMetrics {
    /// `None` unless the run is live and the web server or `metrics` is
    /// enabled.
    pub fn new(
        config: &Config,
        live: bool,
        hostname: &str,
        rules_digest: &str,
    ) -> Option<LiveMetrics> {
        let wanted = config.webserver.enabled || config.metrics.enabled;
        (live && wanted).then(|| {
            let kernel_release = nix::sys::utsname::uname()
                .map(|u| u.release().to_string_lossy().into_owned())
                .unwrap_or_default();
            let shared = Arc::new(Mutex::new(Snapshot {
                hostname: hostname.to_owned(),
                kernel_release,
                rules_digest: rules_digest.to_owned(),
                start_ns: now_ns(),
                now_ns: now_ns(),
                boot_ns: boot_ns(),
                ..Snapshot::default()
            }));
            LiveMetrics {
                shared,
                emitter: MetricsEmitter::new(&config.metrics, now_ns()),
            }
        })
    }

    /// The rules running now (after a reload).
    pub fn set_rules_digest(&self, digest: &str) {
        if let Ok(mut s) = self.shared.lock() {
            s.rules_digest = digest.to_owned();
        }
    }

    /// The snapshot, for the web server.
    pub fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Refreshes the snapshot and sends a metrics snapshot when one is due.
    pub fn refresh(&mut self, counters: Counters<'_>, outputs: &Outputs) {
        let (cpu_seconds, rss_bytes, vsz_bytes) = own_usage();
        let rules = rule_counts(counters.by_rule, counters.rules);
        let output_stats = outputs.stats();
        let Ok(mut s) = self.shared.lock() else {
            return;
        };
        s.now_ns = now_ns();
        s.events = counters.events;
        s.engine = counters.engine.clone();
        s.outputs_queue_drops = output_stats.dropped;
        s.output_lanes = output_stats.lanes;
        s.alerts_held = counters.alerts_held;
        s.alerts_incomplete = counters.alerts_incomplete;
        s.reloads = counters.reloads;
        s.reload_failures = counters.reload_failures;
        s.state = counters.state;
        s.rules = rules;
        s.shadowed = counters.shadowed.to_vec();
        s.cpu_seconds = cpu_seconds;
        s.rss_bytes = rss_bytes;
        s.vsz_bytes = vsz_bytes;
        if let Some(emitter) = &mut self.emitter {
            emitter.tick(&s, outputs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::FormatOptions;
    use falco_engine::compiler::CompiledRuleset;
    use falco_engine::loader::Priority;
    use std::time::Duration;

    fn config(text: &str) -> Config {
        Config::from_text("/etc/falco/falco.yaml", text, &[]).unwrap()
    }

    fn rules() -> CompiledRuleset<SyscallFields> {
        let mut loader = crate::rules::rules_loader();
        let result = loader.load_file(
            "r.yaml",
            "- rule: A\n  desc: d\n  condition: evt.type = close\n  output: a\n  priority: ERROR\n  tags: [x, y]\n- rule: B\n  desc: d\n  condition: evt.type = close\n  output: b\n  priority: INFO\n",
        );
        assert!(result.successful(), "{result:?}");
        CompiledRuleset::compile(loader.ruleset().unwrap(), SyscallFields::new()).0
    }

    #[test]
    fn only_live_runs_that_serve_or_emit_have_metrics() {
        let web = config("webserver: {enabled: true}\n");
        let metrics = config("webserver: {enabled: false}\nmetrics: {enabled: true}\n");
        let neither = config("webserver: {enabled: false}\nmetrics: {enabled: false}\n");
        assert!(LiveMetrics::new(&web, true, "h", "").is_some());
        assert!(LiveMetrics::new(&metrics, true, "h", "").is_some());
        assert!(LiveMetrics::new(&neither, true, "h", "").is_none());
        assert!(LiveMetrics::new(&web, false, "h", "").is_none(), "a replay");
        let m = LiveMetrics::new(&web, true, "host-1", "").unwrap();
        let s = m.shared().lock().unwrap().clone();
        assert_eq!(s.hostname, "host-1");
        assert!(s.start_ns > 0 && s.now_ns >= s.start_ns);
    }

    #[test]
    fn rule_counts_carry_each_rules_labels() {
        let set = rules();
        let by_rule = [
            ("B".to_string(), 3),
            ("Gone".to_string(), 1),
            ("A".to_string(), 2),
        ];
        let counts = rule_counts(&by_rule, &set.rules);
        assert_eq!(
            counts,
            [
                RuleCount {
                    rule: "B".into(),
                    priority: Priority::Informational,
                    source: "syscall".into(),
                    tags: vec![],
                    count: 3
                },
                RuleCount {
                    rule: "A".into(),
                    priority: Priority::Error,
                    source: "syscall".into(),
                    tags: vec!["x".into(), "y".into()],
                    count: 2
                },
            ]
        );
    }

    #[test]
    fn a_refresh_writes_the_counters_into_the_snapshot() {
        let set = rules();
        let outputs = Outputs::with_channels(
            FormatOptions::default(),
            "h",
            0,
            Duration::from_secs(5),
            Vec::new(),
        );
        let mut m =
            LiveMetrics::new(&config("webserver: {enabled: true}\n"), true, "h", "").unwrap();
        let engine = EngineStats {
            events: 10,
            drops_buffer: 2,
            ..Default::default()
        };
        m.refresh(
            Counters {
                events: 9,
                engine: &engine,
                by_rule: &[("A".to_string(), 4)],
                shadowed: &[("A".to_string(), "B".to_string(), 2)],
                rules: &set.rules,
                alerts_held: 3,
                alerts_incomplete: 1,
                reloads: 5,
                reload_failures: 4,
                state: None,
            },
            &outputs,
        );
        let s = m.shared().lock().unwrap().clone();
        assert_eq!(s.events, 9);
        assert_eq!(s.engine, engine);
        assert_eq!(s.rules.len(), 1);
        assert_eq!(s.rules[0].count, 4);
        assert_eq!(s.shadowed, [("A".to_string(), "B".to_string(), 2)]);
        assert_eq!((s.alerts_held, s.alerts_incomplete), (3, 1));
        assert_eq!((s.reloads, s.reload_failures), (5, 4));
        m.set_rules_digest("sha256:0f");
        assert_eq!(m.shared().lock().unwrap().rules_digest, "sha256:0f");
        assert!(s.rss_bytes > 0, "this process's own use");
        outputs.stop();
    }
}
