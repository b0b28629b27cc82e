//! Every output kind receiving real alerts, through the queue and worker.

use super::*;
use crate::config::HttpOutputConfig;
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{mpsc, Mutex};

fn alert(n: u64) -> Alert {
    Alert {
        rule: "Test rule".into(),
        priority: Priority::Warning,
        source: "syscall".into(),
        tags: vec!["b".into(), "a".into()],
        time_ns: 1_704_164_645_000_000_000 + n,
        hostname: "test-host".into(),
        message: format!("alert number {n} (proc=cat)"),
        output_fields: vec![("proc.name".into(), json!("cat")), ("n".into(), json!(n))],
        explain: None,
    }
}

/// Polls `cond` until it holds; fails naming `what` after 60 s.
fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "{what}: not within 60 s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn json_options() -> FormatOptions {
    FormatOptions {
        json_output: true,
        ..FormatOptions::default()
    }
}

fn outputs(channels: Vec<Box<dyn Output>>, capacity: usize, json: bool) -> Outputs {
    let options = if json {
        json_options()
    } else {
        FormatOptions::default()
    };
    Outputs::with_channels(
        options,
        "test-host",
        capacity,
        Duration::from_millis(500),
        channels,
    )
}

#[test]
fn file_output_appends_lines_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.txt");
    let p = path.display().to_string();
    for keep_alive in [false, true] {
        let _ = std::fs::remove_file(&path);
        let out = outputs(
            vec![Box::new(file::FileOutput::new(&p, keep_alive, false))],
            0,
            false,
        );
        assert!(out.send(&alert(1)));
        assert!(out.send(&alert(2)));
        let stats = out.stop();
        assert_eq!(stats.written_of("file"), 2);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].ends_with(": Warning alert number 1 (proc=cat)"),
            "{}",
            lines[0]
        );
        assert!(lines[1].contains("alert number 2"));
    }

    // SIGUSR1-style reopen: after a rotation the next alert goes to a new file.
    let _ = std::fs::remove_file(&path);
    let out = outputs(
        vec![Box::new(file::FileOutput::new(&p, true, false))],
        0,
        false,
    );
    out.send(&alert(1));
    out.cleanup();
    // Rotate only once the worker has written (and flushed) alert 1.
    wait_until("alert 1 in the file", || {
        std::fs::read_to_string(&path).is_ok_and(|t| t.contains("alert number 1"))
    });
    std::fs::rename(&path, dir.path().join("events.txt.1")).unwrap();
    out.reopen();
    out.send(&alert(2));
    out.stop();
    assert!(std::fs::read_to_string(dir.path().join("events.txt.1"))
        .unwrap()
        .contains("alert number 1"));
    let new = std::fs::read_to_string(&path).unwrap();
    assert!(
        new.contains("alert number 2") && !new.contains("alert number 1"),
        "{new}"
    );
}

#[test]
fn file_errors_are_counted_and_do_not_stop_other_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.txt").display().to_string();
    // A directory cannot be opened as a file: every write fails, like a full disk.
    let bad = dir.path().display().to_string();
    let out = outputs(
        vec![
            Box::new(file::FileOutput::new(&bad, false, false)),
            Box::new(file::FileOutput::new(&good, false, false)),
        ],
        0,
        false,
    );
    for n in 0..3 {
        out.send(&alert(n));
    }
    let stats = out.stop();
    assert_eq!(stats.outputs[0], ("file", 0, 3));
    assert_eq!(stats.outputs[1], ("file", 3, 0));
    assert_eq!(std::fs::read_to_string(&good).unwrap().lines().count(), 3);
}

#[test]
fn stdout_output_writes_json_lines() {
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let shared = Shared::default();
    for buffered in [false, true] {
        shared.0.lock().unwrap().clear();
        let out = outputs(
            vec![Box::new(stdout::StdoutOutput::with_writer(
                Box::new(shared.clone()),
                buffered,
            ))],
            0,
            true,
        );
        out.send(&alert(7));
        out.stop();
        let text = String::from_utf8(shared.0.lock().unwrap().clone()).unwrap();
        assert!(text.ends_with("}\n"), "{text}");
        let v: Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(v["rule"], "Test rule");
        assert_eq!(v["hostname"], "test-host");
        assert_eq!(v["tags"], json!(["a", "b"]));
        assert_eq!(v["output_fields"]["n"], 7);
    }
}

