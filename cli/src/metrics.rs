//! Falco's metrics: one snapshot of the run's counters (events, drops,
//! rule matches, outputs, resource use), refreshed by the event loop once a
//! second and read by the web server's `/metrics` (Prometheus text) and by
//! the `metrics` snapshots (`output_rule`: an internal alert, `output_file`:
//! one JSON line per interval).

pub mod live;

use crate::config::runtime::MetricsConfig;
use crate::logger::{self, LogLevel};
use crate::outputs::{InternalMessage, LaneSnapshot, Outputs};
use falco_engine::loader::Priority;
use falco_scap::EngineStats;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Matches of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCount {
    pub rule: String,
    pub priority: Priority,
    pub source: String,
    pub tags: Vec<String>,
    pub count: u64,
}

/// The state tables at one moment (`metrics.state_counters_enabled`):
/// their sizes, and what their limits dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateCounters {
    pub threads: u64,
    pub fds: u64,
    pub containers: u64,
    /// Threads dropped because the table was full (libsinsp's
    /// `n_drops_full_threadtable`).
    pub threads_evicted: u64,
    /// Threads removed: after they exited, or by the periodic purge
    /// (libsinsp's `n_removed_threads`).
    pub threads_removed: u64,
    /// Of those, the threads the periodic purge removed (inactive, their
    /// exit lost; falco-rs's `n_auto_purged_threads`).
    pub threads_auto_purged: u64,
    /// New fds not tracked because their process's table was full.
    pub fds_discarded: u64,
    /// Containers dropped because the container cache was full
    /// (falco-rs's `n_evicted_containers`).
    pub containers_evicted: u64,
    /// Containers the periodic purge removed: no thread in them for the
    /// timeout, their removal lost (falco-rs's `n_auto_purged_containers`).
    pub containers_auto_purged: u64,
}

impl StateCounters {
    /// The counters of `insp` now (a walk over the thread table).
    pub fn of(insp: &falco_sinsp::Inspector) -> StateCounters {
        let (fds, fds_discarded) = insp.threads.fd_totals();
        StateCounters {
            threads: insp.threads.len() as u64,
            fds,
            containers: insp.containers.len() as u64,
            threads_evicted: insp.threads.stats.evicted,
            threads_removed: insp.threads.stats.purged,
            threads_auto_purged: insp.threads.stats.auto_purged,
            fds_discarded,
            containers_evicted: insp.containers.stats.evicted,
            containers_auto_purged: insp.containers.stats.purged,
        }
    }

    /// Name (Prometheus, after `falcosecurity_`), type and value; the
    /// JSON field is `falco.` and the name without `falco_`/`_total`.
    fn rows(&self) -> [(&'static str, &'static str, u64); 9] {
        [
            ("falco_n_threads", "gauge", self.threads),
            ("falco_n_fds", "gauge", self.fds),
            ("falco_n_containers", "gauge", self.containers),
            (
                "falco_n_drops_full_threadtable_total",
                "counter",
                self.threads_evicted,
            ),
            (
                "falco_n_removed_threads_total",
                "counter",
                self.threads_removed,
            ),
            (
                "falco_n_drops_full_fdtable_total",
                "counter",
                self.fds_discarded,
            ),
            (
                "falco_n_auto_purged_threads_total",
                "counter",
                self.threads_auto_purged,
            ),
            (
                "falco_n_evicted_containers_total",
                "counter",
                self.containers_evicted,
            ),
            (
                "falco_n_auto_purged_containers_total",
                "counter",
                self.containers_auto_purged,
            ),
        ]
    }
}

