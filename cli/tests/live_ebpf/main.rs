//! falco against the live kernel with the modern eBPF engine and our default
//! rules: real workloads on this host raise their alerts, a quiet workload
//! raises none. Needs root (CI runs as root); skipped with a message
//! otherwise.
//!
//! Every workload runs in its own process group, and every alert carries
//! `proc.vpgid` (append_output), so an alert is attributed to the workload
//! that caused it whatever else the host is doing.

#[path = "../common/mod.rs"]
mod common;
mod containers;
mod kubelet;
mod reload;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::symlink;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// One live falco at a time: a flood in one test must not starve another.
static LIVE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn can_run() -> bool {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: the live eBPF tests need root");
        return false;
    }
    true
}

/// A running falco whose JSON alerts arrive on a channel.
struct LiveFalco {
    child: Child,
    alerts: Receiver<Value>,
    seen: Vec<Value>,
}

impl LiveFalco {
    /// `engine_extra` goes inside `engine:` (indented by two spaces).
    fn start(dir: &Path, engine_extra: &str, extra_config: &str) -> LiveFalco {
        Self::start_full(dir, &[common::default_rules()], engine_extra, extra_config)
    }

    fn start_with_rules(dir: &Path, rules: &[PathBuf], extra_config: &str) -> LiveFalco {
        Self::start_full(dir, rules, "", extra_config)
    }

    fn start_full(
        dir: &Path,
        rules: &[PathBuf],
        engine_extra: &str,
        extra_config: &str,
    ) -> LiveFalco {
        let config = common::config(
            dir,
            &format!(
                "engine:\n  kind: modern_ebpf\n{engine_extra}json_output: true\nappend_output:\n  - extra_fields:\n      - proc.vpgid\n{extra_config}"
            ),
        );
        let child = Command::new(common::FALCO)
            .args(["-c", &config])
            .args(
                rules
                    .iter()
                    .flat_map(|r| [std::ffi::OsStr::new("-r"), r.as_os_str()]),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("falco starts");
        Self::follow(child)
    }

    /// Reads the JSON alerts `child` (a falco, or what runs one) prints on
    /// its piped stdout.
    fn follow(mut child: Child) -> LiveFalco {
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
            }
        });
        LiveFalco {
            child,
            alerts: rx,
            seen: Vec::new(),
        }
    }

    /// Waits until an alert `matches` (one seen earlier counts too).
    fn wait_for(&mut self, matches: impl Fn(&Value) -> bool, within: Duration) -> Option<Value> {
        if let Some(a) = self.seen.iter().find(|a| matches(a)) {
            return Some(a.clone());
        }
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.alerts.recv_timeout(left) {
                Ok(a) => {
                    self.seen.push(a.clone());
                    if matches(&a) {
                        return Some(a);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("falco exited: {:?}", self.child.try_wait())
                }
            }
        }
    }

    /// Waits until an alert of `rule` (any process) arrives.
    fn wait_rule(&mut self, rule: &str, within: Duration) -> Option<Value> {
        self.wait_for(|a| a["rule"] == rule, within)
    }

    /// Waits until an alert of `rule` from process group `pgid` arrives.
    fn wait_alert(&mut self, rule: &str, pgid: u32, within: Duration) -> Option<Value> {
        self.wait_for(
            |a| a["rule"] == rule && a["output_fields"]["proc.vpgid"] == pgid,
            within,
        )
    }

    /// Like `wait_alert`, but fails the test naming what did arrive.
    fn expect_alert(&mut self, rule: &str, pgid: u32, within: Duration, what: &str) -> Value {
        match self.wait_alert(rule, pgid, within) {
            Some(a) => a,
            None => panic!(
                "no '{rule}' alert for {what} (process group {pgid}); alerts so far: {:#?}",
                self.seen
            ),
        }
    }

    /// Runs `cat /etc/shadow` on the host and waits for its alert: every
    /// event before it has then been processed. `what` names the moment.
    fn expect_marker(&mut self, what: &str) {
        let marker = run_in_group("cat", &["/etc/shadow"]);
        self.expect_alert(
            "Read sensitive file untrusted",
            marker,
            Duration::from_secs(30),
            what,
        );
    }

    fn alerts_from(&self, pgid: u32) -> Vec<&Value> {
        self.seen
            .iter()
            .filter(|a| a["output_fields"]["proc.vpgid"] == pgid)
            .collect()
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        self.child.wait().unwrap()
    }
}

