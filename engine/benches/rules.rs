//! Rule evaluation cost per event with the three upstream rules files
//! loaded, against the same replay with no rules (a benchmark, not a
//! test).
//!
//!   cargo bench -p falco-engine --bench rules -- FILE.scap RULES_DIR [RUNS]

// The tests' helpers: the upstream rules compiled as the tests use them.
#[path = "../tests/common/mod.rs"]
mod common;

use falco_engine::compiler::{CompiledRuleset, ScratchPool};
use falco_scap::{Engine, Next, SavefileEngine};
use falco_sinsp::{Ctx, Inspector, SyscallFields};
use std::time::{Duration, Instant};

fn pass(path: &str, rules: Option<&CompiledRuleset<SyscallFields>>) -> (u64, u64, Duration) {
    let t = Instant::now();
    let mut e = SavefileEngine::open(path).expect("open");
    let mut insp = Inspector::new(e.take_initial_state());
    let mut pool = ScratchPool::default();
    let mut out = Vec::new();
    let (mut n, mut hits) = (0u64, 0u64);
    while let Next::Event(ev) = e.next().expect("read") {
        insp.process(&ev);
        n += 1;
        if let Some(r) = rules {
            let c = Ctx { ev, insp: &insp };
            let mut sc = pool.take();
            r.matching(ev.evt_type, &c, &mut sc, &mut out);
            pool.put(sc);
            hits += out.len() as u64;
        }
    }
    (n, hits, t.elapsed())
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (Some(path), Some(dir)) = (args.first(), args.get(1)) else {
        eprintln!("usage: cargo bench -p falco-engine --bench rules -- FILE.scap RULES_DIR [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let set = common::upstream_rules(std::path::Path::new(dir));
    for (what, rules) in [("no rules", None), ("93 upstream rules", Some(&set))] {
        let (mut n, mut hits, mut best) = (0, 0, Duration::MAX);
        for _ in 0..runs {
            let (k, h, d) = pass(path, rules);
            (n, hits) = (k, h);
            best = best.min(d);
        }
        let s = best.as_secs_f64();
        println!(
            "{what:<28} {n:>9} events  {s:>7.3} s  {:>7.2} M events/s  ({hits} rule matches)",
            n as f64 / s / 1e6
        );
    }
}
