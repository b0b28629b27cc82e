//! Any byte string, viewed as one event in both header layouts and fed to
//! the converter: decoding must never panic.
#![no_main]

use falco_scap::converter::Converter;
use falco_scap::{Event, HeaderLayout};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut conv = Converter::new();
    for layout in [HeaderLayout::V2, HeaderLayout::V1] {
        if let Ok(ev) = Event::parse(data, layout) {
            for p in ev.params() {
                let _ = p.value();
            }
            let _ = conv.process(&ev);
            if let Some(out) = conv.event() {
                for p in out.params() {
                    let _ = p.value();
                }
            }
        }
    }
});