impl Drop for LiveFalco {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `prog args` in a new process group to completion; returns the group.
fn run_in_group(prog: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> u32 {
    let mut child = Command::new(prog)
        .args(args)
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("workload starts");
    let pgid = child.id();
    child.wait().unwrap();
    pgid
}

#[test]
fn the_upstream_rules_run_live_unchanged() {
    if !can_run() {
        return;
    }
    let Some(rules) = common::upstream_rules() else {
        return;
    };
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let mut falco = LiveFalco::start_with_rules(dir.path(), &rules, "");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let pgid = run_in_group("cat", &["/etc/shadow"]);
        if let Some(a) = falco.wait_alert(
            "Read sensitive file untrusted",
            pgid,
            Duration::from_millis(700),
        ) {
            assert_eq!(a["output_fields"]["fd.name"], "/etc/shadow");
            assert_eq!(a["priority"], "Warning");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no upstream alert for cat /etc/shadow"
        );
    }
    let status = falco.stop();
    assert!(status.success(), "falco exited with {status}");
}

/// Until falco has attached, workloads go unseen: repeat a workload that
/// alerts until its alert arrives.
fn wait_ready(falco: &mut LiveFalco) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        let pgid = run_in_group("cat", &["/etc/shadow"]);
        if falco
            .wait_alert(
                "Read sensitive file untrusted",
                pgid,
                Duration::from_millis(700),
            )
            .is_some()
        {
            return;
        }
    }
    panic!("falco raised no alert for `cat /etc/shadow` within 90 s");
}

#[test]
fn live_workloads_raise_the_default_rules_alerts() {
    if !can_run() {
        return;
    }
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let mut falco = LiveFalco::start(dir.path(), "", "");
    wait_ready(&mut falco);
    let within = Duration::from_secs(10);

    // Quiet control: ordinary work that none of our rules should flag.
    let quiet_script = dir.path().join("quiet.sh");
    std::fs::write(
        &quiet_script,
        format!(
            "ls / >/dev/null; cat /etc/hostname >/dev/null; echo x > {d}/scratch; \
             mkdir {d}/sub; mv {d}/scratch {d}/sub/; rm -r {d}/sub; uname -a >/dev/null",
            d = dir.path().display()
        ),
    )
    .unwrap();
    let quiet = run_in_group("sh", &[quiet_script.to_str().unwrap()]);
    // A later workload's alert proves the quiet one's events were processed.
    let marker = run_in_group("cat", &["/etc/shadow"]);
    let a = falco.wait_alert("Read sensitive file untrusted", marker, within);
    assert!(a.is_some(), "no alert for the marker `cat /etc/shadow`");
    assert!(
        falco.alerts_from(quiet).is_empty(),
        "the quiet workload raised alerts: {:?}",
        falco.alerts_from(quiet)
    );

    // cat /etc/shadow from a program that has no business reading it.
    let pgid = run_in_group("cat", &["/etc/shadow"]);
    let a = falco.expect_alert(
        "Read sensitive file untrusted",
        pgid,
        within,
        "alert for cat /etc/shadow",
    );
    assert_eq!(a["output_fields"]["fd.name"], "/etc/shadow");
    assert_eq!(a["output_fields"]["proc.name"], "cat");
    assert_eq!(a["priority"], "Warning");

    // A shell spawned by a server process: perl named nginx runs sh. (A
    // real interpreter binary: a symlink to a wrapper script such as a
    // pyenv shim would run under the script interpreter's name.)
    let nginx = dir.path().join("nginx");
    symlink(which("perl"), &nginx).unwrap();
    let pgid = run_in_group(&nginx, &["-e", "system('sh', '-c', 'true')"]);
    let a = falco.expect_alert(
        "Run shell untrusted",
        pgid,
        within,
        "alert for a shell spawned by nginx",
    );
    assert_eq!(a["output_fields"]["proc.pname"], "nginx");
    assert_eq!(a["output_fields"]["proc.name"], "sh");

    // A write below /etc by a program that is not a package manager.
    let target = format!("/etc/falco-rs-live-test-{}", std::process::id());
    let pgid = run_in_group("touch", &[&target]);
    let _ = std::fs::remove_file(&target);
    let a = falco.expect_alert(
        "Write Below System Directory",
        pgid,
        within,
        "alert for touch below /etc",
    );
    assert_eq!(a["output_fields"]["fd.name"], target.as_str());

    // A TCP connect to 127.0.0.1:22 (the test listens there unless
    // something already does).
    let _listener = std::net::TcpListener::bind("127.0.0.1:22").ok();
    let pgid = run_in_group(
        "python3",
        &[
            "-c",
            "import socket; socket.create_connection(('127.0.0.1', 22), timeout=5).close()",
        ],
    );
    let a = falco.expect_alert(
        "Outbound Remote Admin Connection",
        pgid,
        within,
        "alert for a connect to port 22",
    );
    assert_eq!(a["output_fields"]["fd.sport"], 22);

    // A process named like a miner.
    let xmrig = dir.path().join("xmrig");
    symlink(which("true"), &xmrig).unwrap();
    let pgid = run_in_group(&xmrig, &["--url", "stratum+tcp://pool.example:3333"]);
    let a = falco.expect_alert(
        "Crypto Miner Started",
        pgid,
        within,
        "alert for a process named xmrig",
    );
    assert_eq!(a["output_fields"]["proc.name"], "xmrig");

    let status = falco.stop();
    assert!(status.success(), "falco exited with {status}");
}

