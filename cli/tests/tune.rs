//! `falco tune` end to end: captures built here (a container's health
//! check every second, an attacker's shell from the web server), the
//! binary run on them, and its proposal checked by replaying the capture
//! with `falco` itself and the proposal appended to the rules.

mod common;

use common::{config, default_rules, run, Run};
use falco_abi::EventCode as C;
use falco_scap::builder::events::execve_exit;
use falco_scap::builder::{view, EventBuilder};
use falco_scap::state::{InitialState, ThreadInfo, UserInfo};
use falco_scap::SavefileWriter;
use std::path::{Path, PathBuf};

const CONTAINER: &str = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e";
const RULE: &str = "Shell in container";

/// A CKS-style user rule: our default rules raise nothing on a health
/// check's `sh -c` under runc (no tty, no server parent), so this is
/// the rule such a health check makes noisy.
const USER_RULES: &str = "
- rule: Shell in container
  desc: A shell started in a container.
  condition: spawned_process and container and proc.name in (shell_binaries)
  output: Shell in container (user=%user.name process=%proc.name parent=%proc.pname command=%proc.cmdline container=%container.id image=%container.image.repository)
  priority: WARNING
  tags: [container, shell]
";

fn cgroups(container: bool) -> Vec<u8> {
    if container {
        format!("cpu=/docker/{CONTAINER}\0").into_bytes()
    } else {
        b"cpu=/\0".to_vec()
    }
}

fn thread(tid: u64, ptid: u64, comm: &str, uid: u32, container: bool) -> ThreadInfo {
    ThreadInfo {
        tid,
        pid: tid,
        ptid,
        comm: comm.into(),
        exe: comm.into(),
        exepath: format!("/usr/bin/{comm}"),
        cwd: "/".into(),
        uid,
        gid: uid,
        loginuid: uid,
        clone_ts: 1,
        cgroups: cgroups(container),
        ..Default::default()
    }
}

/// Host: systemd(1) > containerd-shim(90) > runc(400). Container: the
/// web server nginx(300, www-data) under the shim.
fn state() -> InitialState {
    let mut st = InitialState::default();
    for t in [
        thread(1, 0, "systemd", 0, false),
        thread(90, 1, "containerd-shim", 0, false),
        thread(400, 90, "runc", 0, false),
        thread(300, 90, "nginx", 33, true),
    ] {
        st.threads.insert(t.tid, t);
    }
    for (uid, name) in [(0, "root"), (33, "www-data")] {
        st.users.push(UserInfo {
            uid,
            gid: uid,
            name: name.into(),
            homedir: "/".into(),
            shell: "/bin/sh".into(),
        });
    }
    st
}

/// The execve exit of `tid` (child of `ptid`) in the container.
fn exec(tid: i64, ptid: i64, comm: &str, args: &[&str], uid: u32) -> EventBuilder {
    execve_exit(tid, ptid, comm, args)
        .set("cwd", "/")
        .set("cgroups", cgroups(true))
        .set("loginuid", uid)
        .set("uid", uid)
        .set("cap_inheritable", 0)
        .set("cap_permitted", 0)
        .set("cap_effective", 0)
        .set("exe_ino", 0)
        .set("exe_ino_ctime", 0)
        .set("exe_ino_mtime", 0)
}

/// The container's metadata, as the container plugin records it.
fn container_json() -> EventBuilder {
    let json = format!(
        r#"{{"container":{{"id":"{}","name":"web","image":"registry.example/web:1.4","imagerepo":"registry.example/web","imagetag":"1.4","type":0,"privileged":false}}}}"#,
        &CONTAINER[..12]
    );
    EventBuilder::new(C::CONTAINER_JSON_2_E).set("json", json)
}

/// A capture of `events` (one a second) in a temporary file; also the
/// event number of each (1-based, as `evt.num`).
fn write_capture(dir: &Path, name: &str, events: &[EventBuilder]) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    let mut w = SavefileWriter::new(std::io::BufWriter::new(file), &state()).unwrap();
    for (i, ev) in events.iter().enumerate() {
        let ts = 1_700_000_000_000_000_000 + i as u64 * 1_000_000_000;
        w.write_event(&view(&ev.clone().ts(ts).build())).unwrap();
    }
    w.finish().unwrap();
    path
}

/// One health check: runc starts `sh -c 'CMD'`, which runs the command.
fn health_check(tid: i64, cmd: &[&str]) -> Vec<EventBuilder> {
    let line = cmd.join(" ");
    vec![
        exec(tid, 400, "sh", &["-c", &line], 0),
        exec(tid, 400, cmd[0], &cmd[1..], 0),
    ]
}

/// The attacker: nginx runs an interactive shell.
fn attacker(tid: i64) -> EventBuilder {
    exec(tid, 300, "sh", &["-i"], 33)
}

