//! Builds events in the current binary form, for tests and for engines
//! that synthesize events. Parameters are appended in schema order; each
//! typed setter checks the schema's type for that position.

use crate::event::{Event, HeaderLayout};
use falco_abi::{EventCode, EventHeader, EventInfo, ParamType, EVENT_HEADER_SIZE};

/// An event under construction.
#[derive(Debug, Clone)]
pub struct EventBuilder {
    info: &'static EventInfo,
    ts: u64,
    tid: u64,
    values: Vec<Vec<u8>>,
}

impl EventBuilder {
    pub fn new(code: EventCode) -> EventBuilder {
        EventBuilder {
            info: code.info(),
            ts: 0,
            tid: 0,
            values: Vec::new(),
        }
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

    /// Appends raw bytes for the next parameter, whatever its type.
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        let _ = self.next_type();
        self.values.push(bytes.to_vec());
        self
    }

    /// Appends an empty (unavailable) parameter.
    pub fn empty(self) -> Self {
        self.raw(&[])
    }

    /// Appends an integer of the width the schema gives the next parameter.
    pub fn int(self, v: i64) -> Self {
        let t = self.next_type();
        let n = t
            .fixed_size()
            .unwrap_or_else(|| panic!("{t:?} is not a fixed-size type"));
        let b = v.to_le_bytes();
        self.raw(&b[..n])
    }

    /// Appends a string (NUL-terminated) for CHARBUF/FSPATH/FSRELPATH.
    pub fn str(self, s: &str) -> Self {
        let t = self.next_type();
        assert!(
            matches!(
                t,
                ParamType::CHARBUF | ParamType::FSPATH | ParamType::FSRELPATH
            ),
            "{t:?} is not a string"
        );
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        self.raw(&b)
    }

    /// Appends bytes for a BYTEBUF-like parameter.
    pub fn bytes(self, b: &[u8]) -> Self {
        self.raw(b)
    }

    /// Encodes the event. Panics only on misuse by a test.
    pub fn build(&self) -> Vec<u8> {
        let width = self.info.param_len_size();
        let mut out = Vec::new();
        let len = EVENT_HEADER_SIZE
            + self.values.len() * width
            + self.values.iter().map(Vec::len).sum::<usize>();
        let hdr = EventHeader {
            ts: self.ts,
            tid: self.tid,
            len: len as u32,
            evt_type: self.info.code,
            nparams: self.values.len() as u32,
        };
        out.extend_from_slice(&hdr.to_bytes());
        for v in &self.values {
            if width == 4 {
                out.extend_from_slice(&(v.len() as u32).to_le_bytes());
            } else {
                out.extend_from_slice(&(v.len() as u16).to_le_bytes());
            }
        }
        for v in &self.values {
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
