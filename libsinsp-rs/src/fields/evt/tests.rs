//! Behaviour of the `evt.*` fields the reference captures do not show (or
//! that sysdig 0.29.3 renders differently from current libs).

use crate::field::{Ctx, FieldSource};
use crate::state::Thread;
use crate::{Inspector, SyscallFields};
use falco_abi::schema::AT_FDCWD;
use falco_abi::EventCode as C;
use falco_scap::builder::events::{openat_exit, socket_exit};
use falco_scap::builder::{view, EventBuilder};

const TID: u64 = 7;

/// The rendered values of `name` (resolved as a rule would write it) for
/// the event `raw`, which the inspector has just processed.
fn get(insp: &Inspector, raw: &[u8], name: &str) -> Vec<String> {
    let fields = SyscallFields::new();
    let f = fields
        .resolve(name, None)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let c = Ctx {
        ev: view(raw),
        insp,
    };
    let mut out = Vec::new();
    fields.extract(&f, &c, &mut out);
    out.iter().map(|v| v.to_string()).collect()
}

/// An inspector that knows thread TID (cwd /home/u).
fn world() -> Inspector {
    let mut insp = Inspector::default();
    insp.threads.insert(Thread {
        tid: TID as i64,
        pid: TID as i64,
        comm: "t".into(),
        cwd: "/home/u".into(),
        ..Default::default()
    });
    insp
}

/// Processes `ev` and returns its bytes.
fn feed(insp: &mut Inspector, ev: EventBuilder) -> Vec<u8> {
    let raw = ev.build();
    insp.process(&view(&raw));
    raw
}

fn one(s: &str) -> Vec<String> {
    vec![s.to_string()]
}

#[test]
fn deltatime_and_reltime_count_from_the_previous_and_the_first_real_event() {
    let mut insp = world();
    // A metaevent first: not the beginning of the capture for libsinsp.
    let meta = feed(
        &mut insp,
        EventBuilder::new(C::PROCINFO_E)
            .tid(TID)
            .ts(1_000)
            .set("cpu_usr", 0)
            .set("cpu_sys", 0),
    );
    assert_eq!(get(&insp, &meta, "evt.deltatime"), one("0"));
    assert_eq!(get(&insp, &meta, "evt.reltime"), one("000001000"));
    let a = feed(&mut insp, socket_exit(TID as i64, 3).ts(5_000));
    assert_eq!(get(&insp, &a, "evt.deltatime"), one("4000"));
    assert_eq!(get(&insp, &a, "evt.reltime"), one("000000000"));
    let b = feed(&mut insp, socket_exit(TID as i64, 4).ts(2_000_000_123));
    assert_eq!(get(&insp, &b, "evt.deltatime"), one("1999995123"));
    assert_eq!(get(&insp, &b, "evt.deltatime.s"), one("1"));
    assert_eq!(get(&insp, &b, "evt.deltatime.ns"), one("999995123"));
    assert_eq!(get(&insp, &b, "evt.reltime"), one("1999995123"));
    assert_eq!(get(&insp, &b, "evt.reltime.s"), one("1"));
    assert_eq!(get(&insp, &b, "evt.reltime.ns"), one("999995123"));
    let c = feed(&mut insp, socket_exit(TID as i64, 5).ts(2_000_000_200));
    assert_eq!(get(&insp, &c, "evt.deltatime.ns"), one("000000077"));
    // A frozen copy (alerts waiting for container metadata) keeps them.
    let frozen = insp.freeze_for(TID as i64);
    assert_eq!(get(&frozen, &c, "evt.deltatime"), one("77"));
    assert_eq!(get(&frozen, &c, "evt.reltime.ns"), one("999995200"));
}

