//! An engine on a thread of its own: reading, decoding and converting a
//! capture run on one core while the consumer (state and rules) runs on
//! another. Events cross in batches: their bytes copied as stored, with
//! the header facts to re-attach them, so the consumer sees exactly the
//! events, in the same order, that the inner engine gave.
//!
//! For engines that never time out (replay): a `Timeout` of the inner
//! engine is passed on as one.

use crate::engine::{Engine, EngineStats, Next, Touch};
use crate::error::{EngineError, EngineFailure, Result, ScapError};
use crate::event::{Event, EventMeta};
use crate::state::InitialState;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::thread::JoinHandle;

/// Events per batch, and the bytes after which a batch is sent early.
const BATCH_EVENTS: usize = 2048;
const BATCH_BYTES: usize = 512 * 1024;
/// Batches in flight between the threads.
const IN_FLIGHT: usize = 4;

/// How a batch ends the stream, if it does.
#[derive(Debug)]
enum End {
    Eof,
    Timeout,
    Error(ScapError),
}

/// One delivery of the inner engine.
#[derive(Debug)]
enum Item {
    /// Where the event's bytes start in the batch, and its header facts.
    Event(usize, EventMeta),
    Touch(Touch),
}

#[derive(Debug, Default)]
struct Batch {
    bytes: Vec<u8>,
    events: Vec<Item>,
    end: Option<End>,
}

impl Batch {
    fn clear(&mut self) {
        self.bytes.clear();
        self.events.clear();
        self.end = None;
    }

    fn push(&mut self, ev: &Event<'_>) {
        self.events.push(Item::Event(self.bytes.len(), ev.meta()));
        self.bytes.extend_from_slice(ev.raw());
    }

    fn full(&self) -> bool {
        self.events.len() >= BATCH_EVENTS || self.bytes.len() >= BATCH_BYTES
    }
}

/// Runs `E` on a reader thread; see the module documentation.
#[derive(Debug)]
pub struct ThreadedEngine {
    name: &'static str,
    /// The inner engine's answer.
    live: bool,
    initial: Option<InitialState>,
    batches: Receiver<Batch>,
    /// Emptied batches go back to the reader to be filled again.
    recycle: SyncSender<Batch>,
    cur: Batch,
    /// The next event of `cur` to deliver.
    pos: usize,
    delivered: u64,
    finished: bool,
    reader: Option<JoinHandle<()>>,
}

impl ThreadedEngine {
    /// Takes `engine`'s initial state, then moves it to a new thread.
    pub fn spawn<E: Engine + Send + 'static>(mut engine: E) -> Result<ThreadedEngine> {
        let name = engine.name();
        let live = engine.is_live();
        let initial = engine.take_initial_state();
        let (tx, batches) = sync_channel::<Batch>(IN_FLIGHT);
        let (recycle, recycled) = sync_channel::<Batch>(IN_FLIGHT + 2);
        let reader = std::thread::Builder::new()
            .name(format!("{name}-reader"))
            .spawn(move || read_ahead(engine, tx, recycled))
            .map_err(|e| {
                let text = format!("cannot start the {name} reader thread: {e}");
                ScapError::from(EngineError::new(EngineFailure::Other, text).caused_by(e))
            })?;
        Ok(ThreadedEngine {
            name,
            live,
            initial: Some(initial),
            batches,
            recycle,
            cur: Batch::default(),
            pos: 0,
            delivered: 0,
            finished: false,
            reader: Some(reader),
        })
    }
}

/// The reader thread: fills batches until the engine ends or the consumer
/// goes away.
fn read_ahead<E: Engine>(mut engine: E, tx: SyncSender<Batch>, recycled: Receiver<Batch>) {
    loop {
        let mut batch = match recycled.try_recv() {
            Ok(mut b) => {
                b.clear();
                b
            }
            Err(TryRecvError::Empty) => Batch::default(),
            Err(TryRecvError::Disconnected) => return,
        };
        while batch.end.is_none() && !batch.full() {
            match engine.next() {
                Ok(Next::Event(ev)) => batch.push(&ev),
                Ok(Next::Touch(t)) => batch.events.push(Item::Touch(t)),
                Ok(Next::Timeout) => batch.end = Some(End::Timeout),
                Ok(Next::Eof) => batch.end = Some(End::Eof),
                Err(e) => batch.end = Some(End::Error(e)),
            }
        }
        let last = matches!(batch.end, Some(End::Eof | End::Error(_)));
        if tx.send(batch).is_err() || last {
            return;
        }
    }
}

impl Drop for ThreadedEngine {
    fn drop(&mut self) {
        // With the receiving end gone, the reader's next send fails and it
        // returns (it sends at least once per batch).
        let (_, dead) = sync_channel(0);
        drop(std::mem::replace(&mut self.batches, dead));
        if let Some(h) = self.reader.take() {
            let _ = h.join();
        }
    }
}

impl Engine for ThreadedEngine {
    fn name(&self) -> &'static str {
        self.name
    }

    fn is_live(&self) -> bool {
        self.live
    }

    fn take_initial_state(&mut self) -> InitialState {
        self.initial.take().unwrap_or_default()
    }

    fn next(&mut self) -> Result<Next<'_>> {
        while self.pos >= self.cur.events.len() {
            match self.cur.end.take() {
                Some(End::Eof) => {
                    self.finished = true;
                    self.cur.end = Some(End::Eof);
                    return Ok(Next::Eof);
                }
                Some(End::Error(e)) => {
                    self.finished = true;
                    self.cur.end = Some(End::Eof);
                    return Err(e);
                }
                None if self.finished => return Ok(Next::Eof),
                Some(End::Timeout) => {
                    self.pos = self.cur.events.len();
                    return Ok(Next::Timeout);
                }
                None => {}
            }
            let next = match self.batches.recv() {
                Ok(b) => b,
                Err(_) => {
                    self.finished = true;
                    self.cur.end = Some(End::Eof);
                    return Err(EngineError::new(
                        EngineFailure::Other,
                        format!("the {} reader thread stopped unexpectedly", self.name),
                    )
                    .into());
                }
            };
            let done = std::mem::replace(&mut self.cur, next);
            // The reader may have gone (end of stream): then the batch is
            // simply dropped.
            let _ = self.recycle.try_send(done);
            self.pos = 0;
        }
        let item = &self.cur.events[self.pos];
        self.pos += 1;
        self.delivered += 1;
        match item {
            Item::Event(at, meta) => meta
                .attach(&self.cur.bytes[*at..])
                .map(Next::Event)
                .ok_or_else(|| {
                    EngineError::new(
                        EngineFailure::Malformed,
                        "batched event does not fit its bytes",
                    )
                    .into()
                }),
            Item::Touch(t) => Ok(Next::Touch(*t)),
        }
    }

    fn stats(&self) -> EngineStats {
        EngineStats {
            events: self.delivered,
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests;