#[test]
fn program_output_pipes_into_sh() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("prog.txt");
    for keep_alive in [false, true] {
        let _ = std::fs::remove_file(&target);
        let program = format!("cat >> '{}'", target.display());
        let out = outputs(
            vec![Box::new(program::ProgramOutput::new(
                &program, keep_alive, false,
            ))],
            0,
            false,
        );
        for n in 0..3 {
            out.send(&alert(n));
        }
        let stats = out.stop();
        assert_eq!(stats.written_of("program"), 3, "keep_alive={keep_alive}");
        let text = std::fs::read_to_string(&target).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.lines().all(|l| l.contains(": Warning alert number")));
    }
    // A program that fails is an error, counted per alert.
    let out = outputs(
        vec![Box::new(program::ProgramOutput::new(
            "cat >/dev/null; exit 3",
            false,
            false,
        ))],
        0,
        false,
    );
    out.send(&alert(1));
    assert_eq!(out.stop().errors_of("program"), 1);
}

#[test]
fn syslog_output_sends_to_a_datagram_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.sock");
    let sock = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let out = outputs(
        vec![Box::new(syslog::SyslogOutput::with_socket(
            &path.display().to_string(),
        ))],
        0,
        false,
    );
    out.send(&alert(3));
    let stats = out.stop();
    assert_eq!(stats.written_of("syslog"), 1);
    let mut buf = [0u8; 4096];
    let n = sock.recv(&mut buf).unwrap();
    let line = std::str::from_utf8(&buf[..n]).unwrap();
    // Warning (4) | user (8) = 12.
    assert!(line.starts_with("<12>"), "{line}");
    assert!(line.contains(" falco: "), "{line}");
    assert!(
        line.ends_with(": Warning alert number 3 (proc=cat)"),
        "{line}"
    );
}

/// A tiny HTTP server on 127.0.0.1: answers `count` requests with 200 and
/// sends each request (headers, body) back through the channel.
fn http_server(count: usize) -> (String, mpsc::Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(mut stream) = stream else { return };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                headers.push_str(&line);
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            let _ = tx.send((headers, String::from_utf8(body).unwrap()));
        }
    });
    (url, rx)
}

#[test]
fn http_output_posts_the_json_falcosidekick_reads() {
    let (url, rx) = http_server(2);
    let mut config = HttpOutputConfig::new(&url);
    config.user_agent = "falco-rs-test".into();
    let http = http::HttpOutput::new(&config, Duration::from_secs(5)).unwrap();
    let counters = http.counters();
    let out = outputs(vec![Box::new(http)], 0, true);
    out.send(&alert(1));
    out.send(&alert(2));
    let stats = out.stop();
    assert_eq!(stats.written_of("http"), 2);
    assert_eq!(counters.sent.load(Ordering::Relaxed), 2);
    for n in 1..=2u64 {
        let (headers, body) = rx.recv_timeout(Duration::from_secs(60)).unwrap();
        let lower = headers.to_ascii_lowercase();
        assert!(lower.starts_with("post / http/1.1"), "{headers}");
        assert!(
            lower.contains("content-type: application/json"),
            "{headers}"
        );
        assert!(lower.contains("user-agent: falco-rs-test"), "{headers}");
        let v: Value = serde_json::from_str(&body).unwrap();
        for key in [
            "hostname",
            "output",
            "output_fields",
            "priority",
            "rule",
            "source",
            "tags",
            "time",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {body}");
        }
        assert_eq!(v["priority"], "Warning");
        assert_eq!(v["output_fields"]["n"], n);
        assert!(v["time"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn a_dead_http_endpoint_is_counted_and_blocks_nothing() {
    // A port nothing listens on: connections are refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = HttpOutputConfig::new(&format!("http://127.0.0.1:{port}/"));
    let http = http::HttpOutput::new(&config, Duration::from_secs(2)).unwrap();
    let counters = http.counters();
    let dir = tempfile::tempdir().unwrap();
    let file_path = dir.path().join("f.txt").display().to_string();
    let out = outputs(
        vec![
            Box::new(http),
            Box::new(file::FileOutput::new(&file_path, true, false)),
        ],
        0,
        true,
    );
    // (That sending never waits for an output is a_full_queue_drops_and_counts'.)
    for n in 0..5 {
        assert!(out.send(&alert(n)));
    }
    let stats = out.stop();
    assert_eq!(stats.errors_of("http"), 5);
    assert_eq!(counters.failures.load(Ordering::Relaxed), 5);
    assert_eq!(
        stats.written_of("file"),
        5,
        "the other outputs still get every alert"
    );
    assert_eq!(
        std::fs::read_to_string(&file_path).unwrap().lines().count(),
        5
    );
}

#[test]
fn a_silent_http_endpoint_times_out_and_is_retried() {
    // Accepts connections but never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    // Holds every connection open until the test is done with them.
    let (done, done_rx) = mpsc::channel::<()>();
    listener.set_nonblocking(true).unwrap();
    let keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        loop {
            match listener.accept() {
                Ok((s, _)) => held.push(s),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("accept: {e}"),
            }
            if done_rx.recv_timeout(Duration::from_millis(10))
                != Err(mpsc::RecvTimeoutError::Timeout)
            {
                return held.len();
            }
        }
    });
    let mut config = HttpOutputConfig::new(&url);
    config.max_consecutive_timeouts = 1;
    let http = http::HttpOutput::new(&config, Duration::from_millis(150)).unwrap();
    let counters = http.counters();
    let out = Outputs::with_channels(
        json_options(),
        "h",
        0,
        Duration::from_secs(2),
        vec![Box::new(http)],
    );
    out.send(&alert(1));
    let stats = out.stop();
    assert_eq!(stats.errors_of("http"), 1);
    assert_eq!(
        counters.timeouts.load(Ordering::Relaxed),
        2,
        "one try and one retry"
    );
    done.send(()).unwrap();
    assert_eq!(
        keep.join().unwrap(),
        2,
        "two connections: the try and the retry"
    );
}

/// An output that blocks until released.
struct Gate {
    entered: mpsc::Sender<()>,
    release: Arc<Mutex<mpsc::Receiver<()>>>,
}

impl Output for Gate {
    fn name(&self) -> &'static str {
        "gate"
    }
    fn output(&mut self, _msg: &OutputMessage) -> Result<(), OutputError> {
        let _ = self.entered.send(());
        let _ = self
            .release
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(10));
        Ok(())
    }
}

