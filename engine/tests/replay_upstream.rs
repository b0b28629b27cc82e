//! End to end below the CLI: a real capture replayed through falco-scap
//! and falco-sinsp meets the upstream rules compiled by falco-engine.

mod common;

use common::{reference, upstream_rules};
use falco_engine::drive::drive;
use falco_scap::{Engine, SavefileEngine};
use falco_sinsp::format::Formatter;
use falco_sinsp::{Inspector, SyscallFields};
use std::sync::atomic::AtomicBool;

/// (rule name, rendered output) of every alert of `capture` with the three
/// upstream rules files.
fn alerts(capture: &str) -> Option<Vec<(String, String)>> {
    let d = reference()?;
    let set = upstream_rules(&d.join("rules"));
    let fields = SyscallFields::new();
    let formats: Vec<Formatter> = set
        .rules
        .iter()
        .map(|r| Formatter::new(&fields, &r.output).unwrap_or_else(|e| panic!("{}: {e}", r.name)))
        .collect();
    let mut e = SavefileEngine::open(d.join("scap").join(capture)).unwrap();
    let mut insp = Inspector::new(e.take_initial_state());
    let mut alerts = Vec::new();
    drive(&mut e, &mut insp, &set, &AtomicBool::new(false), |i, c| {
        alerts.push((set.rules[i].name.clone(), formats[i].format(&fields, c)))
    })
    .unwrap();
    Some(alerts)
}

#[test]
fn cat_etc_shadow_in_a_vm_raises_read_sensitive_file_untrusted() {
    let Some(a) = alerts("vm_cat_shadow.scap.gz") else {
        return;
    };
    let hit = a
        .iter()
        .find(|(r, _)| r == "Read sensitive file untrusted")
        .unwrap_or_else(|| panic!("no alert; got {a:#?}"));
    assert!(hit.1.contains("file=/etc/shadow"), "{}", hit.1);
    assert!(
        hit.1.contains("proc_exepath=") && hit.1.contains("command=cat /etc/shadow"),
        "{}",
        hit.1
    );
}

#[test]
fn a_container_event_carries_its_container_metadata_to_rules() {
    let Some(d) = reference() else { return };
    let rules = "- rule: privileged container seen\n  desc: d\n  condition: evt.type = container and container.privileged = true and container.image.repository = nginx\n  output: privileged %container.id %container.name image=%container.image\n  priority: WARNING\n";
    let set = common::compile(&[("r.yaml", rules)]);
    let fields = SyscallFields::new();
    let f = Formatter::new(&fields, &set.rules[0].output).unwrap();
    let mut e =
        SavefileEngine::open(d.join("scap/falco_test_trace_files_psp_privileged.scap")).unwrap();
    let mut insp = Inspector::new(e.take_initial_state());
    let mut hits = Vec::new();
    drive(&mut e, &mut insp, &set, &AtomicBool::new(false), |_, c| {
        hits.push(f.format(&fields, c))
    })
    .unwrap();
    assert_eq!(
        hits,
        ["privileged 9dbcbd0c435f epic_cray image=nginx:latest"]
    );
}

/// The compiler evaluates `evt.type` checks on event codes (names with
/// events of their own). That is exact only if every such event renders
/// `evt.type` as its table name: checked on every event of every capture.
#[test]
fn evt_type_is_the_table_name_of_every_event() {
    use falco_sinsp::field::FieldSource;
    let Some(d) = reference() else {
        return;
    };
    let fields = SyscallFields::new();
    let evt_type = fields.resolve("evt.type", None).unwrap();
    let mut checked = 0u64;
    for entry in std::fs::read_dir(d.join("scap")).unwrap() {
        let path = entry.unwrap().path();
        let mut e = SavefileEngine::open(&path).unwrap();
        let mut insp = Inspector::new(e.take_initial_state());
        loop {
            let ev = match e.next().unwrap() {
                falco_scap::Next::Event(ev) => ev,
                falco_scap::Next::Touch(_) => unreachable!("no outlines asked for"),
                falco_scap::Next::Timeout => continue,
                falco_scap::Next::Eof => break,
            };
            insp.process(&ev);
            let code = ev.evt_type;
            if code == falco_abi::EventCode::GENERIC_E as u16
                || code == falco_abi::EventCode::GENERIC_X as u16
            {
                continue;
            }
            let c = falco_sinsp::Ctx { ev, insp: &insp };
            let mut out = Vec::new();
            fields.extract(&evt_type, &c, &mut out);
            let name = falco_abi::EVENTS[code as usize].name;
            assert_eq!(
                out.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
                [name],
                "{}: event code {code}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 100_000, "{checked}");
}
