//! `syscall_event_drops`, as Falco runs it, live and in replay: checks
//! are driven by event time (the first is due one second after the first
//! event, each next one a second after the event that ran the last). A
//! check compares the engine's counters with the last check's; when events
//! were dropped and the dropped share passes `threshold`, the drop counts
//! as detected, and when the token bucket (`rate`, `max_burst`, on event
//! time) has a token the configured actions run: `ignore`, `log` (at debug
//! level), raise Falco's internal `alert` (Debug priority, event time) or
//! `exit` (critical log, the run stops and exits 1). `simulate_drops`
//! adds one drop at every check with the threshold at 0.

use crate::config::runtime::{DropAction, SyscallEventDrops};
use crate::logger::{self, LogLevel};
use crate::outputs::format::InternalMessage;
use crate::outputs::Outputs;
use falco_engine::loader::Priority;
use falco_scap::EngineStats;
use serde_json::Value;

/// The rule name Falco's drop alerts carry.
pub const DROP_RULE: &str = "Falco internal: syscall event drop";

const SECOND_NS: u64 = 1_000_000_000;

/// Falco's token bucket on event time: `rate` tokens per second up to
/// `max_burst`. It starts full (its clock starts at 0, so the first claim
/// finds it refilled).
#[derive(Debug)]
struct TokenBucket {
    rate: f64,
    max: f64,
    tokens: f64,
    last_ns: u64,
}

impl TokenBucket {
    fn new(rate: f64, max: f64) -> TokenBucket {
        TokenBucket {
            rate,
            max,
            tokens: max,
            last_ns: 0,
        }
    }

    fn claim(&mut self, now_ns: u64) -> bool {
        let secs = now_ns.saturating_sub(self.last_ns) as f64 / SECOND_NS as f64;
        self.tokens = (self.tokens + secs * self.rate).min(self.max);
        self.last_ns = now_ns;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What one check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Continue,
    /// The `exit` action ran.
    Exit,
}

/// Watches one engine's counters.
#[derive(Debug)]
pub struct DropMonitor {
    config: SyscallEventDrops,
    last: EngineStats,
    bucket: TokenBucket,
    /// Whether the engine is an eBPF one (the alert's `ebpf_enabled`).
    ebpf: bool,
    /// When the next check is due (event time), once an event was seen.
    next_check_ns: Option<u64>,
    /// The time of the event that made a check due, until it runs.
    pending_ns: Option<u64>,
    /// Checks that found drops above the threshold.
    pub drops_detected: u64,
    /// Times the actions ran (`ignore` included).
    pub actions_taken: u64,
}

impl DropMonitor {
    /// A monitor for an engine whose counters are now `start`.
    pub fn new(config: &SyscallEventDrops, start: EngineStats, ebpf: bool) -> DropMonitor {
        DropMonitor {
            bucket: TokenBucket::new(config.rate, config.max_burst),
            config: config.clone(),
            last: start,
            ebpf,
            next_check_ns: None,
            pending_ns: None,
            drops_detected: 0,
            actions_taken: 0,
        }
    }

    /// Takes `config` (a reload) for the checks from now on; the counts
    /// and the last check's counters stay, so no drop is seen twice or
    /// missed. A changed rate or burst starts a full bucket.
    pub fn reconfigure(&mut self, config: &SyscallEventDrops) {
        if self.config.rate != config.rate || self.config.max_burst != config.max_burst {
            self.bucket = TokenBucket::new(config.rate, config.max_burst);
        }
        self.config = config.clone();
    }

    /// An event at `ts`: makes a check due when its second has passed.
    #[inline]
    pub fn observe(&mut self, ts: u64) {
        match self.next_check_ns {
            None => self.next_check_ns = Some(ts.saturating_add(SECOND_NS)),
            Some(next) if ts > next => {
                self.next_check_ns = Some(ts.saturating_add(SECOND_NS));
                self.pending_ns = Some(ts);
            }
            Some(_) => {}
        }
    }

    /// Whether a check is due.
    #[inline]
    pub fn is_due(&self) -> bool {
        self.pending_ns.is_some()
    }

