//! A small world for rule cases: the test engine seeded with a host and a
//! container, event builders for the workloads, and the rules an event
//! sequence raises.

use falco_abi::schema::AT_FDCWD;
use falco_engine::compiler::{CompiledRuleset, Matching};
use falco_engine::loader::{EventSource, RulesLoader};
use falco_scap::builder::events::{connect_exit, execve_exit, ipv4_tuple, openat_exit};
use falco_scap::builder::{EventBuilder, TestEngine};
use falco_scap::state::{InitialState, ThreadInfo, UserInfo};
use falco_scap::Engine;
use falco_sinsp::{Inspector, SyscallFields};
use std::collections::BTreeSet;
use std::path::PathBuf;

pub const CONTAINER: &str = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e";

/// Our default rules file's text.
pub fn default_rules_text() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rules/falco_rules.yaml");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Rules files (name, text) loaded with no error and no warning, compiled
/// without issues, every matching rule reported.
pub fn load_clean(files: &[(&str, &str)]) -> CompiledRuleset<SyscallFields> {
    load_allowing(files, |_| false)
}

/// Like [`load_clean`], allowing the warnings `allowed` accepts (given
/// their debug rendering).
pub fn load_allowing(
    files: &[(&str, &str)],
    allowed: impl Fn(&str) -> bool,
) -> CompiledRuleset<SyscallFields> {
    let loaded = RulesLoader::with_sources(vec![EventSource::with_fields(
        "syscall",
        SyscallFields::new(),
    )])
    .load(files);
    let errors: Vec<String> = loaded.errors().map(|e| format!("{e:?}")).collect();
    let warnings: Vec<String> = loaded
        .warnings()
        .map(|w| format!("{w:?}"))
        .filter(|w| !allowed(w))
        .collect();
    assert!(
        errors.is_empty() && warnings.is_empty(),
        "{errors:#?}\n{warnings:#?}"
    );
    let (mut set, issues) =
        CompiledRuleset::compile(&loaded.ruleset.unwrap(), SyscallFields::new());
    assert!(issues.is_empty(), "{issues:?}");
    set.matching = Matching::All;
    set
}

pub fn thread(tid: i64, ptid: i64, comm: &str, uid: u32, container: bool) -> ThreadInfo {
    ThreadInfo {
        tid: tid as u64,
        pid: tid as u64,
        ptid: ptid as u64,
        comm: comm.into(),
        exe: comm.into(),
        exepath: format!("/usr/bin/{comm}"),
        cwd: "/root".into(),
        uid,
        gid: uid,
        loginuid: uid,
        // Started at the capture's first nanosecond (proc.duration is known).
        clone_ts: 1,
        cgroups: if container {
            format!("cpu=/docker/{CONTAINER}\0").into_bytes()
        } else {
            b"cpu=/\0".to_vec()
        },
        ..Default::default()
    }
}

/// Host: systemd(1) > sshd(100) > bash(200, uid 1000); nginx(300) under
/// systemd; runc(400) under systemd. Container: app(500, root) under runc.
pub fn world() -> InitialState {
    let mut st = InitialState::default();
    for t in [
        thread(1, 0, "systemd", 0, false),
        thread(100, 1, "sshd", 0, false),
        thread(200, 100, "bash", 1000, false),
        thread(300, 1, "nginx", 33, false),
        thread(400, 1, "runc", 0, false),
        thread(500, 400, "app", 0, true),
    ] {
        st.threads.insert(t.tid, t);
    }
    st.users.push(UserInfo {
        uid: 0,
        gid: 0,
        name: "root".into(),
        homedir: "/root".into(),
        shell: "/bin/sh".into(),
    });
    st.users.push(UserInfo {
        uid: 33,
        gid: 33,
        name: "www-data".into(),
        homedir: "/var/www".into(),
        shell: "/usr/sbin/nologin".into(),
    });
    st.users.push(UserInfo {
        uid: 1000,
        gid: 1000,
        name: "alice".into(),
        homedir: "/home/alice".into(),
        shell: "/bin/bash".into(),
    });
    st
}

/// execve exit of `tid` (child of `ptid`) running `comm` with `args`.
pub fn exec(
    tid: i64,
    ptid: i64,
    comm: &str,
    args: &[&str],
    uid: u32,
    container: bool,
) -> EventBuilder {
    let cg = if container {
        format!("cpu=/docker/{CONTAINER}\0").into_bytes()
    } else {
        b"cpu=/\0".to_vec()
    };
    execve_exit(tid, ptid, comm, args)
        .ts(1)
        .set("cwd", "/root")
        .set("cgroups", cg)
        .set("loginuid", uid)
        .set("cap_inheritable", 0)
        .set("cap_permitted", 0)
        .set("cap_effective", 0)
        .set("exe_ino", 0)
        .set("exe_ino_ctime", 0)
        .set("exe_ino_mtime", 0)
        .set("uid", uid)
}

pub fn openat(tid: i64, fd: i64, name: &str, flags: u32) -> EventBuilder {
    openat_exit(tid, fd, AT_FDCWD, name, flags).set("mode", 0o644)
}

/// A connect of `tid` on `fd` from 10.0.0.5:40000 to `dst`:`port`.
pub fn connect(tid: i64, fd: i64, dst: [u8; 4], port: u16) -> EventBuilder {
    connect_exit(tid, fd, &ipv4_tuple([10, 0, 0, 5], 40000, dst, port))
}

/// A successful mount exit of `tid`: /dev/sda1 on /mnt, ext4.
pub fn mount(tid: u64) -> EventBuilder {
    EventBuilder::new(falco_abi::EventCode::SYSCALL_MOUNT_X)
        .tid(tid)
        .set("res", 0)
        .set("dev", "/dev/sda1")
        .set("dir", "/mnt")
        .set("type", "ext4")
        .set("flags", 0)
}

pub fn flag(table: &[falco_abi::FlagName], name: &str) -> i64 {
    table.iter().find(|f| f.name == name).unwrap().value as i64
}

/// The rules an engine's events raise.
pub fn raised(set: &CompiledRuleset<SyscallFields>, e: &mut dyn Engine) -> Vec<String> {
    let mut insp = Inspector::new(e.take_initial_state());
    let mut names = Vec::new();
    let stop = std::sync::atomic::AtomicBool::new(false);
    falco_engine::drive::drive(e, &mut insp, set, &stop, |i, _| {
        names.push(set.rules[i].name.clone())
    })
    .unwrap();
    names
}

/// The rules raised by `events` in `world()`.
pub fn fired_in_world(
    set: &CompiledRuleset<SyscallFields>,
    events: &[EventBuilder],
) -> BTreeSet<String> {
    let mut e = TestEngine::new(world());
    for ev in events {
        e.push(ev);
    }
    raised(set, &mut e).into_iter().collect()
}

/// `rule` fires on `events` in `world()`.
pub fn assert_fires(set: &CompiledRuleset<SyscallFields>, rule: &str, events: &[EventBuilder]) {
    let f = fired_in_world(set, events);
    assert!(f.contains(rule), "{rule} did not fire; fired: {f:?}");
}

/// `rule` stays silent on `events` in `world()`.
pub fn assert_quiet(set: &CompiledRuleset<SyscallFields>, rule: &str, events: &[EventBuilder]) {
    let f = fired_in_world(set, events);
    assert!(
        !f.contains(rule),
        "{rule} fired on its near miss; fired: {f:?}"
    );
}
