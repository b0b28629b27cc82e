//! `falco test` case files: read and checked, every synthetic case's
//! world and events built and replayed through the inspector (rules and
//! captures are not loaded). A malformed case is reported, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The YAML reader's caught panics are not crashes.
    falco_rs_fuzz::abort_on_panic_outside_yaml_parser();
    falco::ruletest::fuzz_case_file(data);
});
