//! Container runtime responses: HTTP responses from the Docker and podman
//! APIs (inspect documents, event streams), CRI status messages, and the
//! container plugin's JSON records in captures. See
//! `falco_sinsp::runtimes::fuzz::runtime_input` for the input layout.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    falco_sinsp::runtimes::fuzz::runtime_input(data);
});
