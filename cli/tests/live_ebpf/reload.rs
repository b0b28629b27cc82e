//! Reloads while running, against the live kernel: a workload raises a
//! known alert every 10 ms while falco takes 100 SIGHUPs, alternating a
//! valid change of its rules and a broken rules file. Every alert arrives
//! exactly once, the valid changes take effect in order, the broken ones
//! change nothing, nothing is dropped, and the engine is opened once.

use super::{can_run, LIVE};
use crate::common;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const RELOADS: u32 = 100;

/// The rules of generation `gen`: the marker rule, whose output names the
/// generation; every fourth generation also has a rule on a syscall no
/// other rule uses, so the engine's syscall selection changes too.
fn rules(markers: &Path, gen: u32) -> String {
    let mut text = format!(
        "- rule: Reload Marker\n  desc: a marker file opened\n  \
         condition: evt.type in (open, openat, openat2) and evt.dir=< and fd.name startswith {}/\n  \
         output: \"marker gen={gen} %fd.name\"\n  priority: WARNING\n",
        markers.display()
    );
    if gen % 4 == 1 {
        text.push_str(
            "- rule: Reload Ptrace\n  desc: only in some generations\n  \
             condition: evt.type = ptrace and evt.dir=< and proc.name = rs-no-such\n  \
             output: \"ptrace %proc.name\"\n  priority: NOTICE\n",
        );
    }
    text
}

/// A broken rules file: a condition that does not parse, on line 3.
const BROKEN: &str = "- rule: Reload Marker\n  desc: d\n  condition: evt.type = open and\n  output: o\n  priority: WARNING\n";

