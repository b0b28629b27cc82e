//! The look-back window (`capture.pre_duration`, `capture.pre_max_mb`):
//! the recent events, kept in memory as the capture blocks a file would
//! hold, so that a rule-triggered capture can start before its alert.
//!
//! A capture must open with the state as it was just before its FIRST
//! event, or a reader replaying it would apply the window's events to the
//! wrong process and fd tables (a connect on an fd the snapshot says is
//! closed, an execve of a process that does not exist yet, or one that
//! already ran). The state at the alert is not that state. So the window
//! is cut into pieces, and each piece starts with its own snapshot, taken
//! right after the last event of the piece before it (the inspector's
//! snapshot counts the removals that event deferred as applied, which is
//! what the piece's first event sees). Evicting from the front drops a
//! whole piece with its snapshot, so the piece that is now first still
//! carries the state its first event needs: any piece can begin a file.
//!
//! The price is one snapshot per piece (a quarter of `pre_duration` of
//! event time, or a quarter of the memory cap of events, whichever comes
//! first): the window holds between `pre_duration` and a quarter more,
//! and its snapshots count against the cap. What is counted is the bytes
//! held; the memory used is that plus the buffer of the last piece
//! evicted, kept for the next one (so at most a quarter more). A snapshot larger than the
//! whole cap cannot begin any piece: the window is then emptied and tries
//! again a piece's time later (logged once), rather than keep events no
//! state is valid for.

use super::recording::state_head;
use crate::logger;
use falco_scap::{Event, SavefileWriter};
use falco_sinsp::Inspector;
use std::collections::VecDeque;

/// How many pieces `pre_duration` (and the memory cap) is cut into.
const PIECES: u64 = 4;

/// Room past a piece's size in its buffer, for the event that fills it.
const SLACK: usize = 64 << 10;

/// The most a piece's buffer reserves up front (beyond it, it grows as
/// vectors do): a huge `pre_max_mb` must not ask for address space the
/// system refuses.
const RESERVE_MAX: u64 = 256 << 20;

/// A stretch of events with the state that precedes its first one.
#[derive(Debug)]
struct Piece {
    /// A capture's section header and state blocks.
    head: Vec<u8>,
    /// The events' blocks, as a capture file holds them.
    events: SavefileWriter<Vec<u8>>,
    first_ts: Option<u64>,
    count: u64,
}

impl Piece {
    fn bytes(&self) -> u64 {
        self.head.len() as u64 + self.events.written()
    }
}

/// What a capture starting from the window writes first.
#[derive(Debug)]
pub struct LookBack<'a> {
    /// The section header and the state before the first event.
    pub head: &'a [u8],
    /// Event blocks, oldest first.
    pub events: Vec<&'a [u8]>,
    /// The time of the first event (`None`: no event yet).
    pub first_ts: Option<u64>,
    pub count: u64,
}

/// What the window did, for the run's log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WindowStats {
    pub snapshots: u64,
    /// Events that left the window from the front.
    pub evicted: u64,
    /// Times the window was emptied because a snapshot alone exceeded the cap.
    pub oversize: u64,
}

/// The rolling window of recent events.
#[derive(Debug)]
pub struct Window {
    span_ns: u64,
    cap: u64,
    piece_ns: u64,
    piece_bytes: u64,
    pieces: VecDeque<Piece>,
    bytes: u64,
    /// No new piece before this event time (after an oversize snapshot).
    retry_at: u64,
    /// The buffer of the last piece evicted, for the next piece.
    spare: Option<Vec<u8>>,
    pub stats: WindowStats,
}

impl Window {
    /// A window of `span_ns` of event time, within `cap` bytes.
    pub fn new(span_ns: u64, cap: u64) -> Window {
        Window {
            span_ns,
            cap,
            piece_ns: (span_ns / PIECES).max(1),
            piece_bytes: (cap / PIECES).max(1),
            pieces: VecDeque::new(),
            bytes: 0,
            retry_at: 0,
            spare: None,
            stats: WindowStats::default(),
        }
    }

    /// Bytes held, snapshots included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Events held.
    pub fn events(&self) -> u64 {
        self.pieces.iter().map(|p| p.count).sum()
    }