    /// Runs the due check with the engine's counters `stats` (totals since
    /// it started); returns the drop report when the actions are due.
    pub fn check(&mut self, stats: EngineStats) -> Option<DropReport> {
        let now_ns = self.pending_ns.take()?;
        let mut delta = Delta::between(&self.last, &stats);
        self.last = stats;
        let threshold = if self.config.simulate_drops {
            logger::info("Simulating syscall event drop");
            delta.simulated = 1;
            0.0
        } else {
            self.config.threshold
        };
        if delta.drops() == 0 {
            return None;
        }
        let seen = delta.events + delta.drops();
        let share = delta.drops() as f64 / seen.max(1) as f64;
        if share <= threshold {
            return None;
        }
        self.drops_detected += 1;
        if !self.bucket.claim(now_ns) {
            logger::debug("Syscall event drop but token bucket depleted, skipping actions");
            return None;
        }
        self.actions_taken += 1;
        Some(DropReport {
            time_ns: now_ns,
            message: format!(
                "{DROP_RULE}. {} system calls dropped in last second.",
                delta.drops()
            ),
            fields: delta.fields(self.ebpf),
        })
    }

    /// Runs the configured actions for `report`.
    pub fn act(&self, report: &DropReport, outputs: &Outputs) -> Verdict {
        let mut verdict = Verdict::Continue;
        for action in &self.config.actions {
            match action {
                DropAction::Ignore => {}
                DropAction::Log => logger::log(LogLevel::Debug, &report.message),
                DropAction::Alert => {
                    outputs.send_internal(&InternalMessage {
                        time_ns: report.time_ns,
                        priority: Priority::Debug,
                        rule: DROP_RULE.to_string(),
                        message: report.message.clone(),
                        fields: report.fields.clone(),
                    });
                }
                DropAction::Exit => {
                    logger::log(LogLevel::Critical, &report.message);
                    logger::log(LogLevel::Critical, "Exiting.");
                    verdict = Verdict::Exit;
                }
            }
        }
        verdict
    }
}

/// What the actions say about one second of drops.
#[derive(Debug, Clone, PartialEq)]
pub struct DropReport {
    /// The time of the event whose check found the drops.
    pub time_ns: u64,
    pub message: String,
    pub fields: Vec<(String, Value)>,
}

/// One second's worth of counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Delta {
    events: u64,
    buffer: u64,
    pf: u64,
    bug: u64,
    /// The drop `simulate_drops` adds.
    simulated: u64,
}

impl Delta {
    fn between(a: &EngineStats, b: &EngineStats) -> Delta {
        Delta {
            events: b.events.saturating_sub(a.events),
            buffer: b.drops_buffer.saturating_sub(a.drops_buffer),
            pf: b.drops_pf.saturating_sub(a.drops_pf),
            bug: b.drops_bug.saturating_sub(a.drops_bug),
            simulated: 0,
        }
    }

    fn drops(&self) -> u64 {
        self.buffer + self.pf + self.bug + self.simulated
    }