/// The run's counters at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub hostname: String,
    pub kernel_release: String,
    /// The loaded rules' digest (`sha256:HEX`, see `rules::rules_digest`).
    pub rules_digest: String,
    /// The state tables, when `metrics.state_counters_enabled`.
    pub state: Option<StateCounters>,
    pub start_ns: u64,
    pub now_ns: u64,
    pub boot_ns: u64,
    /// Events the rules saw.
    pub events: u64,
    pub engine: EngineStats,
    pub outputs_queue_drops: u64,
    /// Per output: sent, retried, spooled, dropped, queue depth.
    pub output_lanes: Vec<LaneSnapshot>,
    /// Alerts held for their container's metadata, and those sent without
    /// it when the wait ran out (falco-rs only).
    pub alerts_held: u64,
    pub alerts_incomplete: u64,
    /// Reloads (SIGHUP, a watched file) applied while running, and those
    /// that failed and left the run as it was (falco-rs only).
    pub reloads: u64,
    pub reload_failures: u64,
    pub rules: Vec<RuleCount>,
    /// (rule that alerted, rule whose match it hid, events): falco-rs's
    /// own, with `rule_matching: first`.
    pub shadowed: Vec<(String, String, u64)>,
    pub cpu_seconds: f64,
    pub rss_bytes: u64,
    pub vsz_bytes: u64,
}

impl Snapshot {
    fn duration_s(&self) -> f64 {
        self.now_ns.saturating_sub(self.start_ns) as f64 / 1e9
    }

    fn drops(&self) -> u64 {
        self.engine.drops_buffer + self.engine.drops_pf + self.engine.drops_bug
    }

    fn drops_perc(&self) -> f64 {
        let seen = self.engine.events + self.drops();
        if seen == 0 {
            0.0
        } else {
            self.drops() as f64 * 100.0 / seen as f64
        }
    }

    /// `n` per second over the whole run.
    fn rate(&self, n: u64) -> f64 {
        self.per_second(n as f64)
    }

    /// `x` divided by the run's duration (0 before any time has passed).
    fn per_second(&self, x: f64) -> f64 {
        let d = self.duration_s();
        if d > 0.0 {
            x / d
        } else {
            0.0
        }
    }

    /// CPU use over the whole run, in percent of one CPU.
    fn cpu_perc(&self) -> f64 {
        self.per_second(self.cpu_seconds) * 100.0
    }
}

/// The snapshot the event loop writes and the web server reads.
pub type Shared = Arc<Mutex<Snapshot>>;

