use super::case::{CaseFile, Events, Expect, Form, Range};
use super::junit::{self, CaseResult, FileResults};
use super::runner::{run_case, Outcome, Rules};
use std::path::PathBuf;
use std::time::Duration;

const RULES: &str = r#"
- macro: spawned_process
  condition: evt.type in (execve, execveat) and evt.dir = <
- rule: Shell in container
  desc: a shell in a container
  condition: spawned_process and container.id != host and proc.name in (sh, bash)
  output: shell %proc.name in %container.name (parent %proc.pname)
  priority: WARNING
- rule: Shadow read
  desc: reads of /etc/shadow
  condition: evt.type = openat and evt.dir = < and fd.name = /etc/shadow
  output: shadow read by %proc.name
  priority: ERROR
- rule: SSH out
  desc: outbound ssh
  condition: evt.type = connect and evt.dir = < and fd.rport = 22
  output: ssh to %fd.rip by %proc.name
  priority: NOTICE
- rule: Disabled
  desc: never on
  condition: evt.type = openat
  output: x
  priority: INFO
  enabled: false
"#;

const WORLD: &str = r#"
world:
  containers:
    - {id: 3ad7b26ded6d, name: web, image: "nginx:1.25"}
  users:
    - {uid: 0, name: root, home: /root}
  processes:
    - {pid: 400, name: runc}
    - {pid: 500, ppid: 400, name: nginx, container: 3ad7b26ded6d}
"#;

/// A case file made of `rules_text: RULES`, `WORLD` and `cases`, in a
/// temporary directory (kept alive by the returned guard).
fn case_file(cases: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.yaml");
    let rules = RULES.replace('\n', "\n  ");
    std::fs::write(
        &path,
        format!("rules_text: |{rules}\n{WORLD}\ncases:\n{cases}"),
    )
    .unwrap();
    (dir, path)
}

fn outcomes(cases: &str) -> Vec<(String, Outcome)> {
    let (_dir, path) = case_file(cases);
    let file = CaseFile::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let rules = Rules::load(&file).unwrap();
    file.cases
        .iter()
        .map(|c| (c.name.clone(), run_case(&file, &rules, c)))
        .collect()
}

/// The lines of a case file before its cases.
fn header_lines() -> usize {
    let (_dir, path) = case_file("");
    std::fs::read_to_string(path).unwrap().lines().count()
}

/// The error loading a case file with `cases`, its line counted from the
/// first line of `cases`.
fn load_error(cases: &str) -> String {
    let (_dir, path) = case_file(cases);
    let e = CaseFile::load(&path).expect_err("the case file is bad");
    relative(&e.to_string(), &path)
}

/// `PATH:LINE:` made `cases.yaml:LINE-IN-CASES:`.
fn relative(message: &str, path: &std::path::Path) -> String {
    let prefix = format!("{}:", path.display());
    let Some(at) = message.find(&prefix) else {
        return message.to_string();
    };
    let rest = &message[at + prefix.len()..];
    let (line, tail) = rest.split_once(':').unwrap();
    let line: usize = line.parse().unwrap();
    format!(
        "{}cases.yaml:{}:{tail}",
        &message[..at],
        line - header_lines()
    )
}

#[test]
fn a_spawn_in_a_container_raises_the_rule_with_its_fields() {
    let got = outcomes(
        r#"
  - name: shell
    events:
      - spawn: {pid: 600, ppid: 500, name: sh, exe: /bin/sh, args: [-c, id], container: 3ad7b26ded6d}
    expect:
      - rule: Shell in container
        count: 1
        output_fields: {container.name: web, proc.pname: nginx, proc.cmdline: sh -c id, container.image.repository: nginx}
  - name: on the host
    rule: Shell in container
    events:
      - spawn: {pid: 600, ppid: 1, name: sh}
    expect: none
"#,
    );
    assert_eq!(got[0].1, Outcome::Pass, "{got:?}");
    assert_eq!(got[1].1, Outcome::Pass, "{got:?}");
}