#[test]
fn deprecated_latencies_are_zero_as_in_current_libs() {
    let mut insp = world();
    let raw = feed(&mut insp, socket_exit(TID as i64, 3).ts(9_000));
    for f in [
        "evt.latency",
        "evt.latency.s",
        "evt.latency.quantized",
        "evt.wait_latency",
    ] {
        assert_eq!(get(&insp, &raw, f), one("0"), "{f}");
    }
    assert_eq!(get(&insp, &raw, "evt.latency.ns"), one("000000000"));
    assert_eq!(get(&insp, &raw, "evt.latency.human"), one("0ns"));
    assert_eq!(
        get(&insp, &raw, "evt.outputtime"),
        one("00:00:00.000009000")
    );
    assert_eq!(
        get(&insp, &raw, "evt.datetime.s"),
        one("1970-01-01 00:00:00")
    );
}

#[test]
fn type_is_matches_the_first_event_of_that_name_and_the_next() {
    let mut insp = world();
    let open = feed(
        &mut insp,
        EventBuilder::new(C::SYSCALL_OPEN_X).tid(TID).set("fd", 3),
    );
    assert_eq!(get(&insp, &open, "evt.type.is.open"), one("1"));
    assert_eq!(get(&insp, &open, "evt.type.is.read"), one("0"));
    assert_eq!(get(&insp, &open, "evt.type.is.3"), one("1"));
    assert_eq!(get(&insp, &open, "evt.type.is.2"), one("0"));
    // libsinsp takes the first "openat" of the table (the old version):
    // today's openat events are not it.
    let openat = feed(&mut insp, openat_exit(TID as i64, 4, AT_FDCWD, "x", 1));
    assert_eq!(get(&insp, &openat, "evt.type.is.openat"), one("0"));
    assert!(SyscallFields::new().resolve("evt.type.is", None).is_err());
}

#[test]
fn syscall_type_names_system_calls_only() {
    let mut insp = world();
    let generic = feed(
        &mut insp,
        EventBuilder::new(C::GENERIC_X)
            .tid(TID)
            .set("ID", 1) // PPM_SC_RESTART_SYSCALL
            .set("nativeID", 219),
    );
    let name = falco_abi::syscalls::ppm_sc(1).unwrap().name;
    assert_eq!(get(&insp, &generic, "syscall.type"), one(name));
    // Generic events print no arguments.
    assert_eq!(get(&insp, &generic, "evt.info"), one(""));
    assert_eq!(get(&insp, &generic, "evt.args"), one(""));
    let exit = feed(
        &mut insp,
        EventBuilder::new(C::PROCEXIT_1_E).tid(TID).set("status", 0),
    );
    assert!(get(&insp, &exit, "syscall.type").is_empty());
    let open = feed(&mut insp, openat_exit(TID as i64, 4, AT_FDCWD, "x", 1));
    assert_eq!(get(&insp, &open, "syscall.type"), one("openat"));
    assert_eq!(get(&insp, &open, "evt.info"), get(&insp, &open, "evt.args"));
}