/// Falco's Prometheus exposition of `s` (names `falcosecurity_*`).
pub fn prometheus(s: &Snapshot) -> String {
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, labels: &str, value: String| {
        out.push_str(&format!(
            "# HELP falcosecurity_{name} https://falco.org/docs/metrics/\n# TYPE falcosecurity_{name} {kind}\nfalcosecurity_{name}{labels} {value}\n"
        ));
    };
    let label = |v: &str| {
        v.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    metric(
        "falco_version_info",
        "gauge",
        &format!("{{version=\"{}\"}}", crate::version::FALCO_VERSION),
        "1".into(),
    );
    metric(
        "falco_hostname_info",
        "gauge",
        &format!("{{hostname=\"{}\"}}", label(&s.hostname)),
        "1".into(),
    );
    metric(
        "falco_kernel_release_info",
        "gauge",
        &format!("{{kernel_release=\"{}\"}}", label(&s.kernel_release)),
        "1".into(),
    );
    metric(
        "falco_rules_digest_info",
        "gauge",
        &format!("{{digest=\"{}\"}}", label(&s.rules_digest)),
        "1".into(),
    );
    let unlabelled: [(&str, &str, String); 20] = [
        (
            "falco_start_timestamp_nanoseconds",
            "gauge",
            s.start_ns.to_string(),
        ),
        (
            "falco_host_boot_timestamp_nanoseconds",
            "gauge",
            s.boot_ns.to_string(),
        ),
        (
            "falco_duration_seconds_total",
            "counter",
            format!("{:.3}", s.duration_s()),
        ),
        (
            "falco_cpu_usage_ratio",
            "gauge",
            format!("{:.6}", s.cpu_perc() / 100.0),
        ),
        ("falco_memory_rss_bytes", "gauge", s.rss_bytes.to_string()),
        ("falco_memory_vsz_bytes", "gauge", s.vsz_bytes.to_string()),
        (
            "falco_outputs_queue_num_drops_total",
            "counter",
            s.outputs_queue_drops.to_string(),
        ),
        ("falco_num_evts_total", "counter", s.events.to_string()),
        (
            "falco_container_metadata_alerts_held_total",
            "counter",
            s.alerts_held.to_string(),
        ),
        (
            "falco_container_metadata_alerts_incomplete_total",
            "counter",
            s.alerts_incomplete.to_string(),
        ),
        ("falco_reloads_total", "counter", s.reloads.to_string()),
        (
            "falco_reload_failures_total",
            "counter",
            s.reload_failures.to_string(),
        ),
        ("scap_n_evts_total", "counter", s.engine.events.to_string()),
        ("scap_n_drops_total", "counter", s.drops().to_string()),
        (
            "scap_n_drops_buffer_total",
            "counter",
            s.engine.drops_buffer.to_string(),
        ),
        (
            "scap_n_drops_page_faults_total",
            "counter",
            s.engine.drops_pf.to_string(),
        ),
        (
            "scap_n_drops_bug_total",
            "counter",
            s.engine.drops_bug.to_string(),
        ),
        (
            "scap_n_drops_perc",
            "gauge",
            format!("{:.6}", s.drops_perc()),
        ),
        (
            "falco_evts_rate_per_second",
            "gauge",
            format!("{:.3}", s.rate(s.events)),
        ),
        (
            "scap_n_evts_rate_per_second",
            "gauge",
            format!("{:.3}", s.rate(s.engine.events)),
        ),
    ];
    for (name, kind, value) in unlabelled {
        metric(name, kind, "", value);
    }
    for (name, kind, value) in s.state.iter().flat_map(StateCounters::rows) {
        metric(name, kind, "", value.to_string());
    }
    for r in &s.rules {
        metric(
            "falco_rules_matches_total",
            "counter",
            &format!(
                "{{priority=\"{}\",rule_name=\"{}\",source=\"{}\",tags=\"{}\"}}",
                r.priority as u8,
                label(&r.rule),
                label(&r.source),
                label(&r.tags.join(","))
            ),
            r.count.to_string(),
        );
    }
    for lane in &s.output_lanes {
        let labels = format!("{{output=\"{}\"}}", label(lane.name));
        for (name, kind, value) in [
            ("falco_outputs_sent_total", "counter", lane.sent),
            ("falco_outputs_errors_total", "counter", lane.errors),
            ("falco_outputs_retried_total", "counter", lane.retried),
            ("falco_outputs_spooled_total", "counter", lane.spooled),
            ("falco_outputs_dropped_total", "counter", lane.dropped),
            ("falco_outputs_queue_depth", "gauge", lane.queue_depth),
        ] {
            metric(name, kind, &labels, value.to_string());
        }
    }
    for (first, hidden, n) in &s.shadowed {
        metric(
            "falco_rules_shadowed_total",
            "counter",
            &format!(
                "{{rule_name=\"{}\",shadowed_by=\"{}\"}}",
                label(hidden),
                label(first)
            ),
            n.to_string(),
        );
    }
    out
}

/// The fields of a metrics snapshot (Falco's `falco.*` / `scap.*` names).
pub fn snapshot_fields(s: &Snapshot, config: &MetricsConfig) -> Map<String, Value> {
    let mut f = Map::new();
    let mb = |b: u64| {
        if config.convert_memory_to_mb {
            json!((b as f64 / 1_048_576.0 * 100.0).round() / 100.0)
        } else {
            json!(b)
        }
    };
    f.insert("evt.source".into(), json!("syscall"));
    f.insert("falco.version".into(), json!(crate::version::FALCO_VERSION));
    f.insert("falco.hostname".into(), json!(s.hostname));
    f.insert("falco.kernel_release".into(), json!(s.kernel_release));
    f.insert("falco.rules_digest".into(), json!(s.rules_digest));
    f.insert("falco.start_ts".into(), json!(s.start_ns));
    f.insert("falco.host_boot_ts".into(), json!(s.boot_ns));
    f.insert(
        "falco.duration_sec".into(),
        json!(s.duration_s().round() as u64),
    );
    f.insert("falco.num_evts".into(), json!(s.events));
    for (name, _, value) in s.state.iter().flat_map(StateCounters::rows) {
        let short = name.trim_start_matches("falco_").trim_end_matches("_total");
        f.insert(format!("falco.{short}"), json!(value));
    }
    f.insert(
        "falco.container_metadata_alerts_held".into(),
        json!(s.alerts_held),
    );
    f.insert(
        "falco.container_metadata_alerts_incomplete".into(),
        json!(s.alerts_incomplete),
    );
    f.insert("falco.reloads".into(), json!(s.reloads));
    f.insert("falco.reload_failures".into(), json!(s.reload_failures));
    f.insert(
        "falco.outputs_queue_num_drops".into(),
        json!(s.outputs_queue_drops),
    );
    for lane in &s.output_lanes {
        for (what, value) in [
            ("sent", lane.sent),
            ("errors", lane.errors),
            ("retried", lane.retried),
            ("spooled", lane.spooled),
            ("dropped", lane.dropped),
            ("queue_depth", lane.queue_depth),
        ] {
            f.insert(format!("falco.outputs.{}.{what}", lane.name), json!(value));
        }
    }
    if config.resource_utilization_enabled {
        f.insert(
            "falco.cpu_usage_perc".into(),
            json!((s.cpu_perc() * 10.0).round() / 10.0),
        );
        let (rss, vsz) = (mb(s.rss_bytes), mb(s.vsz_bytes));
        let unit = if config.convert_memory_to_mb {
            "mb"
        } else {
            "bytes"
        };
        f.insert(format!("falco.memory_rss_{unit}"), rss);
        f.insert(format!("falco.memory_vsz_{unit}"), vsz);
    }
    if config.kernel_event_counters_enabled {
        f.insert("scap.n_evts".into(), json!(s.engine.events));
        f.insert("scap.n_drops".into(), json!(s.drops()));
        f.insert(
            "scap.n_drops_buffer_total".into(),
            json!(s.engine.drops_buffer),
        );
        f.insert("scap.n_drops_page_faults".into(), json!(s.engine.drops_pf));
        f.insert("scap.n_drops_bug".into(), json!(s.engine.drops_bug));
        f.insert("scap.n_drops_perc".into(), json!(s.drops_perc()));
    }
    if config.rules_counters_enabled {
        let total: u64 = s.rules.iter().map(|r| r.count).sum();
        f.insert("falco.rules.matches_total".into(), json!(total));
        for r in &s.rules {
            f.insert(format!("falco.rules.{}", r.rule), json!(r.count));
        }
        for (first, hidden, n) in &s.shadowed {
            f.insert(
                format!("falco.rules_shadowed.{hidden}.by.{first}"),
                json!(n),
            );
        }
    }
    f
}

/// Emits `metrics` snapshots every `interval_ms` of wall time.
#[derive(Debug)]
pub struct MetricsEmitter {
    config: MetricsConfig,
    last_ns: u64,
}

impl MetricsEmitter {
    /// `None` unless `metrics.enabled` with an output.
    pub fn new(config: &MetricsConfig, start_ns: u64) -> Option<MetricsEmitter> {
        let has_output = config.output_rule || !config.output_file.is_empty();
        (config.enabled && has_output).then(|| MetricsEmitter {
            config: config.clone(),
            last_ns: start_ns,
        })
    }

    /// Sends a snapshot when the interval has passed.
    pub fn tick(&mut self, s: &Snapshot, outputs: &Outputs) {
        if s.now_ns.saturating_sub(self.last_ns) < self.config.interval_ms.saturating_mul(1_000_000)
        {
            return;
        }
        self.last_ns = s.now_ns;
        let fields = snapshot_fields(s, &self.config);
        if self.config.output_rule {
            outputs.send_internal(&InternalMessage {
                time_ns: s.now_ns,
                priority: Priority::Informational,
                rule: "Falco internal: metrics snapshot".into(),
                message: "Falco metrics snapshot".into(),
                fields: fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            });
        }
        if !self.config.output_file.is_empty() {
            let line = json!({ "sample": fields }).to_string();
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.config.output_file)
                .and_then(|mut f| writeln!(f, "{line}"));
            if let Err(e) = written {
                logger::log(
                    LogLevel::Error,
                    &format!("metrics: cannot write {}: {e}", self.config.output_file),
                );
            }
        }
    }
}

