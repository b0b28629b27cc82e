//! The `falco` binary end to end: flags, exit codes, configuration
//! errors, -V / -L / -l on the upstream rules, the informational flags.

use serde_json::Value;

mod common;
use common::{config, run, upstream_rules};

const RULES: &str = "- macro: spawned\n  condition: evt.type = execve\n- rule: Shell spawned\n  desc: a shell ran\n  condition: spawned and proc.name = bash\n  output: shell (user=%user.name)\n  priority: WARNING\n  tags: [shell]\n";

#[test]
fn help_exits_zero_and_bad_flags_exit_one() {
    let help = run(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help
        .stdout
        .contains("Falco - Cloud Native Runtime Security"));
    let bad = run(&["--no-such-flag"]);
    assert_eq!(bad.code, 1);
    assert_eq!(
        bad.stderr.trim(),
        "Runtime error: unexpected argument '--no-such-flag' found. Exiting."
    );
    let missing = run(&["-c", "/nonexistent/falco.yaml", "--version"]);
    assert_eq!(missing.code, 1);
    assert_eq!(
        missing.stderr.trim(),
        "Runtime error: Could not find configuration file at /nonexistent/falco.yaml. Exiting."
    );
    let conflict = run(&["-t", "a", "-T", "b", "--version"]);
    assert_eq!(conflict.code, 1);
    assert!(conflict
        .stderr
        .contains("You can not specify both disabled (-D/-T) and enabled (-t) rules"));
}