/// The events of the acceptance capture and the attacker's event number:
/// 30 health checks, then the attack.
fn noisy_events() -> (Vec<EventBuilder>, u64) {
    let mut events = vec![container_json()];
    for i in 0..30 {
        events.extend(health_check(1000 + i, &["curl", "localhost/health"]));
    }
    events.push(attacker(2000));
    let n = events.len() as u64;
    (events, n)
}

struct Setup {
    dir: tempfile::TempDir,
    config: String,
    user_rules: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    // Every rule that matches an event alerts: the attacker's shell raises
    // both our default rule and the user's.
    let config = config(dir.path(), "rule_matching: all\njson_output: true\n");
    let user_rules = dir.path().join("user_rules.yaml");
    std::fs::write(&user_rules, USER_RULES).unwrap();
    Setup {
        dir,
        config,
        user_rules,
    }
}

impl Setup {
    fn tune(&self, capture: &Path, more: &[&str]) -> Run {
        let mut args = vec![
            "tune".to_string(),
            "-c".into(),
            self.config.clone(),
            "-e".into(),
            capture.display().to_string(),
            "--rules".into(),
            default_rules().display().to_string(),
            self.user_rules.display().to_string(),
        ];
        args.extend(more.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args)
    }

    /// `falco` itself replaying `capture` with `extra` rules files: the
    /// (rule, command line) of every alert.
    fn falco_alerts(&self, capture: &Path, extra: &[&Path]) -> Vec<(String, String)> {
        let mut args = vec![
            "-c".to_string(),
            self.config.clone(),
            "-r".into(),
            default_rules().display().to_string(),
            "-r".into(),
            self.user_rules.display().to_string(),
        ];
        for e in extra {
            args.extend(["-r".to_string(), e.display().to_string()]);
        }
        args.extend([
            "-o".into(),
            "engine.kind=replay".into(),
            "-o".into(),
            format!("engine.replay.capture_file={}", capture.display()),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| {
                let rule = v["rule"].as_str()?.to_owned();
                let cmd = v["output_fields"]["proc.cmdline"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                Some((rule, cmd))
            })
            .collect()
    }
}

/// The rules items (`- rule:` lines) of a proposal.
fn items(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("- rule:"))
        .collect()
}

#[test]
fn one_exception_removes_every_health_check_and_keeps_the_attacker() {
    let s = setup();
    let (events, attack_num) = noisy_events();
    let capture = write_capture(s.dir.path(), "noisy.scap", &events);
    let before = s.falco_alerts(&capture, &[]);
    let health = |a: &&(String, String)| a.0 == RULE && a.1 == "sh -c curl localhost/health";
    assert_eq!(before.iter().filter(health).count(), 30, "{before:?}");
    // Which of our default rules fire: the attacker's shell below nginx
    // raises "Run shell untrusted"; the health checks raise none of them.
    let defaults: Vec<&str> = before
        .iter()
        .filter(|a| a.0 != RULE)
        .map(|a| a.0.as_str())
        .collect();
    assert_eq!(defaults, ["Run shell untrusted"], "{before:?}");

    let out = s.tune(&capture, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        items(&out.stdout),
        [format!("- rule: {RULE}")],
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("removes 30 of its 31 alerts (96.8%)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("verified: replaying"), "{}", out.stdout);
    assert!(
        out.stdout.contains("override:\n    exceptions: append"),
        "{}",
        out.stdout
    );

    // The proposal, appended to the rules, silences the health checks and
    // nothing else.
    let proposal = s.dir.path().join("falco_rules.local.yaml");
    std::fs::write(&proposal, &out.stdout).unwrap();
    let after = s.falco_alerts(&capture, &[&proposal]);
    assert_eq!(after.iter().filter(health).count(), 0, "{after:?}");
    assert_eq!(after.len(), before.len() - 30, "{after:?}");
    assert!(
        after.iter().any(|a| a.0 == RULE && a.1 == "sh -i"),
        "the attacker's alert is gone: {after:?}"
    );

    // Keeping the attacker's alert changes nothing; keeping a capture of
    // the attack alone neither.
    let attack = write_capture(
        s.dir.path(),
        "attack.scap",
        &[container_json(), attacker(3000)],
    );
    let keep = format!("{RULE}:{attack_num}");
    let kept = s.tune(
        &capture,
        &["--keep", &keep, "--keep-capture", attack.to_str().unwrap()],
    );
    assert_eq!(kept.code, 0, "{}", kept.stderr);
    assert_eq!(items(&kept.stdout).len(), 1, "{}", kept.stdout);
    assert!(
        kept.stdout.contains("all 2 alerts of the kept capture"),
        "{}",
        kept.stdout
    );
}

#[test]
fn a_kept_alert_narrows_the_proposal_or_drops_it() {
    let s = setup();
    // Two health checks, and an operator's `kubectl exec` (runc starts a
    // bare `sh`): on proc.pname and user.name, all three look alike.
    let mut events = vec![container_json()];
    for i in 0..20 {
        events.extend(health_check(1000 + i, &["curl", "localhost/health"]));
    }
    for i in 0..10 {
        events.extend(health_check(1100 + i, &["wget", "-q", "localhost/ready"]));
    }
    events.push(exec(1500, 400, "sh", &[], 0));
    let exec_num = events.len() as u64;
    events.push(attacker(2000));
    let capture = write_capture(s.dir.path(), "checks.scap", &events);

    let naive = s.tune(&capture, &[]);
    assert_eq!(naive.code, 0, "{}", naive.stderr);
    assert!(
        naive.stdout.contains("removes 31 of its 32 alerts")
            && naive.stdout.contains("fields: [proc.pname, user.name]"),
        "{}",
        naive.stdout
    );

    let keep = format!("{RULE}:{exec_num}");
    let narrowed = s.tune(&capture, &["--keep", &keep]);
    assert_eq!(narrowed.code, 0, "{}", narrowed.stderr);
    let text = &narrowed.stdout;
    assert_eq!(items(text).len(), 1, "{text}");
    assert!(text.contains("removes 30 of its 32 alerts"), "{text}");
    assert!(text.contains("narrowed with proc.cmdline"), "{text}");
    assert!(
        text.contains("- [sh -c curl localhost/health, runc, root]")
            && text.contains("- [sh -c wget -q localhost/ready, runc, root]"),
        "{text}"
    );
    let proposal = s.dir.path().join("narrowed.yaml");
    std::fs::write(&proposal, text).unwrap();
    let after = s.falco_alerts(&capture, &[&proposal]);
    assert!(
        after.iter().any(|a| a.0 == RULE && a.1 == "sh"),
        "{after:?}"
    );

    // Keeping a health check itself: nothing separates it from the others.
    let (events, _) = noisy_events();
    let capture = write_capture(s.dir.path(), "noisy.scap", &events);
    let keep = format!("{RULE}:2");
    let dropped = s.tune(&capture, &["--keep", &keep]);
    assert_eq!(dropped.code, 0, "{}", dropped.stderr);
    assert!(items(&dropped.stdout).is_empty(), "{}", dropped.stdout);
    assert!(
        dropped.stdout.contains("# Not proposed:")
            && dropped.stdout.contains("it would silence kept alerts"),
        "{}",
        dropped.stdout
    );
}

/// An events.json line of the user rule.
fn json_line(num: u64, pname: &str, cmdline: &str, user: &str) -> String {
    serde_json::json!({
        "hostname": "node-1",
        "output": "Shell in container ...",
        "output_fields": {
            "evt.num": num,
            "evt.time": 1_700_000_000_000_000_000u64 + num,
            "proc.name": "sh",
            "proc.pname": pname,
            "proc.cmdline": cmdline,
            "user.name": user,
            "container.id": "3ad7b26ded6d",
        },
        "priority": "Warning",
        "rule": RULE,
        "source": "syscall",
        "tags": ["container", "shell"],
        "time": "2023-11-14T22:13:20.000000000Z",
    })
    .to_string()
}

#[test]
fn events_json_alerts_are_grouped_on_their_output_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = (0..30)
        .map(|i| json_line(10 + i, "runc", "sh -c curl localhost/health", "root"))
        .collect();
    lines.push(json_line(99, "nginx", "sh -i", "www-data"));
    let path = dir.path().join("events.json");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = run(&["tune", "--alerts", path.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        items(&out.stdout),
        [format!("- rule: {RULE}")],
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("removes 30 of its 31 alerts")
            && out.stdout.contains("- [sh -c curl localhost/health, runc]"),
        "{}",
        out.stdout
    );
    // The rule's output has no image nor file: said, not guessed.
    assert!(
        out.stdout
            .contains("its output_fields have no fd.directory, container.image.repository"),
        "{}",
        out.stdout
    );
    // The attacker kept: the same proposal stands.
    let keep = format!("{RULE}:99");
    let kept = run(&["tune", "--alerts", path.to_str().unwrap(), "--keep", &keep]);
    assert_eq!(kept.code, 0, "{}", kept.stderr);
    assert_eq!(items(&kept.stdout).len(), 1, "{}", kept.stdout);
}

#[test]
fn bad_input_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.json");
    let good = json_line(1, "runc", "sh -c true", "root");
    std::fs::write(&path, format!("{good}\n\n{{\"rule\": 3}}\n")).unwrap();
    let out = run(&["tune", "--alerts", path.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr
            .contains(&format!("{}:3: not a Falco alert", path.display())),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);

    std::fs::write(&path, format!("{good}\n")).unwrap();
    let out = run(&[
        "tune",
        "--alerts",
        path.to_str().unwrap(),
        "--keep",
        "No such rule:1",
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("unknown rule 'No such rule'"),
        "{}",
        out.stderr
    );

    let s = setup();
    let bogus = s.dir.path().join("bogus.scap");
    std::fs::write(&bogus, b"not a capture").unwrap();
    let out = s.tune(&bogus, &[]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("cannot read capture"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}
