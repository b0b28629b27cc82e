//! Any bytes as a rules file: the loader reports errors, never panics.
//!
//! libfuzzer-sys aborts from its panic hook, before unwinding; the loader
//! deliberately catches panics of its YAML parser (libyaml-safer has a few
//! on malformed input), so the hook is replaced by a silent one: a panic
//! that escapes the loader still unwinds into libfuzzer-sys, which aborts.
#![no_main]

use libfuzzer_sys::fuzz_target;

static QUIET: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    falco_engine::loader::fuzz_load(data);
});
