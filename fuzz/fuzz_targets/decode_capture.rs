//! Any byte string, read as a capture: blocks, state, events, conversion and
//! parameter decoding must return an error or a summary, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = falco_scap::SavefileReader::from_reader(std::io::Cursor::new(data.to_vec())) {
        let _ = falco_scap::replay_all(r);
    }
});
