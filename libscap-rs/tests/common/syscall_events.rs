//! The syscall workload of the live event tests, shared by both live
//! engines (modern_ebpf_events.rs on the host, kmod_events.rs in the test
//! VM with the kernel module loaded): a Python
//! workload makes each supported syscall with known arguments through
//! libc's syscall(), and `check_every_supported_syscall` asserts every
//! parameter of the exit event the engine delivered.

#![allow(dead_code)]

use falco_abi::EventCode as E;
use falco_scap::{Engine, Event, HeaderLayout, Next};
use std::collections::{BTreeSet, HashMap};
use std::process::Command;
use std::time::{Duration, Instant};

pub fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"));
    if !root {
        eprintln!("skipped: the live event tests need root");
    }
    root
}

/// The workload: one syscall per `sc(...)` line, each printing
/// `name=result` so the test knows fds and ports it cannot guess.
const WORKLOAD: &str = r#"
import ctypes, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
L = ctypes.c_long
S = ctypes.c_char_p
def sc(name, nr, *args):
    r = libc.syscall(L(nr), *args)
    if r < 0:
        r = -ctypes.get_errno()
    print(f"{name}={r}", flush=True)
    return r
d = sys.argv[1].encode()
f = d + b"/file"
fd = sc("openat", 257, L(-100), S(f), L(0o1 | 0o100 | 0o1000 | 0o2000000), L(0o640))
st = os.stat(f)
print(f"dev={st.st_dev}", flush=True)
print(f"ino={st.st_ino}", flush=True)
sc("close", 3, L(fd))
fd = sc("open", 2, S(f), L(0), L(0o777))
sc("dup", 32, L(fd))
sc("dup2", 33, L(fd), L(100))
sc("dup3", 292, L(fd), L(101), L(0o2000000))
sc("chmod", 90, S(f), L(0o4755))
sc("mkdir", 83, S(d + b"/sub"), L(0o750))
sc("renameat2", 316, L(-100), S(d + b"/sub"), L(-100), S(d + b"/sub2"), L(1))
sc("unlinkat", 263, L(-100), S(d + b"/sub2"), L(0x200))
sc("getpid", 39)
sc("setuid", 105, L(0))
sc("setresgid", 119, L(-1), L(-1), L(-1))
sc("ptrace", 101, L(16), L(999999), L(0), L(0))
sc("finit_module", 313, L(-1), S(b"a=1"), L(0))
m = d + b"/mnt"
os.mkdir(m)
sc("mount", 165, S(b"none"), S(m), S(b"tmpfs"), L(0xC0ED0000 | 2), L(0))
sc("umount2", 166, S(m), L(2))
srv = sc("socket", 41, L(2), L(1 | 0o2000000), L(0))
import struct
addr = struct.pack("<H", 2) + struct.pack(">H", 0) + bytes([127, 0, 0, 1]) + bytes(8)
buf = ctypes.create_string_buffer(addr, 16)
sc("bind", 49, L(srv), buf, L(16))
sc("listen", 50, L(srv), L(7))
port = socket.socket(fileno=os.dup(srv)).getsockname()[1]
print(f"port={port}", flush=True)
cli = sc("socket2", 41, L(2), L(1), L(0))
caddr = struct.pack("<H", 2) + struct.pack(">H", port) + bytes([127, 0, 0, 1]) + bytes(8)
cbuf = ctypes.create_string_buffer(caddr, 16)
sc("connect", 42, L(cli), cbuf, L(16))
cport = socket.socket(fileno=os.dup(cli)).getsockname()[1]
print(f"cport={cport}", flush=True)
sc("accept4", 288, L(srv), L(0), L(0), L(0o4000))
wfd = os.open(f, os.O_WRONLY)
data = ctypes.create_string_buffer(b"falco-rs says hello", 19)
sc("write", 1, L(wfd), data, L(19))
os.close(wfd)
rfd = os.open(f, os.O_RDONLY)
rbuf = ctypes.create_string_buffer(64)
sc("read", 0, L(rfd), rbuf, L(64))
u1 = sc("usock", 41, L(2), L(2), L(0))
u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u2.bind(("127.0.0.1", 0))
uport = u2.getsockname()[1]
print(f"uport={uport}", flush=True)
dst = struct.pack("<H", 2) + struct.pack(">H", uport) + bytes([127, 0, 0, 1]) + bytes(8)
dbuf = ctypes.create_string_buffer(dst, 16)
msg = ctypes.create_string_buffer(b"ping", 4)
sc("sendto", 44, L(u1), msg, L(4), L(0), dbuf, L(16))
src = ctypes.create_string_buffer(16)
srclen = ctypes.c_uint32(16)
u2fd = os.dup(u2.fileno())
sc("recvfrom", 45, L(u2fd), rbuf, L(64), L(0), src, ctypes.byref(srclen))
nsfd = os.open("/proc/self/ns/uts", os.O_RDONLY)
sc("setns", 308, L(nsfd), L(0x04000000))
sc("unshare", 272, L(0x04000000))
sc("bpf", 321, L(0), L(0), L(0))
sc("prctl", 157, L(15), S(b"rs-worker"), L(0), L(0), L(0))
sc("prctl2", 157, L(4), L(1), L(0), L(0), L(0))
sc("memfd_create", 319, S(b"rs-memfd"), L(1))
p2 = (ctypes.c_int * 2)()
sc("pipe2", 293, p2, L(0o2000000))
print(f"pfd0={p2[0]}", flush=True)
print(f"pfd1={p2[1]}", flush=True)
print(f"pino={os.fstat(p2[0]).st_ino}", flush=True)
sp = (ctypes.c_int * 2)()
sc("socketpair", 53, L(1), L(1), L(0), sp)
print(f"sfd0={sp[0]}", flush=True)
print(f"sfd1={sp[1]}", flush=True)
sc("eventfd2", 290, L(7), L(0o2000000 | 0o4000))
sigmask = ctypes.c_uint64(1 << (10 - 1))
sc("signalfd4", 289, L(-1), ctypes.byref(sigmask), L(8), L(0o2000000))
sc("inotify_init1", 294, L(0o4000))
sc("epoll_create1", 291, L(0o2000000))
"#;

