//! One output's lane: its own queue (`outputs_queue.capacity` each) and
//! worker thread, so that a slow or dead output holds back neither the
//! other outputs nor the event loop, which only ever `try_send`s.
//!
//! Without `retry` a failed alert is counted, logged and gone, as in
//! Falco. With `retry` the worker tries the same alert again after a
//! backoff ([`super::retry`]) until it is delivered: later alerts wait in
//! the queue behind it (in order), and when the queue is full the event
//! loop drops new ones and counts them. With a `spool` the worker moves
//! what arrives while the output is failing onto disk
//! ([`super::spool`]) instead, delivers from there oldest first, and at
//! stop leaves what is undelivered for the next start.

use super::retry::{Backoff, RetryPolicy};
use super::rng::Rng;
use super::spool::{Spool, SpoolConfig};
use super::{Output, OutputError, OutputMessage};
use crate::config::DeliveryConfig;
use crate::flag::Flag;
use crate::logger::{self, LogLevel};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How one output delivers (falco-rs's own `retry` and `spool` keys).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    pub retry: Option<RetryPolicy>,
    pub spool: Option<SpoolConfig>,
}

impl Delivery {
    /// From the `retry` and `spool` keys of one output.
    pub fn from_config(config: &DeliveryConfig) -> Delivery {
        let retry = config.retry.then(|| RetryPolicy {
            initial: Duration::from_millis(config.initial_backoff_ms),
            max: Duration::from_millis(config.max_backoff_ms),
        });
        let spool = config.spool.as_ref().map(|s| SpoolConfig {
            dir: PathBuf::from(&s.dir),
            max_bytes: s.max_size_mb.saturating_mul(1 << 20),
            when_full: s.when_full,
        });
        Delivery { retry, spool }
    }
}

pub(super) enum Ctrl {
    Output(Arc<OutputMessage>),
    Reopen,
    Cleanup,
    Stop,
}

/// The counters of one output.
#[derive(Debug, Default)]
pub struct LaneStats {
    /// Alerts delivered.
    pub sent: AtomicU64,
    /// Failed attempts (every one, retries included).
    pub errors: AtomicU64,
    /// Attempts after a failure.
    pub retried: AtomicU64,
    /// Alerts written to the spool.
    pub spooled: AtomicU64,
    /// Alerts this output will never deliver: its queue was full, the
    /// spool was full (`when_full`) or failed, or the run ended first.
    pub dropped: AtomicU64,
    /// Of `dropped`, those its queue had no room for.
    pub queue_full: AtomicU64,
    /// Records waiting in the spool (a gauge).
    pub spool_depth: AtomicU64,
    /// Times it took longer than `output_timeout` (the watchdog's count).
    pub timeouts: AtomicU64,
}

/// What the worker and the watchdog share.
#[derive(Debug, Default)]
pub(super) struct LaneShared {
    pub stats: LaneStats,
    /// Since when the output is busy in a call, and whether the watchdog
    /// has reported it.
    pub busy: Mutex<Option<(Instant, bool)>>,
    /// Set when the run stops: a retrying worker stops waiting.
    pub stop: Flag,
}

/// One output with its queue and worker.
pub(super) struct Lane {
    pub name: &'static str,
    tx: Sender<Ctrl>,
    /// Kept to empty the queue when the worker is stuck at shutdown.
    rx: Receiver<Ctrl>,
    worker: Option<JoinHandle<()>>,
    /// Disconnected when the worker returns (its sender is dropped).
    worker_gone: Receiver<()>,
    pub shared: Arc<LaneShared>,
}