#[test]
fn a_full_queue_drops_and_counts() {
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let gate = Gate {
        entered: entered_tx,
        release: Arc::new(Mutex::new(release_rx)),
    };
    let out = Outputs::with_channels(
        FormatOptions::default(),
        "h",
        2,
        Duration::from_secs(5),
        vec![Box::new(gate)],
    );
    assert!(out.send(&alert(0)));
    entered.recv_timeout(Duration::from_secs(60)).unwrap();
    // The worker holds alert 0 (the gate keeps it up to 10 s): two fit in
    // the queue, the rest are dropped at once. A send that waited for the
    // worker would take those 10 s; 5 s leaves a loaded machine room.
    let start = Instant::now();
    let sent: Vec<bool> = (1..8).map(|n| out.send(&alert(n))).collect();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "a full queue must not block"
    );
    assert_eq!(sent, [true, true, false, false, false, false, false]);
    assert_eq!(out.stats().dropped, 5);
    for _ in 0..3 {
        release.send(()).unwrap();
    }
    let stats = out.stop();
    assert_eq!(stats.queued, 3);
    assert_eq!(stats.dropped, 5);
    assert_eq!(stats.written_of("gate"), 3);
}

#[test]
fn a_blocked_output_is_reported_by_the_watchdog() {
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let gate = Gate {
        entered: entered_tx,
        release: Arc::new(Mutex::new(release_rx)),
    };
    let out = Outputs::with_channels(
        FormatOptions::default(),
        "h",
        0,
        Duration::from_millis(100),
        vec![Box::new(gate)],
    );
    out.send(&alert(0));
    entered.recv_timeout(Duration::from_secs(60)).unwrap();
    wait_until("the watchdog's report", || out.stats().timeouts > 0);
    assert_eq!(out.stats().timeouts, 1, "reported once per blocked alert");
    release.send(()).unwrap();
    out.stop();
}

#[test]
fn internal_messages_go_through_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("i.txt").display().to_string();
    let out = outputs(
        vec![Box::new(file::FileOutput::new(&p, false, false))],
        0,
        true,
    );
    out.send_internal(&InternalMessage {
        time_ns: 1,
        priority: Priority::Debug,
        rule: "Falco internal: metrics snapshot".into(),
        message: "Falco metrics snapshot".into(),
        fields: vec![("falco.outputs_queue_num_drops".into(), json!(0))],
    });
    out.stop();
    let v: Value = serde_json::from_str(std::fs::read_to_string(&p).unwrap().trim()).unwrap();
    assert_eq!(v["source"], "internal");
    assert_eq!(v["rule"], "Falco internal: metrics snapshot");
    assert_eq!(v["output_fields"]["falco.outputs_queue_num_drops"], 0);
}

/// An output that fails while `up` is false and records what it got.
#[derive(Clone, Default)]
struct Flaky {
    up: Arc<std::sync::atomic::AtomicBool>,
    got: Arc<Mutex<Vec<String>>>,
}

impl Output for Flaky {
    fn name(&self) -> &'static str {
        "flaky"
    }
    fn output(&mut self, msg: &OutputMessage) -> Result<(), OutputError> {
        if !self.up.load(Ordering::SeqCst) {
            return Err(OutputError::io("flaky")(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            )));
        }
        self.got.lock().unwrap().push(msg.line.clone());
        Ok(())
    }
}

fn fast_retry() -> retry::RetryPolicy {
    retry::RetryPolicy {
        initial: Duration::from_millis(5),
        max: Duration::from_millis(40),
    }
}