#[test]
fn error_counts_by_kind() {
    let mut insp = world();
    let counts = |insp: &Inspector, raw: &[u8]| -> Vec<Vec<String>> {
        [
            "evt.count",
            "evt.count.error",
            "evt.count.error.file",
            "evt.count.error.net",
            "evt.count.error.memory",
            "evt.count.error.other",
            "evt.count.exit",
        ]
        .iter()
        .map(|f| get(insp, raw, f))
        .collect()
    };
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // A failed open: no fd, an opening event.
    let open = feed(&mut insp, openat_exit(TID as i64, -2, AT_FDCWD, "x", 1));
    assert_eq!(
        counts(&insp, &open),
        [
            v(&["1"]),
            v(&["1"]),
            v(&["1"]),
            v(&[]),
            v(&[]),
            v(&[]),
            v(&["1"])
        ]
    );
    // A failed connect.
    let connect = feed(
        &mut insp,
        EventBuilder::new(C::SOCKET_CONNECT_X)
            .tid(TID)
            .set("res", -111)
            .set("fd", 99),
    );
    assert_eq!(get(&insp, &connect, "evt.count.error.net"), one("1"));
    assert!(get(&insp, &connect, "evt.count.error.other").is_empty());
    // A successful socket: the fd is a network one.
    let sock = feed(&mut insp, socket_exit(TID as i64, 3));
    assert_eq!(get(&insp, &sock, "evt.count.error"), one("0"));
    assert_eq!(get(&insp, &sock, "evt.count.error.net"), one("0"));
    assert!(get(&insp, &sock, "evt.count.error.file").is_empty());
    // A failed munmap: memory.
    let munmap = feed(
        &mut insp,
        EventBuilder::new(C::SYSCALL_MUNMAP_X)
            .tid(TID)
            .set("res", -22),
    );
    assert_eq!(get(&insp, &munmap, "evt.count.error.memory"), one("1"));
    assert!(get(&insp, &munmap, "evt.count.error.other").is_empty());
    // A failed nanosleep: other.
    let sleep = feed(
        &mut insp,
        EventBuilder::new(C::SYSCALL_NANOSLEEP_X)
            .tid(TID)
            .set("res", -4),
    );
    assert_eq!(get(&insp, &sleep, "evt.count.error.other"), one("1"));
    assert_eq!(get(&insp, &sleep, "evt.is_wait"), one("true"));
    // No return value: enter events, generic events.
    let enter = feed(
        &mut insp,
        EventBuilder::new(C::SYSCALL_OPEN_E)
            .tid(TID)
            .set("name", "x"),
    );
    assert!(get(&insp, &enter, "evt.count.error").is_empty());
    assert!(get(&insp, &enter, "evt.count.exit").is_empty());
    assert_eq!(get(&insp, &enter, "evt.is_wait"), one("false"));
}

#[test]
fn procinfo_counts() {
    let mut insp = world();
    insp.threads.insert(Thread {
        tid: 8,
        pid: TID as i64,
        ..Default::default()
    });
    let procinfo = |tid: u64| {
        EventBuilder::new(C::PROCINFO_E)
            .tid(tid)
            .set("cpu_usr", 0)
            .set("cpu_sys", 0)
    };
    let main = feed(&mut insp, procinfo(TID));
    assert_eq!(get(&insp, &main, "evt.count.procinfo"), one("1"));
    assert_eq!(get(&insp, &main, "evt.count.threadinfo"), one("1"));
    let thread = feed(&mut insp, procinfo(8));
    assert_eq!(get(&insp, &thread, "evt.count.procinfo"), one("0"));
    assert_eq!(get(&insp, &thread, "evt.count.threadinfo"), one("1"));
    let other = feed(&mut insp, socket_exit(TID as i64, 3));
    assert_eq!(get(&insp, &other, "evt.count.threadinfo"), one("0"));
}

fn io(code: C, fd: i64, res: i64) -> EventBuilder {
    EventBuilder::new(code)
        .tid(TID)
        .set("res", res)
        .set("fd", fd)
        .set("size", 100)
}

