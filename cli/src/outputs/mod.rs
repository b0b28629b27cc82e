//! Alerts and where they go.
//!
//! The event loop builds an [`Alert`] for every rule match ([`alert`]:
//! the rule's output format and `output_fields`) and hands it to
//! [`Outputs::send`], which gives it a UUID ([`rng`]), renders it once
//! (text or JSON, [`format`]) and offers it to every enabled output:
//! [`stdout`], [`file`], [`syslog`], [`program`], [`http`]. Each output
//! has its own queue (crossbeam-channel; `outputs_queue.capacity` each, 0
//! meaning unbounded as in Falco) and worker thread ([`queue`]), so a slow
//! or dead output holds back neither the others nor event processing:
//! sending never waits, a full queue drops the alert for that output and
//! counts it. A failure is counted and logged; with falco-rs's own
//! `retry` and `spool` keys ([`retry`], [`spool`]) http, program and
//! syslog try again with backoff, and keep what they cannot deliver yet
//! on disk, across restarts. An output call that blocks longer than
//! `output_timeout` is reported by a watchdog, as Falco does (only that
//! output waits now).

pub mod alert;
mod error;
pub mod file;
pub mod format;
pub mod http;
pub mod program;
pub mod queue;
pub mod retry;
pub mod rng;
pub mod spool;
pub mod stdout;
pub mod syslog;

pub use error::OutputError;
pub use format::{FormatOptions, InternalMessage, LineRenderer};
pub use queue::Delivery;

use crate::config::OutputsConfig;
use crate::flag::Flag;
use crate::logger::{self, LogLevel};
use falco_engine::loader::Priority;
use queue::{Ctrl, Lane, LaneShared};
use rng::Rng;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One rule match, as the event loop reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub rule: String,
    pub priority: Priority,
    /// The event source (`syscall`).
    pub source: String,
    pub tags: Vec<String>,
    /// The event's time, nanoseconds since the epoch.
    pub time_ns: u64,
    pub hostname: String,
    /// The rule's output with its fields substituted (and any
    /// `append_output` text), without the time and priority prefix.
    pub message: String,
    /// The fields of the output format (and `append_output` extra fields,
    /// `static_fields`), as JSON values, in any order.
    pub output_fields: Vec<(String, Value)>,
    /// With `--explain` (falco-rs's own): why the rule matched.
    pub explain: Option<falco_engine::compiler::explain::Trace>,
}

/// What travels on the queue: the rendered line and what outputs may want
/// besides it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputMessage {
    /// A random UUID (version 4) naming this alert everywhere it goes, in
    /// the JSON too (`uuid`, which falcosidekick reads): a receiver can
    /// drop an alert it got twice (a retry after a lost answer).
    pub uuid: String,
    pub time_ns: u64,
    pub priority: Priority,
    pub rule: String,
    pub source: String,
    /// The text or JSON line, without a line break.
    pub line: String,
    /// Whether `line` is JSON (HTTP sets its content type from it).
    pub json: bool,
}

/// An output channel. Methods run on the outputs worker thread.
pub trait Output: Send {
    fn name(&self) -> &'static str;
    fn output(&mut self, msg: &OutputMessage) -> Result<(), OutputError>;
    /// Close and reopen (SIGUSR1, log rotation).
    fn reopen(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    /// Flush and release (before exit, or on request).
    fn cleanup(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// Counters of all outputs together, readable at any time.
#[derive(Debug, Default)]
pub struct OutputStats {
    /// Alerts at least one output's queue took.
    pub queued: AtomicU64,
    /// Alerts at least one output's queue had no room for (Falco's
    /// `outputs_queue_num_drops`).
    pub dropped: AtomicU64,
}

/// One output's counters at one moment (the per-output metrics).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaneSnapshot {
    pub name: &'static str,
    pub sent: u64,
    pub errors: u64,
    pub retried: u64,
    pub spooled: u64,
    pub dropped: u64,
    /// Alerts waiting: queued in memory plus spooled.
    pub queue_depth: u64,
    pub timeouts: u64,
}

/// A snapshot of the outputs' counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub queued: u64,
    pub dropped: u64,
    pub timeouts: u64,
    /// `(output name, written, errors)`.
    pub outputs: Vec<(&'static str, u64, u64)>,
    /// Everything counted per output, in the same order.
    pub lanes: Vec<LaneSnapshot>,
}

impl StatsSnapshot {
    pub fn errors_of(&self, name: &str) -> u64 {
        self.outputs
            .iter()
            .filter(|o| o.0 == name)
            .map(|o| o.2)
            .sum()
    }

    pub fn written_of(&self, name: &str) -> u64 {
        self.outputs
            .iter()
            .filter(|o| o.0 == name)
            .map(|o| o.1)
            .sum()
    }

    /// The counters of the (first) output called `name`.
    pub fn lane(&self, name: &str) -> Option<&LaneSnapshot> {
        self.lanes.iter().find(|l| l.name == name)
    }
}

/// The outputs: one lane (queue and worker) each, and a watchdog.
pub struct Outputs {
    formatter: LineRenderer,
    hostname: String,
    lanes: Vec<Lane>,
    /// UUIDs of alerts (and the workers' jitter).
    rng: Arc<Rng>,
    watchdog: Option<JoinHandle<()>>,
    watchdog_stop: Arc<Flag>,
    stats: Arc<OutputStats>,
    names: Vec<&'static str>,
    timeout: Duration,
    stopped: bool,
}

impl std::fmt::Debug for Outputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outputs")
            .field("names", &self.names)
            .finish()
    }
}