/// The `n` of each JSON line, in order.
fn numbers(lines: &[String]) -> Vec<u64> {
    lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["output_fields"]["n"].as_u64().unwrap()
        })
        .collect()
}

#[test]
fn a_blocked_output_holds_back_neither_the_others_nor_the_sender() {
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let gate = Gate {
        entered: entered_tx,
        release: Arc::new(Mutex::new(release_rx)),
    };
    let flaky = Flaky::default();
    flaky.up.store(true, Ordering::SeqCst);
    let out = outputs(vec![Box::new(gate), Box::new(flaky.clone())], 0, true);
    out.send(&alert(0));
    entered.recv_timeout(Duration::from_secs(60)).unwrap();
    // The gate holds alert 0 (up to 10 s); the other output gets all.
    for n in 1..20 {
        assert!(out.send(&alert(n)));
    }
    wait_until("every alert at the free output", || {
        flaky.got.lock().unwrap().len() == 20
    });
    assert_eq!(out.stats().lane("gate").unwrap().queue_depth, 19);
    for _ in 0..20 {
        release.send(()).unwrap();
    }
    let stats = out.stop();
    assert_eq!(stats.written_of("gate"), 20);
    assert_eq!(
        numbers(&flaky.got.lock().unwrap()),
        (0..20).collect::<Vec<_>>()
    );
}

#[test]
fn a_retrying_output_delivers_everything_once_in_order_after_an_outage() {
    let flaky = Flaky::default();
    let delivery = Delivery {
        retry: Some(fast_retry()),
        spool: None,
    };
    let options = FormatOptions {
        include_uuid: true,
        ..json_options()
    };
    let out = Outputs::with_lanes(
        options,
        "h",
        0,
        Duration::from_secs(2),
        vec![(Box::new(flaky.clone()), delivery)],
    );
    for n in 0..10 {
        assert!(out.send(&alert(n)));
    }
    wait_until("a few failed attempts", || {
        out.stats().lane("flaky").unwrap().retried >= 3
    });
    assert!(flaky.got.lock().unwrap().is_empty());
    flaky.up.store(true, Ordering::SeqCst);
    wait_until("all ten", || flaky.got.lock().unwrap().len() == 10);
    let stats = out.stop();
    let lane = stats.lane("flaky").unwrap();
    assert_eq!((lane.sent, lane.dropped, lane.spooled), (10, 0, 0));
    assert!(lane.errors >= 3 && lane.retried >= 3, "{lane:?}");
    let got = flaky.got.lock().unwrap().clone();
    assert_eq!(numbers(&got), (0..10).collect::<Vec<_>>());
    let uuids: std::collections::HashSet<String> = got
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["uuid"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(uuids.len(), 10, "one UUID per alert");
}

#[test]
fn a_spool_keeps_alerts_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let delivery = Delivery {
        retry: Some(fast_retry()),
        spool: Some(spool::SpoolConfig {
            dir: dir.path().join("spool"),
            max_bytes: 1 << 20,
            when_full: spool::WhenFull::DropOldest,
        }),
    };
    let start = |flaky: &Flaky| {
        Outputs::with_lanes(
            json_options(),
            "h",
            4,
            Duration::from_millis(500),
            vec![(Box::new(flaky.clone()) as Box<dyn Output>, delivery.clone())],
        )
    };
    // First run: the output is down throughout.
    let down = Flaky::default();
    let out = start(&down);
    let mut sent = Vec::new();
    for n in 0..50 {
        // Never blocks, and with a worker that spools nothing is dropped
        // once it keeps up; a full queue of 4 may still drop a few.
        if out.send(&alert(n)) {
            sent.push(n);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    wait_until("the alerts in the spool", || {
        out.stats().lane("flaky").unwrap().spooled == sent.len() as u64
    });
    let stats = out.stop();
    let lane = stats.lane("flaky").unwrap();
    assert_eq!(lane.sent, 0);
    assert_eq!(lane.queue_depth, sent.len() as u64, "{lane:?}");
    // Second run: the output is up; the spool goes first, then new ones.
    let up = Flaky::default();
    up.up.store(true, Ordering::SeqCst);
    let out = start(&up);
    assert!(out.send(&alert(1000)));
    wait_until("the spool and the new alert", || {
        up.got.lock().unwrap().len() == sent.len() + 1
    });
    let stats = out.stop();
    let mut expected = sent.clone();
    expected.push(1000);
    assert_eq!(numbers(&up.got.lock().unwrap()), expected);
    assert_eq!(stats.lane("flaky").unwrap().queue_depth, 0);
    // Third run: nothing is sent twice.
    let again = Flaky::default();
    again.up.store(true, Ordering::SeqCst);
    let out = start(&again);
    out.stop();
    assert!(again.got.lock().unwrap().is_empty());
}