#[test]
fn a_flood_into_a_small_ring_is_counted_reported_and_survived() {
    if !can_run() {
        return;
    }
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // 1 MiB ring, every syscall captured.
    let mut falco = LiveFalco::start(
        dir.path(),
        "  modern_ebpf:\n    buf_size_preset: 1\n",
        "base_syscalls:\n  all: true\nsyscall_event_drops:\n  actions: [log, alert]\n  threshold: 0\n",
    );
    wait_ready(&mut falco);
    // The consumer stalls (stopped) while a bounded flood runs to its end
    // on both CPUs: two byte-at-a-time copies, a read and a write per
    // byte, 2 M events each, far more than a 1 MiB ring holds. Waiting for
    // the copies to exit, not for a time, makes the overflow certain
    // however loaded the machine is.
    let pid = nix::unistd::Pid::from_raw(falco.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP).unwrap();
    let flood: Vec<Child> = (0..2)
        .map(|_| {
            Command::new("dd")
                .args(["if=/dev/zero", "of=/dev/null", "bs=1", "count=1000000"])
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut f in flood {
        f.wait().unwrap();
    }
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGCONT).unwrap();
    let alert = falco.wait_rule(
        "Falco internal: syscall event drop",
        Duration::from_secs(60),
    );
    let alert = alert.expect("a drop alert during the flood");
    assert_eq!(alert["priority"], "Debug");
    assert_eq!(alert["source"], "internal");
    let n: u64 = alert["output_fields"]["n_drops"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 0);
    assert_eq!(
        alert["output_fields"]["n_drops_buffer_total"],
        alert["output_fields"]["n_drops"]
    );
    // Still alive and still seeing events once the flood is over. With
    // every syscall captured into 1 MiB, a busy machine can keep dropping
    // for a while (and a `cat` whose exec is dropped has no name, which
    // the rule requires): repeat the workload until one alerts.
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut alerted = false;
    while !alerted && Instant::now() < deadline {
        let pgid = run_in_group("cat", &["/etc/shadow"]);
        alerted = falco
            .wait_alert(
                "Read sensitive file untrusted",
                pgid,
                Duration::from_secs(3),
            )
            .is_some();
    }
    assert!(
        alerted,
        "no alert for cat /etc/shadow within 90 s of the flood"
    );
    let status = falco.stop();
    assert!(status.success(), "falco exited with {status}");
}

/// The recording (`cap_<start ns>_<evt.num>.scap` in `dir`) that holds a
/// live alert: the last one started at or before its event time.
fn capture_holding(dir: &Path, live: &Value) -> PathBuf {
    let live_time = live["output_fields"]["evt.time"]
        .as_u64()
        .expect("evt.time");
    let started = |p: &Path| -> Option<u64> {
        let name = p.file_name()?.to_str()?;
        let rest = name.strip_prefix("cap_")?.strip_suffix(".scap")?;
        rest.split('_').next()?.parse().ok()
    };
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| started(p).is_some_and(|t| t <= live_time))
        .max_by_key(|p| started(p))
        .unwrap_or_else(|| {
            panic!(
                "no capture cap_<ns>_*.scap started by {live_time} in {:?}",
                std::fs::read_dir(dir).unwrap().collect::<Vec<_>>()
            )
        })
}

