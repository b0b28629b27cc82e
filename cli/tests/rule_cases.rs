//! Our default ruleset's YAML cases (rules/tests/) through the real
//! `falco test`: every case passes and every enabled rule has a case that
//! raises it and a near miss. Then the exit code and JUnit report of a
//! failing case file.

use std::path::PathBuf;
use std::process::Command;

fn falco() -> Command {
    Command::new(env!("CARGO_BIN_EXE_falco"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_default_rules_cases_pass_with_full_coverage() {
    let out = falco()
        .args(["test", "--coverage"])
        .arg(repo().join("rules/tests"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(" failed, 0 errors") && stdout.contains(" 0 failed"),
        "{stdout}"
    );
    assert!(stdout.contains("coverage: each of the "), "{stdout}");
}

#[test]
fn a_failing_case_exits_1_with_a_diff_and_a_junit_report() {
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("c.yaml");
    let rules = repo().join("rules/falco_rules.yaml");
    std::fs::write(
        &cases,
        format!(
            "rules: [{}]\nworld:\n  processes: [{{pid: 300, name: nginx, uid: 33}}]\ncases:\n  - name: shadow is quiet\n    events: [{{open: {{pid: 300, path: /etc/shadow}}}}]\n    expect: none\n",
            rules.display()
        ),
    )
    .unwrap();
    let junit = dir.path().join("report.xml");
    let out = falco()
        .arg("test")
        .arg(&cases)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  shadow is quiet"), "{stdout}");
    assert!(
        stdout.contains("+ rule 'Read sensitive file untrusted': 1 unexpected alert(s)"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"1\""), "{xml}");
    // A case file that does not parse is an error with its place, exit 1.
    std::fs::write(&cases, "cases: [{name: x, events: 3}]\n").unwrap();
    let out = falco().arg("test").arg(&cases).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("c.yaml:1:"), "{stdout}");
}

/// `falco explain` on the reference capture of `cat /etc/shadow`: the
/// matched event, the closest misses, one event's tree; and `--explain` on
/// a replay puts the trace under the alert.
#[test]
fn explain_says_why_a_rule_matched_or_not() {
    let capture = repo().join("../shared/reference/scap/vm_cat_shadow.scap.gz");
    if !capture.exists() {
        eprintln!("skipped: {} not found", capture.display());
        return;
    }
    let rules = repo().join("rules/falco_rules.yaml");
    let explain = |more: &[&str]| {
        let out = falco()
            .args(["explain", "--rule", "Read sensitive file untrusted", "-e"])
            .arg(&capture)
            .arg("-r")
            .arg(&rules)
            .args(more)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    let all = explain(&[]);
    assert!(all.contains("it matched 1 (evt.num 1070)"), "{all}");
    assert!(
        all.contains("fails at [macro sensitive_files] fd.directory in (/etc/pam.d, /etc/sudoers.d)  <- \"/lib/x86_64-linux-gnu\""),
        "{all}"
    );
    let hit = explain(&["--event", "1070"]);
    assert!(
        hit.starts_with(
            "Rule 'Read sensitive file untrusted' matched event 1070 (openat < proc.name=cat)"
        ),
        "{hit}"
    );
    assert!(hit.contains("true [macro open_read] and"), "{hit}");
    let miss = explain(&["--event", "112"]);
    assert!(miss.contains("did not match event 112"), "{miss}");
    assert!(
        miss.contains("First failing part: [macro sensitive_files] fd.directory in"),
        "{miss}"
    );
    // An event past the end, an unknown rule: exit 1 with a message.
    let out = falco()
        .args(["explain", "--rule", "Nope", "-e"])
        .arg(&capture)
        .arg("-r")
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rule named 'Nope'"));

    // `--explain` on a replay, text and JSON.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("falco.yaml");
    std::fs::write(
        &config,
        format!(
            "rules_files: [{}]\nstdout_output: {{enabled: true}}\nengine: {{kind: replay, replay: {{capture_file: {}}}}}\n",
            rules.display(),
            capture.display()
        ),
    )
    .unwrap();
    let run = |more: &[&str]| {
        let out = falco()
            .arg("-c")
            .arg(&config)
            .arg("--explain")
            .args(more)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = run(&[]);
    assert!(
        text.contains("Sensitive file opened for reading by an untrusted program")
            && text.contains("\n    true and\n      true [macro open_read] and\n"),
        "{text}"
    );
    let json = run(&["-o", "json_output=true"]);
    let alert: serde_json::Value = serde_json::from_str(
        json.lines()
            .find(|l| l.starts_with('{'))
            .expect("a JSON alert"),
    )
    .unwrap();
    assert_eq!(alert["explain"]["result"], true);
    assert_eq!(alert["explain"]["children"][0]["macro"], "open_read");
}