    /// Takes note of `ev`, which `insp` has already processed.
    pub fn push(&mut self, ev: &Event<'_>, insp: &Inspector) {
        let Some(back) = self.pieces.back_mut() else {
            // No state to start from yet: the state now is the one that
            // follows `ev`, so the window begins with the next event.
            if ev.ts >= self.retry_at {
                self.open(ev.ts, insp);
            }
            return;
        };
        let before = back.events.written();
        // Writing into memory cannot fail; should it, the event is left out
        // of the window rather than stop the run.
        if back.events.write_event(ev).is_err() {
            return;
        }
        self.bytes += back.events.written() - before;
        back.count += 1;
        let first = *back.first_ts.get_or_insert(ev.ts);
        if back.events.written() >= self.piece_bytes || ev.ts.saturating_sub(first) >= self.piece_ns
        {
            self.open(ev.ts, insp);
        }
        self.evict(ev.ts);
    }

    /// Starts a piece with the state after the event at `ts`.
    fn open(&mut self, ts: u64, insp: &Inspector) {
        let head = match state_head(insp) {
            Ok(head) if (head.len() as u64) <= self.cap => head,
            other => {
                if self.stats.oversize == 0 {
                    let size =
                        other.map_or_else(|e| e.to_string(), |h| format!("{} bytes", h.len()));
                    logger::warning(&format!(
                        "Capture: the state snapshot ({size}) does not fit in capture.pre_max_mb \
                         ({} bytes): captures cannot look back until it does",
                        self.cap
                    ));
                }
                self.stats.oversize += 1;
                self.clear();
                self.retry_at = ts.saturating_add(self.piece_ns);
                return;
            }
        };
        self.stats.snapshots += 1;
        self.bytes += head.len() as u64;
        // A piece's buffer is reserved whole (pages the events never reach
        // are never touched, so they cost no memory) and reused once its
        // piece is evicted: no copy as it grows, no fresh pages to fault in
        // for each piece.
        let buf = match self.spare.take() {
            Some(mut buf) => {
                buf.clear();
                buf
            }
            None => Vec::with_capacity(self.piece_bytes.min(RESERVE_MAX) as usize + SLACK),
        };
        self.pieces.push_back(Piece {
            head,
            events: SavefileWriter::bare(buf),
            first_ts: None,
            count: 0,
        });
    }

    /// Drops pieces from the front: those the next piece alone makes
    /// unnecessary (it already reaches `span_ns` before `now`), and those
    /// over the cap.
    fn evict(&mut self, now: u64) {
        while self.pieces.len() > 1 {
            let next_reaches = self.pieces[1]
                .first_ts
                .is_some_and(|t| now.saturating_sub(t) >= self.span_ns);
            if !next_reaches && self.bytes <= self.cap {
                break;
            }
            if let Some(p) = self.pieces.pop_front() {
                self.bytes -= p.bytes();
                self.stats.evicted += p.count;
                if let Ok(buf) = p.events.finish() {
                    self.spare = Some(buf);
                }
            }
        }
        // One piece over the cap: its events cannot be cut from its front
        // (its snapshot is only valid for its first event).
        if self.bytes > self.cap {
            self.stats.oversize += 1;
            self.clear();
        }
    }

    fn clear(&mut self) {
        for p in self.pieces.drain(..) {
            self.stats.evicted += p.count;
        }
        self.spare = None;
        self.bytes = 0;
    }