#[test]
fn the_diff_names_missing_unexpected_and_wrong_alerts() {
    let got = outcomes(
        r#"
  - name: wrong field and count
    events:
      - spawn: {pid: 600, ppid: 500, name: bash, container: 3ad7b26ded6d}
      - spawn: {pid: 601, ppid: 500, name: bash, container: 3ad7b26ded6d}
    expect:
      - rule: Shell in container
        count: 1
        output_fields: {proc.name: sh, fd.name: ~}
  - name: missing and unexpected
    events:
      - open: {pid: 500, path: /etc/shadow}
    expect:
      - rule: SSH out
"#,
    );
    let Outcome::Fail(diff) = &got[0].1 else {
        panic!("{got:?}")
    };
    assert!(
        diff.contains(&"- rule 'Shell in container': expected 1 alert(s), got 2".to_string()),
        "{diff:?}"
    );
    assert!(
        diff.iter().any(|l| l.starts_with(
            "~ rule 'Shell in container' (evt.num 2): proc.name: expected 'sh', got 'bash'"
        )),
        "{diff:?}"
    );
    // fd.name has no value on an execve: `~` matches.
    assert!(!diff.iter().any(|l| l.contains("fd.name")), "{diff:?}");
    let Outcome::Fail(diff) = &got[1].1 else {
        panic!("{got:?}")
    };
    assert_eq!(
        diff,
        &vec![
            "- rule 'SSH out': expected alerts, got none".to_string(),
            // The world's container record is event 1.
            "+ rule 'Shadow read': 1 unexpected alert(s) (evt.num 2)".to_string(),
        ]
    );
}

#[test]
fn ignored_rules_are_not_judged_and_disabled_rules_raise_nothing() {
    let got = outcomes(
        r#"
  - name: ignored
    events:
      - open: {pid: 500, path: /etc/shadow}
    expect: none
    ignore: [Shadow read]
"#,
    );
    assert_eq!(got[0].1, Outcome::Pass, "{got:?}");
}

#[test]
fn generic_events_take_typed_parameters() {
    let got = outcomes(
        r#"
  - name: connect by parameters
    events:
      - event: socket
        tid: 400
        params: {fd: 3, domain: AF_INET, type: 1, proto: 0, flags: 0}
      - event: connect
        tid: 400
        params: {res: -EINPROGRESS, fd: 3, tuple: "10.0.0.5:51000->198.51.100.7:22"}
    expect:
      - rule: SSH out
        output_fields: {fd.rip: 198.51.100.7, evt.res: EINPROGRESS}
  - name: openat by parameters
    events:
      - event: openat
        tid: 500
        params: {fd: 4, dirfd: AT_FDCWD, name: /etc/shadow, flags: O_RDONLY|O_CLOEXEC, mode: 0600}
    expect:
      - rule: Shadow read
        output_fields: {evt.arg.flags: O_RDONLY|O_CLOEXEC, fd.num: 4, evt.arg.mode: "0600"}
  - name: connect sugar
    events:
      - connect: {pid: 400, from: "[2001:db8::5]:40000", to: "[2001:db8::1]:22"}
    expect:
      - rule: SSH out
        output_fields: {fd.rip: "2001:db8::1"}
"#,
    );
    for (name, outcome) in &got {
        assert_eq!(outcome, &Outcome::Pass, "{name}: {got:?}");
    }
}

