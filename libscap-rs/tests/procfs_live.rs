//! The /proc scan against this machine's real /proc: the test process
//! opens files, sockets and pipes, starts a thread and a child, and finds
//! each of them in the scan with what it knows about them from elsewhere
//! (std's view of its own sockets, files and environment).

#![cfg(target_os = "linux")]

use falco_abi::flag_tables::open_flags as ppm;
use falco_scap::procfs::{read_thread, scan, scan_with_report, ScanOptions};
use falco_scap::state::{FdInfo, FdTarget, FdType, InitialState, ThreadInfo};
use std::io::Write;
use std::net::{IpAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;

/// glibc's O_LARGEFILE is 0 on 64-bit targets, so libscap never reports it
/// there; on 32-bit targets std opens with it.
const LARGEFILE: u32 = if cfg!(target_pointer_width = "64") {
    0
} else {
    ppm::O_LARGEFILE
};
const L4_TCP: u8 = 2;
const L4_UDP: u8 = 3;

fn me() -> u64 {
    u64::from(std::process::id())
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("falco-rs-procfs-live-{tag}-{}", me()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn thread(state: &InitialState, tid: u64) -> &ThreadInfo {
    state
        .threads
        .get(&tid)
        .unwrap_or_else(|| panic!("thread {tid} not in the scan"))
}

fn fd_of(t: &ThreadInfo, fd: i32) -> &FdInfo {
    t.fds
        .iter()
        .find(|f| f.fd == i64::from(fd))
        .unwrap_or_else(|| panic!("fd {fd} not among {:?}", t.fds))
}

/// The device of `path` as the scan should report it: the `st_dev` of the
/// file, when a mount of that device is listed in mountinfo (on btrfs or
/// overlay the two can differ, and libscap reports the mount's).
fn expected_dev(path: &std::path::Path) -> Option<u32> {
    let dev = std::fs::metadata(path).unwrap().dev();
    // glibc's major() and minor().
    let (major, minor) = (
        ((dev >> 8) & 0xfff) | ((dev >> 32) & 0xffff_f000),
        (dev & 0xff) | ((dev >> 12) & 0xffff_ff00),
    );
    let needle = format!(" {major}:{minor} ");
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    mountinfo
        .lines()
        .any(|l| l.contains(&needle))
        .then_some(dev as u32)
}

#[test]
fn procfs_live_finds_own_process_and_its_fds() {
    let dir = scratch("fds");

    // Files with known open flags.
    let ro_path = dir.join("read-only.txt");
    std::fs::write(&ro_path, b"x").unwrap();
    let ro = std::fs::File::open(&ro_path).unwrap();
    let app_path = dir.join("append.log");
    let mut app = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&app_path)
        .unwrap();
    app.write_all(b"y").unwrap();
    let rw_path = dir.join("rw-nonblock.bin");
    std::fs::write(&rw_path, b"z").unwrap();
    // O_NONBLOCK is 0o4000 on the architectures this project builds for.
    let rw = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(0o4000)
        .open(&rw_path)
        .unwrap();
    let dir_fd = std::fs::File::open(&dir).unwrap();

    // Sockets.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let lport = listener.local_addr().unwrap().port();
    let client = TcpStream::connect(("127.0.0.1", lport)).unwrap();
    let cport = client.local_addr().unwrap().port();
    let (server, _) = listener.accept().unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let uport = udp.local_addr().unwrap().port();
    let udp_conn = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp_conn.connect(("127.0.0.1", uport)).unwrap();
    let ucport = udp_conn.local_addr().unwrap().port();
    let v6 = TcpListener::bind("[::1]:0").ok();
    let unix_path = dir.join("s.sock");
    let unix = UnixListener::bind(&unix_path).unwrap();
    let (pair_a, _pair_b) = UnixStream::pair().unwrap();

    // Pipes, through a child that holds the other ends.
    let mut child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let to_child = child.stdin.as_ref().unwrap().as_raw_fd();
    let from_child = child.stdout.as_ref().unwrap().as_raw_fd();

    // A named thread that reports its tid and waits.
    let (tid_tx, tid_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let probe = std::thread::Builder::new()
        .name("procfs-probe".into())
        .spawn(move || {
            let link = std::fs::read_link("/proc/thread-self").unwrap();
            let tid: u64 = link.file_name().unwrap().to_str().unwrap().parse().unwrap();
            tid_tx.send(tid).unwrap();
            let _ = done_rx.recv();
        })
        .unwrap();
    let probe_tid = tid_rx.recv().unwrap();

    let (state, report) = scan_with_report(&ScanOptions::default()).unwrap();
    assert!(report.processes > 0 && report.threads >= report.processes);

    // The process itself.
    let t = thread(&state, me());
    assert_eq!(t.pid, me());
    assert_eq!(t.ptid, u64::from(std::os::unix::process::parent_id()));
    let exe = std::env::current_exe().unwrap();
    let name = exe.file_name().unwrap().to_string_lossy();
    let comm: String = name.chars().take(15).collect();
    assert_eq!(t.comm, comm);
    assert_eq!(t.exe, std::env::args().next().unwrap());
    assert_eq!(t.exepath, exe.to_string_lossy());
    assert_eq!(t.cwd, std::env::current_dir().unwrap().to_string_lossy());
    let proc_self = std::fs::metadata("/proc/self").unwrap();
    assert_eq!(t.uid, proc_self.uid());
    assert_eq!(t.gid, proc_self.gid());
    assert_eq!(t.flags, 0);
    assert_eq!((t.vtid, t.vpid), (me() as i64, me() as i64));
    let exe_meta = std::fs::metadata(&exe).unwrap();
    assert_eq!(t.exe_ino, exe_meta.ino());
    assert_eq!(
        t.exe_ino_mtime,
        exe_meta.mtime() as u64 * 1_000_000_000 + exe_meta.mtime_nsec() as u64
    );
    assert!(!t.exe_from_memfd);
    assert!(t.fdlimit > 0);
    assert_eq!(t.args.last().copied().unwrap_or(0), 0);
    if let Some((k, v)) = std::env::vars_os().next() {
        let mut first = k.into_encoded_bytes();
        first.push(b'=');
        first.extend(v.into_encoded_bytes());
        assert!(
            t.env.starts_with(&first),
            "environment does not start with {:?}",
            String::from_utf8_lossy(&first)
        );
    }
    // Every cgroup v1 controller of /proc/self/cgroup is listed.
    let cg = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    for line in cg.lines() {
        let mut p = line.splitn(3, ':');
        let (_, subsys, path) = (p.next(), p.next().unwrap(), p.next().unwrap());
        for s in subsys.split(',').filter(|s| !s.is_empty()) {
            let entry = format!("{s}={path}\0");
            assert!(
                t.cgroups
                    .windows(entry.len())
                    .any(|w| w == entry.as_bytes()),
                "missing cgroup {entry:?}"
            );
        }
    }

    // Files.
    let f = fd_of(t, ro.as_raw_fd());
    let FdTarget::File {
        open_flags,
        name,
        dev,
    } = &f.target
    else {
        panic!("not a file: {:?}", f.target)
    };
    assert_eq!(*open_flags, ppm::O_RDONLY | ppm::O_CLOEXEC | LARGEFILE);
    assert_eq!(*name, ro_path.to_string_lossy());
    assert!(dev.is_some());
    if let Some(expected) = expected_dev(&ro_path) {
        assert_eq!(*dev, Some(expected));
    }
    assert_eq!(f.ino, std::fs::metadata(&ro_path).unwrap().ino());
    let f = fd_of(t, app.as_raw_fd());
    assert!(
        matches!(&f.target, FdTarget::File { open_flags, name, .. }
            if *open_flags == ppm::O_WRONLY | ppm::O_APPEND | ppm::O_CLOEXEC | LARGEFILE
            && *name == app_path.to_string_lossy()),
        "{:?}",
        f.target
    );
    let f = fd_of(t, rw.as_raw_fd());
    assert!(
        matches!(&f.target, FdTarget::File { open_flags, .. }
            if *open_flags == ppm::O_RDWR | ppm::O_NONBLOCK | ppm::O_CLOEXEC | LARGEFILE),
        "{:?}",
        f.target
    );
    assert_eq!(
        fd_of(t, dir_fd.as_raw_fd()).target,
        FdTarget::Named {
            fd_type: FdType::Directory,
            name: dir.to_string_lossy().into_owned()
        }
    );

    // Sockets.
    let lo = [127, 0, 0, 1];
    assert_eq!(
        fd_of(t, listener.as_raw_fd()).target,
        FdTarget::IpServSock {
            ip: IpAddr::from(lo),
            port: lport,
            l4proto: L4_TCP
        }
    );
    assert_eq!(
        fd_of(t, client.as_raw_fd()).target,
        FdTarget::IpSock {
            sip: IpAddr::from(lo),
            dip: IpAddr::from(lo),
            sport: cport,
            dport: lport,
            l4proto: L4_TCP
        }
    );
    assert_eq!(
        fd_of(t, server.as_raw_fd()).target,
        FdTarget::IpSock {
            sip: IpAddr::from(lo),
            dip: IpAddr::from(lo),
            sport: lport,
            dport: cport,
            l4proto: L4_TCP
        }
    );
    assert_eq!(
        fd_of(t, udp.as_raw_fd()).target,
        FdTarget::IpServSock {
            ip: IpAddr::from(lo),
            port: uport,
            l4proto: L4_UDP
        }
    );
    assert_eq!(
        fd_of(t, udp_conn.as_raw_fd()).target,
        FdTarget::IpSock {
            sip: IpAddr::from(lo),
            dip: IpAddr::from(lo),
            sport: ucport,
            dport: uport,
            l4proto: L4_UDP
        }
    );
    if let Some(v6) = &v6 {
        let mut one = [0u8; 16];
        one[15] = 1;
        assert_eq!(
            fd_of(t, v6.as_raw_fd()).target,
            FdTarget::IpServSock {
                ip: IpAddr::from(one),
                port: v6.local_addr().unwrap().port(),
                l4proto: L4_TCP
            }
        );
    }
    let sock_ino = |fd: i32| {
        std::fs::metadata(format!("/proc/self/fd/{fd}"))
            .unwrap()
            .ino()
    };
    let u = fd_of(t, unix.as_raw_fd());
    assert!(
        matches!(&u.target, FdTarget::UnixSock { path, dest: 0, .. } if *path == unix_path.to_string_lossy()),
        "{:?}",
        u.target
    );
    assert_eq!(u.ino, sock_ino(unix.as_raw_fd()));
    assert!(matches!(
        &fd_of(t, pair_a.as_raw_fd()).target,
        FdTarget::UnixSock { path, .. } if path.is_empty()
    ));

    // Pipes: both ends of each pipe share one inode, named pipe:[ino].
    let pipe_name = |fd: i32| {
        let f = fd_of(t, fd);
        match &f.target {
            FdTarget::Named {
                fd_type: FdType::Fifo,
                name,
            } => {
                assert_eq!(*name, format!("pipe:[{}]", f.ino));
                name.clone()
            }
            other => panic!("fd {fd} is no pipe: {other:?}"),
        }
    };
    let to_name = pipe_name(to_child);
    let from_name = pipe_name(from_child);
    assert_ne!(to_name, from_name);
    let c = thread(&state, u64::from(child.id()));
    assert_eq!(c.pid, u64::from(child.id()));
    assert_eq!(c.ptid, me());
    assert_eq!(c.comm, "cat");
    assert_eq!(c.exe, "cat");
    assert!(c.exepath.ends_with("/cat"), "{}", c.exepath);
    assert!(c.args.is_empty());
    let child_fd = |fd: i64| c.fds.iter().find(|f| f.fd == fd).map(|f| f.target.clone());
    assert_eq!(
        child_fd(0),
        Some(FdTarget::Named {
            fd_type: FdType::Fifo,
            name: to_name
        })
    );
    assert_eq!(
        child_fd(1),
        Some(FdTarget::Named {
            fd_type: FdType::Fifo,
            name: from_name
        })
    );

    // The probe thread.
    let p = thread(&state, probe_tid);
    assert_ne!(probe_tid, me());
    assert_eq!(p.pid, me());
    assert_eq!(p.comm, "procfs-probe");
    assert_eq!(p.flags, 0x2001, "CLONE_THREAD | CLONE_FILES");
    assert_eq!(p.vtid, probe_tid as i64);
    assert_eq!(p.vpid, me() as i64);
    assert!(p.fds.is_empty(), "threads share the leader's fds");
    assert_eq!(p.exepath, t.exepath);

    // Machine information that std can confirm.
    let m = state.machine.as_ref().unwrap();
    assert!(m.num_cpus >= 1);
    assert!(m.memory_size_bytes > 0 && m.max_pid > 0 && m.boot_ts_epoch > 0);
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    assert!(m.boot_ts_epoch < now_ns);
    assert!(state.interfaces.iter().any(|i| i.name == "lo"));
    if std::path::Path::new("/etc/passwd").exists() {
        assert!(state.users.iter().any(|u| u.uid == 0));
    }

    drop(done_tx);
    probe.join().unwrap();
    drop(child.stdin.take());
    child.wait().unwrap();
    drop((ro, app, rw, dir_fd, client, server, udp, udp_conn, unix));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn procfs_live_options() {
    let dir = scratch("opts");
    let path = dir.join("f");
    std::fs::write(&path, b"").unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();

    // Excluding our own pid leaves out every thread of the process.
    let opts = ScanOptions {
        exclude_pid: Some(me()),
        include_system_info: false,
        ..ScanOptions::default()
    };
    let state = scan(&opts).unwrap();
    assert!(!state.threads.is_empty());
    assert!(state.threads.values().all(|t| t.pid != me()));
    assert!(state.machine.is_none() && state.users.is_empty());

    // Without fds.
    let opts = ScanOptions {
        include_fds: false,
        include_system_info: false,
        ..ScanOptions::default()
    };
    let state = scan(&opts).unwrap();
    assert!(thread(&state, me()).fds.is_empty());

    // Without sockets: files stay, sockets go.
    let opts = ScanOptions {
        include_sockets: false,
        include_system_info: false,
        ..ScanOptions::default()
    };
    let state = scan(&opts).unwrap();
    let t = thread(&state, me());
    assert!(t.fds.iter().any(|f| f.fd == i64::from(file.as_raw_fd())));
    assert!(t
        .fds
        .iter()
        .all(|f| f.fd != i64::from(listener.as_raw_fd())));

    // On-demand lookups.
    let opts = ScanOptions::default();
    let t = read_thread(&opts, me()).unwrap().unwrap();
    assert_eq!(t.pid, me());
    assert!(matches!(
        fd_of(&t, listener.as_raw_fd()).target,
        FdTarget::IpServSock { .. }
    ));
    let (tx, rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let h = std::thread::spawn(move || {
        let link = std::fs::read_link("/proc/thread-self").unwrap();
        tx.send(
            link.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .parse::<u64>()
                .unwrap(),
        )
        .unwrap();
        let _ = done_rx.recv();
    });
    let tid = rx.recv().unwrap();
    let t = read_thread(&opts, tid).unwrap().unwrap();
    assert_eq!((t.tid, t.pid, t.flags), (tid, me(), 0x2001));
    assert!(t.fds.is_empty());
    drop(done_tx);
    h.join().unwrap();
    // A tid beyond pid_max does not exist.
    assert_eq!(read_thread(&opts, 1 << 40).unwrap(), None);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn procfs_live_kernel_threads_only_on_request() {
    // kthreadd (pid 2) exists on every Linux system booted normally; when
    // this runs in a pid namespace there are no kernel threads to see.
    let has_kthreadd = std::fs::read_to_string("/proc/2/comm").is_ok_and(|c| c == "kthreadd\n");
    let base = ScanOptions {
        include_fds: false,
        include_system_info: false,
        ..ScanOptions::default()
    };
    let (state, report) = scan_with_report(&base).unwrap();
    assert!(!state.threads.contains_key(&2));
    let with = ScanOptions {
        include_kernel_threads: true,
        ..base
    };
    let (state2, _) = scan_with_report(&with).unwrap();
    if has_kthreadd {
        assert!(report.kernel_threads > 0);
        let k = thread(&state2, 2);
        assert_eq!(k.comm, "kthreadd");
        assert!(k.exe.is_empty() && k.exepath.is_empty() && k.args.is_empty());
    }
}
