//! The event loop shared by the CLI, the tests and the benchmarks: events
//! from an engine go through the inspector (state) and then the rules.

use crate::compiler::{CompiledRuleset, ScratchPool};
use falco_scap::{Engine, Next, ScapError};
use falco_sinsp::{Ctx, Inspector, SyscallFields};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Whether events of `code` may come to [`drive`] in outline
/// ([`Next::Touch`]): no enabled rule can match them and the state has no
/// parser of their own, so their thread and fd are all that matters.
pub fn outline_suffices(rules: &CompiledRuleset<SyscallFields>, code: u16) -> bool {
    !rules.has_rules_for(code) && !Inspector::has_parser(code)
}

/// The PPM_SC codes of the syscalls state tracking needs and of every
/// syscall whose event some enabled rule can match: what a live driver
/// captures (before falco.yaml's `base_syscalls` adjust it).
pub fn needed_syscalls(rules: &CompiledRuleset<SyscallFields>) -> BTreeSet<u16> {
    use falco_abi::syscalls::{PPM_SC, X86_64_SYSCALLS};
    let codes = rules.event_codes();
    let by_name = |name: &str| PPM_SC.iter().find(|s| s.name == name).map(|s| s.code);
    let mut out: BTreeSet<u16> = falco_sinsp::STATE_SYSCALLS
        .iter()
        .filter_map(|n| by_name(n))
        .collect();
    let generic = codes.contains(falco_abi::EventCode::GENERIC_X as u16)
        || codes.contains(falco_abi::EventCode::GENERIC_E as u16);
    for sc in X86_64_SYSCALLS {
        let specific =
            sc.exit_event != 0 && (codes.contains(sc.exit_event) || codes.contains(sc.enter_event));
        if specific || (sc.exit_event == 0 && generic) {
            out.insert(sc.ppm_sc);
        }
    }
    out
}

/// What a run saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DriveStats {
    pub events: u64,
    pub matches: u64,
}

/// What a run does with what it sees, besides updating state and
/// matching rules.
pub trait Hooks<E: Engine + ?Sized> {
    /// A rule (by index) matched the event.
    fn on_match(&mut self, rule: usize, c: &Ctx<'_>);

    /// With `rule_matching: first` and `count_shadowed`: rule `hidden`
    /// also matched the event that rule `first` alerted on.
    fn on_shadowed(&mut self, _first: usize, _hidden: usize) {}

    /// After every event, once its matches were reported.
    fn on_event(&mut self, _c: &Ctx<'_>) {}

    /// After every event delivered in outline (no rule can match it),
    /// with its timestamp.
    fn on_touch(&mut self, _ts: u64) {}

    /// Whether the hooks want [`Hooks::on_due`] before the next event
    /// (asked after every event: keep it a field read).
    fn due(&self) -> bool {
        false
    }

    /// Called between events when [`Hooks::due`] said so, with the engine
    /// (its counters) free to use; returning false stops the run. The
    /// drop monitor checks here, driven by event time as Falco's is.
    fn on_due(&mut self, _engine: &E, _insp: &Inspector) -> bool {
        true
    }

    /// About once a second of wall time (also while no events come);
    /// returning false stops the run. Live runs watch drop counters here.
    fn on_tick(&mut self, _engine: &E, _insp: &Inspector) -> bool {
        true
    }
}

/// Hooks that only report matches.
struct OnMatch<F>(F);

impl<E: Engine + ?Sized, F: FnMut(usize, &Ctx<'_>)> Hooks<E> for OnMatch<F> {
    fn on_match(&mut self, rule: usize, c: &Ctx<'_>) {
        (self.0)(rule, c)
    }
}

/// Runs `engine` to its end (or until `stop` is set), calling `on_match`
/// with the index of each matching rule and the event's context.
pub fn drive<E: Engine + ?Sized>(
    engine: &mut E,
    insp: &mut Inspector,
    rules: &CompiledRuleset<SyscallFields>,
    stop: &AtomicBool,
    on_match: impl FnMut(usize, &Ctx<'_>),
) -> Result<DriveStats, ScapError> {
    drive_with(engine, insp, rules, stop, &mut OnMatch(on_match))
}

/// Events between two looks at the clock for `on_tick`.
const TICK_CHECK_EVERY: u64 = 1024;

/// Whether a second has passed since the last tick, looking at the clock
/// only every `TICK_CHECK_EVERY` calls.
fn tick_elapsed(last: &mut Instant, since_check: &mut u64) -> bool {
    if *since_check < TICK_CHECK_EVERY {
        return false;
    }
    *since_check = 0;
    if last.elapsed() < Duration::from_secs(1) {
        return false;
    }
    *last = Instant::now();
    true
}

/// Like [`drive`], with every hook of [`Hooks`].
pub fn drive_with<E: Engine + ?Sized>(
    engine: &mut E,
    insp: &mut Inspector,
    rules: &CompiledRuleset<SyscallFields>,
    stop: &AtomicBool,
    hooks: &mut impl Hooks<E>,
) -> Result<DriveStats, ScapError> {
    let mut stats = DriveStats::default();
    let (mut pool, mut out) = (ScratchPool::default(), Vec::new());
    let mut last_tick = Instant::now();
    let (mut since_check, mut tick_due) = (0u64, false);
    while !stop.load(Ordering::Relaxed) {
        // Ticks run here, where no event borrows the engine.
        if tick_due && !hooks.on_tick(engine, insp) {
            break;
        }
        if hooks.due() && !hooks.on_due(engine, insp) {
            break;
        }
        let ev = match engine.next()? {
            Next::Event(ev) => ev,
            // No rule looks at it: only the state takes note.
            Next::Touch(t) => {
                since_check += 1;
                tick_due = tick_elapsed(&mut last_tick, &mut since_check);
                stats.events += 1;
                insp.touch(&t);
                hooks.on_touch(t.ts);
                continue;
            }
            Next::Timeout => {
                since_check = TICK_CHECK_EVERY;
                tick_due = tick_elapsed(&mut last_tick, &mut since_check);
                continue;
            }
            Next::Eof => break,
        };
        since_check += 1;
        tick_due = tick_elapsed(&mut last_tick, &mut since_check);
        stats.events += 1;
        insp.process(&ev);
        let c = Ctx { ev, insp };
        out.clear();
        // Most events (reads, writes) have no rule: no scratch to set up.
        if rules.has_rules_for(ev.evt_type) {
            let mut sc = pool.take();
            rules.matching(ev.evt_type, &c, &mut sc, &mut out);
            pool.put(sc);
        }
        let (alerting, hidden) = rules.split_alerting(&out);
        for &i in alerting {
            stats.matches += 1;
            hooks.on_match(i, &c);
        }
        if let Some(&first) = alerting.first() {
            for &h in hidden {
                hooks.on_shadowed(first, h);
            }
        }
        hooks.on_event(&c);
    }
    Ok(stats)
}
