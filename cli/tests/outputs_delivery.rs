//! Issue 19, "never lose an alert": the `falco` binary replays a capture
//! with a rule that alerts often, its http output pointed at a receiver on
//! 127.0.0.1 that is down for a while (answering 503, or refusing
//! connections) and then up. Every alert must arrive exactly once (by its
//! `uuid`), in the order the file output wrote them, while the event loop
//! and the file output never wait for the dead endpoint; the spool stays
//! within its cap; alerts spooled when a run ends are sent by the next.
//!
//! The down period is `FALCO_TEST_DOWN_SECS` (default 3; the issue's
//! scenario is 60). Every wait is on a condition with a generous deadline.

mod common;
use common::{capture, FALCO};
use serde_json::Value;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(300);
/// Room for every alert of two replays (about 4300 alerts, 2.6 MB each:
/// the second run spools its own behind the first run's), so that none is
/// dropped; the cap itself is checked throughout.
const SPOOL_CAP_MB: u64 = 16;

fn down_period() -> Duration {
    let secs = std::env::var("FALCO_TEST_DOWN_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(3);
    Duration::from_secs(secs)
}

/// Polls `cond` until it holds; fails naming `what` at the deadline.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < deadline, "{what}: not within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An HTTP/1.1 receiver: answers 503 while `up` is false, 200 (recording
/// the body) once it is true.
struct Receiver {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    bodies: Arc<Mutex<Vec<String>>>,
    refused: Arc<AtomicU64>,
}

fn handle(stream: TcpStream, up: &AtomicBool, bodies: &Mutex<Vec<String>>, refused: &AtomicU64) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    // Several requests may come on one connection (keep-alive).
    loop {
        let mut length = 0usize;
        let mut first = true;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            first = false;
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        if first {
            return;
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer: &[u8] = if up.load(Ordering::SeqCst) {
            bodies
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&body).into_owned());
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        } else {
            refused.fetch_add(1, Ordering::SeqCst);
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown"
        };
        if writer.write_all(answer).is_err() {
            return;
        }
    }
}

impl Receiver {
    /// Listens on `addr` (port 0: any).
    fn start(addr: &str, up: bool) -> Receiver {
        let listener = TcpListener::bind(addr).expect("bind the receiver");
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(up));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(AtomicU64::new(0));
        {
            let (up, bodies, refused) = (up.clone(), bodies.clone(), refused.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { return };
                    let (up, bodies, refused) = (up.clone(), bodies.clone(), refused.clone());
                    std::thread::spawn(move || handle(stream, &up, &bodies, &refused));
                }
            });
        }
        Receiver {
            addr,
            up,
            bodies,
            refused,
        }
    }

    fn uuids(&self) -> Vec<String> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(|b| uuid_of(b))
            .collect()
    }
}

fn uuid_of(json: &str) -> String {
    let v: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    v["uuid"]
        .as_str()
        .unwrap_or_else(|| panic!("no uuid in {json}"))
        .to_owned()
}

/// The uuids of the JSON alerts in `file`, in order.
fn file_uuids(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(uuid_of)
        .collect()
}

/// A quiet configuration (no syslog, no stdout) with `extra`.
fn config(dir: &Path, name: &str, extra: &str) -> String {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("log_stderr: true\nlog_syslog: false\njson_output: true\nstdout_output:\n  enabled: false\n{extra}"),
    )
    .unwrap();
    path.display().to_string()
}

/// Bytes of the spool's segment files (its small cursor file aside).
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "seg"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

const RULES: &str = "- rule: Opens a file\n  desc: every open, so that alerts are many\n  condition: evt.type in (open, openat, openat2) and evt.dir = <\n  output: \"opened %fd.name by %proc.name\"\n  priority: WARNING\n";

struct Setup {
    dir: tempfile::TempDir,
    scap: PathBuf,
}

impl Setup {
    fn new() -> Option<Setup> {
        let scap = capture("vm_bench_small.scap.gz")?;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rules.yaml"), RULES).unwrap();
        Some(Setup { dir, scap })
    }

    fn spool(&self) -> PathBuf {
        self.dir.path().join("spool")
    }