#[test]
fn config_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "engine:\n  kind: warp_drive\n");
    let r = run(&["-c", &cfg, "--version"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim(),
        format!("Error: {cfg}:6:9: engine.kind 'warp_drive' is not a valid kind (kmod, modern_ebpf, replay, nodriver).")
    );
    let cfg = config(dir.path(), "json_output: [oops\n");
    let r = run(&["-c", &cfg, "--version"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with(&format!("Error: {cfg}:")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("YAML syntax error"), "{}", r.stderr);
    let cfg = config(dir.path(), "");
    let r = run(&["-c", &cfg, "-o", "priority=loudest", "--version"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("command line option '-o priority=loudest': Unknown priority"),
        "{}",
        r.stderr
    );
    let r = run(&["-c", &cfg, "-o", "novalue", "--version"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Error parsing config option \"novalue\""),
        "{}",
        r.stderr
    );
}

#[test]
fn unknown_keys_warn_and_continue() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("falco.yaml");
    std::fs::write(
        &cfg,
        "log_stderr: true\nlog_syslog: false\nsyscall_buf_size_preset: 4\n",
    )
    .unwrap();
    let r = run(&["-c", &cfg.display().to_string(), "--version"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.contains("schema validation: failed for"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(":3:1: unknown key 'syscall_buf_size_preset'"),
        "{}",
        r.stderr
    );
}

#[test]
fn version_and_support_follow_json_output() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let text = run(&["-c", &cfg, "--version"]);
    assert_eq!(text.code, 0);
    assert!(
        text.stdout.starts_with("Falco version: "),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("\nEngine:        0.57.0\n"));
    let json = run(&["-c", &cfg, "-o", "json_output=true", "--version"]);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["engine_version_semver"], "0.57.0");
    let rules = dir.path().join("r.yaml");
    std::fs::write(&rules, RULES).unwrap();
    let support = run(&["-c", &cfg, "-r", &rules.display().to_string(), "--support"]);
    assert_eq!(support.code, 0, "{}", support.stderr);
    let v: Value = serde_json::from_str(&support.stdout).unwrap();
    assert_eq!(v["rules_files"][0]["variants"][0]["content"], RULES);
    // The rules digest: SHA-256 of the files' contents in load order.
    let expected = falco::rules::rules_digest(&[rules.display().to_string()]).unwrap();
    assert_eq!(v["rules_digest"], expected.as_str());
    assert_eq!(expected.len(), "sha256:".len() + 64);
    assert!(v["system_info"]["sysname"].is_string());
    assert!(v["cmdline"].as_str().unwrap().contains("--support"));
}

#[test]
fn deprecated_flags_warn_and_apply() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let rules = dir.path().join("r.yaml");
    std::fs::write(&rules, RULES).unwrap();
    // -e becomes engine.kind=replay: the capture file setting must then be
    // present, so the run reaches the (not yet wired) event loop.
    let r = run(&[
        "-c",
        &cfg,
        "-r",
        &rules.display().to_string(),
        "-e",
        "/tmp/none.scap",
    ]);
    assert!(
        r.stderr.contains("the -e option is deprecated"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("-o engine.kind=replay -o engine.replay.capture_file=/tmp/none.scap"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("Error: /tmp/none.scap: No such file or directory"),
        "{}",
        r.stderr
    );
    assert_eq!(r.code, 1);
    let r = run(&[
        "-c",
        &cfg,
        "-r",
        &rules.display().to_string(),
        "-T",
        "shell",
        "-L",
    ]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.contains("the -T option is deprecated"),
        "{}",
        r.stderr
    );
}

#[test]
fn dry_run_checks_everything_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let rules = dir.path().join("r.yaml");
    std::fs::write(&rules, RULES).unwrap();
    let r = run(&["-c", &cfg, "-r", &rules.display().to_string(), "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        "-c",
        &cfg,
        "-r",
        &rules.display().to_string(),
        "--disable-source",
        "syscall",
        "--dry-run",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Must enable at least one event source"));
    let r = run(&["-c", &cfg, "--dry-run"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("You must specify at least one rules file"),
        "{}",
        r.stderr
    );
    // Rules are compiled too: a type error fails the dry run.
    let bad = dir.path().join("types.yaml");
    std::fs::write(
        &bad,
        "- rule: r\n  desc: d\n  condition: evt.type = open and proc.pid = abc\n  output: o\n  priority: INFO\n",
    )
    .unwrap();
    let r = run(&["-c", &cfg, "-r", &bad.display().to_string(), "--dry-run"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("'abc' is not a number"), "{}", r.stderr);
}

#[test]
fn validate_the_upstream_rules() {
    let Some(files) = upstream_rules() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let mut args: Vec<String> = vec![
        "-c".into(),
        cfg.clone(),
        "-o".into(),
        "json_output=true".into(),
    ];
    for f in &files {
        args.push("-V".into());
        args.push(f.display().to_string());
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&argv);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let results = v["falco_load_results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for result in results {
        assert_eq!(result["successful"], true, "{result}");
        assert_eq!(result["errors"].as_array().unwrap().len(), 0, "{result}");
    }
    // Falco's own codes: no warning at all. Ours (the load-time lint)
    // find the one dead rule of the sandbox file: its condition wants
    // container.id and its macro allowed_containers, as shipped, says
    // "no container.id".
    let ours: Vec<&Value> = results
        .iter()
        .flat_map(|r| r["warnings"].as_array().unwrap())
        .collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(ours[0]["code"], "LOAD_NEVER_MATCHES", "{}", ours[0]);
    assert_eq!(
        ours[0]["context"]["locations"][1]["item_name"], "Launch Disallowed Container",
        "{}",
        ours[0]
    );
    // Text form: one line per file, the sandbox file with its warning.
    let argv: Vec<&str> = argv
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2 && *i != 3)
        .map(|(_, a)| *a)
        .collect();
    let r = run(&argv);
    assert_eq!(r.code, 0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].ends_with("/falco_rules.yaml: Ok"), "{}", r.stdout);
    assert!(
        lines[1].ends_with("/falco-incubating_rules.yaml: Ok"),
        "{}",
        r.stdout
    );
    assert!(
        lines[2].ends_with("/falco-sandbox_rules.yaml: Ok, with warnings"),
        "{}",
        r.stdout
    );
}

#[test]
fn validate_reports_errors_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "- rule: r\n  desc: d\n  condition: evt.type = \n  output: o\n  priority: INFO\n",
    )
    .unwrap();
    let bad = bad.display().to_string();
    let r = run(&["-c", &cfg, "-V", &bad]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.starts_with(&format!("{bad}: Invalid")),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.starts_with(&format!("Error: {bad}: Invalid")),
        "{}",
        r.stderr
    );
    let r = run(&["-c", &cfg, "-o", "json_output=true", "-V", &bad]);
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["falco_load_results"][0]["successful"], false);
    assert!(!v["falco_load_results"][0]["errors"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn validate_reports_what_only_the_compiler_sees() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let bad = dir.path().join("types.yaml");
    std::fs::write(
        &bad,
        "- rule: r\n  desc: d\n  condition: evt.type = open and proc.pid = abc\n  output: o\n  priority: INFO\n",
    )
    .unwrap();
    let bad = bad.display().to_string();
    let r = run(&["-c", &cfg, "-o", "json_output=true", "-V", &bad]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let file = &v["falco_load_results"][0];
    assert_eq!(file["successful"], false);
    let error = &file["errors"][0];
    assert_eq!(error["code"], "LOAD_ERR_COMPILE_CONDITION");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("'abc' is not a number"),
        "{error}"
    );
    // The position is the rule's condition.
    let locations = error["context"]["locations"].as_array().unwrap();
    assert_eq!(locations.last().unwrap()["item_type"], "rule condition");
}

#[test]
fn list_the_upstream_rules() {
    let Some(files) = upstream_rules() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let mut args: Vec<String> = vec!["-c".into(), cfg];
    for f in &files {
        args.push("-r".into());
        args.push(f.display().to_string());
    }
    let mut text_args: Vec<&str> = args.iter().map(String::as_str).collect();
    text_args.push("-L");
    let r = run(&text_args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], format!("{:<50} Description", "Rule"));
    let names = lines[2..]
        .iter()
        .filter(|l| !l.is_empty() && !l.starts_with(' '))
        .count();
    assert_eq!(names, 93);

    let mut json_args = text_args.clone();
    json_args.extend(["--format", "json"]);
    let r = run(&json_args);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["rules"].as_array().unwrap().len(), 93);
    assert_eq!(v["required_engine_version"], "0.57.0");
    assert!(v["macros"].as_array().unwrap().len() > 100);

    let mut one: Vec<&str> = args.iter().map(String::as_str).collect();
    one.extend(["-l", "Terminal shell in container"]);
    let r = run(&one);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .lines()
            .nth(2)
            .unwrap()
            .starts_with("Terminal shell in container "),
        "{}",
        r.stdout
    );
    let mut missing: Vec<&str> = args.iter().map(String::as_str).collect();
    missing.extend(["-l", "No such rule"]);
    let r = run(&missing);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim(),
        "Error: Rule \"No such rule\" is not loaded"
    );
}

