//! Decode-only throughput of the savefile engine (a benchmark, not a test).
//!
//!   cargo bench -p falco-scap --bench decode -- FILE.scap [RUNS]
//!
//! Prints, for the best of RUNS passes over an uncompressed capture:
//! raw decode (blocks + event headers + parameter lengths), decode with
//! conversion to the current schema, and conversion plus typed decoding of
//! every parameter. `scripts/bench-decode.sh` runs it beside sysdig.

use falco_scap::{Engine, Next, SavefileEngine, SavefileReader};
use std::time::{Duration, Instant};

fn best<F: FnMut() -> u64>(runs: usize, mut f: F) -> (u64, Duration) {
    let mut best = Duration::MAX;
    let mut n = 0;
    for _ in 0..runs {
        let t = Instant::now();
        n = f();
        best = best.min(t.elapsed());
    }
    (n, best)
}

fn report(what: &str, (n, d): (u64, Duration)) {
    let secs = d.as_secs_f64();
    println!(
        "{what:<28} {n:>9} events  {secs:>7.3} s  {:>7.2} M events/s",
        n as f64 / secs / 1e6
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(path) = args.first() else {
        eprintln!("usage: cargo bench -p falco-scap --bench decode -- FILE.scap [RUNS]");
        std::process::exit(2);
    };
    let runs = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);

    report(
        "decode (no conversion)",
        best(runs, || {
            let mut r = SavefileReader::open(path).expect("open");
            let mut n = 0;
            while r.advance().expect("read") {
                n += 1;
            }
            n
        }),
    );
    report(
        "decode + convert",
        best(runs, || {
            let mut e = SavefileEngine::open(path).expect("open");
            let mut n = 0;
            while let Next::Event(_) = e.next().expect("read") {
                n += 1;
            }
            n
        }),
    );
    report(
        "decode + convert + params",
        best(runs, || {
            let mut e = SavefileEngine::open(path).expect("open");
            let mut n = 0;
            while let Next::Event(ev) = e.next().expect("read") {
                n += ev.params().filter(|p| p.value().is_some()).count().min(1) as u64;
            }
            n
        }),
    );
}