    /// The alert's fields, as strings like Falco's.
    fn fields(&self, ebpf: bool) -> Vec<(String, Value)> {
        let s = |n: u64| Value::String(n.to_string());
        vec![
            ("ebpf_enabled".into(), s(u64::from(ebpf))),
            ("n_drops".into(), s(self.drops())),
            ("n_drops_buffer_total".into(), s(self.buffer)),
            ("n_drops_bug".into(), s(self.bug)),
            ("n_drops_page_faults".into(), s(self.pf)),
            ("n_drops_scratch_map".into(), s(0)),
            ("n_evts".into(), s(self.events)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = SECOND_NS;

    fn stats(events: u64, drops: u64) -> EngineStats {
        EngineStats {
            events,
            drops_buffer: drops,
            ..Default::default()
        }
    }

    fn config(threshold: f64, actions: Vec<DropAction>) -> SyscallEventDrops {
        SyscallEventDrops {
            threshold,
            actions,
            rate: 0.03333,
            max_burst: 1.0,
            simulate_drops: false,
        }
    }

    #[test]
    fn the_bucket_starts_full_and_refills_at_its_rate_on_event_time() {
        let t0 = 1_700_000_000 * S;
        let mut b = TokenBucket::new(0.5, 1.0);
        assert!(b.claim(t0));
        assert!(!b.claim(t0 + S), "half a token after 1 s");
        assert!(b.claim(t0 + 2 * S));
    }

    #[test]
    fn checks_fall_due_a_second_after_the_first_event_then_after_each_check() {
        let mut m = DropMonitor::new(&config(0.1, vec![]), stats(0, 0), false);
        let t0 = 5 * S;
        m.observe(t0);
        m.observe(t0 + S);
        assert!(!m.is_due(), "due only after a full second");
        m.observe(t0 + S + 1);
        assert!(m.is_due());
        assert_eq!(m.check(stats(10, 0)), None);
        assert!(!m.is_due());
        // The next one is a second after the event that made this one due.
        m.observe(t0 + 2 * S);
        assert!(!m.is_due());
        m.observe(t0 + 2 * S + 2);
        assert!(m.is_due());
    }

    #[test]
    fn deltas_count_only_this_seconds_drops() {
        let d = Delta::between(&stats(100, 5), &stats(150, 25));
        assert_eq!((d.events, d.drops()), (50, 20));
        let fields = d.fields(true);
        assert!(fields.contains(&("n_drops".into(), Value::String("20".into()))));
        assert!(fields.contains(&("n_evts".into(), Value::String("50".into()))));
        assert!(fields.contains(&("ebpf_enabled".into(), Value::String("1".into()))));
        assert!(Delta::between(&stats(0, 0), &stats(1, 1))
            .fields(false)
            .contains(&("ebpf_enabled".into(), Value::String("0".into()))));
    }

    /// Runs one check at `at` seconds with the counters `s`.
    fn check_at(m: &mut DropMonitor, at: u64, s: EngineStats) -> Option<DropReport> {
        m.observe(at * S);
        m.check(s)
    }

    #[test]
    fn actions_are_due_only_above_the_threshold_and_with_a_token() {
        let cfg = config(0.1, vec![DropAction::Exit]);
        let mut m = DropMonitor::new(&cfg, stats(0, 0), true);
        m.observe(0);
        assert_eq!(check_at(&mut m, 2, stats(100, 0)), None, "no drops");
        // 5 % dropped: below the threshold, not even detected.
        assert_eq!(check_at(&mut m, 4, stats(195, 5)), None);
        assert_eq!(m.drops_detected, 0);
        // 50 % dropped: due, stamped with the event's time.
        let r = check_at(&mut m, 6, stats(245, 55)).expect("actions due");
        assert_eq!(
            r.message,
            "Falco internal: syscall event drop. 50 system calls dropped in last second."
        );
        assert_eq!(r.time_ns, 6 * S);
        // The bucket is empty now: the next drops only count.
        assert_eq!(check_at(&mut m, 8, stats(295, 105)), None);
        assert_eq!((m.drops_detected, m.actions_taken), (2, 1));
        // 30 s of event time later (rate 1/30 s) there is a token again.
        assert!(check_at(&mut m, 40, stats(345, 155)).is_some());
    }

    #[test]
    fn simulated_drops_pass_a_zero_threshold_at_every_check() {
        let mut cfg = config(0.9, vec![DropAction::Ignore]);
        cfg.simulate_drops = true;
        cfg.max_burst = 10.0;
        let mut m = DropMonitor::new(&cfg, stats(0, 0), false);
        m.observe(0);
        let r = check_at(&mut m, 2, stats(1000, 0)).expect("a simulated drop");
        assert_eq!(
            r.message,
            "Falco internal: syscall event drop. 1 system calls dropped in last second."
        );
        assert!(check_at(&mut m, 4, stats(2000, 0)).is_some());
        // `ignore` still counts as an action taken.
        assert_eq!((m.drops_detected, m.actions_taken), (2, 2));
    }
}
