//! Items of the eBPF ring buffer: each `u16 length | bytes` piece of the
//! input is one item as the probe would submit it, viewed by
//! `modern_ebpf::parse_record` and, when it is an event, handed to the
//! inspector as the live engine does (no converter on this path) and
//! rendered with fields of every state class.
#![no_main]

use falco_scap::modern_ebpf::parse_record;
use falco_sinsp::{Ctx, Inspector};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (fields, fmt) = falco_rs_fuzz::state_formatter();
    let mut insp = Inspector::default();
    let mut rest = data;
    let mut n = 0;
    while let [lo, hi, tail @ ..] = rest {
        let len = usize::from(u16::from_le_bytes([*lo, *hi])).min(tail.len());
        let (item, after) = tail.split_at(len);
        rest = after;
        n += 1;
        if let Ok(ev) = parse_record(item, n) {
            insp.process(&ev);
            let c = Ctx { ev, insp: &insp };
            std::hint::black_box(fmt.format(fields, &c));
        }
    }
});