impl Outputs {
    /// The outputs `config` enables. `unbuffered` is `-U`.
    pub fn from_config(
        config: &OutputsConfig,
        hostname: &str,
        unbuffered: bool,
    ) -> Result<Outputs, String> {
        let buffered = config.buffered_outputs && !unbuffered;
        let mut channels: Vec<(Box<dyn Output>, Delivery)> = Vec::new();
        if let Some(file) = &config.file {
            channels.push((
                Box::new(file::FileOutput::new(
                    &file.filename,
                    file.keep_alive,
                    buffered,
                )),
                Delivery::default(),
            ));
        }
        if config.stdout {
            channels.push((
                Box::new(stdout::StdoutOutput::new(buffered)),
                Delivery::default(),
            ));
        }
        if config.syslog {
            channels.push((
                Box::new(syslog::SyslogOutput::new()),
                Delivery::from_config(&config.syslog_delivery),
            ));
        }
        if let Some(program) = &config.program {
            channels.push((
                Box::new(program::ProgramOutput::new(
                    &program.program,
                    program.keep_alive,
                    buffered,
                )),
                Delivery::from_config(&program.delivery),
            ));
        }
        if let Some(http) = &config.http {
            let timeout = Duration::from_millis(u64::from(config.output_timeout_ms.max(1)));
            channels.push((
                Box::new(http::HttpOutput::new(http, timeout)?),
                Delivery::from_config(&http.delivery),
            ));
        }
        Ok(Outputs::with_lanes(
            FormatOptions::from_config(config),
            hostname,
            config.queue_capacity,
            Duration::from_millis(u64::from(config.output_timeout_ms)),
            channels,
        ))
    }

    /// Outputs over the given channels, none retrying (tests give their
    /// own).
    pub fn with_channels(
        options: FormatOptions,
        hostname: &str,
        capacity: usize,
        timeout: Duration,
        channels: Vec<Box<dyn Output>>,
    ) -> Outputs {
        let channels = channels
            .into_iter()
            .map(|c| (c, Delivery::default()))
            .collect();
        Outputs::with_lanes(options, hostname, capacity, timeout, channels)
    }

    /// Outputs over the given channels, each delivering as it says.
    pub fn with_lanes(
        options: FormatOptions,
        hostname: &str,
        capacity: usize,
        timeout: Duration,
        channels: Vec<(Box<dyn Output>, Delivery)>,
    ) -> Outputs {
        let rng = Arc::new(Rng::from_entropy());
        let lanes: Vec<Lane> = channels
            .into_iter()
            .map(|(channel, delivery)| {
                Lane::start(channel, delivery, capacity, timeout, rng.clone())
            })
            .collect();
        let names: Vec<&'static str> = lanes.iter().map(|l| l.name).collect();
        let watchdog_stop = Arc::new(Flag::new());
        let watchdog = {
            let stop = watchdog_stop.clone();
            let watched: Vec<(&'static str, Arc<LaneShared>)> =
                lanes.iter().map(|l| (l.name, l.shared.clone())).collect();
            std::thread::Builder::new()
                .name("falco-outputs-watchdog".into())
                .spawn(move || watchdog(watched, timeout, stop))
                .ok()
        };
        Outputs {
            formatter: LineRenderer::new(options),
            hostname: hostname.to_owned(),
            lanes,
            rng,
            watchdog,
            watchdog_stop,
            stats: Arc::new(OutputStats::default()),
            names,
            timeout,
            stopped: false,
        }
    }

    /// The output names, in the order they were configured.
    pub fn names(&self) -> &[&'static str] {
        &self.names
    }

    pub fn formatter(&self) -> &LineRenderer {
        &self.formatter
    }

    /// Offers `msg` to every output; never blocks. False when some output
    /// had no room for it.
    fn push(&self, mut msg: OutputMessage) -> bool {
        if msg.json && self.formatter.options.include_uuid {
            msg.line = format::with_uuid(&msg.line, &msg.uuid);
        }
        let msg = Arc::new(msg);
        let mut taken = 0;
        for lane in &self.lanes {
            if lane.offer(msg.clone()) {
                taken += 1;
            }
        }
        if taken > 0 || self.lanes.is_empty() {
            self.stats.queued.fetch_add(1, Ordering::Relaxed);
        }
        if taken < self.lanes.len() {
            if self.stats.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
                logger::log(
                    LogLevel::Error,
                    "Outputs queue out of memory. Drop event and continue on ...",
                );
            }
            return false;
        }
        true
    }

