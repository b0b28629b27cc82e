//! Events delivered in outline (`SavefileEngine::set_light` with
//! `outline_suffices`) change nothing a run can see: on every reference
//! capture, the same alerts at the same event numbers, the same final
//! thread and fd tables, and the same counts as the whole replay.

mod common;

use common::{reference, reference_captures, upstream_rules};
use falco_engine::compiler::CompiledRuleset;
use falco_engine::drive::{drive, outline_suffices};
use falco_scap::{Engine, Next, SavefileEngine};
use falco_sinsp::format::Formatter;
use falco_sinsp::{Inspector, SyscallFields};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// An engine that counts the outlines it passes on.
struct Counting(SavefileEngine, u64);

impl Engine for Counting {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn is_live(&self) -> bool {
        self.0.is_live()
    }
    fn take_initial_state(&mut self) -> falco_scap::state::InitialState {
        self.0.take_initial_state()
    }
    fn next(&mut self) -> falco_scap::Result<Next<'_>> {
        let n = self.0.next()?;
        self.1 += matches!(n, Next::Touch(_)) as u64;
        Ok(n)
    }
    fn stats(&self) -> falco_scap::EngineStats {
        self.0.stats()
    }
}

/// Everything a run leaves visible: alerts (rule, evt.num, output), the
/// events counted, the state's anomalies and its final tables; and how
/// many events came in outline.
fn run(
    capture: &Path,
    set: &CompiledRuleset<SyscallFields>,
    outline: bool,
) -> (Vec<String>, u64, String, u64) {
    let fields = SyscallFields::new();
    let formats: Vec<Formatter> = set
        .rules
        .iter()
        .map(|r| Formatter::new(&fields, &r.output).unwrap())
        .collect();
    let mut e = Counting(SavefileEngine::open(capture).unwrap(), 0);
    if outline {
        e.0.set_light(|code| outline_suffices(set, code));
    }
    let mut insp = Inspector::new(e.take_initial_state());
    let mut alerts = Vec::new();
    let stats = drive(&mut e, &mut insp, set, &AtomicBool::new(false), |i, c| {
        alerts.push(format!(
            "{} #{}: {}",
            set.rules[i].name,
            c.insp.scope().num,
            formats[i].format(&fields, c)
        ))
    })
    .unwrap();
    insp.flush_removals();
    let mut threads: Vec<String> = insp.threads.iter().map(|t| format!("{t:?}")).collect();
    threads.sort();
    let state = format!("{:?}\n{}", insp.anomalies, threads.join("\n"));
    (alerts, stats.events, state, e.1)
}

#[test]
fn outlined_events_change_no_alert_and_no_state() {
    let Some(d) = reference() else {
        return;
    };
    let set = upstream_rules(&d.join("rules"));
    let captures = reference_captures(&d);
    let (mut events, mut outlined) = (0, 0);
    for c in &captures {
        let whole = run(c, &set, false);
        let outline = run(c, &set, true);
        let name = c.file_name().unwrap().to_string_lossy();
        assert_eq!(whole.3, 0, "{name}: outlines not asked for");
        assert_eq!(whole.0, outline.0, "{name}: alerts");
        assert_eq!(whole.1, outline.1, "{name}: events counted");
        if whole.2 != outline.2 {
            let diff = whole.2.lines().zip(outline.2.lines()).find(|(a, b)| a != b);
            panic!("{name}: final state differs, first at {diff:#?}");
        }
        events += whole.1;
        outlined += outline.3;
    }
    // Most events of these captures (reads, writes, ...) come in outline.
    assert!(
        outlined * 2 > events,
        "{outlined} of {events} events in outline"
    );
}
