//! State update plus extraction of 10 common fields per event (a
//! benchmark, not a test).
//!
//!   cargo bench -p falco-sinsp --bench state -- FILE.scap [RUNS]
//!
//! Replays the capture through the converter and the inspector, and for
//! every event extracts the fields below. `scripts/bench-state.sh` runs it
//! beside sysdig.

use falco_scap::{Engine, Next, SavefileEngine};
use falco_sinsp::{Ctx, FieldSource, Inspector, SyscallFields};
use std::time::{Duration, Instant};

const FIELDS: &[&str] = &[
    "evt.type",
    "proc.name",
    "proc.cmdline",
    "proc.pname",
    "user.name",
    "fd.name",
    "fd.type",
    "container.id",
    "evt.res",
    "proc.exepath",
];

fn pass(path: &str, fields: bool) -> (u64, Duration) {
    let src = SyscallFields::new();
    let resolved: Vec<_> = FIELDS
        .iter()
        .map(|f| src.resolve(f, None).expect("field"))
        .collect();
    let t = Instant::now();
    let mut e = SavefileEngine::open(path).expect("open");
    let mut insp = Inspector::new(e.take_initial_state());
    // Reused across events: emptied and re-typed to the next event's
    // lifetime (the in-place collect keeps the allocation).
    let mut spare: Vec<falco_sinsp::Value<'static>> = Vec::with_capacity(16);
    let mut n = 0u64;
    let mut found = 0u64;
    while let Next::Event(ev) = e.next().expect("read") {
        insp.process(&ev);
        n += 1;
        if fields {
            let c = Ctx { ev, insp: &insp };
            let mut vals: Vec<falco_sinsp::Value<'_>> = spare.into_iter().collect();
            for r in &resolved {
                vals.clear();
                src.extract(r, &c, &mut vals);
                found += vals.len() as u64;
            }
            vals.clear();
            spare = vals.into_iter().map(|v| v.into_owned()).collect();
        }
    }
    std::hint::black_box(found);
    (n, t.elapsed())
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(path) = args.first() else {
        eprintln!("usage: cargo bench -p falco-sinsp --bench state -- FILE.scap [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    for (what, fields) in [("state only", false), ("state + 10 fields", true)] {
        let (mut n, mut best) = (0, Duration::MAX);
        for _ in 0..runs {
            let (k, d) = pass(path, fields);
            n = k;
            best = best.min(d);
        }
        let s = best.as_secs_f64();
        println!(
            "{what:<28} {n:>9} events  {s:>7.3} s  {:>7.2} M events/s",
            n as f64 / s / 1e6
        );
    }
}
