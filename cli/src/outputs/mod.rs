//! Alerts and where they go.
//!
//! The event loop builds an [`Alert`] for every rule match ([`alert`]:
//! the rule's output format and `output_fields`) and hands it to
//! [`Outputs::send`], which renders it (text or JSON, [`format`]) and puts
//! it on a queue (crossbeam-channel; `outputs_queue.capacity`, 0 meaning
//! unbounded as in Falco). One worker thread takes messages off the queue
//! and gives each to every enabled output in turn: [`stdout`], [`file`],
//! [`syslog`], [`program`], [`http`]. Event processing never waits for an
//! output: a full queue drops the alert and counts it, an output that
//! fails (a dead HTTP endpoint, a full disk) is counted and logged and the
//! next output still runs, and an output that blocks longer than
//! `output_timeout` is reported by a watchdog, as Falco does.

pub mod alert;
mod error;
pub mod file;
pub mod format;
pub mod http;
pub mod program;
pub mod stdout;
pub mod syslog;

pub use error::OutputError;
pub use format::{FormatOptions, InternalMessage, LineRenderer};

use crate::config::OutputsConfig;
use crate::flag::Flag;
use crate::logger::{self, LogLevel};
use crossbeam_channel::{Receiver, Sender, TrySendError};
use falco_engine::loader::Priority;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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

enum Ctrl {
    Output(Arc<OutputMessage>),
    Reopen,
    Cleanup,
    Stop,
}

/// Counters of the outputs, readable at any time.
#[derive(Debug, Default)]
pub struct OutputStats {
    /// Alerts put on the queue.
    pub queued: AtomicU64,
    /// Alerts dropped because the queue was full.
    pub dropped: AtomicU64,
    /// Per output (in the order of [`Outputs::names`]): messages written
    /// and errors.
    pub written: Vec<AtomicU64>,
    pub errors: Vec<AtomicU64>,
    /// Times an output took longer than `output_timeout`.
    pub timeouts: AtomicU64,
}

/// A snapshot of [`OutputStats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub queued: u64,
    pub dropped: u64,
    pub timeouts: u64,
    /// `(output name, written, errors)`.
    pub outputs: Vec<(&'static str, u64, u64)>,
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
}

