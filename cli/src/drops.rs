//! `syscall_event_drops`: once a second the live engine's counters are
//! compared with the previous second's. When events were dropped and the
//! dropped share passes `threshold`, and the token bucket (`rate`,
//! `max_burst`) has a token, the configured actions run: `log` an error
//! line, raise Falco's internal `alert`, or `exit`.

use crate::config::runtime::{DropAction, SyscallEventDrops};
use crate::logger::{self, LogLevel};
use crate::outputs::format::InternalMessage;
use crate::outputs::Outputs;
use falco_engine::loader::Priority;
use falco_scap::EngineStats;
use serde_json::Value;
use std::time::Instant;

/// The rule name Falco's drop alerts carry.
pub const DROP_RULE: &str = "Falco internal: syscall event drop";

/// Falco's token bucket: `rate` tokens per second up to `max_burst`,
/// starting full.
#[derive(Debug)]
struct TokenBucket {
    rate: f64,
    max: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    fn new(rate: f64, max: f64, now: Instant) -> TokenBucket {
        TokenBucket {
            rate,
            max,
            tokens: max,
            last: now,
        }
    }

    fn claim(&mut self, now: Instant) -> bool {
        let secs = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + secs * self.rate).min(self.max);
        self.last = now;
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
    /// Seconds in which drops were seen.
    pub drops_detected: u64,
    /// Times the actions ran.
    pub actions_taken: u64,
}

impl DropMonitor {
    pub fn new(config: &SyscallEventDrops, start: EngineStats, now: Instant) -> DropMonitor {
        DropMonitor {
            bucket: TokenBucket::new(config.rate, config.max_burst, now),
            config: config.clone(),
            last: start,
            drops_detected: 0,
            actions_taken: 0,
        }
    }

    /// Looks at the counters `stats` (totals since the engine started);
    /// returns the drop report when the actions are due.
    pub fn check(&mut self, stats: EngineStats, now: Instant) -> Option<DropReport> {
        let delta = Delta::between(&self.last, &stats);
        self.last = stats;
        if delta.drops() == 0 {
            return None;
        }
        self.drops_detected += 1;
        let seen = delta.events + delta.drops();
        let share = delta.drops() as f64 / seen.max(1) as f64;
        if share <= self.config.threshold || !self.bucket.claim(now) {
            logger::debug(
                "Syscall event drop below threshold or token bucket empty, skipping actions",
            );
            return None;
        }
        self.actions_taken += 1;
        Some(DropReport {
            message: format!(
                "{DROP_RULE}. {} system calls dropped in last second.",
                delta.drops()
            ),
            fields: delta.fields(),
        })
    }

    /// Runs the configured actions for `report`.
    pub fn act(&self, report: &DropReport, now_ns: u64, outputs: &Outputs) -> Verdict {
        let mut verdict = Verdict::Continue;
        for action in &self.config.actions {
            match action {
                DropAction::Ignore => {}
                DropAction::Log => logger::log(LogLevel::Error, &report.message),
                DropAction::Alert => {
                    outputs.send_internal(&InternalMessage {
                        time_ns: now_ns,
                        priority: Priority::Debug,
                        rule: DROP_RULE.to_string(),
                        message: report.message.clone(),
                        fields: report.fields.clone(),
                    });
                }
                DropAction::Exit => verdict = Verdict::Exit,
            }
        }
        verdict
    }
}

/// What the actions say about one second of drops.
#[derive(Debug, Clone, PartialEq)]
pub struct DropReport {
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
}

impl Delta {
    fn between(a: &EngineStats, b: &EngineStats) -> Delta {
        Delta {
            events: b.events.saturating_sub(a.events),
            buffer: b.drops_buffer.saturating_sub(a.drops_buffer),
            pf: b.drops_pf.saturating_sub(a.drops_pf),
            bug: b.drops_bug.saturating_sub(a.drops_bug),
        }
    }

    fn drops(&self) -> u64 {
        self.buffer + self.pf + self.bug
    }

    /// The alert's fields, as strings like Falco's.
    fn fields(&self) -> Vec<(String, Value)> {
        let s = |n: u64| Value::String(n.to_string());
        vec![
            ("ebpf_enabled".into(), s(1)),
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
    use std::time::Duration;

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
    fn the_bucket_starts_full_and_refills_at_its_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(0.5, 1.0, t0);
        assert!(b.claim(t0));
        assert!(
            !b.claim(t0 + Duration::from_secs(1)),
            "half a token after 1 s"
        );
        assert!(b.claim(t0 + Duration::from_secs(2)));
    }

    #[test]
    fn deltas_count_only_this_seconds_drops() {
        let d = Delta::between(&stats(100, 5), &stats(150, 25));
        assert_eq!((d.events, d.drops()), (50, 20));
        let fields = d.fields();
        assert!(fields.contains(&("n_drops".into(), Value::String("20".into()))));
        assert!(fields.contains(&("n_evts".into(), Value::String("50".into()))));
    }

    #[test]
    fn actions_are_due_only_above_the_threshold_and_with_a_token() {
        let t0 = Instant::now();
        let cfg = config(0.1, vec![DropAction::Exit]);
        let mut m = DropMonitor::new(&cfg, stats(0, 0), t0);
        assert_eq!(m.check(stats(100, 0), t0), None, "no drops");
        // 5 % dropped: below the threshold.
        assert_eq!(m.check(stats(195, 5), t0), None);
        // 50 % dropped: due.
        let r = m.check(stats(245, 55), t0).expect("actions due");
        assert_eq!(
            r.message,
            "Falco internal: syscall event drop. 50 system calls dropped in last second."
        );
        // The bucket is empty now: the next second's drops only count.
        assert_eq!(m.check(stats(295, 105), t0), None);
        assert_eq!((m.drops_detected, m.actions_taken), (3, 1));
        // 30 s later (rate 1/30 s) there is a token again.
        assert!(m
            .check(stats(345, 155), t0 + Duration::from_secs(31))
            .is_some());
    }
}