/// Exceptions appended to an upstream rule (a local rules file).
const LOCAL_EXCEPTIONS: &str = "- rule: Terminal shell in container\n  exceptions:\n    - name: known_shells\n      \
fields: [proc.name, container.image.repository]\n      comps: [=, startswith]\n      values:\n        - [bash, docker.io/library/]\n    \
- name: parents\n      fields: proc.pname\n      values: [sshd]\n  override:\n    exceptions: append\n";

#[test]
fn list_json_has_events_and_exceptions() {
    let Some(files) = upstream_rules() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let local = dir.path().join("local.yaml");
    std::fs::write(&local, LOCAL_EXCEPTIONS).unwrap();
    let mut args: Vec<String> = vec!["-c".into(), cfg, "-o".into(), "json_output=true".into()];
    for f in files.iter().chain([&local]) {
        args.push("-r".into());
        args.push(f.display().to_string());
    }
    args.push("-L".into());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&argv);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let rule = |name: &str| {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["info"]["name"] == name)
            .unwrap_or_else(|| panic!("no rule {name}"))
            .clone()
    };
    // spawned_process: evt.type in (execve, execveat); Falco adds asyncevent.
    let shell = rule("Terminal shell in container");
    assert_eq!(
        shell["details"]["events"],
        serde_json::json!(["asyncevent", "execve", "execveat"])
    );
    assert_eq!(
        shell["details"]["exception_names"],
        serde_json::json!(["known_shells", "parents"])
    );
    // `=` and `startswith` as written, `in` implied by a single field.
    assert_eq!(
        shell["details"]["exception_operators"],
        serde_json::json!(["=", "in", "startswith"])
    );
    assert_eq!(
        shell["details"]["exception_fields"],
        serde_json::json!(["container.image.repository", "proc.name", "proc.pname"])
    );
    // open_read: evt.type in (open, openat, openat2).
    let read = rule("Read sensitive file untrusted");
    assert_eq!(
        read["details"]["events"],
        serde_json::json!(["asyncevent", "open", "openat", "openat2"])
    );
    assert_eq!(read["details"]["exception_names"], serde_json::json!([]));
    assert_eq!(
        read["details"]["exception_operators"],
        serde_json::json!([])
    );
    // Macros have their events too.
    let open_read = v["macros"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["info"]["name"] == "open_read")
        .unwrap();
    assert_eq!(
        open_read["details"]["events"],
        serde_json::json!(["asyncevent", "open", "openat", "openat2"])
    );
    // -l RULE too.
    let mut one: Vec<&str> = argv[..argv.len() - 1].to_vec();
    one.extend(["-l", "Terminal shell in container"]);
    let r = run(&one);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["rules"][0]["details"], shell["details"]);
}

