//! Explanations on real state and fields: the tree of a rule's condition
//! with each part named by the macro or exception it came from, each
//! leaf's value, the part that failed, and how close a miss came.

mod common;

use common::world::{exec, world};
use falco_engine::compiler::explain::{Explainer, Origin, Trace};
use falco_engine::loader::{EventSource, RulesLoader, Ruleset};
use falco_scap::builder::{EventBuilder, TestEngine};
use falco_scap::{Engine, Next};
use falco_sinsp::{Ctx, Inspector, SyscallFields};

const RULES: &str = r#"
- macro: spawned_process
  condition: evt.type = execve and evt.dir = <
- macro: shell_procs
  condition: proc.name in (bash, sh)
- macro: shell_spawned
  condition: spawned_process and shell_procs
- rule: Shell
  desc: a shell
  condition: shell_spawned and not proc.pname = sshd
  exceptions:
    - name: by_cron
      fields: [proc.pname]
      values: [[cron]]
    - name: unused
      fields: [proc.name]
  output: shell %proc.name
  priority: WARNING
"#;

fn ruleset() -> Ruleset {
    let loaded = RulesLoader::with_sources(vec![EventSource::with_fields(
        "syscall",
        SyscallFields::new(),
    )])
    .load(&[("rules.yaml", RULES)]);
    loaded.ruleset.expect("the rules load")
}

/// The trace of the rule on the last of `events`, in the test world (with
/// a cron daemon, pid 450).
fn last_trace(events: &[EventBuilder]) -> Trace {
    let rs = ruleset();
    let src = SyscallFields::new();
    let ex = Explainer::new(rs.rule("Shell").unwrap(), &rs, &src).unwrap();
    let mut w = world();
    let mut cron = common::world::thread(450, 1, "cron", 0, false);
    cron.pid = 450;
    w.threads.insert(450, cron);
    let mut e = TestEngine::new(w);
    for ev in events {
        e.push(ev);
    }
    let mut insp = Inspector::new(e.take_initial_state());
    let mut last = None;
    while let Next::Event(ev) = e.next().unwrap() {
        insp.process(&ev);
        last = Some(ex.explain(&src, &Ctx { ev, insp: &insp }));
    }
    last.unwrap()
}

#[test]
fn a_match_shows_every_part_named_with_its_values() {
    let t = last_trace(&[exec(600, 400, "bash", &[], 0, true)]);
    assert!(t.result);
    let text = t.render();
    // The condition in parentheses, then one `and not` per exception.
    for line in [
        "true and\n  true and\n",
        "    true [macro shell_spawned] and\n",
        "      true [macro spawned_process] and\n",
        "        true evt.type = execve  <- \"execve\"\n",
        "      true [macro shell_procs] proc.name in (bash, sh)  <- \"bash\"\n",
        "    true not\n      false proc.pname = sshd  <- \"runc\"\n",
        "  true [exception by_cron] not\n    false proc.pname = cron  <- \"runc\"\n",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
    // An exception without values adds no clause.
    assert!(!text.contains("unused"), "{text}");
    assert_eq!(t.failure(), None);
    assert_eq!(t.closeness(), 1.0);
    let json = t.to_json();
    let cond = &json["children"][0];
    assert_eq!(cond["children"][0]["macro"], "shell_spawned");
    assert_eq!(cond["children"][0]["children"][1]["values"][0], "bash");
    assert_eq!(json["children"][1]["exception"], "by_cron");
}

#[test]
fn a_miss_names_the_failing_part_and_how_close_it_came() {
    // nginx is no shell: the macro's leaf fails, with its value.
    let t = last_trace(&[exec(600, 300, "nginx", &[], 33, false)]);
    assert!(!t.result);
    assert_eq!(
        t.failure().unwrap(),
        "[macro shell_procs] proc.name in (bash, sh)  <- \"nginx\""
    );
    // Half of the shell macro held, the negation and the exception held:
    // ((1/2 + 1) / 2 + 1) / 2.
    assert!((t.closeness() - 0.875).abs() < 1e-9, "{}", t.closeness());
    // A shell under cron: the exception is what stops it.
    let t = last_trace(&[exec(600, 450, "sh", &[], 0, false)]);
    assert_eq!(
        t.failure().unwrap(),
        "[exception by_cron] not proc.pname = cron  <- \"cron\""
    );
    let path: Vec<Option<&Origin>> = t.failure_path().iter().map(|p| p.origin.as_ref()).collect();
    assert_eq!(path, vec![None, Some(&Origin::Exception("by_cron".into()))]);
    assert!(t.children[0].result, "the condition itself held");
    // A shell under sshd: the rule's own negation.
    let t = last_trace(&[exec(600, 100, "bash", &[], 1000, false)]);
    assert_eq!(t.failure().unwrap(), "not proc.pname = sshd  <- \"sshd\"");
}
