//! falco.yaml text and `-o` overrides: the text up to the first NUL byte is
//! the file, each NUL-separated piece after it one `-o key=value`. Loading
//! (no includes: `Config::from_text_alone`) reports errors, never panics;
//! a configuration that loads is also validated and rendered.
#![no_main]

use falco::config::Config;
use falco::outputs::format::FormatOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The YAML reader's caught panics are not crashes.
    falco_rs_fuzz::abort_on_panic_outside_yaml_parser();
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let yaml = parts.next().unwrap_or_default();
    let options: Vec<String> = parts.map(str::to_owned).collect();
    if let Ok(config) = Config::from_text_alone(yaml, &options) {
        std::hint::black_box(config.validation_report());
        std::hint::black_box(config.tree.to_json());
        std::hint::black_box(FormatOptions::from_config(&config.outputs));
    }
});