/// The JSON alerts of our falco replaying `file` with the default rules
/// (`extra_config` added to its configuration).
fn replay_json(dir: &Path, file: &Path, extra_config: &str) -> Vec<Value> {
    let config = common::config(dir, &format!("json_output: true\n{extra_config}"));
    let rules = common::default_rules();
    let run = common::run(&[
        "-c",
        &config,
        "-r",
        rules.to_str().unwrap(),
        "-o",
        "engine.kind=replay",
        "-o",
        &format!("engine.replay.capture_file={}", file.display()),
    ]);
    assert_eq!(run.code, 0, "replay failed: {}", run.stderr);
    run.stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn a_capture_written_live_replays_with_the_same_alert_and_reads_in_sysdig() {
    if !can_run() {
        return;
    }
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("cap");
    let mut falco = LiveFalco::start(
        dir.path(),
        "",
        &format!(
            "capture:\n  enabled: true\n  mode: all_rules\n  path_prefix: {}\n  default_duration: 1\n",
            prefix.display()
        ),
    );
    wait_ready(&mut falco);
    let pgid = run_in_group("cat", &["/etc/shadow"]);
    let live = falco.expect_alert(
        "Read sensitive file untrusted",
        pgid,
        Duration::from_secs(10),
        "cat /etc/shadow",
    );
    let status = falco.stop();
    assert!(status.success(), "falco exited with {status}");

    // Recordings last 1 ms of event time, so this is nearly always the
    // file the alert started; should wait_ready's recording still have
    // been open (no event between the two), it is that one, extended.
    // Either way it must replay to the same alert.
    let file = capture_holding(dir.path(), &live);

    // Replayed by our falco with the same rules: the same alert, same
    // fields, same time.
    let replayed: Vec<Value> = replay_json(dir.path(), &file, "")
        .into_iter()
        .filter(|a: &Value| a["rule"] == "Read sensitive file untrusted")
        .collect();
    let same = replayed
        .iter()
        .find(|a| a["output_fields"]["evt.time"] == live["output_fields"]["evt.time"])
        .unwrap_or_else(|| {
            panic!("the replay did not raise the live alert; it raised {replayed:?}")
        });
    assert_eq!(same["output"], live["output"]);
    assert_eq!(
        same["output_fields"]["proc.pid"],
        live["output_fields"]["proc.pid"]
    );
    assert_eq!(same["output_fields"]["proc.cmdline"], "cat /etc/shadow");

    // sysdig 0.29.3 reads it and shows the open.
    if std::process::Command::new("sysdig")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("sysdig is missing: scripts/setup.sh installs it");
    }
    let out = std::process::Command::new("sysdig")
        .args([
            "-r",
            file.to_str().unwrap(),
            "-p",
            "%evt.type %fd.name %proc.name",
            "evt.type=openat and fd.name=/etc/shadow",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sysdig failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l == "openat /etc/shadow cat"),
        "sysdig printed: {text}"
    );
}

