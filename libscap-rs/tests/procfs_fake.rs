//! The /proc scan over a fabricated /proc and host root: every field of a
//! process and a thread, kernel threads, vanished and broken processes,
//! machine info, users and interfaces, with exact expected values.

#![cfg(target_os = "linux")]

use falco_scap::procfs::{scan, scan_with_report, ScanOptions};
use falco_scap::state::{FdTarget, FdType, Interface, InterfaceAddr, ThreadInfo};
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};

struct Tree {
    root: PathBuf,
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn write(path: &Path, content: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// The hex `/proc/net` prints for an IPv4 address on this CPU.
fn be32(a: [u8; 4]) -> String {
    format!("{:08X}", u32::from_ne_bytes(a))
}

const STATUS_100: &str =
    "Name:\tfake\nTgid:\t100\nPid:\t100\nPPid:\t42\nUid:\t1000\t1001\t1000\t1000\n\
Gid:\t2000\t2002\t2000\t2000\nNStgid:\t100\t1\nNSpid:\t100\t1\nNSpgid:\t100\t1\n\
VmSize:\t  5000 kB\nVmRSS:\t  300 kB\nVmSwap:\t  7 kB\n\
CapInh:\t0000000000000001\nCapPrm:\t00000000000000ff\nCapEff:\t00000000000000f0\n";

const STATUS_101: &str =
    "Name:\tworker\nTgid:\t100\nPid:\t101\nPPid:\t42\nUid:\t1000\t1001\t1000\t1000\n\
Gid:\t2000\t2002\t2000\t2000\nNStgid:\t100\t1\nNSpid:\t101\t2\nNSpgid:\t100\t1\n";

fn thread_files(dir: &Path, rootfs: &Path, comm: &str, stat: &str, status: &str) {
    write(&dir.join("cmdline"), b"/bin/fake\0-x\0two words\0");
    write(&dir.join("comm"), format!("{comm}\n"));
    write(&dir.join("environ"), b"HOME=/home/u\0LANG=C\0");
    write(&dir.join("stat"), stat);
    write(&dir.join("status"), status);
    write(
        &dir.join("limits"),
        "Limit                     Soft Limit           Hard Limit           Units\n\
         Max open files            4096                 8192                 files\n",
    );
    write(&dir.join("loginuid"), "1000");
    write(
        &dir.join("cgroup"),
        "2:cpu,cpuacct:/docker/abcdef\n1:name=systemd:/docker/abcdef\n",
    );
    symlink("/srv/app", dir.join("cwd")).unwrap();
    symlink(rootfs, dir.join("root")).unwrap();
}

fn build(tag: &str) -> (Tree, ScanOptions, PathBuf) {
    let root =
        std::env::temp_dir().join(format!("falco-rs-procfs-fake-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let proc = root.join("proc");
    let host = root.join("host");
    let files = root.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let rootfs = files.join("rootfs");
    write(&rootfs.join("proc/1/cmdline"), b"/sbin/init\0");

    // Process 100: leader with a deleted executable, and thread 101.
    let p = proc.join("100");
    thread_files(
        &p,
        &rootfs,
        "fake (x) y",
        "100 (fake (x) y) S 42 100 90 34817 100 0 11 0 22 0 0 0 0 0 20 0 2 0 500 0 0\n",
        STATUS_100,
    );
    let exe = files.join("fake-bin");
    write(&exe, b"\x7fELF");
    symlink(format!("{} (deleted)", exe.display()), p.join("exe")).unwrap();
    let t = p.join("task").join("101");
    thread_files(
        &t,
        &rootfs,
        "worker",
        "101 (worker) S 42 100 90 34817 100 0 3 0 4 0 0 0 0 0 20 0 2 0 501 0 0\n",
        STATUS_101,
    );
    std::fs::create_dir_all(p.join("task").join("100")).unwrap();
    std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o646)).unwrap();
    symlink(&exe, t.join("exe")).unwrap();

    // Fds of 100: a file, a directory, a closed fd (dangling).
    let data = files.join("data.txt");
    write(&data, b"hello");
    std::fs::create_dir_all(p.join("fd")).unwrap();
    symlink(&data, p.join("fd").join("3")).unwrap();
    symlink(&files, p.join("fd").join("4")).unwrap();
    symlink("/gone/away", p.join("fd").join("5")).unwrap();
    // fd 6: a file whose mount is not in mountinfo: st_dev is used.
    symlink(&data, p.join("fd").join("6")).unwrap();
    write(
        &p.join("fdinfo").join("3"),
        "pos:\t0\nflags:\t02102001\nmnt_id:\t77\n",
    );
    write(
        &p.join("fdinfo").join("6"),
        "pos:\t0\nflags:\t0100000\nmnt_id:\t78\n",
    );
    write(
        &p.join("mountinfo"),
        "77 1 8:17 / / rw,relatime - ext4 /dev/sdb1 rw\nbad line\n",
    );

    // 200: a kernel thread (no cmdline, no exe).
    let k = proc.join("200");
    write(&k.join("cmdline"), b"");
    write(&k.join("comm"), "kworker/0:1\n");
    write(
        &k.join("stat"),
        "200 (kworker/0:1) I 2 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n",
    );
    write(
        &k.join("status"),
        "Name:\tkworker/0:1\nTgid:\t200\nPPid:\t2\n",
    );

    // 300: garbage stat. 400: no status. 500: vanished (no cmdline).
    for (pid, stat, status) in [
        ("300", Some("300 garbage"), Some("Tgid:\t300\n")),
        ("400", Some("400 (x) S 1 400 400 0 -1 0 0 0 0 0"), None),
    ] {
        let d = proc.join(pid);
        write(&d.join("cmdline"), b"x\0");
        write(&d.join("comm"), "x\n");
        if let Some(s) = stat {
            write(&d.join("stat"), s);
        }
        if let Some(s) = status {
            write(&d.join("status"), s);
        }
    }
    // 500 vanishes: its directory is a dangling link.
    symlink(root.join("gone"), proc.join("500")).unwrap();
    std::fs::create_dir_all(proc.join("self")).unwrap();
    std::fs::create_dir_all(proc.join("sys").join("fs")).unwrap();

    // Machine files.
    write(
        &proc.join("meminfo"),
        "MemTotal:        2048 kB\nMemFree: 1 kB\n",
    );
    write(&proc.join("stat"), "cpu  1 2 3\nbtime 1700000000\n");
    write(&proc.join("sys/kernel/hostname"), "fakehost\n");
    write(&proc.join("sys/kernel/pid_max"), "4194304\n");
    write(
        &proc.join("cpuinfo"),
        "processor\t: 0\nprocessor\t: 1\nprocessor\t: 2\n",
    );

    // Network: one v4 address on eth0 and loopback, one v6.
    write(
        &proc.join("net/fib_trie"),
        "Local:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 10.1.2.3\n        /32 host LOCAL\n\
         |-- 127.0.0.1\n        /32 host LOCAL\n",
    );
    write(
        &proc.join("net/route"),
        format!(
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
             eth0\t{}\t00000000\t0001\t0\t0\t0\t{}\t0\t0\t0\n",
            be32([10, 1, 0, 0]),
            be32([255, 255, 0, 0])
        ),
    );
    write(
        &proc.join("net/if_inet6"),
        "20010db8000000000000000000000001 02 30 00 80     eth0\n",
    );
    write(&host.join("sys/class/net/eth0/flags"), "0x1003\n");
    write(&host.join("sys/class/net/eth0/ifindex"), "2\n");
    write(&host.join("sys/class/net/lo/flags"), "0x9\n");
    write(&host.join("sys/class/net/lo/ifindex"), "1\n");

    // Users.
    write(
        &host.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/bash\nu:x:1001:2002::/home/u:/bin/sh\n",
    );
    write(&host.join("etc/group"), "root:x:0:\nstaff:x:2002:u\n");

    let opts = ScanOptions {
        host_root: host,
        proc_root: proc,
        ..ScanOptions::default()
    };
    (Tree { root }, opts, files)
}

fn cg() -> Vec<u8> {
    b"cpu=/docker/abcdef\0cpuacct=/docker/abcdef\0name=systemd=/docker/abcdef\0".to_vec()
}

#[test]
fn procfs_fake_tree_every_field() {
    let (_tree, opts, files) = build("fields");
    let (state, report) = scan_with_report(&opts).unwrap();

    assert_eq!(
        state.threads.keys().copied().collect::<Vec<_>>(),
        [100, 101],
        "{report:?}"
    );
    assert_eq!(report.processes, 1);
    assert_eq!(report.threads, 2);
    assert_eq!(report.kernel_threads, 1);
    assert_eq!(report.failed, 2, "{:?}", report.errors);
    assert_eq!(report.vanished, 1);
    assert_eq!(report.errors.len(), 2);
    assert!(report
        .errors
        .iter()
        .any(|e| e.contains("300") && e.contains("stat")));
    assert!(report
        .errors
        .iter()
        .any(|e| e.contains("400") && e.contains("status")));

    let exe_meta = std::fs::metadata(files.join("fake-bin")).unwrap();
    let data_meta = std::fs::metadata(files.join("data.txt")).unwrap();
    let dir_meta = std::fs::metadata(&files).unwrap();
    let ns = |s: i64, n: i64| s as u64 * 1_000_000_000 + n as u64;
    let mut leader = state.threads[&100].clone();
    let fds = std::mem::take(&mut leader.fds);
    let pidns = leader.pidns_init_start_ts;
    let clone_ts = leader.clone_ts;
    assert_eq!(
        leader,
        ThreadInfo {
            tid: 100,
            pid: 100,
            ptid: 42,
            sid: 90,
            vpgid: 1,
            comm: "fake (x) y".into(),
            exe: "/bin/fake".into(),
            exepath: files.join("fake-bin").to_string_lossy().into_owned(),
            args: b"-x\0two words\0".to_vec(),
            cwd: "/srv/app".into(),
            fdlimit: 4096,
            flags: 0,
            uid: 1001,
            gid: 2002,
            vmsize_kb: 5000,
            vmrss_kb: 300,
            vmswap_kb: 7,
            pfmajor: 22,
            pfminor: 11,
            env: b"HOME=/home/u\0LANG=C\0".to_vec(),
            vtid: 1,
            vpid: 1,
            cgroups: cg(),
            root: files.join("rootfs").to_string_lossy().into_owned(),
            pidns_init_start_ts: pidns,
            tty: 34817,
            loginuid: 1000,
            // No inode to look at: the fake exe link dangles.
            exe_writable: false,
            cap_inheritable: 1,
            cap_permitted: 0xff,
            cap_effective: 0xf0,
            exe_upper_layer: false,
            // The exe link is dangling (" (deleted)" is part of the fake
            // link's target): no inode.
            exe_ino: 0,
            exe_ino_ctime: 0,
            exe_ino_mtime: 0,
            exe_from_memfd: false,
            clone_ts,
            fds: vec![],
        }
    );
    // Created when its cmdline was (libscap's clock for it).
    let cmdline = std::fs::metadata(files.parent().unwrap().join("proc/100/cmdline")).unwrap();
    assert_eq!(clone_ts, ns(cmdline.ctime(), cmdline.ctime_nsec()));
    // The init of the thread's root.
    let init = std::fs::metadata(files.join("rootfs/proc/1/cmdline")).unwrap();
    assert_eq!(pidns, ns(init.ctime(), init.ctime_nsec()));
    assert_ne!(pidns, 0);

    assert_eq!(fds.len(), 3, "{fds:?}");
    assert_eq!(fds[0].fd, 3);
    assert_eq!(fds[0].ino, data_meta.ino());
    assert_eq!(
        fds[0].target,
        FdTarget::File {
            // O_WRONLY|O_APPEND|O_CLOEXEC(|O_LARGEFILE, not reported on
            // 64-bit targets).
            open_flags: 2
                | 8
                | 4096
                | if cfg!(target_pointer_width = "64") {
                    0
                } else {
                    2048
                },
            name: files.join("data.txt").to_string_lossy().into_owned(),
            dev: Some(0x811),
        }
    );
    assert_eq!(fds[1].fd, 4);
    assert_eq!(fds[1].ino, dir_meta.ino());
    assert_eq!(
        fds[1].target,
        FdTarget::Named {
            fd_type: FdType::Directory,
            name: files.to_string_lossy().into_owned()
        }
    );
    assert_eq!(fds[2].fd, 6);
    assert_eq!(
        fds[2].target,
        FdTarget::File {
            open_flags: 1 | if cfg!(target_pointer_width = "64") {
                0
            } else {
                2048
            },
            name: files.join("data.txt").to_string_lossy().into_owned(),
            dev: Some(data_meta.dev() as u32),
        }
    );
    assert_eq!(report.fds, 3);
    assert_eq!(report.skipped_fds, 1);

    let w = &state.threads[&101];
    assert_eq!((w.tid, w.pid, w.ptid), (101, 100, 42));
    assert_eq!(w.comm, "worker");
    assert_eq!(w.flags, 0x2001);
    assert_eq!((w.vtid, w.vpid, w.vpgid), (2, 1, 1));
    assert_eq!((w.pfminor, w.pfmajor), (3, 4));
    assert!(w.fds.is_empty());
    assert_eq!(w.cgroups, cg());
    // Its exe link reaches the file: inode, times, and the other-write bit
    // (0o646) makes it writable for uid 1001.
    assert_eq!(w.exepath, files.join("fake-bin").to_string_lossy());
    assert_eq!(w.exe_ino, exe_meta.ino());
    assert_eq!(w.exe_ino_ctime, ns(exe_meta.ctime(), exe_meta.ctime_nsec()));
    assert_eq!(w.exe_ino_mtime, ns(exe_meta.mtime(), exe_meta.mtime_nsec()));
    assert!(w.exe_writable);
    assert_eq!(w.pidns_init_start_ts, pidns);

    let m = state.machine.as_ref().unwrap();
    assert_eq!(
        m.num_cpus, 3,
        "from cpuinfo: the fake host has no sysfs cpu list"
    );
    assert_eq!(m.memory_size_bytes, 2048 * 1024);
    assert_eq!(m.max_pid, 4194304);
    assert_eq!(m.hostname, "fakehost");
    assert_eq!(m.boot_ts_epoch, 1_700_000_000_000_000_000);
    assert_eq!(m.flags & (0xff << 48), 1 << 48, "SCAP_OS_LINUX");

    assert_eq!(state.users.len(), 2);
    assert_eq!(state.users[1].name, "u");
    assert_eq!(state.users[1].homedir, "/home/u");
    assert_eq!(state.groups.len(), 2);
    assert_eq!(state.groups[1].gid, 2002);

    let mut v6 = [0u8; 16];
    v6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    v6[15] = 1;
    let mut m48 = [0u8; 16];
    m48[..6].fill(0xff);
    assert_eq!(
        state.interfaces,
        [
            Interface {
                name: "lo".into(),
                addr: InterfaceAddr::V4 {
                    addr: [127, 0, 0, 1],
                    netmask: [255, 0, 0, 0],
                    bcast: [127, 0, 0, 1]
                },
                linkspeed: Some(0)
            },
            Interface {
                name: "eth0".into(),
                addr: InterfaceAddr::V4 {
                    addr: [10, 1, 2, 3],
                    netmask: [255, 255, 0, 0],
                    bcast: [10, 1, 255, 255]
                },
                linkspeed: Some(0)
            },
            Interface {
                name: "eth0".into(),
                addr: InterfaceAddr::V6 {
                    addr: v6,
                    netmask: m48,
                    bcast: [0; 16]
                },
                linkspeed: Some(0)
            },
        ]
    );
}

#[test]
fn procfs_fake_tree_options() {
    let (_tree, opts, _) = build("opts");

    // Strict: the first broken process aborts the scan, naming its file.
    let strict = ScanOptions {
        strict: true,
        ..opts.clone()
    };
    let err = scan(&strict).unwrap_err().to_string();
    assert!(err.contains("300") && err.contains("stat"), "{err}");

    // Kernel threads on request.
    let with_k = ScanOptions {
        include_kernel_threads: true,
        ..opts.clone()
    };
    let state = scan(&with_k).unwrap();
    let k = &state.threads[&200];
    assert_eq!(k.comm, "kworker/0:1");
    assert_eq!((k.ptid, k.vtid, k.vpid), (2, 200, 200));
    assert!(k.exe.is_empty() && k.exepath.is_empty() && k.env.is_empty());
    assert_eq!(k.uid, u32::MAX, "no Uid line");
    assert_eq!(k.fdlimit, u64::MAX, "no limits file");
    assert_eq!(k.loginuid, u32::MAX, "no loginuid file");

    // Excluded pid, no fds, no system info.
    let lean = ScanOptions {
        exclude_pid: Some(100),
        include_system_info: false,
        ..opts.clone()
    };
    let (state, report) = scan_with_report(&lean).unwrap();
    assert!(state.threads.is_empty());
    assert_eq!(report.processes, 0);
    assert!(state.machine.is_none() && state.interfaces.is_empty() && state.users.is_empty());
    let no_fds = ScanOptions {
        include_fds: false,
        ..opts.clone()
    };
    assert!(scan(&no_fds).unwrap().threads[&100].fds.is_empty());

    // A proc root that does not exist is the one fatal error.
    let missing = ScanOptions {
        proc_root: opts.proc_root.join("nope"),
        ..opts
    };
    assert!(scan(&missing).is_err());
}

#[test]
fn procfs_fake_tree_garbage_never_panics() {
    let junks: [&[u8]; 5] = [
        b"",
        b"\0\0\0",
        b")))(((",
        b"\xff\xfe\n:\t:\n",
        &[b'9'; 5000],
    ];
    let files = [
        "cmdline",
        "comm",
        "environ",
        "stat",
        "status",
        "limits",
        "loginuid",
        "cgroup",
        "mountinfo",
        "fdinfo/3",
    ];
    for (i, junk) in junks.iter().enumerate() {
        for f in files {
            let (_tree, opts, _) = build(&format!("garbage-{i}-{}", f.replace('/', "-")));
            std::fs::write(opts.proc_root.join("100").join(f), junk).unwrap();
            let (state, report) = scan_with_report(&opts).unwrap();
            // The leader parses, or it is counted as failed and its thread
            // goes with it; nothing panics.
            let has = state.threads.contains_key(&100);
            assert_eq!(has, report.failed == 2, "{f} {junk:?}: {report:?}");
            assert_eq!(has, state.threads.contains_key(&101), "{f}");
            if f == "stat" || f == "status" {
                assert!(!has, "junk {f} must not parse");
            }
        }
    }
}

/// The drivers leave out falco's own events by its id on the host: read
/// from the host procfs's `self`, which in a container differs from
/// getpid().
#[test]
fn own_tgid_is_read_from_the_procfs_given() {
    use falco_scap::procfs::own_tgid;
    let dir = std::env::temp_dir().join(format!("falco-rs-own-tgid-{}", std::process::id()));
    let tree = Tree { root: dir.clone() };
    std::fs::create_dir_all(&tree.root).unwrap();
    symlink("4242", tree.root.join("self")).unwrap();
    assert_eq!(own_tgid(&tree.root), 4242);
    // No procfs there: getpid().
    assert_eq!(own_tgid(&tree.root.join("missing")), std::process::id());
    // On the host's own procfs both agree.
    assert_eq!(own_tgid(Path::new("/proc")), std::process::id());
}

/// The purge of inactive threads keeps a thread that still runs under its
/// name; a missing task, a reused tid (another name) or an empty `comm`
/// is gone; a task without `comm` but with an `exe` link is alive.
#[test]
fn is_thread_alive_reads_the_tasks_comm_under_the_procfs_given() {
    use falco_scap::procfs::is_thread_alive;
    let dir = std::env::temp_dir().join(format!("falco-rs-alive-{}", std::process::id()));
    let tree = Tree { root: dir.clone() };
    write(&tree.root.join("100/task/101/comm"), "worker\n");
    write(&tree.root.join("100/task/102/comm"), "");
    std::fs::create_dir_all(tree.root.join("100/task/103")).unwrap();
    symlink("/bin/true", tree.root.join("100/task/103/exe")).unwrap();
    assert!(is_thread_alive(&tree.root, 100, 101, "worker"));
    assert!(!is_thread_alive(&tree.root, 100, 101, "other"));
    assert!(!is_thread_alive(&tree.root, 100, 102, ""));
    assert!(is_thread_alive(&tree.root, 100, 103, "x"));
    assert!(!is_thread_alive(&tree.root, 100, 104, "worker"));
    assert!(!is_thread_alive(
        &tree.root.join("missing"),
        100,
        101,
        "worker"
    ));
    // This test's own thread, on the host's procfs.
    let me = std::process::id() as i64;
    let comm = std::fs::read_to_string(format!("/proc/{me}/comm")).unwrap();
    assert!(is_thread_alive(Path::new("/proc"), me, me, comm.trim_end()));
}
