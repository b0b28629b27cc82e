//! The event loop shared by the CLI, the tests and the benchmarks: events
//! from an engine go through the inspector (state) and then the rules.

use crate::compiler::{CompiledRuleset, ScratchPool};
use falco_scap::{Engine, Next, ScapError};
use falco_sinsp::{Ctx, Inspector, SyscallFields};
use std::sync::atomic::{AtomicBool, Ordering};

/// What a run saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DriveStats {
    pub events: u64,
    pub matches: u64,
}

/// Runs `engine` to its end (or until `stop` is set), calling `on_match`
/// with the index of each matching rule and the event's context.
pub fn drive<E: Engine + ?Sized>(
    engine: &mut E,
    insp: &mut Inspector,
    rules: &CompiledRuleset<SyscallFields>,
    stop: &AtomicBool,
    mut on_match: impl FnMut(usize, &Ctx<'_>),
) -> Result<DriveStats, ScapError> {
    let mut stats = DriveStats::default();
    let (mut pool, mut out) = (ScratchPool::default(), Vec::new());
    while !stop.load(Ordering::Relaxed) {
        let ev = match engine.next()? {
            Next::Event(ev) => ev,
            Next::Timeout => continue,
            Next::Eof => break,
        };
        stats.events += 1;
        insp.process(&ev);
        let c = Ctx { ev, insp };
        let mut sc = pool.take();
        rules.matching(ev.evt_type, &c, &mut sc, &mut out);
        pool.put(sc);
        for &i in &out {
            stats.matches += 1;
            on_match(i, &c);
        }
    }
    Ok(stats)
}