/// GET `path` from 127.0.0.1:`port`: (status line, body).
fn http_get(port: u16, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the web server listens");
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

#[test]
fn the_webserver_and_metrics_report_the_live_run() {
    if !can_run() {
        return;
    }
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let metrics_file = dir.path().join("metrics.jsonl");
    let mut falco = LiveFalco::start(
        dir.path(),
        "",
        &format!(
            "webserver:\n  enabled: true\n  listen_address: 127.0.0.1\n  listen_port: {port}\n  prometheus_metrics_enabled: true\n\
             metrics:\n  enabled: true\n  interval: 1s\n  output_rule: true\n  output_file: {}\n",
            metrics_file.display()
        ),
    );
    wait_ready(&mut falco);
    let (status, body) = http_get(port, "/healthz");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(body, "{\"status\": \"ok\"}");
    let (status, body) = http_get(port, "/versions");
    assert_eq!(status, "HTTP/1.1 200 OK");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(
        v["falco_version"].is_string() && v["engine_version_semver"].is_string(),
        "{v}"
    );

    // A metrics snapshot arrives as an internal alert.
    let snap = falco
        .wait_rule("Falco internal: metrics snapshot", Duration::from_secs(10))
        .expect("a metrics snapshot within 10 s");
    assert_eq!(snap["source"], "internal");
    assert_eq!(snap["priority"], "Informational");
    assert!(snap["output_fields"]["scap.n_evts"].as_u64().unwrap() > 0);
    assert!(
        snap["output_fields"]["falco.rules.Read sensitive file untrusted"]
            .as_u64()
            .unwrap()
            >= 1
    );

    // Prometheus text counts events and the rule that matched.
    let (status, text) = http_get(port, "/metrics");
    assert_eq!(status, "HTTP/1.1 200 OK");
    let evts: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("falcosecurity_scap_n_evts_total "))
        .expect("scap_n_evts_total")
        .parse()
        .unwrap();
    assert!(evts > 0);
    assert!(
        text.lines().any(
            |l| l.starts_with("falcosecurity_falco_rules_matches_total{")
                && l.contains("rule_name=\"Read sensitive file untrusted\"")
        ),
        "{text}"
    );
    let status = falco.stop();
    assert!(status.success());
    let lines = std::fs::read_to_string(&metrics_file).expect("metrics.output_file written");
    let first: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert!(
        first["sample"]["falco.num_evts"].as_u64().is_some(),
        "{first}"
    );
    // The server is gone with falco.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn a_changed_rules_file_is_reloaded_while_running() {
    if !can_run() {
        return;
    }
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::copy(common::default_rules(), &rules).unwrap();
    let mut falco = LiveFalco::start_with_rules(
        dir.path(),
        std::slice::from_ref(&rules),
        "watch_config_files: true\n",
    );
    wait_ready(&mut falco);
    // A rule that only the changed file has.
    let extra = "\n- rule: Reloaded Marker\n  desc: added while running\n  condition: evt.type in (execve, execveat) and evt.dir=< and proc.name=rs-reload-mark\n  output: marker seen (pid=%proc.pid)\n  priority: NOTICE\n";
    let mut text = std::fs::read_to_string(&rules).unwrap();
    text.push_str(extra);
    std::fs::write(&rules, text).unwrap();
    let mark = dir.path().join("rs-reload-mark");
    symlink(which("true"), &mark).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pgid = run_in_group(&mark, &[]);
        if falco
            .wait_alert("Reloaded Marker", pgid, Duration::from_millis(700))
            .is_some()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the added rule never fired: no reload"
        );
    }
    let status = falco.stop();
    assert!(status.success());
}

