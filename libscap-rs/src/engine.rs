//! The engine abstraction: everything above falco-scap reads events the
//! same way whether they come from a capture file or a live driver.

use crate::converter::{Converter, ConverterStats, Outcome};
use crate::error::Result;
use crate::event::Event;
use crate::savefile::{ReadStats, SavefileReader};
use crate::state::InitialState;
use std::collections::BTreeSet;
use std::path::Path;

/// What `Engine::next` found.
#[derive(Debug)]
pub enum Next<'a> {
    Event(Event<'a>),
    /// An event the consumer asked to see only in outline (see
    /// [`SavefileEngine::set_light`]).
    Touch(Touch),
    /// No event right now (live engines); ask again.
    Timeout,
    /// The source is exhausted.
    Eof,
}

/// An event in outline: whose it is and the fd it works on, for a
/// consumer that needs no more of events of its type (no rule looks at
/// them, state only notes the thread and the fd).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Touch {
    pub ts: u64,
    pub tid: u64,
    /// The event type in the current schema.
    pub evt_type: u16,
    /// [`Event::used_fd`] of the event.
    pub fd: Option<i64>,
}

/// Counters every engine reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Events delivered to the consumer.
    pub events: u64,
    /// Events lost, by cause.
    pub drops_buffer: u64,
    pub drops_pf: u64,
    pub drops_bug: u64,
}

/// A source of events in the current schema.
pub trait Engine {
    /// The engine's name as falco.yaml spells `engine.kind`.
    fn name(&self) -> &'static str;
    /// Whether events come from the running system as they happen (a
    /// driver), rather than from a recording. Live runs serve metrics and
    /// the web server and watch for drops, as in Falco.
    fn is_live(&self) -> bool;
    /// The state to seed process and fd tables with (taken once).
    fn take_initial_state(&mut self) -> InitialState;
    fn next(&mut self) -> Result<Next<'_>>;
    fn stats(&self) -> EngineStats;
    /// Captures `syscalls` (PPM_SC codes; `None`: every one) from now on,
    /// without reopening: a live engine changes its in-kernel selection
    /// while the probe stays attached and the ring keeps its events. A
    /// recording cannot change what it holds: `Ok(false)`.
    fn set_syscalls(&mut self, _syscalls: Option<&BTreeSet<u16>>) -> Result<bool> {
        Ok(false)
    }
}

/// Replays a capture file; converts old events unless told not to.
#[derive(Debug)]
pub struct SavefileEngine {
    reader: SavefileReader,
    converter: Option<Converter>,
    delivered: u64,
}

impl SavefileEngine {
    pub fn open(path: impl AsRef<Path>) -> Result<SavefileEngine> {
        Ok(Self::new(SavefileReader::open(path)?))
    }

    /// Replays from an already opened reader.
    pub fn new(reader: SavefileReader) -> SavefileEngine {
        SavefileEngine {
            reader,
            converter: Some(Converter::new()),
            delivered: 0,
        }
    }

    /// Delivers the events whose current type satisfies `light` as a
    /// [`Touch`] (see [`Converter::set_light`]); with conversion only.
    pub fn set_light(&mut self, light: impl Fn(u16) -> bool) {
        if let Some(c) = self.converter.as_mut() {
            c.set_light(light);
        }
    }

    /// Delivers events as stored, old versions and enter events included.
    pub fn without_conversion(mut self) -> SavefileEngine {
        self.converter = None;
        self
    }

    pub fn reader(&self) -> &SavefileReader {
        &self.reader
    }

    pub fn read_stats(&self) -> ReadStats {
        self.reader.stats()
    }

    pub fn converter_stats(&self) -> Option<&ConverterStats> {
        self.converter.as_ref().map(|c| c.stats())
    }
}

/// What reading a whole capture found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Events delivered (after conversion).
    pub events: u64,
    /// Parameters decoded by type.
    pub params: u64,
    pub read: ReadStats,
    pub converter: ConverterStats,
}

/// Reads a capture to its end through the converter, decoding every
/// parameter of every event. The fuzz target and the corruption tests use
/// it; it must return (an error or a summary) for any input.
pub fn replay_all(reader: SavefileReader) -> Result<ReplaySummary> {
    let mut e = SavefileEngine::new(reader);
    let mut s = ReplaySummary::default();
    loop {
        match e.next()? {
            Next::Event(ev) => {
                s.events += 1;
                for p in ev.params() {
                    s.params += p.value().is_some() as u64;
                }
            }
            Next::Touch(_) => s.events += 1,
            Next::Timeout => {}
            Next::Eof => break,
        }
    }
    s.read = e.read_stats();
    s.converter = e.converter_stats().cloned().unwrap_or_default();
    Ok(s)
}

impl Engine for SavefileEngine {
    fn name(&self) -> &'static str {
        "replay"
    }

    fn is_live(&self) -> bool {
        false
    }

    fn take_initial_state(&mut self) -> InitialState {
        self.reader.take_initial_state()
    }

    fn next(&mut self) -> Result<Next<'_>> {
        loop {
            if !self.reader.advance()? {
                return Ok(Next::Eof);
            }
            let (outcome, cpu, flags) = match (self.converter.as_mut(), self.reader.current()) {
                (Some(conv), Some(ev)) => (conv.process(&ev), ev.cpu, ev.flags),
                _ => (Outcome::Pass, 0, 0),
            };
            let ev = match outcome {
                Outcome::Drop => continue,
                Outcome::Touch(t) => {
                    self.delivered += 1;
                    return Ok(Next::Touch(t));
                }
                Outcome::Pass => self.reader.current(),
                // A converted event was captured where the original was.
                Outcome::Converted => self
                    .converter
                    .as_ref()
                    .and_then(|c| c.event())
                    .map(|e| e.with_origin(cpu, flags)),
            };
            self.delivered += 1;
            return Ok(ev.map(Next::Event).unwrap_or(Next::Eof));
        }
    }

    fn stats(&self) -> EngineStats {
        EngineStats {
            events: self.delivered,
            ..Default::default()
        }
    }
}