/// Which output is busy since when (for the watchdog).
type Busy = Arc<Mutex<Option<(&'static str, Instant, bool)>>>;

/// The outputs: queue, worker thread and watchdog.
pub struct Outputs {
    formatter: LineRenderer,
    hostname: String,
    tx: Sender<Ctrl>,
    /// Kept to empty the queue when the worker is stuck at shutdown.
    rx: Receiver<Ctrl>,
    worker: Option<JoinHandle<()>>,
    /// Disconnected when the worker returns (its sender is dropped).
    worker_gone: Receiver<()>,
    watchdog: Option<JoinHandle<()>>,
    watchdog_stop: Arc<Flag>,
    stats: Arc<OutputStats>,
    names: Vec<&'static str>,
    timeout: Duration,
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
        let mut channels: Vec<Box<dyn Output>> = Vec::new();
        if let Some(file) = &config.file {
            channels.push(Box::new(file::FileOutput::new(
                &file.filename,
                file.keep_alive,
                buffered,
            )));
        }
        if config.stdout {
            channels.push(Box::new(stdout::StdoutOutput::new(buffered)));
        }
        if config.syslog {
            channels.push(Box::new(syslog::SyslogOutput::new()));
        }
        if let Some(program) = &config.program {
            channels.push(Box::new(program::ProgramOutput::new(
                &program.program,
                program.keep_alive,
                buffered,
            )));
        }
        if let Some(http) = &config.http {
            let timeout = Duration::from_millis(u64::from(config.output_timeout_ms.max(1)));
            channels.push(Box::new(http::HttpOutput::new(http, timeout)?));
        }
        Ok(Outputs::with_channels(
            FormatOptions::from_config(config),
            hostname,
            config.queue_capacity,
            Duration::from_millis(u64::from(config.output_timeout_ms)),
            channels,
        ))
    }

    /// Outputs over the given channels (tests give their own).
    pub fn with_channels(
        options: FormatOptions,
        hostname: &str,
        capacity: usize,
        timeout: Duration,
        channels: Vec<Box<dyn Output>>,
    ) -> Outputs {
        let (tx, rx) = if capacity == 0 {
            crossbeam_channel::unbounded()
        } else {
            crossbeam_channel::bounded(capacity)
        };
        let names: Vec<&'static str> = channels.iter().map(|c| c.name()).collect();
        let stats = Arc::new(OutputStats {
            written: names.iter().map(|_| AtomicU64::new(0)).collect(),
            errors: names.iter().map(|_| AtomicU64::new(0)).collect(),
            ..OutputStats::default()
        });
        let busy: Busy = Arc::new(Mutex::new(None));
        let (gone_tx, worker_gone) = crossbeam_channel::bounded::<()>(0);
        let worker = {
            let rx = rx.clone();
            let stats = stats.clone();
            let busy = busy.clone();
            std::thread::Builder::new()
                .name("falco-outputs".into())
                .spawn(move || {
                    let _gone = gone_tx;
                    worker(channels, rx, stats, busy)
                })
                .ok()
        };
        let watchdog_stop = Arc::new(Flag::new());
        let watchdog = {
            let stop = watchdog_stop.clone();
            let stats = stats.clone();
            std::thread::Builder::new()
                .name("falco-outputs-watchdog".into())
                .spawn(move || watchdog(busy, timeout, stop, stats))
                .ok()
        };
        Outputs {
            formatter: LineRenderer::new(options),
            hostname: hostname.to_owned(),
            tx,
            rx,
            worker,
            worker_gone,
            watchdog,
            watchdog_stop,
            stats,
            names,
            timeout,
        }
    }

    /// The output names, in the order they are written to.
    pub fn names(&self) -> &[&'static str] {
        &self.names
    }

    pub fn formatter(&self) -> &LineRenderer {
        &self.formatter
    }

    fn push(&self, msg: OutputMessage) -> bool {
        match self.tx.try_send(Ctrl::Output(Arc::new(msg))) {
            Ok(()) => {
                self.stats.queued.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                if self.stats.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
                    logger::log(
                        LogLevel::Error,
                        "Outputs queue out of memory. Drop event and continue on ...",
                    );
                }
                false
            }
        }
    }

    /// Queues an alert; never blocks. Returns false when it was dropped.
    pub fn send(&self, alert: &Alert) -> bool {
        self.push(OutputMessage {
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
        let _ = self.tx.send_timeout(Ctrl::Reopen, self.timeout);
    }

    /// Asks every output to flush.
    pub fn cleanup(&self) {
        let _ = self.tx.send_timeout(Ctrl::Cleanup, self.timeout);
    }

    pub fn stats(&self) -> StatsSnapshot {
        StatsSnapshot {
            queued: self.stats.queued.load(Ordering::Relaxed),
            dropped: self.stats.dropped.load(Ordering::Relaxed),
            timeouts: self.stats.timeouts.load(Ordering::Relaxed),
            outputs: self
                .names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    (
                        *name,
                        self.stats.written[i].load(Ordering::Relaxed),
                        self.stats.errors[i].load(Ordering::Relaxed),
                    )
                })
                .collect(),
        }
    }

    /// Writes what is queued, stops the worker and returns the counters.
    /// Waits at most about twice `output_timeout` for blocked outputs
    /// (then discards what is left, as Falco does).
    pub fn stop(mut self) -> StatsSnapshot {
        self.shutdown();
        self.stats()
    }

    fn shutdown(&mut self) {
        let Some(worker) = self.worker.take() else {
            return;
        };
        if self.tx.send_timeout(Ctrl::Stop, self.timeout).is_err() {
            logger::log(
                LogLevel::Notice,
                "output channels still blocked, discarding all remaining notifications",
            );
            while self.rx.try_recv().is_ok() {}
            let _ = self.tx.try_send(Ctrl::Stop);
        }
        // Returns when the worker has returned (disconnected), or at the
        // deadline.
        let _ = self
            .worker_gone
            .recv_timeout(self.timeout * 2 + Duration::from_millis(100));
        if worker.is_finished() {
            let _ = worker.join();
        } else {
            logger::log(
                LogLevel::Error,
                "output channels still blocked at exit: leaving them behind",
            );
        }
        self.watchdog_stop.set();
        if let Some(w) = self.watchdog.take() {
            let _ = w.join();
        }
        let stats = self.stats();
        if stats.dropped > 0 || stats.outputs.iter().any(|o| o.2 > 0) {
            let errors: Vec<String> = stats
                .outputs
                .iter()
                .map(|(name, _, errors)| format!("{name}={errors}"))
                .collect();
            logger::log(
                LogLevel::Warning,
                &format!(
                    "Falco internal: outputs: {} alerts dropped (queue full), output errors: {}",
                    stats.dropped,
                    errors.join(" ")
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

fn worker(
    mut channels: Vec<Box<dyn Output>>,
    rx: Receiver<Ctrl>,
    stats: Arc<OutputStats>,
    busy: Busy,
) {
    while let Ok(ctrl) = rx.recv() {
        let stop = matches!(ctrl, Ctrl::Stop);
        for (i, channel) in channels.iter_mut().enumerate() {
            if let Ok(mut b) = busy.lock() {
                *b = Some((channel.name(), Instant::now(), false));
            }
            let result = match &ctrl {
                Ctrl::Output(msg) => channel.output(msg),
                Ctrl::Reopen => channel.reopen(),
                Ctrl::Cleanup | Ctrl::Stop => channel.cleanup(),
            };
            match result {
                Ok(()) => {
                    if matches!(ctrl, Ctrl::Output(_)) {
                        stats.written[i].fetch_add(1, Ordering::Relaxed);
                    }
                }
                Err(err) => {
                    stats.errors[i].fetch_add(1, Ordering::Relaxed);
                    logger::log(LogLevel::Error, &format!("{}: {err}", channel.name()));
                }
            }
        }
        if let Ok(mut b) = busy.lock() {
            *b = None;
        }
        if stop {
            break;
        }
    }
}

fn watchdog(busy: Busy, timeout: Duration, stop: Arc<Flag>, stats: Arc<OutputStats>) {
    while !stop.wait(Duration::from_millis(50)) {
        let Ok(mut b) = busy.lock() else { return };
        if let Some((name, since, reported)) = b.as_mut() {
            if !*reported && since.elapsed() > timeout {
                *reported = true;
                stats.timeouts.fetch_add(1, Ordering::Relaxed);
                logger::log(
                    LogLevel::Critical,
                    &format!("\"{name}\" output timeout, all output channels are blocked"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