/// The CKS course's rules (engine/tests/fixtures/cks_rules.yaml) loaded
/// after our defaults, live: the rules whose workloads need no container
/// fire on this host and stay quiet on their negatives; the container
/// rules stay quiet on host work. (Their container workloads wait for the
/// container runtimes.)
#[test]
fn the_cks_course_rules_fire_live_on_top_of_the_defaults() {
    if !can_run() {
        return;
    }
    let cks = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/fixtures/cks_rules.yaml");
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // With Falco's default `rule_matching: first`, an event one of our
    // rules already flags (cat /etc/shadow) would raise only that rule's
    // alert, as in Falco; `all` lets each CKS rule be seen.
    let mut falco = LiveFalco::start_with_rules(
        dir.path(),
        &[common::default_rules(), cks],
        "rule_matching: all\n",
    );
    wait_ready(&mut falco);
    let within = Duration::from_secs(10);

    // Sensitive file read.
    let pgid = run_in_group("cat", &["/etc/shadow"]);
    let a = falco.expect_alert("CKS sensitive file read", pgid, within, "cat /etc/shadow");
    assert!(
        a["output"]
            .as_str()
            .unwrap()
            .contains("Sensitive file read (user=root command=cat /etc/shadow file=/etc/shadow container=host)"),
        "{a}"
    );

    // Crypto miner: by name, and by a stratum URL on any command line.
    let xmrig = dir.path().join("xmrig");
    symlink(which("true"), &xmrig).unwrap();
    let by_name = run_in_group(&xmrig, &["--threads", "2"]);
    falco.expect_alert("CKS crypto miner", by_name, within, "a process named xmrig");
    let by_url = run_in_group("true", &["-o", "stratum+tcp://pool.example:3333"]);
    falco.expect_alert("CKS crypto miner", by_url, within, "a stratum URL");

    // Outbound SSH to a routable address: in a network namespace of its
    // own, 203.0.113.1 (TEST-NET-3) is on loopback and a listener takes the
    // connection, so nothing leaves the machine. Port 2222 is the negative.
    let script = dir.path().join("connect.py");
    std::fs::write(
        &script,
        "import socket, sys\n\
         port = int(sys.argv[1])\n\
         srv = socket.socket()\n\
         srv.bind(('203.0.113.1', port))\n\
         srv.listen(1)\n\
         socket.create_connection(('203.0.113.1', port), timeout=5).close()\n",
    )
    .unwrap();
    let connect_in_netns = |port: &str| {
        run_in_group(
            "unshare",
            &[
                "--net",
                "sh",
                "-ec",
                "ip link set lo up; ip addr add 203.0.113.1/32 dev lo; exec python3 \"$0\" \"$1\"",
                script.to_str().unwrap(),
                port,
            ],
        )
    };
    let ssh = connect_in_netns("22");
    let a = falco.expect_alert(
        "CKS outbound SSH",
        ssh,
        within,
        "a connect to 203.0.113.1:22",
    );
    let text = a["output"].as_str().unwrap();
    assert!(
        text.contains("Outbound SSH dest=203.0.113.1:22 process=python3 "),
        "{text}"
    );
    let not_ssh = connect_in_netns("2222");

    // Quiet: ordinary host work, a shell included, and the negatives above,
    // raise no CKS alert. A later alert proves their events were processed.
    let quiet = run_in_group(
        "sh",
        &[
            "-c",
            "cat /etc/hostname; ls /etc >/dev/null; true --url http://example",
        ],
    );
    let marker = run_in_group("cat", &["/etc/shadow"]);
    falco.expect_alert("CKS sensitive file read", marker, within, "the marker");
    for pgid in [quiet, not_ssh] {
        let cks: Vec<_> = falco
            .alerts_from(pgid)
            .into_iter()
            .filter(|a| a["rule"].as_str().unwrap().starts_with("CKS "))
            .collect();
        assert!(cks.is_empty(), "CKS alerts from a negative: {cks:#?}");
    }
    let status = falco.stop();
    assert!(status.success(), "falco exited with {status}");
}

fn which(prog: &str) -> std::path::PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(prog))
                .find(|p| p.exists())
        })
        .unwrap_or_else(|| panic!("{prog} not found in PATH"))
}