/// Debian's interpreter, by absolute path: a `python3` found in PATH may be
/// a wrapper script (pyenv) that execs the real one under another name.
pub const PYTHON: &str = "/usr/bin/python3";

struct Captured {
    /// Raw events of the workload's threads, in ring order.
    events: Vec<Vec<u8>>,
    /// `name=value` lines the workload printed.
    results: HashMap<String, i64>,
    pid: u32,
    /// The thread that spawned the workload.
    spawner_tid: i64,
    cursor: std::cell::Cell<usize>,
    dir: std::path::PathBuf,
}

fn run_workload(open: impl FnOnce(BTreeSet<u16>) -> Box<dyn Engine>) -> Captured {
    let dir = tempfile_dir();
    // Only what the workload calls (and the process lifecycle) is captured.
    let names = [
        "openat",
        "open",
        "close",
        "dup",
        "dup2",
        "dup3",
        "chmod",
        "mkdir",
        "renameat2",
        "unlinkat",
        "getpid",
        "setuid",
        "setresgid",
        "ptrace",
        "finit_module",
        "mount",
        "umount2",
        "socket",
        "bind",
        "listen",
        "connect",
        "accept4",
        "execve",
        "clone",
        "clone3",
        "vfork",
        "read",
        "write",
        "sendto",
        "recvfrom",
        "setns",
        "unshare",
        "bpf",
        "prctl",
        "memfd_create",
        "pipe2",
        "socketpair",
        "eventfd2",
        "signalfd4",
        "inotify_init1",
        "epoll_create1",
    ];
    let syscalls: BTreeSet<u16> = names
        .iter()
        .map(|n| {
            falco_abi::syscalls::PPM_SC
                .iter()
                .find(|s| s.name == *n)
                .unwrap_or_else(|| panic!("no PPM_SC {n}"))
                .code
        })
        .collect();
    let mut engine = open(syscalls);
    let child = Command::new(PYTHON)
        .arg("-c")
        .arg(WORKLOAD)
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "workload failed: {out:?}");
    let results = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim().parse::<i64>().unwrap()))
        .collect();

    // Drain until the workload's exit has come through.
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut exited = false;
    while !exited && Instant::now() < deadline {
        match engine.next().unwrap() {
            Next::Event(ev) => {
                if ev.tid == pid as u64 {
                    exited |= ev.evt_type == E::PROCEXIT_1_E as u16;
                    events.push(ev.raw().to_vec());
                }
            }
            Next::Timeout => {}
            Next::Touch(_) => panic!("a live engine gives no outlines"),
            Next::Eof => panic!("a live engine does not end"),
        }
    }
    assert!(exited, "no procexit for the workload within 60 s");
    let stats = engine.stats();
    assert_eq!(
        stats.drops_buffer, 0,
        "drops with the test's ring: {stats:?}"
    );
    assert_eq!(stats.drops_bug, 0, "encoding errors: {stats:?}");
    let spawner_tid = std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name()?.to_str()?.parse().ok())
        .expect("/proc/thread-self names this thread");
    Captured {
        events,
        results,
        pid,
        spawner_tid,
        cursor: Default::default(),
        dir,
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("falco-rs-ebpf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Captured {
    /// The first event of `code` at or after the cursor that `pred` accepts;
    /// the cursor moves past it. The workload's calls come in script
    /// order, so each is found after the one before, past whatever the
    /// interpreter did on its own.
    fn seek(&self, code: E, pred: impl Fn(&Event<'_>) -> bool) -> Event<'_> {
        let from = self.cursor.get();
        let (i, ev) = self.events[from..]
            .iter()
            .map(|b| Event::parse(b, HeaderLayout::V2).expect("the probe's events parse"))
            .enumerate()
            .find(|(_, e)| e.evt_type == code as u16 && pred(e))
            .unwrap_or_else(|| panic!("no event {code:?} from the workload after #{from}"));
        self.cursor.set(from + i + 1);
        ev
    }

    /// The next event of `code` after the cursor.
    fn next(&self, code: E) -> Event<'_> {
        self.seek(code, |_| true)
    }

    /// The n-th (0-based) event of `code`.
    fn nth(&self, code: E, n: usize) -> Event<'_> {
        self.events
            .iter()
            .map(|b| Event::parse(b, HeaderLayout::V2).expect("the probe's events parse"))
            .filter(|e| e.evt_type == code as u16)
            .nth(n)
            .unwrap_or_else(|| panic!("no event {code:?} #{n} from the workload"))
    }

    fn r(&self, name: &str) -> i64 {
        *self
            .results
            .get(name)
            .unwrap_or_else(|| panic!("workload printed no {name}"))
    }

    fn path(&self, rel: &str) -> String {
        format!("{}/{rel}", self.dir.display())
    }
}

pub fn int(ev: &Event<'_>, name: &str) -> i64 {
    let p = ev
        .param_by_name(name)
        .unwrap_or_else(|| panic!("{} has no {name}", ev.name()));
    p.as_i64()
        .unwrap_or_else(|| panic!("{}.{name} is not a number", ev.name()))
}

pub fn uint(ev: &Event<'_>, name: &str) -> u64 {
    let p = ev
        .param_by_name(name)
        .unwrap_or_else(|| panic!("{} has no {name}", ev.name()));
    p.as_u64()
        .unwrap_or_else(|| panic!("{}.{name} is not a number", ev.name()))
}

pub fn text(ev: &Event<'_>, name: &str) -> String {
    let p = ev
        .param_by_name(name)
        .unwrap_or_else(|| panic!("{} has no {name}", ev.name()));
    String::from_utf8_lossy(p.as_str_bytes())
        .trim_end_matches('\0')
        .to_string()
}

pub fn bytes<'a>(ev: &Event<'a>, name: &str) -> &'a [u8] {
    ev.param_by_name(name)
        .unwrap_or_else(|| panic!("{} has no {name}", ev.name()))
        .bytes
}

