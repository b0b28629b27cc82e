//! Any text as a Falco condition: parse, print, parse again; never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(ast) = falco_engine::parse_condition(s) {
            let printed = falco_engine::print_condition(&ast);
            let again = falco_engine::parse_condition(&printed).expect("printed condition parses");
            assert_eq!(again.without_positions(), ast.without_positions());
        }
    }
});
