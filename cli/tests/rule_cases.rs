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