/// Lines of `from` on a channel, from a thread.
fn lines(from: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// What falco printed so far: its alerts (stdout) and log (stderr).
struct Seen {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    alerts: Vec<Value>,
    log: Vec<String>,
}

impl Seen {
    fn take(&mut self) {
        self.alerts.extend(
            self.stdout
                .try_iter()
                .filter_map(|l| serde_json::from_str::<Value>(&l).ok()),
        );
        self.log.extend(self.stderr.try_iter());
    }

    fn log_count(&self, text: &str) -> usize {
        self.log.iter().filter(|l| l.contains(text)).count()
    }

    /// Waits (generously) until `cond` holds of what was seen.
    fn until(&mut self, what: &str, cond: impl Fn(&Seen) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            self.take();
            if cond(self) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "falco exited ({status}) waiting for {what}; log:\n{}",
                    self.log.join("\n")
                );
            }
            assert!(
                Instant::now() < deadline,
                "{what} did not happen within 90 s; log:\n{}",
                self.log.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn marker_alerts(&self) -> impl Iterator<Item = &Value> {
        self.alerts.iter().filter(|a| a["rule"] == "Reload Marker")
    }
}

impl Drop for Seen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The generation an alert's output names.
fn generation(alert: &Value) -> u32 {
    let output = alert["output"].as_str().unwrap_or_default();
    let at = output
        .find("gen=")
        .expect("the output names its generation")
        + 4;
    output[at..]
        .split(' ')
        .next()
        .and_then(|g| g.parse().ok())
        .expect("a generation number")
}

#[test]
fn a_hundred_reloads_lose_no_alert_and_keep_the_engine_open() {
    if !can_run() {
        return;
    }
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let markers = dir.path().join("markers");
    std::fs::create_dir(&markers).unwrap();
    let rules_file = dir.path().join("rules.yaml");
    std::fs::write(&rules_file, rules(&markers, 0)).unwrap();
    let config = dir.path().join("falco.yaml");
    // SIGHUP alone reloads here (watching the files too would add a
    // reload for each change, at its own moment).
    std::fs::write(
        &config,
        "watch_config_files: false\nengine:\n  kind: modern_ebpf\njson_output: true\nlog_stderr: true\nlog_syslog: false\n\
         log_level: info\nstdout_output:\n  enabled: true\nsyslog_output:\n  enabled: false\n",
    )
    .unwrap();
    let mut child = Command::new(common::FALCO)
        .arg("-c")
        .arg(&config)
        .arg("-r")
        .arg(&rules_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("falco starts");
    let (stdout, stderr) = (
        lines(child.stdout.take().unwrap()),
        lines(child.stderr.take().unwrap()),
    );
    let mut seen = Seen {
        child,
        stdout,
        stderr,
        alerts: Vec::new(),
        log: Vec::new(),
    };
    // Ready once a marker opened now raises its alert.
    let ready = markers.join("ready");
    seen.until("a first alert", |s| {
        let _ = std::fs::File::create(&ready);
        s.marker_alerts().next().is_some()
    });

    // The workload: one marker file opened every 10 ms until told to stop.
    let stop = AtomicBool::new(false);
    let (opened, ()) = std::thread::scope(|scope| {
        let workload = scope.spawn(|| {
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                std::fs::File::create(markers.join(format!("m-{n}"))).unwrap();
                n += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            n
        });
        let pid = nix::unistd::Pid::from_raw(seen.child.id() as i32);
        for k in 1..=RELOADS {
            let valid = k % 2 == 1;
            let text = if valid {
                rules(&markers, k)
            } else {
                BROKEN.to_string()
            };
            std::fs::write(&rules_file, text).unwrap();
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).unwrap();
            let (ok, failed) = (k.div_ceil(2) as usize, (k / 2) as usize);
            seen.until(&format!("reload {k}"), |s| {
                s.log_count("Reloaded without reopening the engine") == ok
                    && s.log_count("Reload failed, still running") == failed
            });
        }
        stop.store(true, Ordering::Relaxed);
        (workload.join().unwrap(), ())
    });
    assert!(
        opened > 100,
        "the workload ran through the reloads ({opened} markers)"
    );
    eprintln!("reload test: {opened} markers opened during {RELOADS} reloads");

    // Every marker's alert, exactly once, in order of the generations.
    let name = |n: u32| markers.join(format!("m-{n}")).display().to_string();
    let last = name(opened - 1);
    seen.until("the last marker's alert", |s| {
        s.marker_alerts()
            .any(|a| a["output_fields"]["fd.name"] == last.as_str())
    });
    let mut per_file: BTreeMap<String, u32> = BTreeMap::new();
    let mut gens = Vec::new();
    for a in seen.marker_alerts() {
        let file = a["output_fields"]["fd.name"].as_str().unwrap().to_string();
        if file.ends_with("/ready") {
            continue;
        }
        *per_file.entry(file).or_default() += 1;
        gens.push(generation(a));
    }
    for n in 0..opened {
        assert_eq!(per_file.get(&name(n)), Some(&1), "marker {n}: one alert");
    }
    assert_eq!(per_file.len(), opened as usize, "no other marker alert");
    assert!(
        gens.windows(2).all(|w| w[0] <= w[1]),
        "generations in order: {gens:?}"
    );
    assert_eq!(
        gens.last(),
        Some(&(RELOADS - 1)),
        "the last valid rules run at the end"
    );
    assert!(
        gens.iter().all(|g| g % 2 == 1 || *g == 0),
        "a broken file never became a generation"
    );

    let pid = nix::unistd::Pid::from_raw(seen.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = seen.child.wait().unwrap();
    // Both pipes end with falco: everything it printed.
    seen.log.extend(seen.stderr.iter());
    assert!(status.success(), "{status}");
    assert_eq!(
        seen.log_count("Opening 'syscall' source"),
        1,
        "the engine was opened once"
    );
    assert_eq!(seen.log_count("Loaded event sources"), 1, "never restarted");
    assert!(
        seen.log_count("The engine now captures") >= (RELOADS / 4) as usize,
        "the syscall selection changed in place"
    );
    assert_eq!(
        seen.log_count("event drop detected: 0 occurrences"),
        1,
        "no drops; log:\n{}",
        seen.log.join("\n")
    );
    // The broken file's error names where it is broken.
    assert!(
        seen.log.iter().any(|l| l.contains("rules.yaml:2:13")),
        "file:line:column"
    );
}