    /// How many alerts the replay raises (a run with the file output only).
    fn alerts_without_http(&self) -> usize {
        let file = self.dir.path().join("reference.json");
        let extra = format!(
            "file_output:\n  enabled: true\n  filename: {}\n",
            file.display()
        );
        let cfg = config(self.dir.path(), "reference.yaml", &extra);
        let out = Command::new(FALCO)
            .args(self.replay_args(&cfg))
            .output()
            .expect("falco runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let n = file_uuids(&file).len();
        assert!(n > 100, "the rule alerts often: {n}");
        n
    }

    fn replay_args(&self, cfg: &str) -> Vec<String> {
        vec![
            "-c".into(),
            cfg.into(),
            "-r".into(),
            self.dir.path().join("rules.yaml").display().to_string(),
            "-o".into(),
            "engine.kind=replay".into(),
            "-o".into(),
            format!("engine.replay.capture_file={}", self.scap.display()),
        ]
    }

    /// Starts `falco` replaying the capture; alerts go to `file` and to
    /// `url`, with a spool and fast retries.
    fn falco(&self, url: &str, file: &Path, output_timeout_ms: u64) -> Child {
        let extra = format!(
            "file_output:\n  enabled: true\n  keep_alive: true\n  filename: {}\noutput_timeout: {output_timeout_ms}\nhttp_output:\n  enabled: true\n  url: {url}\n  retry:\n    initial_backoff_ms: 20\n    max_backoff_ms: 300\n  spool:\n    enabled: true\n    dir: {}\n    max_size_mb: {SPOOL_CAP_MB}\n    when_full: drop_oldest\n",
            file.display(),
            self.spool().display()
        );
        let cfg = config(self.dir.path(), "falco.yaml", &extra);
        // Output to files: a pipe nobody reads while waiting would block.
        let log = |n: &str| std::fs::File::create(file.with_extension(n)).unwrap();
        Command::new(FALCO)
            .args(self.replay_args(&cfg))
            .env_remove("FALCO_HOSTNAME")
            .stdout(log("stdout"))
            .stderr(log("stderr"))
            .spawn()
            .expect("falco starts")
    }
}

/// Waits for `child` (whose output went next to `file`), checking on the
/// way that the spool keeps its cap.
fn finish(mut child: Child, spool: &Path, file: &Path) -> (i32, String, String) {
    let cap = SPOOL_CAP_MB << 20;
    wait_until("falco to exit", || {
        let bytes = dir_bytes(spool);
        assert!(bytes <= cap, "the spool holds {bytes} bytes, over {cap}");
        child.try_wait().unwrap().is_some()
    });
    let status = child.wait().unwrap();
    let read = |n: &str| std::fs::read_to_string(file.with_extension(n)).unwrap_or_default();
    (status.code().unwrap_or(-1), read("stdout"), read("stderr"))
}

fn assert_exactly_once_in_order(received: &[String], written: &[String]) {
    let unique: HashSet<&String> = received.iter().collect();
    assert_eq!(unique.len(), received.len(), "an alert arrived twice");
    assert_eq!(
        received.len(),
        written.len(),
        "alerts lost: {} of {}",
        written.len() - received.len().min(written.len()),
        written.len()
    );
    assert!(received == written, "the alerts arrived out of order");
}

#[test]
fn alerts_survive_an_endpoint_that_is_down_for_a_while() {
    let Some(setup) = Setup::new() else { return };
    let receiver = Receiver::start("127.0.0.1:0", false);
    let file = setup.dir.path().join("alerts.json");
    let down_since = Instant::now();
    // A long output_timeout: at the end of the replay falco waits that
    // long for the endpoint before keeping the rest in the spool.
    let child = setup.falco(&format!("http://{}/", receiver.addr), &file, 120_000);
    // The event loop and the file output do not wait for the dead
    // endpoint: every alert of the replay (as many as a run without http
    // writes) reaches the file while it is down.
    let expected = setup.alerts_without_http();
    wait_until("every alert in the file while http is down", || {
        file_uuids(&file).len() == expected
            && receiver.refused.load(Ordering::SeqCst) > 0
            && down_since.elapsed() >= down_period()
    });
    assert!(
        receiver.bodies.lock().unwrap().is_empty(),
        "nothing delivered while down"
    );
    receiver.up.store(true, Ordering::SeqCst);
    let (code, _, stderr) = finish(child, &setup.spool(), &file);
    assert_eq!(code, 0, "{stderr}");
    let written = file_uuids(&file);
    assert!(
        written.len() > 100,
        "the rule alerts often: {}",
        written.len()
    );
    assert_exactly_once_in_order(&receiver.uuids(), &written);
    assert!(
        receiver.refused.load(Ordering::SeqCst) > 1,
        "it was retried"
    );
    assert_eq!(dir_bytes(&setup.spool()), 0, "the spool is empty again");
}

#[test]
fn spooled_alerts_are_sent_by_the_next_run() {
    let Some(setup) = Setup::new() else { return };
    // A port with nothing listening: connections are refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let first_file = setup.dir.path().join("first.json");
    let (code, _, stderr) = finish(
        setup.falco(&url, &first_file, 500),
        &setup.spool(),
        &first_file,
    );
    assert_eq!(code, 0, "{stderr}");
    let first = file_uuids(&first_file);
    assert!(first.len() > 100, "the rule alerts often: {}", first.len());
    assert!(
        dir_bytes(&setup.spool()) > 0,
        "the first run ends with its alerts spooled"
    );

    let receiver = Receiver::start(&format!("127.0.0.1:{port}"), true);
    let second_file = setup.dir.path().join("second.json");
    let (code, _, stderr) = finish(
        setup.falco(&url, &second_file, 120_000),
        &setup.spool(),
        &second_file,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("spooled by an earlier run"), "{stderr}");
    let mut written = first;
    written.extend(file_uuids(&second_file));
    assert_exactly_once_in_order(&receiver.uuids(), &written);
    assert_eq!(dir_bytes(&setup.spool()), 0, "the spool is empty again");
}