#[test]
fn buffer_lengths_by_direction_and_fd_kind() {
    let mut insp = world();
    feed(&mut insp, openat_exit(TID as i64, 3, AT_FDCWD, "f", 1));
    feed(&mut insp, socket_exit(TID as i64, 4));
    feed(
        &mut insp,
        openat_exit(TID as i64, 5, AT_FDCWD, "/dev/log", 2),
    );
    let all = [
        "evt.buflen.in",
        "evt.buflen.out",
        "evt.buflen.file",
        "evt.buflen.file.in",
        "evt.buflen.file.out",
        "evt.buflen.net",
        "evt.buflen.net.in",
        "evt.buflen.net.out",
    ];
    let lens = |insp: &Inspector, raw: &[u8]| -> Vec<String> {
        all.iter()
            .map(|f| get(insp, raw, f).join(""))
            .collect::<Vec<_>>()
    };
    let file_read = feed(&mut insp, io(C::SYSCALL_READ_X, 3, 10));
    assert_eq!(
        lens(&insp, &file_read),
        ["10", "", "10", "10", "", "", "", ""]
    );
    assert_eq!(get(&insp, &file_read, "evt.io_dir"), one("read"));
    assert_eq!(get(&insp, &file_read, "evt.is_syslog"), one("false"));
    let net_write = feed(&mut insp, io(C::SYSCALL_WRITE_X, 4, 20));
    assert_eq!(
        lens(&insp, &net_write),
        ["", "20", "", "", "", "20", "", "20"]
    );
    assert_eq!(get(&insp, &net_write, "evt.io_dir"), one("write"));
    let failed = feed(&mut insp, io(C::SYSCALL_WRITE_X, 4, -32));
    assert_eq!(lens(&insp, &failed), ["", "", "", "", "", "", "", ""]);
    // An fd never seen: the parser stands in one of unknown kind, neither
    // a file nor a network one.
    let unknown_fd = feed(&mut insp, io(C::SYSCALL_READ_X, 42, 10));
    assert_eq!(lens(&insp, &unknown_fd), ["10", "", "", "", "", "", "", ""]);
    let syslog = feed(&mut insp, io(C::SYSCALL_WRITE_X, 5, 7));
    assert_eq!(get(&insp, &syslog, "evt.is_syslog"), one("true"));
    let sock = feed(&mut insp, socket_exit(TID as i64, 6));
    assert!(get(&insp, &sock, "evt.io_dir").is_empty());
}

#[test]
fn abspath_joins_dirfd_and_path() {
    let mut insp = world();
    feed(&mut insp, openat_exit(TID as i64, 3, AT_FDCWD, "/srv/d", 1));
    let rename = feed(
        &mut insp,
        EventBuilder::new(C::SYSCALL_RENAMEAT_X)
            .tid(TID)
            .set("res", 0)
            .set("olddirfd", AT_FDCWD)
            .set("oldpath", "../a/./b")
            .set("newdirfd", 3)
            .set("newpath", "c"),
    );
    assert_eq!(get(&insp, &rename, "evt.abspath"), one("/home/a/b"));
    assert_eq!(get(&insp, &rename, "evt.abspath.src"), one("/home/a/b"));
    assert_eq!(get(&insp, &rename, "evt.abspath.dst"), one("/srv/d/c"));
    assert!(get(&insp, &rename, "evt.abspath.foo").is_empty());
    let unknown = feed(
        &mut insp,
        EventBuilder::new(C::SYSCALL_MKDIRAT_X)
            .tid(TID)
            .set("res", 0)
            .set("dirfd", 9)
            .set("path", "x")
            .set("mode", 0),
    );
    assert_eq!(get(&insp, &unknown, "evt.abspath"), one("<UNKNOWN>/x"));
    let absolute = feed(
        &mut insp,
        EventBuilder::new(C::SYSCALL_UNLINKAT_2_X)
            .tid(TID)
            .set("res", 0)
            .set("dirfd", 9)
            .set("name", "/tmp//y")
            .set("flags", 0),
    );
    assert_eq!(get(&insp, &absolute, "evt.abspath"), one("/tmp/y"));
    // Not a *at syscall.
    let sock = feed(&mut insp, socket_exit(TID as i64, 4));
    assert!(get(&insp, &sock, "evt.abspath").is_empty());
}

