use super::*;
use crate::builder::{view, EventBuilder};
use crate::engine::SavefileEngine;
use crate::savefile::{SavefileReader, SavefileWriter};
use falco_abi::EventCode as C;

/// A capture of old-format openat pairs (stored enters, exits converted),
/// current events passed as they are, and a getpid-like generic event:
/// more events than several batches hold.
fn capture(pairs: u64) -> Vec<u8> {
    let mut w = SavefileWriter::new(Vec::new(), &InitialState::default()).unwrap();
    let mut ts = 1_000;
    for i in 0..pairs {
        let tid = 100 + i % 7;
        let mut put = |b: EventBuilder| {
            ts += 10;
            w.write_event(&view(&b.ts(ts).tid(tid).build())).unwrap();
        };
        put(EventBuilder::new(C::SYSCALL_OPENAT_E)
            .int(-100)
            .str(&format!("/tmp/f{i}"))
            .int(1)
            .int(0o644));
        put(EventBuilder::new(C::SYSCALL_OPENAT_X).int(3 + i as i64 % 50));
        put(EventBuilder::new(C::SYSCALL_CLOSE_X)
            .int(0)
            .int(3 + i as i64 % 50));
    }
    w.finish().unwrap()
}

fn savefile(bytes: &[u8]) -> SavefileEngine {
    SavefileEngine::new(SavefileReader::from_reader(std::io::Cursor::new(bytes.to_vec())).unwrap())
}

/// One delivery as (bytes, cpu, flags); an outline as its Debug text
/// with cpu u16::MAX.
type Seen = (Vec<u8>, u16, u32);

/// Every event an engine gives, then how it ended.
fn drain(e: &mut dyn Engine) -> (Vec<Seen>, std::result::Result<(), String>) {
    let mut out = Vec::new();
    loop {
        match e.next() {
            Ok(Next::Event(ev)) => out.push((ev.raw().to_vec(), ev.cpu, ev.flags)),
            Ok(Next::Touch(t)) => out.push((format!("{t:?}").into_bytes(), u16::MAX, 0)),
            Ok(Next::Timeout) => continue,
            Ok(Next::Eof) => return (out, Ok(())),
            Err(err) => return (out, Err(err.to_string())),
        }
    }
}

#[test]
fn gives_the_inner_engines_events_in_order_across_batches() {
    let bytes = capture(3 * BATCH_EVENTS as u64 + 17);
    let (want, end) = drain(&mut savefile(&bytes));
    assert!(end.is_ok());
    assert!(want.len() > 3 * BATCH_EVENTS, "{} events", want.len());
    let mut t = ThreadedEngine::spawn(savefile(&bytes)).unwrap();
    assert_eq!(t.name(), "replay");
    let (got, end) = drain(&mut t);
    assert!(end.is_ok());
    assert_eq!(got.len(), want.len());
    assert!(got == want, "events differ");
    assert_eq!(t.stats().events, want.len() as u64);
    // The end is sticky.
    assert!(matches!(t.next(), Ok(Next::Eof)));
}

#[test]
fn a_corrupt_capture_gives_the_same_events_then_the_same_error() {
    let mut bytes = capture(BATCH_EVENTS as u64);
    // Cut inside the last event block.
    bytes.truncate(bytes.len() - 5);
    let (want, want_end) = drain(&mut savefile(&bytes));
    let want_end = want_end.expect_err("truncated capture must fail");
    assert!(want_end.contains("offset"), "{want_end}");
    let (got, got_end) = drain(&mut ThreadedEngine::spawn(savefile(&bytes)).unwrap());
    assert!(got == want, "{} events, want {}", got.len(), want.len());
    assert_eq!(got_end, Err(want_end));
}

#[test]
fn the_initial_state_is_the_inner_engines() {
    let state = InitialState {
        machine: Some(crate::state::MachineInfo {
            hostname: "h1".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut inner = crate::builder::TestEngine::new(state);
    inner.push(&EventBuilder::new(C::SYSCALL_CLOSE_X).int(0).int(3));
    let mut t = ThreadedEngine::spawn(inner).unwrap();
    let st = t.take_initial_state();
    assert_eq!(st.machine.map(|m| m.hostname), Some("h1".to_string()));
    let (got, _) = drain(&mut t);
    assert_eq!(got.len(), 1);
}

#[test]
fn dropping_it_mid_stream_stops_the_reader() {
    let bytes = capture(20 * BATCH_EVENTS as u64);
    let (done_tx, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut t = ThreadedEngine::spawn(savefile(&bytes)).unwrap();
        for _ in 0..10 {
            assert!(matches!(t.next(), Ok(Next::Event(_))));
        }
        drop(t); // joins the reader
        done_tx.send(()).unwrap();
    });
    assert!(
        done.recv_timeout(std::time::Duration::from_secs(60))
            .is_ok(),
        "the reader thread did not stop"
    );
}

#[test]
fn outlines_cross_in_order_with_whole_events() {
    let bytes = capture(BATCH_EVENTS as u64 + 5);
    let light = |c: u16| c == C::SYSCALL_OPENAT_2_X as u16;
    let mut inner = savefile(&bytes);
    inner.set_light(light);
    let (want, _) = drain(&mut inner);
    let touches = want.iter().filter(|e| e.1 == u16::MAX).count();
    assert_eq!(touches, BATCH_EVENTS + 5, "every openat exit in outline");
    let mut outer = savefile(&bytes);
    outer.set_light(light);
    let (got, end) = drain(&mut ThreadedEngine::spawn(outer).unwrap());
    assert!(end.is_ok());
    assert!(got == want, "{} events, want {}", got.len(), want.len());
}

/// A test engine that says it is live, as a driver would.
struct Live(crate::builder::TestEngine);

impl Engine for Live {
    fn name(&self) -> &'static str {
        "live-test"
    }
    fn is_live(&self) -> bool {
        true
    }
    fn take_initial_state(&mut self) -> InitialState {
        self.0.take_initial_state()
    }
    fn next(&mut self) -> Result<Next<'_>> {
        self.0.next()
    }
    fn stats(&self) -> EngineStats {
        self.0.stats()
    }
}

#[test]
fn is_live_when_its_inner_engine_is() {
    let bytes = capture(1);
    assert!(!savefile(&bytes).is_live(), "a replay is not live");
    assert!(!ThreadedEngine::spawn(savefile(&bytes)).unwrap().is_live());
    let live = ThreadedEngine::spawn(Live(crate::builder::TestEngine::default())).unwrap();
    assert!(live.is_live());
    assert_eq!(live.name(), "live-test");
}