#[test]
fn rules_files_are_checked_against_the_rules_schema() {
    let Some(files) = upstream_rules() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let ours = common::default_rules().display().to_string();
    // A key the loader ignores but the schema does not know: a warning,
    // and the file still loads.
    let odd = dir.path().join("odd.yaml");
    std::fs::write(
        &odd,
        "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n  prioritty: INFO\n",
    )
    .unwrap();
    let odd = odd.display().to_string();
    let mut args: Vec<String> = vec![
        "-c".into(),
        cfg.clone(),
        "-o".into(),
        "log_stderr=true".into(),
        "-o".into(),
        "log_level=info".into(),
    ];
    let all: Vec<String> = files
        .iter()
        .map(|f| f.display().to_string())
        .chain([ours.clone(), odd.clone()])
        .collect();
    for f in &all {
        args.push("-V".into());
        args.push(f.clone());
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&argv);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for f in &all[..4] {
        assert!(
            r.stderr
                .contains(&format!("   {f} | schema validation: ok\n")),
            "{f}: {}",
            r.stderr
        );
    }
    assert!(
        r.stderr.contains(&format!(
            "   {odd} | schema validation: failed for {odd}:6:3: rule 'R': prioritty: unknown key 'prioritty'"
        )),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains(&format!("{odd}: Ok")), "{}", r.stdout);
    // The same when loading rules for a run (here a dry run).
    let r = run(&[
        "-c",
        &cfg,
        "-o",
        "log_stderr=true",
        "-o",
        "log_level=info",
        "-r",
        &ours,
        "-r",
        &odd,
        "--dry-run",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("   {ours} | schema validation: ok\n")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!(
            "   {odd} | schema validation: failed for {odd}:6:3:"
        )),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("schema validation: none"),
        "{}",
        r.stderr
    );
}

#[test]
fn informational_flags() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let schema: Value = serde_json::from_str(&run(&["--config-schema"]).stdout).unwrap();
    assert!(schema["properties"]["http_output"].is_object());
    let schema: Value = serde_json::from_str(&run(&["--rule-schema"]).stdout).unwrap();
    assert!(schema["definitions"]["Rule"].is_object());
    let list = run(&["-c", &cfg, "--list"]);
    assert_eq!(list.code, 0);
    assert!(list.stdout.contains("Field Class:                  proc"));
    let list = run(&["-c", &cfg, "--list=syscall", "--format", "json"]);
    let v: Value = serde_json::from_str(&list.stdout).unwrap();
    assert!(v.as_array().unwrap().iter().any(|c| c["name"] == "fd"));
    let bad = run(&["-c", &cfg, "--list=k8s_audit"]);
    assert_eq!(bad.code, 1);
    assert_eq!(
        bad.stderr.trim(),
        "Error: Value for --list must be a valid source type"
    );
    let events = run(&["--list-events", "--markdown"]);
    assert_eq!(events.code, 0);
    assert!(events.stdout.contains("Default | Dir | Name | Params"));
    assert!(run(&["-i"]).stdout.contains("- read\n"));
}

/// `--doctor` on this host: its verdict and exit code follow what the host
/// offers (BTF and root give modern eBPF; no falco module, so no kmod), and
/// rules that fail to load are their own exit code.
#[test]
fn doctor_names_the_engine_that_runs_here_with_distinct_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path(), "");
    let rules = common::default_rules();
    let rules = rules.to_str().unwrap();
    let ebpf_runs = std::path::Path::new("/sys/kernel/btf/vmlinux").exists()
        && nix::unistd::geteuid().is_root();
    let kmod_runs = std::path::Path::new("/sys/module/falco").exists();
    let doctor = |rules: &str, kind: &str| {
        let kind = format!("engine.kind={kind}");
        common::run(&["-c", &config, "-r", rules, "--doctor", "-o", &kind])
    };

    let r = doctor(rules, "modern_ebpf");
    assert!(
        r.stdout.contains("rules:\n  [ok] 36 rules loaded"),
        "{}",
        r.stdout
    );
    let expected = match (ebpf_runs, kmod_runs) {
        (true, _) => 0,
        (false, true) => 11,
        (false, false) => 12,
    };
    assert_eq!(r.code, expected, "{}", r.stdout);
    if ebpf_runs {
        assert!(r.stdout.contains("modern_ebpf: can run"), "{}", r.stdout);
        assert!(
            r.stdout
                .contains("[ok] probe: verified and attached by this kernel"),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("engine.kind modern_ebpf will run here"),
            "{}",
            r.stdout
        );

        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, "- rule: broken\n  condition: evt.type = \n").unwrap();
        let r = doctor(bad.to_str().unwrap(), "modern_ebpf");
        assert_eq!(r.code, 10, "{}", r.stdout);
        assert!(r.stdout.contains("rules:\n  [no] "), "{}", r.stdout);
    }
    if !kmod_runs {
        let r = doctor(rules, "kmod");
        assert!(r.stdout.contains("kmod: cannot run"), "{}", r.stdout);
        assert_eq!(r.code, if ebpf_runs { 11 } else { 12 }, "{}", r.stdout);
    }
}
