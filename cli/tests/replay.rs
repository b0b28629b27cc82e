//! The `falco` binary replaying reference captures: alerts in text and
//! JSON, the end-of-run summary, the configuration's rule selection,
//! priority and outputs, and clean failures on bad captures.

mod common;
use common::{capture, config, default_rules, run, upstream_rules, Run};
use serde_json::Value;
use std::path::Path;

/// Replays `scap` with `rules` and the configuration `extra`.
fn replay(dir: &Path, extra: &str, rules: &Path, scap: &Path, more: &[&str]) -> Run {
    let cfg = config(dir, extra);
    let mut args = vec![
        "-c".to_string(),
        cfg,
        "-r".to_string(),
        rules.display().to_string(),
        "-o".to_string(),
        "engine.kind=replay".to_string(),
        "-o".to_string(),
        format!("engine.replay.capture_file={}", scap.display()),
    ];
    args.extend(more.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args)
}

fn alert_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.contains(": Warning ") || l.starts_with('{'))
        .collect()
}

#[test]
fn upstream_rules_alert_on_reading_shadow() {
    let (Some(rules), Some(scap)) = (upstream_rules(), capture("vm_cat_shadow.scap.gz")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let r = replay(dir.path(), "", &rules[0], &scap, &["-v"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let alerts = alert_lines(&r.stdout);
    assert_eq!(alerts.len(), 1, "{}", r.stdout);
    // Falco's text: time, priority, the rule's output with its fields.
    assert!(
        alerts[0].starts_with("13:29:57.783151830: Warning Sensitive file opened for reading by non-trusted program | file=/etc/shadow"),
        "{}",
        alerts[0]
    );
    assert!(alerts[0].contains(" process=cat "), "{}", alerts[0]);
    assert!(
        alerts[0].contains(" command=cat /etc/shadow "),
        "{}",
        alerts[0]
    );
    assert!(
        r.stdout.contains(
            "Events detected: 1\nRule counts by severity:\n   WARNING: 1\nTriggered rules by rule name:\n   Read sensitive file untrusted: 1\n"
        ),
        "{}",
        r.stdout
    );
    // -v adds the run's totals (on standard error, as Falco): every
    // event of the capture was processed.
    assert!(r.stderr.contains("Captured Events: 1508, "), "{}", r.stderr);
}

#[test]
fn json_alerts_carry_typed_output_fields() {
    let (Some(rules), Some(scap)) = (upstream_rules(), capture("vm_cat_shadow.scap.gz")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let r = replay(dir.path(), "json_output: true\n", &rules[0], &scap, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with('{'))
        .expect("a JSON alert");
    let v: Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["rule"], "Read sensitive file untrusted");
    assert_eq!(v["priority"], "Warning");
    assert_eq!(v["source"], "syscall");
    assert_eq!(v["time"], "2026-11-28T13:29:57.783151830Z");
    let f = &v["output_fields"];
    assert_eq!(f["fd.name"], "/etc/shadow");
    assert_eq!(f["proc.cmdline"], "cat /etc/shadow");
    // Numbers stay numbers, absent values are null, as in Falco.
    assert_eq!(f["user.uid"], 0);
    assert_eq!(f["user.loginuid"], -1);
    assert_eq!(f["evt.time"], 1_795_872_597_783_151_830u64);
    assert!(f["proc.aname[2]"].is_string(), "{f}");
    assert!(v["tags"].as_array().unwrap().iter().any(|t| t == "T1555"));
}

#[test]
fn our_default_rules_alert_on_reading_shadow() {
    let Some(scap) = capture("vm_cat_shadow.scap.gz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let r = replay(dir.path(), "", &default_rules(), &scap, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "Warning Sensitive file opened for reading by an untrusted program | file=/etc/shadow "
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("process=cat "), "{}", r.stdout);
    assert!(r.stdout.contains("Events detected: 1\n"), "{}", r.stdout);
}

#[test]
fn selection_and_priority_silence_the_rule() {
    let (Some(rules), Some(scap)) = (upstream_rules(), capture("vm_cat_shadow.scap.gz")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Falco's rules and ours: the same names and tags select the same rule.
    for file in [rules[0].clone(), default_rules()] {
        for extra in [
            "rules:\n  - disable:\n      rule: Read sensitive file untrusted\n",
            "rules:\n  - disable:\n      tag: T1555\n",
            "priority: error\n",
        ] {
            let r = replay(dir.path(), extra, &file, &scap, &[]);
            assert_eq!(r.code, 0, "{extra}: {}", r.stderr);
            assert!(alert_lines(&r.stdout).is_empty(), "{extra}: {}", r.stdout);
            assert!(r.stdout.contains("Events detected: 0\n"), "{}", r.stdout);
        }
        let r = replay(dir.path(), "", &file, &scap, &[]);
        assert_eq!(alert_lines(&r.stdout).len(), 1, "{}", r.stdout);
    }
    // Enabling it again after disabling everything brings it back.
    let r = replay(
        dir.path(),
        "rules:\n  - disable:\n      rule: \"*\"\n  - enable:\n      rule: Read sensitive file untrusted\n",
        &rules[0],
        &scap,
        &[],
    );
    assert_eq!(alert_lines(&r.stdout).len(), 1, "{}", r.stdout);
}

#[test]
fn file_output_and_static_fields() {
    let (Some(rules), Some(scap)) = (upstream_rules(), capture("vm_cat_shadow.scap.gz")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("alerts.json");
    let extra = format!(
        "json_output: true\nfile_output:\n  enabled: true\n  filename: {}\nstatic_fields:\n  cluster: lab\nappend_output:\n  - match:\n      source: syscall\n    extra_fields:\n      - evt.num\n",
        out.display()
    );
    let r = replay(dir.path(), &extra, &rules[0], &scap, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let v: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["output_fields"]["cluster"], "lab");
    assert!(v["output_fields"]["evt.num"].is_u64(), "{v}");
}

#[test]
fn bad_captures_fail_with_the_offset() {
    let Some(sample) = capture("libs_sample.scap") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&sample).unwrap();
    let cut = dir.path().join("cut.scap");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let r = replay(dir.path(), "", &default_rules(), &cut, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("Error: "), "{}", r.stderr);
    assert!(r.stderr.contains("at offset "), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);

    let missing = dir.path().join("missing.scap");
    let r = replay(dir.path(), "", &default_rules(), &missing, &[]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("No such file or directory"),
        "{}",
        r.stderr
    );
}

#[test]
fn unavailable_engines_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let rules = default_rules().display().to_string();
    let r = run(&["-c", &cfg, "-r", &rules, "-o", "engine.kind=nodriver"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("engine.kind 'nodriver' is not available"),
        "{}",
        r.stderr
    );
}

#[test]
fn kmod_without_the_module_loaded_is_one_clear_line() {
    // Where the module is loaded (the VM test), this is not the case.
    if Path::new("/dev/falco0").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let rules = default_rules().display().to_string();
    let r = run(&["-c", &cfg, "-r", &rules, "-o", "engine.kind=kmod"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "Error: kmod: no /dev/falco0: is the falco module loaded? (modprobe falco)\n"
    );
}

const TWO_RULES: &str = "- rule: Shadow read A\n  desc: a\n  condition: evt.type in (open, openat, openat2) and fd.name = /etc/shadow\n  output: A %proc.name\n  priority: WARNING\n- rule: Shadow read B\n  desc: b\n  condition: evt.type in (open, openat, openat2) and fd.name startswith /etc/sha\n  output: B %proc.name\n  priority: ERROR\n";

#[test]
fn rule_matching_and_appended_output() {
    let Some(scap) = capture("vm_cat_shadow.scap.gz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("two.yaml");
    std::fs::write(&rules, TWO_RULES).unwrap();
    // first: the first loaded rule that matches, only.
    let r = replay(dir.path(), "", &rules, &scap, &["-p", "pid=%proc.pid"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("13:29:57.783151830: Warning A cat pid=122\n"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains(": Error B"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("hidden by an earlier rule"),
        "{}",
        r.stdout
    );
    // -v counts what `first` hid.
    let r = replay(dir.path(), "", &rules, &scap, &["-v"]);
    assert!(
        r.stdout.contains(
            "Matches hidden by an earlier rule (rule_matching: first):\n   Shadow read B (behind Shadow read A): 1\n"
        ),
        "{}",
        r.stdout
    );
    // all: every matching rule, and the summary counts each severity.
    let r = replay(dir.path(), "rule_matching: all\n", &rules, &scap, &[]);
    assert!(r.stdout.contains(": Warning A cat\n"), "{}", r.stdout);
    assert!(r.stdout.contains(": Error B cat\n"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("Events detected: 2\nRule counts by severity:\n   ERROR: 1\n   WARNING: 1\n"),
        "{}",
        r.stdout
    );
}

/// Falco's layout: our rules first, then a rules.d directory holding a
/// user's file written against Falco's macro names (the CKS course's
/// rules). It loads without a warning, and with `rule_matching: all` the
/// user's rule alerts beside ours (with Falco's default, `first`, only the
/// first matching rule does).
#[test]
fn a_users_rules_d_file_loads_on_our_defaults_and_alerts() {
    let Some(scap) = capture("vm_cat_shadow.scap.gz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rules_d = dir.path().join("rules.d");
    std::fs::create_dir(&rules_d).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/fixtures/cks_rules.yaml"),
        rules_d.join("cks_rules.yaml"),
    )
    .unwrap();
    let extra = format!(
        "rules_files:\n  - {}\n  - {}\nrule_matching: all\nlog_stderr: true\nlog_level: warning\n",
        default_rules().display(),
        rules_d.display()
    );
    let cfg = config(dir.path(), &extra);
    let r = run(&[
        "-c",
        &cfg,
        "-o",
        "engine.kind=replay",
        "-o",
        &format!("engine.replay.capture_file={}", scap.display()),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("arning"), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Warning Sensitive file read (user=root command=cat /etc/shadow file=/etc/shadow container=host)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("   CKS sensitive file read: 1\n")
            && r.stdout.contains("   Read sensitive file untrusted: 1\n"),
        "{}",
        r.stdout
    );
}

/// `syscall_event_drops` in replay, as Falco runs it: checks on event
/// time, `simulate_drops` adding a drop at each, the alert stamped with
/// the event's time, the monitoring counts on standard error at the end of
/// every run; `exit` stops the run with 1.
#[test]
fn simulated_drops_are_checked_on_event_time_in_replay() {
    let (Some(rules), Some(scap)) = (upstream_rules(), capture("vm_bench_small.scap.gz")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let drops = "syscall_event_drops:\n  simulate_drops: true\n  max_burst: 1000\n  rate: 1000\n  actions: [log, alert]\njson_output: true\n";
    let logs = ["-o", "log_stderr=true", "-o", "log_level=info"];
    let r = replay(dir.path(), drops, &rules[0], &scap, &logs);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let drop_alerts: Vec<Value> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|a| a["rule"] == "Falco internal: syscall event drop")
        .collect();
    // One check per second of the capture's events after its first.
    assert!(drop_alerts.len() >= 2, "{}", r.stdout);
    for a in &drop_alerts {
        assert_eq!(a["priority"], "Debug");
        assert_eq!(a["output_fields"]["n_drops"], "1");
        assert_eq!(a["output_fields"]["ebpf_enabled"], "0");
    }
    let times: Vec<&str> = drop_alerts
        .iter()
        .map(|a| a["time"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_unstable();
    assert_eq!(times, sorted, "checks follow event time");
    // vm_bench_small was recorded on 2026-11-28 from 13:30:20: the first
    // check falls due just over a second after its first event.
    assert!(times[0].starts_with("2026-11-28T13:30:21."), "{times:?}");
    let n = drop_alerts.len();
    assert!(
        r.stderr.contains(&format!(
            "Syscall event drop monitoring:\n   - event drop detected: {n} occurrences\n   - num times actions taken: {n}\n"
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("Simulating syscall event drop"),
        "{}",
        r.stderr
    );
    // Without drops the counts still close the run, on standard error.
    let quiet = replay(dir.path(), "", &rules[0], &scap, &[]);
    assert!(
        quiet
            .stderr
            .contains("   - event drop detected: 0 occurrences\n"),
        "{}",
        quiet.stderr
    );
    assert!(!quiet.stdout.contains("Syscall event drop monitoring"));
    // `exit`: critical log, the run stops at the first check, exit code 1.
    let exit = "syscall_event_drops:\n  simulate_drops: true\n  actions: [exit]\n";
    let r = replay(dir.path(), exit, &rules[0], &scap, &logs);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("Falco internal: syscall event drop. 1 system calls dropped in last second.")
            && r.stderr.contains("Exiting."),
        "{}",
        r.stderr
    );
}

/// `falco_libs.thread_table_size` bounds the thread table: with room for
/// two threads the shell's ancestors are gone by the time `cat` reads
/// /etc/shadow (the alert still comes, without them).
#[test]
fn the_thread_table_size_bounds_the_state() {
    let (Some(rules), Some(scap)) = (upstream_rules(), capture("vm_cat_shadow.scap.gz")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let alert = |size: &str| {
        let r = replay(
            dir.path(),
            "",
            &rules[0],
            &scap,
            &["-o", &format!("falco_libs.thread_table_size={size}")],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let lines = alert_lines(&r.stdout);
        assert_eq!(lines.len(), 1, "{}", r.stdout);
        lines[0].to_string()
    };
    assert!(alert("262144").contains(" ggparent=timeout "));
    let small = alert("2");
    assert!(
        small.contains(" ggparent=<NA> ") && small.contains(" process=cat "),
        "{small}"
    );
}
