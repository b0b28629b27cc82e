//! State tracking on synthetic event sequences built with the test engine:
//! each test drives clone/exec/open/connect/close/exit and asserts fields.

use falco_abi::flag_tables::open_flags::{O_DIRECTORY, O_RDONLY};
use falco_abi::schema::AT_FDCWD;
use falco_abi::EventCode as C;
use falco_scap::builder::events::{
    accept4_exit, clone_child_exit, close_exit, connect_exit, execve_exit, ipv4_tuple, ipv6_tuple,
    openat_exit, socket6_exit, socket_exit,
};
use falco_scap::builder::{EventBuilder, TestEngine};
use falco_scap::state::{InitialState, Interface, InterfaceAddr, ThreadInfo, UserInfo};
use falco_scap::{Engine, Next};
use falco_sinsp::field::FieldArg;
use falco_sinsp::{Ctx, FieldSource, Inspector, SyscallFields};

/// Runs every queued event through an inspector, returning for each event
/// the rendered value of each of `fields` ("<NA>" when absent).
fn run(mut engine: TestEngine, fields: &[&str]) -> Vec<Vec<String>> {
    let src = SyscallFields::new();
    let resolved: Vec<_> = fields
        .iter()
        .map(|f| {
            let (name, arg) = match f.split_once('[') {
                Some((n, a)) => {
                    let a = a.trim_end_matches(']');
                    let arg = a
                        .parse()
                        .map(FieldArg::Index)
                        .unwrap_or_else(|_| FieldArg::Key(a.to_string()));
                    (n, Some(arg))
                }
                None => (*f, None),
            };
            src.resolve(name, arg.as_ref()).unwrap()
        })
        .collect();
    let mut insp = Inspector::new(engine.take_initial_state());
    let mut rows = Vec::new();
    while let Next::Event(ev) = engine.next().unwrap() {
        insp.process(&ev);
        let c = Ctx { ev, insp: &insp };
        rows.push(
            resolved
                .iter()
                .map(|r| {
                    let mut out = Vec::new();
                    src.extract(r, &c, &mut out);
                    if out.is_empty() {
                        "<NA>".to_string()
                    } else {
                        out.iter()
                            .map(|v| v.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    }
                })
                .collect(),
        );
    }
    rows
}

fn shell() -> InitialState {
    let mut st = InitialState::default();
    for (tid, ptid, comm) in [(1, 0, "systemd"), (100, 1, "sshd"), (200, 100, "bash")] {
        st.threads.insert(
            tid,
            ThreadInfo {
                tid,
                pid: tid,
                ptid,
                comm: comm.into(),
                exe: comm.into(),
                exepath: format!("/usr/bin/{comm}"),
                cwd: "/root".into(),
                uid: 0,
                ..Default::default()
            },
        );
    }
    st.users.push(UserInfo {
        uid: 0,
        gid: 0,
        name: "root".into(),
        homedir: "/root".into(),
        shell: "/bin/bash".into(),
    });
    // lo and eth0 (10.0.0.5): which addresses are local (fd.lip...).
    let v4 = |name: &str, addr: [u8; 4], netmask: [u8; 4]| Interface {
        name: name.into(),
        addr: InterfaceAddr::V4 {
            addr,
            netmask,
            bcast: [0; 4],
        },
        linkspeed: None,
    };
    st.interfaces.push(v4("lo", [127, 0, 0, 1], [255, 0, 0, 0]));
    st.interfaces
        .push(v4("eth0", [10, 0, 0, 5], [255, 0, 0, 0]));
    st.interfaces.push(Interface {
        name: "lo".into(),
        addr: InterfaceAddr::V6 {
            addr: std::net::Ipv6Addr::LOCALHOST.octets(),
            netmask: [0xff; 16],
            bcast: [0; 16],
        },
        linkspeed: None,
    });
    st
}

/// The child's side of a clone: process `tid`, child of `parent`.
fn clone_child(tid: i64, parent: i64, comm: &str) -> EventBuilder {
    clone_child_exit(tid, parent, comm)
        .ts(10)
        .set("cwd", "")
        .set("cgroups", b"cpu=/\0")
        .set("uid", 0)
        .set("gid", 0)
        .set("pidns_init_start_ts", 0)
}

/// `tid` (a child of bash, 200) runs `exe` in a docker container, with
/// HOME set, a writable executable and full capabilities.
fn execve(tid: i64, exe: &str, args: &[&str]) -> EventBuilder {
    let caps = 0x3f_ffff_ffffu64;
    execve_exit(tid, 200, exe, args)
        .ts(20)
        .set("cwd", "/root")
        .set(
            "cgroups",
            b"cpuset=/docker/3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e\0",
        )
        .set("env", b"HOME=/root\0")
        .set("loginuid", -1)
        .set("flags", 1)
        .set("cap_inheritable", 0)
        .set("cap_permitted", caps)
        .set("cap_effective", caps)
}

#[test]
fn clone_then_exec_builds_the_process_and_its_ancestry() {
    let mut e = TestEngine::new(shell());
    e.push(&clone_child(300, 200, "bash"));
    e.push(&execve(300, "cat", &["/etc/shadow"]));
    let rows = run(
        e,
        &[
            "proc.name",
            "proc.pname",
            "proc.aname[2]",
            "proc.cmdline",
            "proc.cwd",
            "user.name",
            "container.id",
            "proc.exepath",
            "thread.cap_effective",
            "proc.env[HOME]",
            "proc.env[NOPE]",
        ],
    );
    assert_eq!(rows[0][0..3], ["bash", "bash", "sshd"]);
    assert_eq!(rows[1][0], "cat");
    assert_eq!(rows[1][1], "bash");
    assert_eq!(rows[1][2], "sshd");
    assert_eq!(rows[1][3], "cat /etc/shadow");
    assert_eq!(rows[1][4], "/root/");
    assert_eq!(rows[1][5], "root");
    assert_eq!(rows[1][6], "3ad7b26ded6d");
    // No trusted exepath, no filename, no enter: the path stays the one
    // the clone copied from bash (libsinsp does the same).
    assert_eq!(rows[1][7], "/usr/bin/bash");
    // proc.env[NAME] reads one variable (checked through the field source).
    let src = SyscallFields::new();
    assert!(src
        .resolve("proc.env", Some(&FieldArg::Key("HOME".into())))
        .is_ok());
    assert!(rows[1][8].starts_with("CAP_CHOWN CAP_DAC_OVERRIDE"));
    assert_eq!(rows[1][9..11], ["/root", ""]);
}

#[test]
fn opens_resolve_against_cwd_and_dirfd_and_close_applies_after_the_event() {
    let mut e = TestEngine::new(shell());
    e.push(&openat_exit(
        200,
        3,
        AT_FDCWD,
        "../etc",
        O_RDONLY | O_DIRECTORY,
    ));
    e.push(&openat_exit(200, 4, 3, "shadow", O_RDONLY));
    e.push(&close_exit(200, 4));
    e.push(&close_exit(200, 4));
    e.push(&openat_exit(200, -2, AT_FDCWD, "/nope", O_RDONLY));
    let rows = run(
        e,
        &[
            "fd.num",
            "fd.name",
            "fd.type",
            "fd.directory",
            "fd.filename",
            "evt.is_open_read",
            "evt.res",
        ],
    );
    assert_eq!(rows[0][..4], ["3", "/etc", "directory", "/etc"]);
    assert_eq!(rows[1][..5], ["4", "/etc/shadow", "file", "/etc", "shadow"]);
    assert_eq!(rows[1][5], "true");
    // The close still sees the fd it closes; the next event does not.
    assert_eq!(rows[2][1], "/etc/shadow");
    // The second close meets an fd the table no longer has: it is
    // recorded as of unknown type, with no name.
    assert_eq!(rows[3][..3], ["4", "", "<NA>"]);
    // A failed open still names the file it tried.
    assert_eq!(rows[4][..2], ["-1", "/nope"]);
    assert_eq!(rows[4][6], "ENOENT");
}

#[test]
fn connect_sets_the_tuple_and_the_endpoint_fields() {
    let tuple = ipv4_tuple([10, 0, 0, 5], 40000, [10, 0, 0, 9], 22);
    let mut e = TestEngine::new(shell());
    e.push(&socket_exit(200, 5));
    e.push(&connect_exit(200, 5, &tuple));
    let rows = run(
        e,
        &[
            "fd.type",
            "fd.l4proto",
            "fd.name",
            "fd.sip",
            "fd.sport",
            "fd.cip",
            "fd.lip",
            "fd.rport",
            "fd.is_server",
        ],
    );
    assert_eq!(rows[0][..2], ["ipv4", "tcp"]);
    assert_eq!(
        rows[1],
        [
            "ipv4",
            "tcp",
            "10.0.0.5:40000->10.0.0.9:22",
            "10.0.0.9",
            "22",
            "10.0.0.5",
            "10.0.0.5",
            "22",
            "false"
        ]
    );
}

/// libsinsp makes a socket whose tuple has both ends IPv4-mapped
/// (::ffff:a.b.c.d, a dual-stack socket's IPv4 peer) an IPv4 socket, so
/// that rules on fd.sip/fd.rip against IPv4 addresses see it; a tuple with
/// one real IPv6 end stays IPv6.
#[test]
fn ipv4_mapped_tuples_make_ipv4_sockets() {
    let mapped = |a: [u8; 4]| std::net::Ipv4Addr::from(a).to_ipv6_mapped().octets();
    let v6 = |s: &str| s.parse::<std::net::Ipv6Addr>().unwrap().octets();
    let lo = [127, 0, 0, 1];
    let mut e = TestEngine::new(shell());
    e.push(&socket6_exit(200, 5));
    e.push(&connect_exit(
        200,
        5,
        &ipv6_tuple(mapped(lo), 44780, mapped(lo), 4444),
    ));
    e.push(&accept4_exit(
        200,
        6,
        &ipv6_tuple(mapped([10, 0, 0, 9]), 51000, mapped([10, 0, 0, 5]), 80),
    ));
    e.push(&socket6_exit(200, 7));
    e.push(&connect_exit(
        200,
        7,
        &ipv6_tuple(mapped(lo), 5000, v6("2001:db8::9"), 22),
    ));
    let rows = run(
        e,
        &[
            "fd.type",
            "fd.typechar",
            "fd.name",
            "fd.sip",
            "fd.rip",
            "fd.cip",
        ],
    );
    assert_eq!(
        rows[1],
        [
            "ipv4",
            "4",
            "127.0.0.1:44780->127.0.0.1:4444",
            "127.0.0.1",
            "127.0.0.1",
            "127.0.0.1"
        ]
    );
    assert_eq!(
        rows[2],
        [
            "ipv4",
            "4",
            "10.0.0.9:51000->10.0.0.5:80",
            "10.0.0.5",
            "10.0.0.9",
            "10.0.0.9"
        ]
    );
    assert_eq!(rows[4][..2], ["ipv6", "6"]);
    assert_eq!(rows[4][4], "2001:db8::9");
}

#[test]
fn procexit_removes_the_thread_only_after_its_event() {
    let mut e = TestEngine::new(shell());
    e.push(
        &EventBuilder::new(C::PROCEXIT_1_E)
            .tid(200)
            .set("status", 0)
            .set("ret", 0)
            .set("sig", 0)
            .set("core", 0)
            .set("reaper_tid", 1),
    );
    e.push(&close_exit(200, 1));
    let rows = run(e, &["proc.name", "thread.tid"]);
    assert_eq!(rows[0], ["bash", "200"]);
    // thread.tid comes from the event itself.
    assert_eq!(rows[1], ["<NA>", "200"]);
}

#[test]
fn events_of_unknown_threads_and_bad_parameters_are_counted_not_fatal() {
    let mut e = TestEngine::new(InitialState::default());
    // Unknown thread, open with too few parameters, close of an unknown fd.
    // (Positional setters: the open and the dup carry only their first
    // parameter.)
    e.push(&EventBuilder::new(C::SYSCALL_OPENAT_2_X).tid(77).int(3));
    e.push(&close_exit(77, 9));
    e.push(&EventBuilder::new(C::SYSCALL_DUP_1_X).tid(77).int(5));
    let mut insp = Inspector::new(e.take_initial_state());
    while let Next::Event(ev) = e.next().unwrap() {
        insp.process(&ev);
    }
    // The first event stands in a thread of unknown facts; later ones use it.
    assert_eq!(insp.anomalies.unknown_threads, 1);
    assert_eq!(insp.threads.get(77).unwrap().comm, "<NA>");
    assert_eq!(insp.anomalies.bad_params, 1);
    // Closing fd 9, which was never opened (the dup without its old fd is
    // the bad parameter above).
    assert_eq!(insp.anomalies.unknown_fds, 1);
}

#[test]
fn container_events_give_container_and_k8s_fields() {
    let mut st = shell();
    let t = st.threads.get_mut(&200).unwrap();
    t.cgroups =
        b"cpu=/kubepods/pod1/3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e\0"
            .to_vec();
    let json = r#"{"container":{"id":"3ad7b26ded6d","name":"web","image":"docker.io/library/nginx:1.25","imagerepo":"docker.io/library/nginx","imagetag":"1.25","privileged":true,"type":6,"Mounts":[{"Source":"/var/run/docker.sock","Destination":"/run/docker.sock","Mode":"","RW":true,"Propagation":""}],"labels":{"io.kubernetes.pod.name":"web-7d9","io.kubernetes.pod.namespace":"shop"}}}"#;
    let mut e = TestEngine::new(st);
    e.push(
        &EventBuilder::new(C::CONTAINER_JSON_2_E)
            .tid(200)
            .set("json", json),
    );
    e.push(&close_exit(200, 1));
    e.push(&close_exit(100, 1));
    let rows = run(
        e,
        &[
            "container.id",
            "container.name",
            "container.image.repository",
            "container.privileged",
            "k8s.pod.name",
            "k8s.ns.name",
            "container.type",
        ],
    );
    assert_eq!(
        rows[1],
        [
            "3ad7b26ded6d",
            "web",
            "docker.io/library/nginx",
            "true",
            "web-7d9",
            "shop",
            "cri"
        ]
    );
    // A host process: the host is a container of its own, as in Falco's
    // container plugin (empty image, not privileged, no pod).
    assert_eq!(
        rows[2],
        ["host", "host", "", "false", "<NA>", "<NA>", "host"]
    );
}

#[test]
fn the_container_plugins_async_events_add_and_remove_metadata() {
    let mut st = shell();
    st.threads.get_mut(&200).unwrap().cgroups =
        b"cpu=/libpod_parent/libpod-3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e\0".to_vec();
    let json = r#"{"container":{"id":"3ad7b26ded6d","full_id":"3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e","name":"web","image":"localhost/busybox:test","imagerepo":"localhost/busybox","imagetag":"test","type":11,"pod_sandbox_id":"","labels":{}}}"#;
    let mut e = TestEngine::new(st);
    let data = format!("{json}\0");
    let async_event = |name: &str| {
        EventBuilder::new(C::ASYNCEVENT_E)
            .tid(0)
            .set("plugin_id", 0u64)
            .set("name", name)
            .set("data", data.as_bytes())
    };
    e.push(&close_exit(200, 1));
    e.push(&async_event("container"));
    e.push(&close_exit(200, 1));
    e.push(&async_event("container_removed"));
    e.push(&close_exit(200, 1));
    let rows = run(
        e,
        &[
            "evt.type",
            "container.id",
            "container.name",
            "container.type",
            "container.full_id",
        ],
    );
    // Before: the id only. Then the record; the event itself describes it.
    assert_eq!(rows[0], ["close", "3ad7b26ded6d", "<NA>", "<NA>", "<NA>"]);
    assert_eq!(rows[1][..3], ["container", "3ad7b26ded6d", "web"]);
    assert_eq!(rows[2][2..4], ["web", "podman"]);
    assert_eq!(rows[3][0], "container_removed");
    // Removed: back to the id only.
    assert_eq!(rows[4], ["close", "3ad7b26ded6d", "<NA>", "<NA>", "<NA>"]);
}

#[test]
fn memory_and_page_faults_follow_exec_mappings_and_switches() {
    let mut e = TestEngine::new(shell());
    e.push(&clone_child(300, 200, "bash"));
    e.push(
        &execve(300, "cat", &["/etc/shadow"])
            .set("vm_size", 1000)
            .set("vm_rss", 200)
            .set("vm_swap", 7)
            .set("pgft_maj", 3)
            .set("pgft_min", 40),
    );
    e.push(
        &EventBuilder::new(C::SYSCALL_MMAP_X)
            .tid(300)
            .ts(30)
            .set("res", 0x7f00_0000_0000u64)
            .set("vm_size", 2000)
            .set("vm_rss", 300)
            .set("vm_swap", 8)
            .set("fd", -1),
    );
    e.push(
        &EventBuilder::new(C::SCHEDSWITCH_6_E)
            .tid(300)
            .ts(40)
            .set("next", 1)
            .set("pgft_maj", 4)
            .set("pgft_min", 50)
            .set("vm_size", 3000)
            .set("vm_rss", 400)
            .set("vm_swap", 9),
    );
    let rows = run(
        e,
        &[
            "proc.vmsize",
            "proc.vmrss",
            "proc.vmswap",
            "thread.pfmajor",
            "thread.pfminor",
            "thread.vmsize.b",
        ],
    );
    assert_eq!(rows[1], ["1000", "200", "7", "3", "40", "1024000"]);
    assert_eq!(rows[2], ["2000", "300", "8", "3", "40", "2048000"]);
    assert_eq!(rows[3], ["3000", "400", "9", "4", "50", "3072000"]);
}

#[test]
fn session_and_group_leaders_std_streams_and_cgroups() {
    let mut st = shell();
    for (tid, sid) in [(100u64, 100u64), (200, 200)] {
        let t = st.threads.get_mut(&tid).unwrap();
        (t.sid, t.vpgid, t.vtid, t.vpid) = (sid, sid, tid as i64, tid as i64);
    }
    let mut e = TestEngine::new(st);
    e.push(&clone_child(300, 200, "bash"));
    e.push(
        &execve(300, "cat", &["/etc/shadow"])
            .set("trusted_exepath", "/usr/bin/cat")
            .set(
                "cgroups",
                b"cpuset=/docker/3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e\0io=/a\0",
            ),
    );
    e.push(&openat_exit(300, 1, AT_FDCWD, "/tmp/out", O_RDONLY).ts(30));
    e.push(
        &EventBuilder::new(C::SYSCALL_POLL_X)
            .tid(300)
            .ts(40)
            .set("res", 1)
            .set("fds", {
                let mut b = 2u16.to_le_bytes().to_vec();
                for fd in [1i64, 7] {
                    b.extend(fd.to_le_bytes());
                    b.extend(1i16.to_le_bytes());
                }
                b
            })
            .set("timeout", 0),
    );
    let rows = run(
        e,
        &[
            "proc.sid.exe",
            "proc.is_sid_leader",
            "proc.pgid",
            "proc.pgid.name",
            "proc.is_pgid_leader",
            "proc.vpgid.exepath",
            "proc.loginshellid",
            "proc.stdout.name",
            "proc.stdout.type",
            "proc.stdin.type",
            "thread.cgroups",
            "thread.cgroup[blkio]",
            "fdlist.nums",
            "fdlist.names",
            "proc.aargs[0]",
            "proc.cmdnargs",
            "proc.cmdlenargs",
        ],
    );
    let last = &rows[3];
    assert_eq!(last[0..2], ["bash", "false"]);
    // exec set the virtual group (300, itself); the host one is bash's.
    assert_eq!(last[2..6], ["200", "bash", "false", "/usr/bin/cat"]);
    assert_eq!(last[6], "200");
    assert_eq!(last[7..10], ["/tmp/out", "file", "<NA>"]);
    assert_eq!(
        last[10],
        "cpuset=/docker/3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e blkio=/a"
    );
    assert_eq!(last[11], "/a");
    assert_eq!(last[12..14], ["1,7", "/tmp/out,<NA>"]);
    assert_eq!(last[14..17], ["/etc/shadow", "1", "11"]);
    // fdlist.* are only for poll events.
    assert_eq!(rows[2][12], "<NA>");
}

#[test]
fn exec_path_comes_from_the_kernel_or_the_filename_against_the_cwd() {
    let mut e = TestEngine::new(shell());
    e.push(&clone_child(300, 200, "bash"));
    // An old capture: the path is only in the enter event, relative.
    e.push(
        &EventBuilder::new(C::SYSCALL_EXECVE_19_E)
            .tid(300)
            .ts(15)
            .set("filename", "bin/cat"),
    );
    e.push(&execve(300, "cat", &["/etc/shadow"]));
    e.push(&clone_child(301, 300, "cat").ts(30));
    e.push(
        &execve(301, "sh", &[])
            .ts(40)
            .set("filename", "sh")
            .set("trusted_exepath", "/usr/bin/dash"),
    );
    let rows = run(e, &["proc.exepath"]);
    assert_eq!(rows[2][0], "/root/bin/cat");
    assert_eq!(rows[4][0], "/usr/bin/dash");
}

#[test]
fn the_local_end_is_the_machines_address_and_renames_are_noted() {
    let mut e = TestEngine::new(shell());
    // To a remote server: the client end is local.
    e.push(&socket_exit(200, 5));
    e.push(&connect_exit(
        200,
        5,
        &ipv4_tuple([10, 0, 0, 5], 40000, [10, 0, 0, 9], 22),
    ));
    // To oneself: libsinsp also takes the client end as local, and the
    // server address is this machine's, so the socket "is a server".
    e.push(&socket_exit(200, 6));
    e.push(&connect_exit(
        200,
        6,
        &ipv4_tuple([127, 0, 0, 1], 5000, [127, 0, 0, 1], 8080),
    ));
    // Closing renames nothing.
    e.push(&close_exit(200, 6));
    let rows = run(
        e,
        &["fd.lport", "fd.rport", "fd.is_server", "fd.name_changed"],
    );
    assert_eq!(rows[0][3], "false", "a socket is born without a name");
    assert_eq!(rows[1], ["40000", "22", "false", "true"]);
    assert_eq!(rows[3], ["5000", "8080", "true", "true"]);
    assert_eq!(rows[4][3], "false");
}

#[test]
fn outputs_show_ancestor_fields_as_libsinsp_and_conditions_see_each() {
    let mut e = TestEngine::new(shell());
    e.push(&clone_child(300, 200, "bash"));
    e.push(&execve(300, "cat", &["/etc/shadow"]));
    let src = SyscallFields::new();
    let fmt = falco_sinsp::format::Formatter::new(
        &src,
        "%proc.aname|%proc.apid|%proc.aname[1]|%proc.acmdline|%proc.aenv",
    )
    .unwrap();
    let mut insp = Inspector::new(e.take_initial_state());
    let mut last = (String::new(), Vec::new());
    while let Next::Event(ev) = e.next().unwrap() {
        insp.process(&ev);
        let c = Ctx { ev, insp: &insp };
        let mut names = Vec::new();
        let aname = src.resolve("proc.aname", None).unwrap();
        src.extract(&aname, &c, &mut names);
        last = (
            fmt.format(&src, &c),
            names.iter().map(|v| v.to_string()).collect(),
        );
    }
    // An output: one space-separated string of the ancestors (apid: the
    // process's own pid; aenv: its own environment).
    assert_eq!(
        last.0,
        "bash sshd systemd|300|bash|bash sshd systemd|HOME=/root"
    );
    // A condition: each ancestor on its own.
    assert_eq!(last.1, ["bash", "sshd", "systemd"]);
}

/// A procexit of `tid` at `ts`.
fn procexit(tid: i64, ts: u64) -> EventBuilder {
    EventBuilder::new(C::PROCEXIT_1_E)
        .tid(tid as u64)
        .ts(ts)
        .set("status", 0)
        .set("ret", 0)
        .set("sig", 0)
        .set("core", 0)
        .set("reaper_tid", 1)
}

/// Seen live with a container network plugin forking iptables: the child
/// clones, execs and exits before its parent's clone returns (events are
/// merged by time). The parent's late event must not bring the dead child
/// back, or its entry stays until the periodic purge.
#[test]
fn a_parent_clone_returning_after_its_child_died_does_not_revive_it() {
    // The parent is in the host's pid namespace (its vtid is its tid), so
    // its side of a clone would create the child.
    let mut host = shell();
    for t in host.threads.values_mut() {
        (t.vtid, t.vpid) = (t.tid as i64, t.pid as i64);
    }
    let mut insp = Inspector::new(host.clone());
    let mut e = TestEngine::new(host);
    e.push(&clone_child(300, 200, "bash").ts(10));
    e.push(&procexit(300, 20));
    // The parent's side of the same clone, last.
    e.push(
        &clone_child(300, 200, "bash")
            .tid(200)
            .set("res", 300)
            .ts(30),
    );
    e.push(&close_exit(200, 1).ts(40));
    while let Next::Event(ev) = e.next().unwrap() {
        insp.process(&ev);
    }
    assert!(insp.threads.get(300).is_none(), "the dead child stays gone");
    // A later process that gets the same tid is tracked as usual.
    e.push(&clone_child(300, 200, "bash").ts(50));
    while let Next::Event(ev) = e.next().unwrap() {
        insp.process(&ev);
    }
    assert!(
        insp.threads.get(300).is_some(),
        "a new life of the tid is tracked"
    );
}
