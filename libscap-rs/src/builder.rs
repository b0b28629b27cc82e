//! Builds events in the current binary form, for tests and for engines
//! that synthesize events. This is a test builder: misuse (an unknown
//! parameter name, a string for an integer) panics with what was wrong.
//!
//! Parameters are set by name against the event's schema
//! (`.set("fd", 3)`); the event then carries every parameter of its
//! schema, those never set being empty (unavailable). [`events`] builds
//! the common events from the few facts that vary.
//!
//! The positional setters (`.int()`, `.str()`, `.bytes()`, `.empty()`,
//! `.raw()`) append parameters in schema order, and the event carries only
//! those appended: for old or truncated events, as the converter tests
//! and the bad-parameter tests need.

use crate::event::{Event, HeaderLayout};
use falco_abi::{EventCode, EventHeader, EventInfo, ParamType, EVENT_HEADER_SIZE};

pub mod events;
mod param;
#[cfg(test)]
mod tests;

pub use param::ParamInput;

/// An event under construction.
#[derive(Debug, Clone)]
pub struct EventBuilder {
    code: EventCode,
    info: &'static EventInfo,
    ts: u64,
    tid: u64,
    /// Parameter values by schema position (`None`: not set, empty).
    values: Vec<Option<Vec<u8>>>,
    /// Whether a parameter was set by name: then every parameter of the
    /// schema is written.
    named: bool,
}

impl EventBuilder {
    pub fn new(code: EventCode) -> EventBuilder {
        EventBuilder {
            code,
            info: code.info(),
            ts: 0,
            tid: 0,
            values: Vec::new(),
            named: false,
        }
    }

    /// The schema row of the event being built.
    pub fn info(&self) -> &'static EventInfo {
        self.info
    }

    pub fn ts(mut self, ts: u64) -> Self {
        self.ts = ts;
        self
    }

    pub fn tid(mut self, tid: u64) -> Self {
        self.tid = tid;
        self
    }

    fn next_type(&self) -> ParamType {
        match self.info.params.get(self.values.len()) {
            Some(p) => p.ptype,
            None => panic!(
                "{} has only {} parameters",
                self.info.name,
                self.info.nparams()
            ),
        }
    }

    /// Sets the parameter called `name`. Panics on a name the schema does
    /// not have (naming the event and its parameters) and on a value the
    /// parameter's type cannot take (a string for an integer, an integer
    /// for a variable-size type).
    pub fn set<'a>(mut self, name: &str, value: impl Into<ParamInput<'a>>) -> Self {
        let Some(i) = self.info.param_index(name) else {
            let names: Vec<_> = self.info.params.iter().map(|p| p.name).collect();
            panic!(
                "{:?} has no parameter {name:?}; it has {names:?}",
                self.code
            )
        };
        let bytes = value.into().encode(self.info.params[i].ptype);
        if self.values.len() <= i {
            self.values.resize(i + 1, None);
        }
        self.values[i] = Some(bytes);
        self.named = true;
        self
    }

    /// Appends raw bytes for the next parameter, whatever its type.
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        assert!(
            !self.named,
            "{}: positional parameters after named ones",
            self.info.name
        );
        let _ = self.next_type();
        self.values.push(Some(bytes.to_vec()));
        self
    }

    /// Appends an empty (unavailable) parameter.
    pub fn empty(self) -> Self {
        self.raw(&[])
    }

    /// Appends an integer of the width the schema gives the next parameter.
    pub fn int(self, v: i64) -> Self {
        let b = param::int(self.next_type(), v);
        self.raw(&b)
    }

    /// Appends a string (NUL-terminated) for CHARBUF/FSPATH/FSRELPATH.
    pub fn str(self, s: &str) -> Self {
        let b = param::string(self.next_type(), s);
        self.raw(&b)
    }

    /// Appends bytes for a BYTEBUF-like parameter.
    pub fn bytes(self, b: &[u8]) -> Self {
        self.raw(b)
    }

    /// Encodes the event. Panics only on misuse by a test.
    pub fn build(&self) -> Vec<u8> {
        let width = self.info.param_len_size();
        let n = if self.named {
            self.info.nparams()
        } else {
            self.values.len()
        };
        let values: Vec<&[u8]> = (0..n)
            .map(|i| self.values.get(i).and_then(Option::as_deref).unwrap_or(&[]))
            .collect();
        let len = EVENT_HEADER_SIZE + n * width + values.iter().map(|v| v.len()).sum::<usize>();
        let hdr = EventHeader {
            ts: self.ts,
            tid: self.tid,
            len: len as u32,
            evt_type: self.info.code,
            nparams: n as u32,
        };
        let mut out = hdr.to_bytes().to_vec();
        for v in &values {
            if width == 4 {
                out.extend_from_slice(&(v.len() as u32).to_le_bytes());
            } else {
                out.extend_from_slice(&(v.len() as u16).to_le_bytes());
            }
        }
        for v in values {
            out.extend_from_slice(v);
        }
        out
    }
}

/// Views bytes made by [`EventBuilder::build`].
pub fn view(bytes: &[u8]) -> Event<'_> {
    Event::parse(bytes, HeaderLayout::V2).expect("builder output parses")
}

/// An engine that replays events made with [`EventBuilder`]: the test
/// engine the crates above use to drive state and rules without a capture.
#[derive(Debug, Default)]
pub struct TestEngine {
    events: std::collections::VecDeque<Vec<u8>>,
    current: Vec<u8>,
    initial: crate::state::InitialState,
    delivered: u64,
}

impl TestEngine {
    pub fn new(initial: crate::state::InitialState) -> TestEngine {
        TestEngine {
            initial,
            ..Default::default()
        }
    }

    /// Queues an event.
    pub fn push(&mut self, ev: &EventBuilder) -> &mut Self {
        self.events.push_back(ev.build());
        self
    }
}

impl crate::engine::Engine for TestEngine {
    fn name(&self) -> &'static str {
        "test"
    }

    fn is_live(&self) -> bool {
        false
    }

    fn take_initial_state(&mut self) -> crate::state::InitialState {
        std::mem::take(&mut self.initial)
    }

    fn next(&mut self) -> crate::Result<crate::engine::Next<'_>> {
        match self.events.pop_front() {
            Some(b) => {
                self.current = b;
                self.delivered += 1;
                Ok(crate::engine::Next::Event(view(&self.current)))
            }
            None => Ok(crate::engine::Next::Eof),
        }
    }

    fn stats(&self) -> crate::engine::EngineStats {
        crate::engine::EngineStats {
            events: self.delivered,
            ..Default::default()
        }
    }
}
