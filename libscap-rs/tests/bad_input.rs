//! Corrupt captures: truncating every reference capture at many offsets and
//! flipping bytes in its blocks never panics and never loops; every error
//! names the byte offset and the block type.

mod common;

use falco_scap::{replay_all, SavefileReader, ScapError};
use std::io::Read;

/// The reference captures small enough to damage many times: (name, bytes).
fn small_captures() -> Vec<(String, Vec<u8>)> {
    common::reference_captures()
        .iter()
        .filter(|p| !p.to_string_lossy().contains("bench"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                load(p),
            )
        })
        .collect()
}

fn load(path: &std::path::Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    }
}

/// Reads `bytes` fully; on error checks that the message locates it.
fn check(bytes: Vec<u8>, what: &str) -> bool {
    let len = bytes.len() as u64;
    let res = SavefileReader::from_reader(std::io::Cursor::new(bytes)).and_then(replay_all);
    match res {
        Ok(s) => {
            // Bounded work: no more events than the bytes could hold.
            assert!(
                s.events <= len / 22 + 1,
                "{what}: {} events from {len} bytes",
                s.events
            );
            true
        }
        Err(e) => {
            let msg = e.to_string();
            match &e {
                ScapError::Truncated { offset, .. } | ScapError::Corrupt { offset, .. } => {
                    assert!(
                        *offset <= len,
                        "{what}: offset {offset} beyond {len}: {msg}"
                    );
                    assert!(msg.contains(&format!("offset {offset}")), "{what}: {msg}");
                    assert!(msg.contains("block"), "{what}: no block type in {msg}");
                }
                ScapError::NotACapture(_) | ScapError::VersionTooNew { .. } => {}
                other => panic!("{what}: unexpected error kind {other:?}"),
            }
            false
        }
    }
}

/// Block start offsets of a well-formed capture.
fn block_starts(b: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    let mut off = 0;
    while off + 8 <= b.len() {
        v.push(off);
        let len = u32::from_le_bytes(b[off + 4..off + 8].try_into().unwrap()) as usize;
        if len < 12 {
            break;
        }
        off += len;
    }
    v
}

/// A small deterministic generator (no dependency, same numbers every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % bound.max(1)
    }
}

#[test]
fn truncated_captures_fail_cleanly_with_offsets() {
    for (name, full) in small_captures() {
        let starts = block_starts(&full);
        let mut cuts: Vec<usize> = Vec::new();
        // Inside the first blocks (header, state), around block boundaries,
        // and evenly spaced through the file.
        cuts.extend(0..64.min(full.len()));
        for s in starts.iter().take(40) {
            cuts.extend([s + 1, s + 4, s + 7, s + 9, s + 20]);
        }
        cuts.extend((1..100).map(|i| full.len() * i / 100));
        let mut errors = 0;
        for cut in cuts.into_iter().filter(|c| *c < full.len()) {
            let ok = check(full[..cut].to_vec(), &format!("{name} cut at {cut}"));
            if !ok {
                errors += 1;
            } else {
                // Only a cut on a block boundary is a valid (shorter) capture.
                assert!(
                    starts.contains(&cut) || cut == 0,
                    "{name}: cut at {cut} read without error"
                );
            }
        }
        assert!(errors > 0, "{name}: no truncation was detected");
    }
}

#[test]
fn flipped_bytes_never_panic_or_loop() {
    let mut rng = Lcg(0x5eed);
    for (name, full) in small_captures() {
        let starts = block_starts(&full);
        for round in 0..300 {
            let mut b = full.clone();
            // Aim at block headers and event headers half of the time.
            let at = if round % 2 == 0 {
                let s = starts[rng.next(starts.len())];
                (s + rng.next(40)).min(b.len() - 1)
            } else {
                rng.next(b.len())
            };
            let flips = 1 + rng.next(4);
            for k in 0..flips {
                let i = (at + k * 3).min(b.len() - 1);
                b[i] ^= 1 << rng.next(8);
            }
            check(b, &format!("{name} round {round} at {at}"));
        }
    }
}

#[test]
fn not_a_capture_is_reported_as_such() {
    for bytes in [
        Vec::new(),
        b"hello world, not a capture".to_vec(),
        vec![0u8; 4096],
    ] {
        match SavefileReader::from_reader(std::io::Cursor::new(bytes)) {
            Err(
                ScapError::NotACapture(_) | ScapError::Corrupt { .. } | ScapError::Truncated { .. },
            ) => {}
            other => panic!("expected a clear error, got {other:?}"),
        }
    }
}