    /// Queues an alert; never blocks. Returns false when it was dropped.
    pub fn send(&self, alert: &Alert) -> bool {
        self.push(OutputMessage {
            uuid: self.rng.uuid_v4(),
            time_ns: alert.time_ns,
            priority: alert.priority,
            rule: alert.rule.clone(),
            source: alert.source.clone(),
            line: self.formatter.render(alert),
            json: self.formatter.options.json_output,
        })
    }

    /// Queues one of Falco's own messages (source `internal`).
    pub fn send_internal(&self, msg: &InternalMessage) -> bool {
        self.push(OutputMessage {
            uuid: self.rng.uuid_v4(),
            time_ns: msg.time_ns,
            priority: msg.priority,
            rule: msg.rule.clone(),
            source: format::INTERNAL_SOURCE.to_owned(),
            line: self.formatter.internal(msg, &self.hostname),
            json: self.formatter.options.json_output,
        })
    }

    /// Asks every output to close and reopen (what SIGUSR1 does).
    pub fn reopen(&self) {
        for lane in &self.lanes {
            lane.control(Ctrl::Reopen, self.timeout);
        }
    }

    /// Asks every output to flush.
    pub fn cleanup(&self) {
        for lane in &self.lanes {
            lane.control(Ctrl::Cleanup, self.timeout);
        }
    }

    pub fn stats(&self) -> StatsSnapshot {
        let lanes: Vec<LaneSnapshot> = self
            .lanes
            .iter()
            .map(|lane| {
                let s = &lane.shared.stats;
                let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
                LaneSnapshot {
                    name: lane.name,
                    sent: get(&s.sent),
                    errors: get(&s.errors),
                    retried: get(&s.retried),
                    spooled: get(&s.spooled),
                    dropped: get(&s.dropped),
                    queue_depth: lane.depth(),
                    timeouts: get(&s.timeouts),
                }
            })
            .collect();
        StatsSnapshot {
            queued: self.stats.queued.load(Ordering::Relaxed),
            dropped: self.stats.dropped.load(Ordering::Relaxed),
            timeouts: lanes.iter().map(|l| l.timeouts).sum(),
            outputs: lanes.iter().map(|l| (l.name, l.sent, l.errors)).collect(),
            lanes,
        }
    }

    /// Writes what is queued, stops the workers and returns the counters.
    /// Waits at most about twice `output_timeout` for blocked or failing
    /// outputs (then discards what is left, as Falco does, except what a
    /// spool keeps for the next start).
    pub fn stop(mut self) -> StatsSnapshot {
        self.shutdown();
        self.stats()
    }

    fn shutdown(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        // All lanes stop at once: the wait is the slowest one's.
        for lane in &self.lanes {
            lane.begin_stop(self.timeout);
        }
        let deadline = Instant::now() + self.timeout * 2 + Duration::from_millis(100);
        for lane in &mut self.lanes {
            lane.finish_stop(deadline);
        }
        self.watchdog_stop.set();
        if let Some(w) = self.watchdog.take() {
            let _ = w.join();
        }
        let stats = self.stats();
        let lost = stats.lanes.iter().any(|l| l.dropped > 0 || l.errors > 0);
        if stats.dropped > 0 || lost {
            let per_output: Vec<String> = stats
                .lanes
                .iter()
                .map(|l| format!("{}={}/{}", l.name, l.errors, l.dropped))
                .collect();
            logger::log(
                LogLevel::Warning,
                &format!(
                    "Falco internal: outputs: {} alerts dropped (queue full), output errors/dropped: {}",
                    stats.dropped,
                    per_output.join(" ")
                ),
            );
        }
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Reports, once per blocking call, an output call that takes longer than
/// `output_timeout`. Only that output waits: the others and the event
/// loop go on.
fn watchdog(lanes: Vec<(&'static str, Arc<LaneShared>)>, timeout: Duration, stop: Arc<Flag>) {
    while !stop.wait(Duration::from_millis(50)) {
        for (name, shared) in &lanes {
            let Ok(mut b) = shared.busy.lock() else {
                return;
            };
            if let Some((since, reported)) = b.as_mut() {
                if !*reported && since.elapsed() > timeout {
                    *reported = true;
                    shared.stats.timeouts.fetch_add(1, Ordering::Relaxed);
                    logger::log(
                        LogLevel::Critical,
                        &format!(
                            "\"{name}\" output timeout, this output channel is blocked (the others go on)"
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
