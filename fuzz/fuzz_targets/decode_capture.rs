//! Any byte string, read as a capture: blocks, state, events, conversion and
//! parameter decoding must return an error or a summary, never panic.
//! Input starting with the gzip magic is decompressed on the way, as
//! `SavefileReader::open` does for files (at most 16 MiB of it: a small
//! input must not unpack into a long run).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Read;

fuzz_target!(|data: &[u8]| {
    let reader = if data.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::read::MultiGzDecoder::new(std::io::Cursor::new(data.to_vec()));
        falco_scap::SavefileReader::from_reader(gz.take(16 << 20))
    } else {
        falco_scap::SavefileReader::from_reader(std::io::Cursor::new(data.to_vec()))
    };
    if let Ok(r) = reader {
        let _ = falco_scap::replay_all(r);
    }
});