/// This process's CPU seconds, RSS and VSZ bytes (from /proc/self/stat).
pub fn own_usage() -> (f64, u64, u64) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return (0.0, 0, 0);
    };
    // Fields after the command name (which may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime, stime are fields 14, 15 (index 11, 12 after the name); vsize
    // 23, rss 24 (pages).
    let ticks = 100.0; // USER_HZ on Linux
    let cpu = (num(11) + num(12)) as f64 / ticks;
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .unwrap_or(4096) as u64;
    (cpu, num(21) * page, num(20))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap() -> Snapshot {
        Snapshot {
            hostname: "h".into(),
            kernel_release: "6.18".into(),
            rules_digest: "sha256:ab".into(),
            state: Some(StateCounters {
                threads: 12,
                fds: 40,
                containers: 2,
                threads_evicted: 3,
                threads_removed: 7,
                threads_auto_purged: 4,
                fds_discarded: 1,
                containers_evicted: 5,
                containers_auto_purged: 6,
            }),
            start_ns: 1_000_000_000,
            now_ns: 11_000_000_000,
            events: 500,
            engine: EngineStats {
                events: 900,
                drops_buffer: 100,
                ..Default::default()
            },
            rules: vec![RuleCount {
                rule: "Read \"x\"".into(),
                priority: Priority::Warning,
                source: "syscall".into(),
                tags: vec!["a".into(), "b".into()],
                count: 3,
            }],
            shadowed: vec![("Read \"x\"".into(), "Any cat".into(), 2)],
            reloads: 6,
            reload_failures: 5,
            output_lanes: vec![LaneSnapshot {
                name: "http",
                sent: 5,
                errors: 4,
                retried: 3,
                spooled: 2,
                dropped: 1,
                queue_depth: 7,
                timeouts: 0,
            }],
            cpu_seconds: 1.0,
            ..Default::default()
        }
    }

    #[test]
    fn prometheus_text_has_falcos_names_and_escaped_labels() {
        let text = prometheus(&snap());
        assert!(text.contains("falcosecurity_scap_n_evts_total 900\n"));
        assert!(text.contains(
            "falcosecurity_falco_rules_shadowed_total{rule_name=\"Any cat\",shadowed_by=\"Read \\\"x\\\"\"} 2\n"
        ));
        assert!(text.contains("falcosecurity_scap_n_drops_total 100\n"));
        assert!(text.contains("falcosecurity_falco_rules_digest_info{digest=\"sha256:ab\"} 1\n"));
        assert!(text.contains("falcosecurity_falco_reloads_total 6\n"));
        assert!(text.contains("falcosecurity_falco_reload_failures_total 5\n"));
        for line in [
            "# TYPE falcosecurity_falco_n_threads gauge\nfalcosecurity_falco_n_threads 12\n",
            "falcosecurity_falco_n_fds 40\n",
            "falcosecurity_falco_n_containers 2\n",
            "# TYPE falcosecurity_falco_n_drops_full_threadtable_total counter\nfalcosecurity_falco_n_drops_full_threadtable_total 3\n",
            "falcosecurity_falco_n_removed_threads_total 7\n",
            "falcosecurity_falco_n_drops_full_fdtable_total 1\n",
            "# TYPE falcosecurity_falco_n_auto_purged_threads_total counter\nfalcosecurity_falco_n_auto_purged_threads_total 4\n",
            "falcosecurity_falco_n_evicted_containers_total 5\n",
            "falcosecurity_falco_n_auto_purged_containers_total 6\n",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        assert!(text.contains("falcosecurity_scap_n_drops_perc 10.000000\n"));
        assert!(text.contains(
            "falcosecurity_falco_rules_matches_total{priority=\"4\",rule_name=\"Read \\\"x\\\"\",source=\"syscall\",tags=\"a,b\"} 3\n"
        ));
        assert!(
            text.contains("falcosecurity_falco_cpu_usage_ratio 0.100000\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE falcosecurity_scap_n_evts_total counter\n"));
        for line in [
            "falcosecurity_falco_outputs_sent_total{output=\"http\"} 5\n",
            "falcosecurity_falco_outputs_errors_total{output=\"http\"} 4\n",
            "falcosecurity_falco_outputs_retried_total{output=\"http\"} 3\n",
            "falcosecurity_falco_outputs_spooled_total{output=\"http\"} 2\n",
            "falcosecurity_falco_outputs_dropped_total{output=\"http\"} 1\n",
            "# TYPE falcosecurity_falco_outputs_queue_depth gauge\nfalcosecurity_falco_outputs_queue_depth{output=\"http\"} 7\n",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }

    #[test]
    fn snapshot_fields_follow_the_enabled_groups() {
        let mut config = MetricsConfig {
            enabled: true,
            interval: "1s".into(),
            interval_ms: 1000,
            output_rule: true,
            output_file: String::new(),
            rules_counters_enabled: true,
            resource_utilization_enabled: true,
            state_counters_enabled: true,
            kernel_event_counters_enabled: true,
            kernel_event_counters_per_cpu_enabled: false,
            libbpf_stats_enabled: false,
            plugins_metrics_enabled: false,
            jemalloc_stats_enabled: false,
            convert_memory_to_mb: true,
            include_empty_values: false,
        };
        let f = snapshot_fields(&snap(), &config);
        assert_eq!(f["scap.n_drops"], json!(100));
        assert_eq!(f["falco.duration_sec"], json!(10));
        assert_eq!(f["falco.rules.Read \"x\""], json!(3));
        assert_eq!(f["falco.rules_shadowed.Any cat.by.Read \"x\""], json!(2));
        assert_eq!(f["falco.outputs.http.sent"], json!(5));
        assert_eq!(f["falco.outputs.http.retried"], json!(3));
        assert_eq!(f["falco.outputs.http.spooled"], json!(2));
        assert_eq!(f["falco.outputs.http.dropped"], json!(1));
        assert_eq!(f["falco.outputs.http.queue_depth"], json!(7));
        assert_eq!(f["falco.rules_digest"], json!("sha256:ab"));
        assert_eq!((&f["falco.reloads"], &f["falco.reload_failures"]), (&json!(6), &json!(5)));
        assert_eq!(f["falco.n_threads"], json!(12));
        assert_eq!(f["falco.n_drops_full_threadtable"], json!(3));
        assert_eq!(f["falco.n_drops_full_fdtable"], json!(1));
        assert_eq!(f["falco.n_auto_purged_threads"], json!(4));
        assert_eq!(f["falco.n_evicted_containers"], json!(5));
        assert_eq!(f["falco.n_auto_purged_containers"], json!(6));
        assert!(f.contains_key("falco.memory_rss_mb"));
        config.kernel_event_counters_enabled = false;
        config.rules_counters_enabled = false;
        let f = snapshot_fields(&snap(), &config);
        assert!(!f.contains_key("scap.n_drops"));
        assert!(!f.contains_key("falco.rules.matches_total"));
    }

    #[test]
    fn own_usage_reads_this_process() {
        let (_, rss, vsz) = own_usage();
        assert!(rss > 0 && vsz >= rss, "rss {rss} vsz {vsz}");
    }
}