impl Lane {
    /// Starts the worker of `channel`. `timeout` is `output_timeout`: at
    /// stop, a retrying output without a spool gets that long to deliver
    /// what it holds.
    pub fn start(
        channel: Box<dyn Output>,
        delivery: Delivery,
        capacity: usize,
        timeout: Duration,
        rng: Arc<Rng>,
    ) -> Lane {
        let name = channel.name();
        let (tx, rx) = if capacity == 0 {
            crossbeam_channel::unbounded()
        } else {
            crossbeam_channel::bounded(capacity)
        };
        let shared = Arc::new(LaneShared::default());
        let (gone_tx, worker_gone) = crossbeam_channel::bounded::<()>(0);
        let worker = {
            let rx = rx.clone();
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("falco-out-{name}"))
                .spawn(move || {
                    let _gone = gone_tx;
                    Worker::new(channel, delivery, rx, shared, rng, timeout).run();
                })
                .ok()
        };
        Lane {
            name,
            tx,
            rx,
            worker,
            worker_gone,
            shared,
        }
    }

    /// Queues `msg` without waiting; false (and counted) when full.
    pub fn offer(&self, msg: Arc<OutputMessage>) -> bool {
        match self.tx.try_send(Ctrl::Output(msg)) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.shared.stats.queue_full.fetch_add(1, Ordering::Relaxed);
                self.shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    pub fn control(&self, ctrl: Ctrl, timeout: Duration) {
        let _ = self.tx.send_timeout(ctrl, timeout);
    }

    /// Alerts waiting for this output: in its queue and in its spool.
    pub fn depth(&self) -> u64 {
        self.tx.len() as u64 + self.shared.stats.spool_depth.load(Ordering::Relaxed)
    }

    /// First half of a stop: tells the worker, queues `Stop` behind what
    /// is queued (emptying a queue that stays full).
    pub fn begin_stop(&self, timeout: Duration) {
        self.shared.stop.set();
        if self.worker.is_none() {
            return;
        }
        if self.tx.send_timeout(Ctrl::Stop, timeout).is_err() {
            logger::log(
                LogLevel::Notice,
                &format!(
                    "\"{}\" output channel still blocked, discarding its remaining notifications",
                    self.name
                ),
            );
            while let Ok(ctrl) = self.rx.try_recv() {
                if matches!(ctrl, Ctrl::Output(_)) {
                    self.shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
            let _ = self.tx.try_send(Ctrl::Stop);
        }
    }

    /// Second half: waits for the worker until `deadline`.
    pub fn finish_stop(&mut self, deadline: Instant) {
        let Some(worker) = self.worker.take() else {
            return;
        };
        let gone = self
            .worker_gone
            .recv_timeout(deadline.saturating_duration_since(Instant::now()));
        // Disconnected: the worker has returned and its thread is ending,
        // so the join is immediate.
        if matches!(gone, Err(RecvTimeoutError::Disconnected)) || worker.is_finished() {
            let _ = worker.join();
        } else {
            logger::log(
                LogLevel::Error,
                &format!(
                    "\"{}\" output channel still blocked at exit: leaving it behind",
                    self.name
                ),
            );
        }
    }
}

/// What the worker does next.
enum Flow {
    Continue,
    Stop,
}

struct Worker {
    channel: Box<dyn Output>,
    name: &'static str,
    rx: Receiver<Ctrl>,
    shared: Arc<LaneShared>,
    rng: Arc<Rng>,
    backoff: Option<Backoff>,
    spool: Option<Spool>,
    /// When the spooled output may be tried again.
    next_try: Instant,
    timeout: Duration,
    /// Set once the run stops: after it, a retrying output without a spool
    /// gives up.
    give_up_at: Option<Instant>,
    /// A full or failing spool was reported (once until it empties).
    spool_trouble_reported: bool,
}

impl Worker {
    fn new(
        channel: Box<dyn Output>,
        delivery: Delivery,
        rx: Receiver<Ctrl>,
        shared: Arc<LaneShared>,
        rng: Arc<Rng>,
        timeout: Duration,
    ) -> Worker {
        let name = channel.name();
        let mut spool = None;
        if let Some(config) = delivery.spool {
            let dir = config.dir.display().to_string();
            match Spool::open(config) {
                Ok((s, recovered)) => {
                    for w in &recovered.warnings {
                        logger::log(LogLevel::Warning, &format!("{name} output spool: {w}"));
                    }
                    if recovered.records > 0 {
                        logger::log(
                            LogLevel::Notice,
                            &format!(
                                "{name} output: {} alerts spooled by an earlier run in {dir}, sending them first",
                                recovered.records
                            ),
                        );
                    }
                    shared
                        .stats
                        .spool_depth
                        .store(s.len() as u64, Ordering::Relaxed);
                    spool = Some(s);
                }
                Err(e) => logger::log(
                    LogLevel::Error,
                    &format!("{name} output: cannot open the spool {dir}: {e}; running without it"),
                ),
            }
        }
        // A spool without retries would never empty.
        let retry = delivery
            .retry
            .or_else(|| spool.is_some().then(RetryPolicy::default));
        Worker {
            channel,
            name,
            rx,
            shared,
            rng,
            backoff: retry.map(Backoff::new),
            spool,
            next_try: Instant::now(),
            timeout,
            give_up_at: None,
            spool_trouble_reported: false,
        }
    }

    fn run(mut self) {
        loop {
            let flow = if self.spool.as_ref().is_some_and(|s| !s.is_empty()) {
                self.spool_step()
            } else {
                match self.rx.recv() {
                    Ok(ctrl) => self.handle(ctrl),
                    Err(_) => Flow::Stop,
                }
            };
            if matches!(flow, Flow::Stop) {
                break;
            }
        }
        let _ = self.call(|c| c.cleanup());
    }

    /// Runs one call of the output under the watchdog's eye.
    fn call<T>(&mut self, f: impl FnOnce(&mut dyn Output) -> T) -> T {
        if let Ok(mut b) = self.shared.busy.lock() {
            *b = Some((Instant::now(), false));
        }
        let result = f(self.channel.as_mut());
        if let Ok(mut b) = self.shared.busy.lock() {
            *b = None;
        }
        result
    }

    fn handle(&mut self, ctrl: Ctrl) -> Flow {
        match ctrl {
            Ctrl::Output(msg) => self.deliver_new(&msg),
            Ctrl::Reopen => {
                if let Err(e) = self.call(|c| c.reopen()) {
                    self.log_error(&e);
                }
            }
            Ctrl::Cleanup => {
                if let Err(e) = self.call(|c| c.cleanup()) {
                    self.log_error(&e);
                }
            }
            Ctrl::Stop => return Flow::Stop,
        }
        Flow::Continue
    }

    fn log_error(&self, e: &OutputError) {
        self.shared.stats.errors.fetch_add(1, Ordering::Relaxed);
        logger::log(LogLevel::Error, &format!("{}: {e}", self.name));
    }

    /// One attempt at `msg`; counts it.
    fn attempt(&mut self, msg: &OutputMessage) -> Result<(), OutputError> {
        let retrying = self.backoff.as_ref().is_some_and(|b| b.failures() > 0);
        if retrying {
            self.shared.stats.retried.fetch_add(1, Ordering::Relaxed);
        }
        let result = self.call(|c| c.output(msg));
        match &result {
            Ok(()) => {
                self.shared.stats.sent.fetch_add(1, Ordering::Relaxed);
                if let Some(b) = &mut self.backoff {
                    if b.failures() > 0 {
                        logger::log(
                            LogLevel::Notice,
                            &format!(
                                "{} output: delivering again after {} failed attempts",
                                self.name,
                                b.failures()
                            ),
                        );
                    }
                    b.succeeded();
                }
            }
            Err(e) => {
                self.shared.stats.errors.fetch_add(1, Ordering::Relaxed);
                // With retries, one line per outage rather than per try.
                let first = self.backoff.as_ref().is_none_or(|b| b.failures() == 0);
                if first {
                    let then = if self.backoff.is_some() {
                        " (retrying with backoff)"
                    } else {
                        ""
                    };
                    logger::log(LogLevel::Error, &format!("{}: {e}{then}", self.name));
                }
            }
        }
        result
    }

    /// The wait before the next try, after a failure.
    fn failed(&mut self) -> Duration {
        match &mut self.backoff {
            Some(b) => b.failed(&self.rng),
            None => Duration::ZERO,
        }
    }

    /// An alert off the queue, with the spool empty.
    fn deliver_new(&mut self, msg: &OutputMessage) {
        if self.give_up_at.is_some_and(|t| Instant::now() >= t) {
            self.shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if self.attempt(msg).is_ok() || self.backoff.is_none() {
            return;
        }
        let wait = self.failed();
        if self.spool.is_some() {
            self.spool_it(msg);
            self.next_try = Instant::now() + wait;
            return;
        }
        // Hold it and try again: what comes next waits in the queue.
        let mut wait = wait;
        loop {
            if self.shared.stop.is_set() {
                // The run is ending: go on for `output_timeout` at most.
                let at = *self
                    .give_up_at
                    .get_or_insert_with(|| Instant::now() + self.timeout);
                std::thread::sleep(wait.min(at.saturating_duration_since(Instant::now())));
            } else if self.shared.stop.wait(wait) {
                // Woken by the stop: one more try at once.
                self.give_up_at = Some(Instant::now() + self.timeout);
            }
            if self.give_up_at.is_some_and(|t| Instant::now() >= t) {
                self.shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            if self.attempt(msg).is_ok() {
                return;
            }
            wait = self.failed();
        }
    }

    fn spool_it(&mut self, msg: &OutputMessage) {
        let Some(spool) = &mut self.spool else {
            return;
        };
        let stats = &self.shared.stats;
        match spool.push(msg) {
            Ok(pushed) => {
                if pushed.stored {
                    stats.spooled.fetch_add(1, Ordering::Relaxed);
                }
                if pushed.dropped > 0 {
                    stats.dropped.fetch_add(pushed.dropped, Ordering::Relaxed);
                    if !self.spool_trouble_reported {
                        self.spool_trouble_reported = true;
                        logger::log(
                            LogLevel::Warning,
                            &format!(
                                "{} output: the spool is full, dropping alerts (when_full)",
                                self.name
                            ),
                        );
                    }
                }
            }
            Err(e) => {
                stats.dropped.fetch_add(1, Ordering::Relaxed);
                if !self.spool_trouble_reported {
                    self.spool_trouble_reported = true;
                    logger::log(
                        LogLevel::Error,
                        &format!("{} output: cannot write the spool: {e}", self.name),
                    );
                }
            }
        }
        stats
            .spool_depth
            .store(spool.len() as u64, Ordering::Relaxed);
    }

    /// With alerts in the spool: newly queued alerts join it (behind the
    /// older ones), and the oldest is tried when the backoff allows.
    fn spool_step(&mut self) -> Flow {
        // Everything queued now goes behind what is spooled.
        loop {
            match self.rx.try_recv() {
                Ok(Ctrl::Output(msg)) => self.spool_it(&msg),
                Ok(Ctrl::Stop) => return self.stop_with_spool(),
                Ok(other) => {
                    let _ = self.handle(other);
                }
                Err(_) => break,
            }
        }
        let now = Instant::now();
        if now < self.next_try {
            match self.rx.recv_timeout(self.next_try - now) {
                Ok(Ctrl::Output(msg)) => self.spool_it(&msg),
                Ok(Ctrl::Stop) => return self.stop_with_spool(),
                Ok(other) => {
                    let _ = self.handle(other);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Flow::Stop,
            }
            return Flow::Continue;
        }
        self.send_oldest_spooled();
        Flow::Continue
    }

    /// Tries the spool's oldest alert once; whether it was delivered.
    fn send_oldest_spooled(&mut self) -> bool {
        let Some(spool) = &mut self.spool else {
            return false;
        };
        let front = spool.front();
        let msg = match front {
            Ok((msg, corrupt)) => {
                if corrupt > 0 {
                    self.shared
                        .stats
                        .dropped
                        .fetch_add(corrupt, Ordering::Relaxed);
                    logger::log(
                        LogLevel::Warning,
                        &format!(
                            "{} output spool: {corrupt} unreadable records skipped",
                            self.name
                        ),
                    );
                }
                msg
            }
            Err(e) => {
                logger::log(
                    LogLevel::Error,
                    &format!("{} output: cannot read the spool: {e}", self.name),
                );
                None
            }
        };
        let delivered = match msg {
            Some(msg) => {
                if self.attempt(&msg).is_ok() {
                    if let Some(spool) = &mut self.spool {
                        if spool.len() <= 1 {
                            // Caught up: report the next full spool again.
                            self.spool_trouble_reported = false;
                        }
                        if let Err(e) = spool.pop_front() {
                            logger::log(
                                LogLevel::Error,
                                &format!("{} output: cannot update the spool: {e}", self.name),
                            );
                        }
                    }
                    true
                } else {
                    let wait = self.failed();
                    self.next_try = Instant::now() + wait;
                    false
                }
            }
            None => {
                // Unreadable spool: wait before looking again.
                self.next_try = Instant::now() + self.timeout;
                false
            }
        };
        if let Some(spool) = &self.spool {
            self.shared
                .stats
                .spool_depth
                .store(spool.len() as u64, Ordering::Relaxed);
        }
        delivered
    }

    /// Everything queued is in the spool now. Like an output without a
    /// spool, it gets `output_timeout` to deliver (retrying on its
    /// backoff); what is left stays spooled for the next start.
    fn stop_with_spool(&mut self) -> Flow {
        let until = Instant::now() + self.timeout;
        while self.spool.as_ref().is_some_and(|s| !s.is_empty()) {
            let now = Instant::now();
            if now >= until {
                break;
            }
            if now < self.next_try {
                std::thread::sleep(self.next_try.min(until) - now);
                continue;
            }
            self.send_oldest_spooled();
        }
        if let Some(spool) = &self.spool {
            if !spool.is_empty() {
                logger::log(
                    LogLevel::Notice,
                    &format!(
                        "{} output: {} alerts stay spooled for the next start",
                        self.name,
                        spool.len()
                    ),
                );
            }
        }
        Flow::Stop
    }
}