    /// The longest tail of the window whose snapshot and events fit in
    /// `budget` bytes; `None` when not even the last piece does.
    pub fn look_back(&self, budget: u64) -> Option<LookBack<'_>> {
        let mut size = 0u64;
        let mut start = None;
        for (i, p) in self.pieces.iter().enumerate().rev() {
            if size + p.bytes() > budget {
                break;
            }
            // Earlier pieces' events come before this one's: the
            // candidate's size is its whole piece plus later events.
            start = Some(i);
            size += p.events.written();
        }
        let start = start?;
        let first = &self.pieces[start];
        let pieces = self.pieces.iter().skip(start);
        Some(LookBack {
            head: &first.head,
            events: pieces
                .clone()
                .map(|p| p.events.get_ref().as_slice())
                .collect(),
            first_ts: pieces.clone().find_map(|p| p.first_ts),
            count: pieces.map(|p| p.count).sum(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use falco_scap::builder::events::{clone_child_exit, close_exit, openat_exit};
    use falco_scap::builder::{view, EventBuilder};
    use falco_scap::state::{InitialState, ThreadInfo};
    use falco_scap::SavefileReader;

    fn world() -> Inspector {
        let mut st = InitialState::default();
        st.threads.insert(
            1,
            ThreadInfo {
                tid: 1,
                pid: 1,
                comm: "init".into(),
                exe: "init".into(),
                ..Default::default()
            },
        );
        Inspector::new(st)
    }

    /// Feeds `ev` to the state, then to the window (the run's order).
    fn feed(w: &mut Window, insp: &mut Inspector, ev: EventBuilder) {
        let raw = ev.build();
        let ev = view(&raw);
        insp.process(&ev);
        w.push(&ev, insp);
    }

    /// A capture made of the look-back, read back: its threads and events.
    fn read(lb: &LookBack<'_>) -> (Vec<u64>, Vec<(u64, u64)>) {
        let mut bytes = lb.head.to_vec();
        for e in &lb.events {
            bytes.extend_from_slice(e);
        }
        let mut r = SavefileReader::from_reader(std::io::Cursor::new(bytes)).unwrap();
        let threads = r.threads().keys().copied().collect();
        let mut events = Vec::new();
        while let Some(ev) = r.next_event().unwrap() {
            events.push((ev.ts, ev.tid));
        }
        (threads, events)
    }

    const S: u64 = 1_000_000_000;

    #[test]
    fn the_snapshot_is_the_state_before_the_first_event_kept() {
        let mut insp = world();
        // Pieces of 1 s: a window of 4 s.
        let mut w = Window::new(4 * S, 64 << 20);
        feed(
            &mut w,
            &mut insp,
            openat_exit(1, 3, -100, "/etc/a", 0).ts(0),
        );
        // Process 50 is born at 0.5 s: before the window at the end.
        feed(
            &mut w,
            &mut insp,
            clone_child_exit(50, 1, "/usr/bin/curl").ts(S / 2),
        );
        for i in 1..=10u64 {
            feed(&mut w, &mut insp, close_exit(50, 9).ts(i * S));
        }
        let lb = w.look_back(u64::MAX).unwrap();
        let (threads, events) = read(&lb);
        // The window reaches 4 s back and not much more.
        let first = events[0].0;
        assert!((5 * S..=6 * S).contains(&first), "first event at {first}");
        assert_eq!(events.last().unwrap().0, 10 * S);
        assert_eq!(lb.count as usize, events.len());
        assert_eq!(lb.first_ts, Some(first));
        // Its clone is older than the window: the snapshot has process 50.
        assert!(threads.contains(&50), "{threads:?}");
        assert!(w.stats.evicted > 0);
        assert_eq!(w.events(), lb.count);
    }

    #[test]
    fn a_process_born_inside_the_window_is_not_in_its_snapshot() {
        let mut insp = world();
        let mut w = Window::new(10 * S, 64 << 20);
        feed(
            &mut w,
            &mut insp,
            openat_exit(1, 3, -100, "/etc/a", 0).ts(0),
        );
        feed(
            &mut w,
            &mut insp,
            clone_child_exit(50, 1, "/usr/bin/curl").ts(S),
        );
        feed(&mut w, &mut insp, close_exit(50, 9).ts(2 * S));
        let lb = w.look_back(u64::MAX).unwrap();
        let (threads, events) = read(&lb);
        // The clone is the window's first event: replaying it creates 50.
        assert_eq!(events, [(S, 50), (2 * S, 50)]);
        assert_eq!(threads, [1]);
    }

    #[test]
    fn memory_stays_under_the_cap() {
        let mut insp = world();
        let cap = 64 << 10;
        let mut w = Window::new(3600 * S, cap);
        let long = "x".repeat(1000);
        feed(&mut w, &mut insp, close_exit(1, 9).ts(0));
        for i in 1..2000u64 {
            feed(&mut w, &mut insp, openat_exit(1, -2, -100, &long, 0).ts(i));
            assert!(w.bytes() <= cap, "{} bytes after {i} events", w.bytes());
        }
        assert!(w.stats.evicted > 1000);
        // What is left still begins with a valid state.
        let lb = w.look_back(u64::MAX).unwrap();
        let (threads, events) = read(&lb);
        assert_eq!(threads, [1]);
        assert_eq!(events.last().unwrap().0, 1999);
        // A budget smaller than the window takes a shorter tail.
        let all = lb.count;
        let short = w.look_back(cap / 2).unwrap();
        assert!(
            short.count < all && short.count > 0,
            "{} of {all}",
            short.count
        );
        assert!(w.look_back(10).is_none());
    }

    #[test]
    fn a_snapshot_over_the_cap_empties_the_window() {
        let mut insp = world();
        let mut w = Window::new(4 * S, 16);
        for i in 0..10u64 {
            feed(&mut w, &mut insp, close_exit(1, 9).ts(i * S / 10));
        }
        assert!(w.look_back(u64::MAX).is_none());
        assert_eq!(w.bytes(), 0);
        // Retried once a piece's time later, not at every event.
        assert_eq!(w.stats.oversize, 1);
        feed(&mut w, &mut insp, close_exit(1, 9).ts(2 * S));
        assert_eq!(w.stats.oversize, 2);
    }
}