/// Runs the workload on the engine `open` returns (capturing the syscalls
/// it is given) and asserts every parameter of every event it made.
pub fn check_every_supported_syscall(open: impl FnOnce(BTreeSet<u16>) -> Box<dyn Engine>) {
    let c = run_workload(open);
    let file = c.path("file");

    // Every event the probe wrote is a current-schema exit event (or the
    // generic one, or procexit) with nparams as the schema says.
    for raw in &c.events {
        let ev = Event::parse(raw, HeaderLayout::V2).unwrap();
        assert_eq!(ev.nparams as usize, ev.info().params.len(), "{}", ev.name());
    }

    // execve: the workload's own exec.
    let ex = c.nth(E::SYSCALL_EXECVE_19_X, 0);
    assert_eq!(int(&ex, "res"), 0);
    assert_eq!(int(&ex, "tid"), c.pid as i64);
    assert_eq!(int(&ex, "pid"), c.pid as i64);
    // ptid is the parent THREAD (real_parent), as in Falco: this test's.
    assert_eq!(int(&ex, "ptid"), c.spawner_tid);
    assert_eq!(text(&ex, "exe"), PYTHON, "argv[0]");
    assert!(
        bytes(&ex, "args").starts_with(b"-c\0"),
        "args {:?}",
        bytes(&ex, "args")
    );
    assert!(text(&ex, "comm").starts_with("python3"));
    assert_eq!(uint(&ex, "uid"), 0);
    assert!(
        text(&ex, "trusted_exepath").starts_with('/'),
        "{}",
        text(&ex, "trusted_exepath")
    );
    assert!(uint(&ex, "exe_ino") > 0);
    // The interpreter's inode times: since the epoch, change after
    // modification is not guaranteed, both are in the past.
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    for t in ["exe_ino_ctime", "exe_ino_mtime"] {
        let v = uint(&ex, t);
        assert!(v > 1_000_000_000_000_000_000 && v < now_ns, "{t} {v}");
    }
    // root: CAP_SYS_ADMIN (21) and CAP_DAC_OVERRIDE (1) are effective.
    let eff = uint(&ex, "cap_effective");
    assert!(
        eff & (1 << 21) != 0 && eff & (1 << 1) != 0,
        "cap_effective {eff:#x}"
    );
    assert_eq!(uint(&ex, "cap_permitted"), eff);
    // cgroups: "subsys=path" for the workload's (inherited) cgroups, as
    // /proc/self/cgroup names them for cgroup v1 controllers.
    let cgroups: Vec<String> = bytes(&ex, "cgroups")
        .split(|b| *b == 0)
        .filter(|c| !c.is_empty())
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let ours = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    for line in ours.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrl, path) = (f.next(), f.next().unwrap_or(""), f.next().unwrap_or(""));
        for c in ctrl
            .split(',')
            .filter(|c| !c.is_empty() && !c.starts_with("name="))
        {
            // The kernel's subsystem name of the v1 "blkio" controller is "io".
            let c = if c == "blkio" { "io" } else { c };
            let want = format!("{c}={path}");
            assert!(cgroups.contains(&want), "{want} not in {cgroups:?}");
        }
    }
    // root (CAP_DAC_OVERRIDE) can write its own executable; not a memfd
    assert_eq!(uint(&ex, "flags"), 0x1, "EXE_WRITABLE");
    assert!(
        text(&ex, "cgroups").contains('='),
        "cgroups {:?}",
        text(&ex, "cgroups")
    );
    let (size, rss) = (uint(&ex, "vm_size"), uint(&ex, "vm_rss"));
    // rss is the kernel's batched percpu_counter total (like Falco's
    // probe reads it): right after exec it may still be 0.
    assert!(size > 0 && rss < size, "vm_size {size} vm_rss {rss}");
    assert_eq!(text(&ex, "filename"), PYTHON);
    // the symlink resolved: /usr/bin/python3 -> python3.11
    assert!(
        text(&ex, "trusted_exepath").starts_with("/usr/bin/python3."),
        "{}",
        text(&ex, "trusted_exepath")
    );
    let env = bytes(&ex, "env");
    assert!(
        env.split(|b| *b == 0).any(|v| v.starts_with(b"PATH=")),
        "env has PATH"
    );

    let o = c.seek(E::SYSCALL_OPENAT_2_X, |e| text(e, "name") == file);
    assert_eq!(int(&o, "fd"), c.r("openat"));
    assert_eq!(int(&o, "dirfd"), -100);
    assert_eq!(text(&o, "name"), file);
    // WRONLY|CREAT|TRUNC|CLOEXEC|F_CREATED in PPM flags
    assert_eq!(uint(&o, "flags"), 0x2 | 0x4 | 0x100 | 0x1000 | 0x4000);
    assert_eq!(uint(&o, "mode"), 0o640);
    assert_eq!(uint(&o, "ino"), c.r("ino") as u64);
    // The probe encodes s_dev as the kernel's new_encode_dev, which is also
    // how stat() reports st_dev for majors below 4096.
    assert_eq!(uint(&o, "dev"), c.r("dev") as u64);

    let cl = c.next(E::SYSCALL_CLOSE_X);
    assert_eq!(int(&cl, "res"), 0);
    assert_eq!(int(&cl, "fd"), c.r("openat"));

    let o = c.next(E::SYSCALL_OPEN_X);
    assert_eq!(int(&o, "fd"), c.r("open"));
    assert_eq!(text(&o, "name"), file);
    assert_eq!(uint(&o, "flags"), 0x1, "O_RDONLY, not created");
    assert_eq!(uint(&o, "mode"), 0, "mode only matters with O_CREAT");
    assert_eq!(uint(&o, "ino"), c.r("ino") as u64);

    let d = c.next(E::SYSCALL_DUP_1_X);
    assert_eq!(
        (int(&d, "res"), int(&d, "oldfd")),
        (c.r("dup"), c.r("open"))
    );
    let d = c.next(E::SYSCALL_DUP2_X);
    assert_eq!(
        (int(&d, "res"), int(&d, "oldfd"), int(&d, "newfd")),
        (100, c.r("open"), 100)
    );
    let d = c.next(E::SYSCALL_DUP3_X);
    assert_eq!(
        (int(&d, "res"), int(&d, "newfd"), uint(&d, "flags")),
        (101, 101, 0x1000)
    );

    let ch = c.next(E::SYSCALL_CHMOD_X);
    assert_eq!(
        (int(&ch, "res"), text(&ch, "filename"), uint(&ch, "mode")),
        (0, file.clone(), 0o4755)
    );

    let m = c.next(E::SYSCALL_MKDIR_2_X);
    assert_eq!(
        (int(&m, "res"), text(&m, "path"), uint(&m, "mode")),
        (0, c.path("sub"), 0o750)
    );

    let rn = c.next(E::SYSCALL_RENAMEAT2_X);
    assert_eq!(int(&rn, "res"), 0);
    assert_eq!(
        (int(&rn, "olddirfd"), text(&rn, "oldpath")),
        (-100, c.path("sub"))
    );
    assert_eq!(
        (int(&rn, "newdirfd"), text(&rn, "newpath")),
        (-100, c.path("sub2"))
    );
    assert_eq!(uint(&rn, "flags"), 1, "RENAME_NOREPLACE");

    let u = c.next(E::SYSCALL_UNLINKAT_2_X);
    assert_eq!(
        (int(&u, "res"), int(&u, "dirfd"), text(&u, "name")),
        (0, -100, c.path("sub2"))
    );
    assert_eq!(uint(&u, "flags"), 0x200, "AT_REMOVEDIR");

    // getpid has no event of its own: the generic event names it.
    let g = c
        .events
        .iter()
        .map(|b| Event::parse(b, HeaderLayout::V2).unwrap())
        .find(|e| e.evt_type == E::GENERIC_X as u16 && uint(e, "nativeID") == 39)
        .expect("a generic event for getpid");
    let getpid_sc = falco_abi::syscalls::PPM_SC
        .iter()
        .find(|s| s.name == "getpid")
        .unwrap()
        .code;
    assert_eq!(uint(&g, "ID"), getpid_sc as u64);

    let s = c.next(E::SYSCALL_SETUID_X);
    assert_eq!((int(&s, "res"), uint(&s, "uid")), (0, 0));
    let s = c.next(E::SYSCALL_SETRESGID_X);
    assert_eq!(int(&s, "res"), 0);
    assert_eq!(
        (uint(&s, "rgid"), uint(&s, "egid"), uint(&s, "sgid")),
        (u32::MAX as u64, u32::MAX as u64, u32::MAX as u64)
    );

    let p = c.next(E::SYSCALL_PTRACE_X);
    assert_eq!(int(&p, "res"), -3, "ESRCH");
    assert_eq!(uint(&p, "request"), 0xb, "PPM_PTRACE_ATTACH");
    assert_eq!(int(&p, "pid"), 999999);

    let fm = c.next(E::SYSCALL_FINIT_MODULE_X);
    assert_eq!((int(&fm, "res"), int(&fm, "fd")), (c.r("finit_module"), -1));
    assert_eq!(
        (text(&fm, "uargs"), uint(&fm, "flags")),
        ("a=1".to_string(), 0)
    );

    let mt = c.next(E::SYSCALL_MOUNT_X);
    assert_eq!(int(&mt, "res"), c.r("mount"));
    assert_eq!(
        (text(&mt, "dev"), text(&mt, "dir"), text(&mt, "type")),
        ("none".into(), c.path("mnt"), "tmpfs".into())
    );
    assert_eq!(uint(&mt, "flags"), 2, "MS_NOSUID, magic number stripped");
    let um = c.next(E::SYSCALL_UMOUNT2_X);
    assert_eq!(
        (int(&um, "res"), text(&um, "name"), uint(&um, "flags")),
        (c.r("umount2"), c.path("mnt"), 2)
    );

    let so = c.next(E::SOCKET_SOCKET_X);
    assert_eq!(int(&so, "fd"), c.r("socket"));
    assert_eq!(
        (uint(&so, "domain"), uint(&so, "type"), uint(&so, "proto")),
        (2, 1, 0)
    );
    assert_eq!(uint(&so, "flags"), 0x1000, "SOCK_CLOEXEC as PPM_O_CLOEXEC");

    let port = c.r("port") as u16;
    let cport = c.r("cport") as u16;
    let inet = |port: u16| {
        let mut v = vec![2u8, 127, 0, 0, 1];
        v.extend_from_slice(&port.to_le_bytes());
        v
    };
    let b = c.next(E::SOCKET_BIND_X);
    assert_eq!((int(&b, "res"), int(&b, "fd")), (0, c.r("socket")));
    assert_eq!(bytes(&b, "addr"), inet(0).as_slice());
    let l = c.next(E::SOCKET_LISTEN_X);
    assert_eq!(
        (int(&l, "res"), int(&l, "fd"), int(&l, "backlog")),
        (0, c.r("socket"), 7)
    );

    let tuple = |sport: u16, dport: u16| {
        let mut v = vec![2u8, 127, 0, 0, 1];
        v.extend_from_slice(&sport.to_le_bytes());
        v.extend_from_slice(&[127, 0, 0, 1]);
        v.extend_from_slice(&dport.to_le_bytes());
        v
    };
    let cn = c.next(E::SOCKET_CONNECT_X);
    assert_eq!((int(&cn, "res"), int(&cn, "fd")), (0, c.r("socket2")));
    assert_eq!(
        bytes(&cn, "tuple"),
        tuple(cport, port).as_slice(),
        "local -> remote"
    );
    assert_eq!(bytes(&cn, "addr"), inet(port).as_slice());

    let ac = c.next(E::SOCKET_ACCEPT4_6_X);
    assert_eq!(int(&ac, "fd"), c.r("accept4"));
    assert_eq!(
        bytes(&ac, "tuple"),
        tuple(cport, port).as_slice(),
        "the client is the source"
    );
    assert_eq!((uint(&ac, "queuemax"), uint(&ac, "flags")), (7, 0o4000));

    let w = c.seek(E::SYSCALL_WRITE_X, |e| {
        bytes(e, "data") == b"falco-rs says hello"
    });
    assert_eq!(int(&w, "res"), 19);
    assert_eq!(bytes(&w, "data"), b"falco-rs says hello");
    let r = c.next(E::SYSCALL_READ_X);
    assert_eq!((int(&r, "res"), uint(&r, "size")), (19, 64));
    assert_eq!(
        bytes(&r, "data"),
        b"falco-rs says hello",
        "only the bytes read"
    );

    let uport = c.r("uport") as u16;
    let st = c.next(E::SOCKET_SENDTO_X);
    assert_eq!(
        (int(&st, "res"), int(&st, "fd"), uint(&st, "size")),
        (4, c.r("usock"), 4)
    );
    assert_eq!(bytes(&st, "data"), b"ping");
    let t = bytes(&st, "tuple");
    assert_eq!(t[0], 2, "inet tuple");
    assert_eq!(&t[7..13], &tuple(0, uport)[7..13], "to 127.0.0.1:uport");
    let rf = c.next(E::SOCKET_RECVFROM_X);
    assert_eq!((int(&rf, "res"), uint(&rf, "size")), (4, 64));
    assert_eq!(bytes(&rf, "data"), b"ping");
    let t = bytes(&rf, "tuple");
    assert_eq!(
        &t[7..13],
        &tuple(0, uport)[7..13],
        "the receiver is the destination"
    );

    let ns = c.next(E::SYSCALL_SETNS_X);
    assert_eq!(
        (int(&ns, "res"), uint(&ns, "nstype")),
        (0, 0x80),
        "CLONE_NEWUTS as PPM_CL_CLONE_NEWUTS"
    );
    let un = c.next(E::SYSCALL_UNSHARE_X);
    assert_eq!((int(&un, "res"), uint(&un, "flags")), (0, 0x80));
    let bp = c.next(E::SYSCALL_BPF_2_X);
    assert_eq!((int(&bp, "fd"), uint(&bp, "cmd")), (c.r("bpf"), 0));
    assert!(int(&bp, "fd") < 0, "a map create without attributes fails");
    let pr = c.next(E::SYSCALL_PRCTL_X);
    assert_eq!(
        (int(&pr, "res"), uint(&pr, "option"), text(&pr, "arg2_str")),
        (0, 15, "rs-worker".into())
    );
    let pr = c.next(E::SYSCALL_PRCTL_X);
    assert_eq!(
        (uint(&pr, "option"), int(&pr, "arg2_int")),
        (4, 1),
        "PR_SET_DUMPABLE 1"
    );
    let mf = c.next(E::SYSCALL_MEMFD_CREATE_X);
    assert_eq!(int(&mf, "fd"), c.r("memfd_create"));
    assert!(int(&mf, "fd") >= 0);
    assert_eq!(
        (text(&mf, "name"), uint(&mf, "flags")),
        ("rs-memfd".into(), 1)
    );

    let pp = c.next(E::SYSCALL_PIPE2_X);
    assert_eq!(int(&pp, "res"), 0);
    assert_eq!(
        (int(&pp, "fd1"), int(&pp, "fd2")),
        (c.r("pfd0"), c.r("pfd1"))
    );
    assert_eq!(uint(&pp, "ino"), c.r("pino") as u64);
    assert_eq!(uint(&pp, "flags"), 0x1000, "O_CLOEXEC");
    let sp = c.next(E::SOCKET_SOCKETPAIR_X);
    assert_eq!(int(&sp, "res"), 0);
    assert_eq!(
        (int(&sp, "fd1"), int(&sp, "fd2")),
        (c.r("sfd0"), c.r("sfd1"))
    );
    assert_eq!(
        (uint(&sp, "domain"), uint(&sp, "type"), uint(&sp, "proto")),
        (1, 1, 0)
    );
    let (source, peer) = (uint(&sp, "source"), uint(&sp, "peer"));
    assert!(
        source != 0 && peer != 0 && source != peer,
        "socket addresses {source:#x} {peer:#x}"
    );

    let e = c.next(E::SYSCALL_EVENTFD2_X);
    assert_eq!(int(&e, "res"), c.r("eventfd2"));
    assert_eq!(
        (uint(&e, "flags"), uint(&e, "initval")),
        (0x1000 | 0x40, 7),
        "CLOEXEC|NONBLOCK"
    );
    let sf = c.next(E::SYSCALL_SIGNALFD4_X);
    assert_eq!(int(&sf, "res"), c.r("signalfd4"));
    assert_eq!(
        (uint(&sf, "flags"), int(&sf, "fd"), uint(&sf, "mask")),
        (0x1000, -1, 1 << 9),
        "SIGUSR1"
    );
    let ino = c.next(E::SYSCALL_INOTIFY_INIT1_X);
    assert_eq!(
        (int(&ino, "res"), uint(&ino, "flags")),
        (c.r("inotify_init1"), 0x40)
    );
    let ep = c.next(E::SYSCALL_EPOLL_CREATE1_X);
    assert_eq!(
        (int(&ep, "res"), uint(&ep, "flags")),
        (c.r("epoll_create1"), 0x1)
    );

    let _ = std::fs::remove_dir_all(&c.dir);
}

