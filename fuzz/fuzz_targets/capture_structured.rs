//! Structured captures: `arbitrary` builds well-formed section header,
//! machine, process-list (v1-v9), fd-list, interface, user and event blocks
//! (every event block kind, both byte orders, damaged now and then; see
//! `fuzz/src/capture.rs`), and the bytes are replayed through the reader,
//! the converter and the inspector, every event rendered with fields of
//! every state class. Nothing may panic.
#![no_main]

use falco_rs_fuzz::capture::Capture;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|cap: Capture| {
    falco_rs_fuzz::replay_through_state(cap.to_bytes());
});
