//! The kmod ring consumer over arbitrary rings: a data area of any
//! power-of-two size with arbitrary bytes and arbitrary head and tail
//! words (what a buggy or hostile module could leave in the control
//! page). `falco_abi::ring::next_record` must only ever return records
//! inside the data area and the published bytes; the events it returns
//! are decoded as the kmod engine decodes them. A second half plays the
//! producer (`reserve`, pad headers) and checks the consumer reads back
//! exactly what was written.
#![no_main]

use arbitrary::Arbitrary;
use falco_abi::ring::{next_record, pad_header, reserve, Record, Reserve};
use falco_abi::EVENT_HEADER_SIZE;
use falco_scap::{Event, HeaderLayout};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    /// log2 of the data size, from 5 (32 bytes) up.
    size_log2: u8,
    head: u64,
    tail: u64,
    data: Vec<u8>,
    /// Producer half: event lengths pushed, and pops in between.
    ops: Vec<(u16, bool)>,
}

fuzz_target!(|input: Input| {
    let size = 1usize << (5 + input.size_log2 % 12);
    let mut data = input.data.clone();
    data.resize(size, 0);
    consume(&data, input.head, input.tail);
    round_trip(size, input.head, &input.ops);
});

/// Reads records from `tail` as the engine does until the ring is empty
/// or corrupt, checking each record's bounds.
fn consume(data: &[u8], head: u64, mut tail: u64) {
    for _ in 0..4096 {
        let used = head.wrapping_sub(tail);
        match next_record(data, head, tail) {
            Record::Empty | Record::Corrupt { .. } => return,
            Record::Skip { len } => {
                assert!(
                    len as u64 <= used,
                    "skip of {len} beyond {used} published bytes"
                );
                assert!(len > 0, "a skip must make progress");
                tail = tail.wrapping_add(len as u64);
            }
            Record::Event { offset, len } => {
                assert!(offset + len <= data.len(), "event past the data area");
                assert!(len >= EVENT_HEADER_SIZE && len as u64 <= used);
                let ev = &data[offset..offset + len];
                if let Ok(ev) = Event::parse(ev, HeaderLayout::V2) {
                    for p in ev.params() {
                        std::hint::black_box(p.value());
                    }
                }
                tail = tail.wrapping_add(len as u64);
            }
        }
    }
}

/// Producer and consumer over one ring: every event `reserve` placed is
/// read back, in order, with its length and its tag.
fn round_trip(size: usize, start: u64, ops: &[(u16, bool)]) {
    let mut data = vec![0u8; size];
    let (mut head, mut tail) = (start, start);
    let mut queue = std::collections::VecDeque::new();
    for (i, &(len, pop)) in ops.iter().enumerate() {
        let len = EVENT_HEADER_SIZE + usize::from(len) % size;
        if let Reserve::At {
            offset,
            new_head,
            pad,
        } = reserve(head, tail, size, len)
        {
            if let Some((at, n)) = pad {
                if n >= EVENT_HEADER_SIZE {
                    data[at..at + EVENT_HEADER_SIZE].copy_from_slice(&pad_header(n));
                }
            }
            let ev = &mut data[offset..offset + len];
            ev.fill(i as u8);
            ev[16..20].copy_from_slice(&(len as u32).to_le_bytes());
            ev[20..22].copy_from_slice(&1u16.to_le_bytes());
            head = new_head;
            queue.push_back((i as u8, len));
        }
        if pop {
            loop {
                match next_record(&data, head, tail) {
                    Record::Skip { len } => tail = tail.wrapping_add(len as u64),
                    Record::Event { offset, len } => {
                        let want = queue.pop_front().expect("an event nobody wrote");
                        assert_eq!((data[offset], len), want);
                        tail = tail.wrapping_add(len as u64);
                        break;
                    }
                    Record::Empty => {
                        assert!(queue.is_empty(), "written events not read");
                        break;
                    }
                    Record::Corrupt { offset } => panic!("a ring we wrote is corrupt at {offset}"),
                }
            }
        }
    }
}
