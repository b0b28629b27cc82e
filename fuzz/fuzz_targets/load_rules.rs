//! Any bytes as a rules file: the loader reports errors, never panics.
//!
//! libfuzzer-sys aborts from its panic hook, before unwinding; the loader
//! deliberately catches panics of its YAML parser (libyaml-safer has a few
//! on malformed input), so those (and only those) are let through to it:
//! see `abort_on_panic_outside_yaml_parser`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    falco_rs_fuzz::abort_on_panic_outside_yaml_parser();
    falco_engine::loader::fuzz_load(data);
});