#[test]
fn docker_infrastructure_events() {
    let mut insp = world();
    let raw = feed(
        &mut insp,
        EventBuilder::new(C::INFRASTRUCTURE_EVENT_E)
            .set("source", "docker")
            .set("name", "container")
            .set(
                "description",
                "Event: start; ID: 0123456789abcdef; name: web; Image: nginx@sha256:ffff",
            )
            .set("scope", ""),
    );
    assert_eq!(get(&insp, &raw, "evt.infra.docker.name"), one("start"));
    assert_eq!(
        get(&insp, &raw, "evt.infra.docker.container.id"),
        one("0123456789ab")
    );
    assert_eq!(
        get(&insp, &raw, "evt.infra.docker.container.name"),
        one("web")
    );
    assert_eq!(
        get(&insp, &raw, "evt.infra.docker.container.image"),
        one("nginx")
    );
    assert_eq!(get(&insp, &raw, "evt.is_async"), one("true"));
    assert_eq!(get(&insp, &raw, "evt.asynctype"), one("infra"));
    let sha = feed(
        &mut insp,
        EventBuilder::new(C::INFRASTRUCTURE_EVENT_E)
            .set("source", "docker")
            .set("name", "container")
            .set("description", "Image: sha256:abcd")
            .set("scope", ""),
    );
    assert_eq!(
        get(&insp, &sha, "evt.infra.docker.container.image"),
        one("sha256:abcd")
    );
    let sock = feed(&mut insp, socket_exit(TID as i64, 4));
    assert!(get(&insp, &sock, "evt.infra.docker.name").is_empty());
    assert_eq!(get(&insp, &sock, "evt.is_async"), one("false"));
    assert!(get(&insp, &sock, "evt.asynctype").is_empty());
    assert!(get(&insp, &sock, "evt.pluginname").is_empty());
    assert!(get(&insp, &sock, "evt.plugininfo").is_empty());
}

#[test]
fn async_events_are_typed_by_their_name() {
    let mut insp = world();
    let raw = feed(
        &mut insp,
        EventBuilder::new(C::ASYNCEVENT_E)
            .set("plugin_id", 0)
            .set("name", "mything")
            .set("data", &b"{}"[..]),
    );
    assert_eq!(get(&insp, &raw, "evt.is_async"), one("true"));
    assert_eq!(get(&insp, &raw, "evt.asynctype"), one("mything"));
}

#[test]
fn raw_arguments_by_dotted_name() {
    let mut insp = world();
    let raw = feed(&mut insp, openat_exit(TID as i64, 3, AT_FDCWD, "/etc/x", 1));
    assert_eq!(get(&insp, &raw, "evt.rawarg.fd"), one("3"));
    assert_eq!(get(&insp, &raw, "evt.rawarg.dirfd"), one("-100"));
    assert_eq!(get(&insp, &raw, "evt.rawarg.name"), one("/etc/x"));
    assert_eq!(get(&insp, &raw, "evt.rawarg.flags"), one("1"));
    // No parameter of that name in this event.
    assert!(get(&insp, &raw, "evt.rawarg.res").is_empty());
    let close = feed(&mut insp, close(3));
    assert_eq!(get(&insp, &close, "evt.rawarg.res"), one("0"));
    use crate::value::FieldType as T;
    assert_eq!(super::rawarg_type("res"), Some(T::Errno));
    assert_eq!(super::rawarg_type("fd"), Some(T::Fd));
    assert_eq!(super::rawarg_type("pathname"), Some(T::CharBuf));
    assert_eq!(super::rawarg_type("no_such_param"), None);
}

pub(super) fn close(fd: i64) -> EventBuilder {
    falco_scap::builder::events::close_exit(TID as i64, fd)
}

#[test]
fn around_resolves_with_its_timestamp_and_extracts_nothing() {
    let mut insp = world();
    let fields = SyscallFields::new();
    let arg = crate::field::FieldArg::Index(1_404_996_934_793_590_564);
    let f = fields.resolve("evt.around", Some(&arg)).unwrap();
    assert!(fields.resolve("evt.around", None).is_err());
    let raw = feed(&mut insp, socket_exit(TID as i64, 4));
    let mut out = Vec::new();
    let c = Ctx {
        ev: view(&raw),
        insp: &insp,
    };
    fields.extract(&f, &c, &mut out);
    assert!(out.is_empty());
}