#[test]
fn bad_parameters_and_events_are_errors_with_their_place() {
    let got = outcomes(
        r#"
  - name: unknown flag
    events:
      - open: {pid: 500, path: /x, flags: O_RDONLY|O_NOPE}
    expect: none
  - name: unknown parameter
    events:
      - event: openat
        tid: 500
        params: {nope: 1}
    expect: none
  - name: unknown event
    events:
      - {event: frobnicate, tid: 500}
    expect: none
  - name: unknown container
    events:
      - spawn: {pid: 600, name: sh, container: ffffffffffff}
    expect: none
  - name: unknown field
    events:
      - open: {pid: 500, path: /etc/shadow}
    expect:
      - rule: Shadow read
        output_fields: {proc.nope: x}
"#,
    );
    let errors: Vec<String> = got
        .iter()
        .map(|(_, o)| match o {
            Outcome::Error(e) => e.rsplit("cases.yaml:").next().unwrap().to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(errors[0].contains("unknown flag 'O_NOPE'"), "{errors:?}");
    assert!(
        errors[1].contains("openat has no parameter 'nope' (it has: fd, dirfd"),
        "{errors:?}"
    );
    assert!(
        errors[2].contains("no event 'frobnicate' with direction '<'"),
        "{errors:?}"
    );
    assert!(
        errors[3].contains("container 'ffffffffffff' is not in the world's containers"),
        "{errors:?}"
    );
    assert!(errors[4].contains("output field 'proc.nope'"), "{errors:?}");
    // Each error names the line it is about.
    let Outcome::Error(first) = &got[0].1 else {
        unreachable!()
    };
    let line = first.split(':').nth(1).unwrap().parse::<usize>().unwrap() - header_lines();
    assert_eq!(line, 4, "{first}");
}

#[test]
fn malformed_case_files_name_file_line_and_column() {
    assert_eq!(
        load_error("  - name: x\n    events: []\n    expect: none\n"),
        "cases.yaml:2:13: 'events' is empty"
    );
    assert_eq!(
        load_error("  - name: x\n    evnts: []\n"),
        "cases.yaml:2:5: unknown key 'evnts' in a case (expected one of: name, description, rule, world, events, capture, range, expect, ignore)"
    );
    assert_eq!(
        load_error("  - name: x\n    events: [{open: {pid: 1, path: /x}}]\n"),
        "cases.yaml:1:5: case 'x' needs 'expect' (a list of alerts, or none)"
    );
    assert_eq!(
        load_error("  - name: x\n    events: [{open: {pid: 1, path: /x}, spawn: {pid: 2, name: a}}]\n    expect: none\n"),
        "cases.yaml:2:14: an event has exactly one of 'event', 'spawn', 'open', 'connect'"
    );
    assert_eq!(
        load_error(
            "  - name: x\n    capture: a.scap\n    range: {evt_num: 9-3}\n    expect: none\n"
        ),
        "cases.yaml:3:22: the range ends before it starts"
    );
    assert_eq!(
        load_error(
            "  - name: x\n    events: [{open: {pid: 1, path: /x}, at: 3 days}]\n    expect: none\n"
        ),
        "cases.yaml:2:45: at: unknown unit in '3 days' (ns, us, ms, s, m, h)"
    );
    assert!(load_error("  - name: x\n  - name: [\n").contains("YAML syntax error"));
}

#[test]
fn capture_cases_decode_their_range() {
    let (_dir, path) = case_file(
        "  - name: c\n    capture: x.scap.gz\n    range: {time: 2s-5s}\n    expect: [{rule: Shadow read, count: 2}]\n",
    );
    let file = CaseFile::load(&path).unwrap();
    let Events::Capture { path: p, range } = &file.cases[0].events else {
        panic!()
    };
    assert_eq!(p, &path.parent().unwrap().join("x.scap.gz"));
    assert_eq!(*range, Some(Range::Time(2_000_000_000, 5_000_000_000)));
    let Expect::Alerts(e) = &file.cases[0].expect else {
        panic!()
    };
    assert_eq!((e[0].rule.as_str(), e[0].count), ("Shadow read", Some(2)));
}

#[test]
fn a_capture_case_judges_only_alerts_in_its_range() {
    let capture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference/scap/vm_cat_shadow.scap.gz");
    if !capture.exists() {
        eprintln!("skipped: {} not found", capture.display());
        return;
    }
    let cases = format!(
        "  - name: whole\n    capture: {c}\n    expect: [{{rule: Shadow read, output_fields: {{proc.name: cat}}}}]\n    ignore: [SSH out]\n  - name: before\n    capture: {c}\n    range: {{evt_num: 1-2}}\n    expect: none\n",
        c = capture.display()
    );
    let got = outcomes(&cases);
    assert_eq!(got[0].1, Outcome::Pass, "{got:?}");
    assert_eq!(got[1].1, Outcome::Pass, "{got:?}");
}

#[test]
fn events_are_timed_from_the_start_or_by_at() {
    let (_dir, path) = case_file(
        "  - name: t\n    events:\n      - {open: {pid: 500, path: /a}}\n      - {open: {pid: 500, path: /b}}\n      - {open: {pid: 500, path: /c}, at: 30s}\n    expect: none\n",
    );
    let file = CaseFile::load(&path).unwrap();
    let Events::Synthetic(specs) = &file.cases[0].events else {
        panic!()
    };
    assert!(matches!(specs[0].form, Form::Open));
    let w = super::world::merged(&file.world, &file.cases[0].world);
    let built = super::events::build(&w, specs).unwrap();
    let ts: Vec<u64> = built
        .iter()
        .map(|b| falco_scap::builder::view(&b.build()).ts)
        .collect();
    let start = super::events::START_NS;
    assert_eq!(ts, vec![start, start + 1_000_000, start + 30_000_000_000]);
}

#[test]
fn junit_reports_failures_errors_and_escapes_text() {
    let files = vec![FileResults {
        file: "a<b>.yaml".into(),
        cases: vec![
            CaseResult {
                name: "ok".into(),
                outcome: Outcome::Pass,
                time: Duration::from_millis(5),
            },
            CaseResult {
                name: "bad \"one\"".into(),
                outcome: Outcome::Fail(vec!["- rule 'R & S': expected alerts, got none".into()]),
                time: Duration::ZERO,
            },
            CaseResult {
                name: "broken".into(),
                outcome: Outcome::Error("x.yaml:3:1: nope".into()),
                time: Duration::ZERO,
            },
        ],
        error: None,
    }];
    let xml = junit::report(&files);
    assert!(
        xml.contains("<testsuite name=\"a&lt;b&gt;.yaml\" tests=\"3\" failures=\"1\" errors=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"ok\" classname=\"a&lt;b&gt;.yaml\" time=\"0.005\"/>"),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"bad &quot;one&quot;\""),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<failure message=\"- rule &apos;R &amp; S&apos;: expected alerts, got none\">"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<error message=\"the case could not run\">x.yaml:3:1: nope</error>"),
        "{xml}"
    );
}

#[test]
fn coverage_names_rules_without_a_raising_case_or_a_near_miss() {
    let (_dir, path) = case_file(
        r#"
  - name: shell
    events:
      - spawn: {pid: 600, ppid: 500, name: sh, container: 3ad7b26ded6d}
    expect: [{rule: Shell in container}]
  - name: shadow near miss
    rule: Shadow read
    events:
      - open: {pid: 500, path: /etc/passwd}
    expect: none
"#,
    );
    let file = CaseFile::load(&path).unwrap();
    let rules = Rules::load(&file).unwrap();
    let mut cov = super::Coverage::default();
    cov.add_rules(rules.enabled_rules());
    for case in &file.cases {
        cov.add_case(case);
    }
    // Shell has no near miss, Shadow read no raising case, SSH out
    // neither; the disabled rule is not asked for.
    assert_eq!(
        cov.gaps(),
        vec![
            "  rule 'SSH out': 0 case(s) raising it, 0 near miss(es)".to_string(),
            "  rule 'Shadow read': 0 case(s) raising it, 1 near miss(es)".to_string(),
            "  rule 'Shell in container': 1 case(s) raising it, 0 near miss(es)".to_string(),
        ]
    );
}