/// connect on descriptors that are not sockets (a pipe, /dev/null) fails
/// with ENOTSOCK, and its event carries an empty tuple: the driver must
/// not read another kind of file's private data as a socket.
pub fn check_connect_on_a_non_socket(open: impl FnOnce(BTreeSet<u16>) -> Box<dyn Engine>) {
    let connect = falco_abi::syscalls::PPM_SC
        .iter()
        .find(|s| s.name == "connect")
        .unwrap()
        .code;
    let mut engine = open([connect].into_iter().collect());
    let script = "import ctypes, os, struct\n\
        libc = ctypes.CDLL(None, use_errno=True)\n\
        addr = struct.pack('<H', 2) + struct.pack('>H', 22) + bytes([127, 0, 0, 1]) + bytes(8)\n\
        r, w = os.pipe()\n\
        n = os.open('/dev/null', os.O_RDWR)\n\
        for fd in (r, n):\n\
        \x20   assert libc.connect(fd, addr, 16) == -1 and ctypes.get_errno() == 88\n";
    let child = Command::new(PYTHON).arg("-c").arg(script).spawn().unwrap();
    let pid = child.id() as u64;
    assert!(
        child.wait_with_output().unwrap().status.success(),
        "workload failed"
    );
    let mut seen = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && seen < 2 {
        if let Next::Event(ev) = engine.next().unwrap() {
            if ev.tid == pid && ev.evt_type == E::SOCKET_CONNECT_X as u16 {
                assert_eq!(int(&ev, "res"), -88, "ENOTSOCK");
                assert!(
                    bytes(&ev, "tuple").is_empty(),
                    "a tuple for a non-socket: {:?}",
                    bytes(&ev, "tuple")
                );
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 2, "connect exits seen");
}
