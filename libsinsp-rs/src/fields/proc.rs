//! `proc.*`: the process (and its ancestors) that generated the event.

use super::{deprecated, push_str};
use crate::field::{ArgKind, Ctx, Extract, FieldArg, FieldRow};
use crate::state::Thread;
use crate::value::{FieldType, Value};

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "process",
    desc: "Additional information about the process and thread executing the syscall event.",
    fields: FIELDS,
    unlisted: &[],
};

/// How far `proc.aname` etc. walk up without an index.
const MAX_ANCESTORS: usize = 64;

/// How far `proc.aenv[NAME]` looks for the variable, as in libsinsp.
const AENV_LEVELS: usize = 20;

/// The number of fds the process has open.
fn fd_opencount(c: &Ctx<'_>) -> u64 {
    c.insp
        .threads
        .fds(c.ev.tid as i64)
        .map_or(0, |t| t.len() as u64)
}

/// `comm args...` as Falco shows `proc.cmdline`.
pub fn cmdline(t: &Thread) -> String {
    let mut s = t.comm.clone();
    for a in &t.args {
        s.push(' ');
        s.push_str(a);
    }
    s
}

/// `exe args...`: libsinsp puts the space after the exe even without
/// arguments.
fn exeline(t: &Thread) -> String {
    let mut s = t.exe.clone();
    s.push(' ');
    s.push_str(&t.args.join(" "));
    s
}

/// The process itself for `[0]`, its N-th ancestor for `[N]`, every
/// ancestor (not itself) without an index.
fn ancestors<'a>(c: &Ctx<'a>, arg: Option<&FieldArg>) -> Vec<&'a Thread> {
    let Some(t) = c.process() else {
        return Vec::new();
    };
    match arg {
        Some(FieldArg::Index(0)) => vec![t],
        Some(FieldArg::Index(n)) => c
            .insp
            .threads
            .ancestors(t.tid, *n as usize)
            .nth(*n as usize - 1)
            .into_iter()
            .collect(),
        _ => c.insp.threads.ancestors(t.tid, MAX_ANCESTORS).collect(),
    }
}

/// The leader of the thread's session or process group, found as libsinsp
/// does: the thread whose id is the group's id, when that id means
/// something in the thread table (a host id, or a virtual id outside a pid
/// namespace); otherwise the oldest of the unbroken line of ancestors that
/// share the group's id.
fn group_leader<'a>(c: &Ctx<'a>, id: fn(&Thread) -> i64, virtual_id: bool) -> Option<&'a Thread> {
    let t = c.thread()?;
    let want = id(t);
    if want == -1 {
        return None;
    }
    let in_pid_namespace = t.tid != t.vtid;
    if !virtual_id || !in_pid_namespace {
        if let Some(l) = c.insp.threads.get(want) {
            return Some(l);
        }
    }
    c.insp
        .threads
        .ancestors(t.tid, MAX_ANCESTORS)
        .take_while(|a| id(a) == want)
        .last()
}

fn session_leader<'a>(c: &Ctx<'a>) -> Option<&'a Thread> {
    group_leader(c, |t| t.sid, true)
}

fn vpgid_leader<'a>(c: &Ctx<'a>) -> Option<&'a Thread> {
    group_leader(c, |t| t.vpgid, true)
}

fn pgid_leader<'a>(c: &Ctx<'a>) -> Option<&'a Thread> {
    group_leader(c, |t| t.pgid, false)
}

/// The process or its N-th ancestor: `[0]` is the process itself.
fn nth_ancestor<'a>(c: &Ctx<'a>, n: u64) -> Option<&'a Thread> {
    let t = c.process()?;
    match n {
        0 => Some(t),
        n => c
            .insp
            .threads
            .ancestors(t.tid, n as usize)
            .nth(n as usize - 1),
    }
}

/// `proc.env` as libsinsp renders it: the variables joined by spaces.
fn env_line(t: &Thread) -> String {
    t.env.join(" ")
}

/// The value of variable `name` in `t`'s environment, without surrounding
/// spaces, if it is set to something.
fn env_var<'t>(t: &'t Thread, name: &str) -> Option<&'t str> {
    t.env
        .iter()
        .find_map(|e| e.strip_prefix(name)?.strip_prefix('='))
        .map(|v| v.trim_matches(' '))
}

/// A field of the process's standard stream `fd` (0, 1, 2).
fn std_stream<'a>(c: &Ctx<'a>, fd: i64) -> Option<&'a crate::state::Fd> {
    c.insp.threads.fds(c.ev.tid as i64)?.get(fd)
}

macro_rules! std_stream {
    ($name:literal, $fd:literal, $desc:literal, $pick:ident) => {
        FieldRow {
            name: $name,
            ftype: FieldType::CharBuf,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                if let Some(f) = std_stream(c, $fd) {
                    std_stream!(@push $pick, f, out);
                }
            },
        }
    };
    (@push type, $f:ident, $out:ident) => { push_str($out, $f.kind.name()) };
    (@push name, $f:ident, $out:ident) => { push_str($out, &$f.name) };
}

macro_rules! group_leader_str {
    ($name:literal, $desc:literal, $leader:ident, $f:ident) => {
        FieldRow {
            name: $name,
            ftype: FieldType::CharBuf,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                if c.thread().is_some() {
                    // libsinsp gives an empty string when no leader is known.
                    push_str(out, $leader(c).map_or("", |t| t.$f.as_str()));
                }
            },
        }
    };
}

/// How an output shows an ancestor field written without an index, where
/// a condition compares every ancestor's value: as libsinsp extracts it,
/// one space-separated string of the ancestors' values (proc.apid: the
/// process's own pid; proc.aenv: its own environment). None for the
/// fields that show what they compare.
pub fn output_form(name: &str) -> Option<Extract> {
    fn joined<'a>(c: &Ctx<'a>, out: &mut Vec<Value<'a>>, each: fn(&Thread) -> String) {
        let line: Vec<String> = ancestors(c, None).into_iter().map(each).collect();
        if !line.is_empty() {
            out.push(Value::str(line.join(" ")));
        }
    }
    Some(match name {
        "proc.aname" => |c, _, out| joined(c, out, |t| t.comm.clone()),
        "proc.aexe" => |c, _, out| joined(c, out, |t| t.exe.clone()),
        "proc.aexepath" => |c, _, out| joined(c, out, |t| t.exepath.clone()),
        "proc.aargs" => |c, _, out| joined(c, out, |t| t.args.join(" ")),
        "proc.acmdline" => |c, _, out| joined(c, out, cmdline),
        "proc.apid" => |c, _, out| {
            if let Some(t) = c.process() {
                out.push(Value::Int(t.pid));
            }
        },
        "proc.aenv" => |c, _, out| {
            if let Some(t) = c.process() {
                out.push(Value::str(env_line(t)));
            }
        },
        _ => return None,
    })
}

macro_rules! thread_str {
    ($name:literal, $desc:literal, $who:ident, $f:ident) => {
        FieldRow {
            name: $name,
            ftype: FieldType::CharBuf,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                if let Some(t) = c.$who() {
                    push_str(out, &t.$f);
                }
            },
        }
    };
}

macro_rules! thread_int {
    ($name:literal, $ty:ident, $desc:literal, $who:ident, $e:expr) => {
        FieldRow {
            name: $name,
            ftype: FieldType::$ty,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                if let Some(t) = c.$who() {
                    let f: fn(&Thread) -> Value<'static> = $e;
                    out.push(f(t));
                }
            },
        }
    };
}

pub const FIELDS: &[FieldRow] = &[
    thread_int!("proc.pid", Int64, "the id of the process generating the event.", process, |t| Value::Int(t.pid)),
    thread_str!("proc.exe", "the first command line argument (usually the executable name or a custom one).", process, exe),
    thread_str!("proc.name", "the name (excluding the path) of the executable generating the event.", thread, comm),
    FieldRow {
        name: "proc.args",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "the arguments passed on the command line when starting the process generating the event.",
        extract: |c, _, out| {
            if let Some(t) = c.process() {
                out.push(Value::str(t.args.join(" ")));
            }
        },
    },
    FieldRow {
        name: "proc.env",
        ftype: FieldType::CharBuf,
        arg: ArgKind::OptionalKey,
        desc: "the environment variables of the process generating the event, or with [NAME] the value of one of them.",
        extract: |c, arg, out| {
            let Some(t) = c.process() else { return };
            match arg {
                // libsinsp gives an empty string for a variable not set.
                Some(FieldArg::Key(name)) => push_str(out, env_var(t, name).unwrap_or("")),
                _ => out.push(Value::str(env_line(t))),
            }
        },
    },
    FieldRow {
        name: "proc.cmdline",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "full process command line, i.e. proc.name + proc.args.",
        extract: |c, _, out| {
            if let Some(t) = c.thread() {
                let mut s = t.comm.clone();
                for a in c.process().map(|p| &p.args).unwrap_or(&t.args) {
                    s.push(' ');
                    s.push_str(a);
                }
                out.push(Value::str(s));
            }
        },
    },
    FieldRow {
        name: "proc.exeline",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "full process command line, with exe as first argument, i.e. proc.exe + proc.args.",
        extract: |c, _, out| {
            if let Some(t) = c.process() {
                out.push(Value::str(exeline(t)));
            }
        },
    },
    thread_str!("proc.exepath", "the full executable path of the process.", process, exepath),
    FieldRow {
        name: "proc.cwd",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "the current working directory of the event.",
        extract: |c, _, out| {
            if let Some(t) = c.process() {
                let mut s = t.cwd.clone();
                if !s.is_empty() && !s.ends_with('/') {
                    s.push('/');
                }
                out.push(Value::str(s));
            }
        },
    },
    FieldRow {
        name: "proc.nthreads",
        ftype: FieldType::UInt64,
        arg: ArgKind::None,
        desc: "the number of alive threads that the process generating the event currently has.",
        extract: |c, _, out| {
            if let Some(t) = c.thread() {
                out.push(Value::UInt(c.insp.threads.count_threads(t.pid) as u64));
            }
        },
    },
    thread_int!("proc.ppid", Int64, "the pid of the parent of the process generating the event.", process, |t| Value::Int(t.ptid)),
    thread_str!("proc.pname", "the name (excluding the path) of the parent of the process generating the event.", parent, comm),
    FieldRow {
        name: "proc.pcmdline",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "the full command line (proc.name + proc.args) of the parent of the process generating the event.",
        extract: |c, _, out| {
            if let Some(t) = c.parent() {
                out.push(Value::str(cmdline(t)));
            }
        },
    },
    thread_str!("proc.pexe", "the proc.exe (first command line argument) of the parent of the process.", parent, exe),
    thread_str!("proc.pexepath", "the proc.exepath (full executable path) of the parent of the process.", parent, exepath),
    FieldRow {
        name: "proc.apid",
        ftype: FieldType::Int64,
        arg: ArgKind::OptionalIndex,
        desc: "the pid of one of the process ancestors. E.g. proc.apid[1] returns the parent pid, proc.apid[2] the grandparent pid. proc.apid without index matches any ancestor.",
        extract: |c, arg, out| out.extend(ancestors(c, arg).into_iter().map(|t| Value::Int(t.pid))),
    },
    FieldRow {
        name: "proc.aname",
        ftype: FieldType::CharBuf,
        arg: ArgKind::OptionalIndex,
        desc: "the name (excluding the path) of one of the process ancestors. E.g. proc.aname[1] returns the parent name. proc.aname without index matches any ancestor.",
        extract: |c, arg, out| {
            for t in ancestors(c, arg) {
                push_str(out, &t.comm);
            }
        },
    },
    FieldRow {
        name: "proc.aexe",
        ftype: FieldType::CharBuf,
        arg: ArgKind::OptionalIndex,
        desc: "the proc.exe (first command line argument) of one of the process ancestors.",
        extract: |c, arg, out| {
            for t in ancestors(c, arg) {
                push_str(out, &t.exe);
            }
        },
    },
    FieldRow {
        name: "proc.aexepath",
        ftype: FieldType::CharBuf,
        arg: ArgKind::OptionalIndex,
        desc: "the proc.exepath (full executable path) of one of the process ancestors.",
        extract: |c, arg, out| {
            for t in ancestors(c, arg) {
                push_str(out, &t.exepath);
            }
        },
    },
    FieldRow {
        name: "proc.duration",
        ftype: FieldType::RelTime,
        arg: ArgKind::None,
        desc: "number of nanoseconds since the process started.",
        // The thread's own start, as libsinsp reads it.
        extract: |c, _, out| {
            if let Some(t) = c.thread().filter(|t| t.clone_ts != 0) {
                out.push(Value::UInt(c.ev.ts.saturating_sub(t.clone_ts)));
            }
        },
    },
    FieldRow {
        name: "proc.ppid.duration",
        ftype: FieldType::RelTime,
        arg: ArgKind::None,
        desc: "number of nanoseconds since the parent process started.",
        extract: |c, _, out| {
            if let Some(t) = c.parent().filter(|t| t.clone_ts != 0) {
                out.push(Value::UInt(c.ev.ts.saturating_sub(t.clone_ts)));
            }
        },
    },
    thread_int!("proc.tty", Int64, "the controlling terminal of the process. 0 for processes without a terminal.", process, |t| Value::Int(t.tty as i64)),
    thread_int!("proc.sid", Int64, "the session id of the process generating the event.", process, |t| Value::Int(t.sid)),
    group_leader_str!("proc.sname", "the name of the current process's session leader.", session_leader, comm),
    thread_int!("proc.vpgid", Int64, "the process group id of the process generating the event, as seen from its current PID namespace.", process, |t| Value::Int(t.vpgid)),
    group_leader_str!("proc.vpgid.name", "the name of the current process's process group leader.", vpgid_leader, comm),
    group_leader_str!("proc.vpgid.exe", "the proc.exe of the current process's process group leader.", vpgid_leader, exe),
    FieldRow {
        name: "proc.is_vpgid_leader",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' if this process is the leader of the process group.",
        extract: |c, _, out| {
            if let Some(t) = c.process() {
                let vpid = if t.vpid >= 0 { t.vpid } else { t.pid };
                out.push(Value::Bool(vpid == t.vpgid));
            }
        },
    },
    FieldRow {
        name: "proc.vpid",
        ftype: FieldType::Int64,
        arg: ArgKind::None,
        desc: "the id of the process generating the event as seen from its current PID namespace.",
        // The thread's copy (libsinsp's); unknown (-1, old captures): no value.
        extract: |c, _, out| {
            if let Some(t) = c.thread().filter(|t| t.vpid != -1) {
                out.push(Value::Int(t.vpid));
            }
        },
    },
    thread_int!("proc.is_exe_writable", Bool, "'true' if this process' executable file is writable by the same user that spawned the process.", process, |t| Value::Bool(t.exe_writable)),
    thread_int!("proc.is_exe_upper_layer", Bool, "'true' if this process' executable file is in upper layer in overlayfs.", process, |t| Value::Bool(t.exe_upper_layer)),
    thread_int!("proc.is_exe_from_memfd", Bool, "'true' if the executable file of the current process is an anonymous file created using memfd_create().", process, |t| Value::Bool(t.exe_from_memfd)),
    thread_int!("proc.exe_ino", Int64, "the inode number of the executable file on disk.", process, |t| Value::Int(t.exe_ino as i64)),
    thread_int!("proc.exe_ino.ctime", AbsTime, "last status change time of executable file (inode->ctime).", process, |t| Value::UInt(t.exe_ino_ctime)),
    thread_int!("proc.exe_ino.mtime", AbsTime, "last modification time of executable file (inode->mtime).", process, |t| Value::UInt(t.exe_ino_mtime)),
    FieldRow {
        name: "proc.exe_ino.ctime_duration_proc_start",
        ftype: FieldType::AbsTime,
        arg: ArgKind::None,
        desc: "number of nanoseconds between modifying status of executable image and spawning a new process using the changed executable image.",
        extract: |c, _, out| {
            if let Some(t) = c.process().filter(|t| t.clone_ts != 0 && t.exe_ino_ctime != 0) {
                out.push(Value::UInt(t.clone_ts.saturating_sub(t.exe_ino_ctime)));
            }
        },
    },
    thread_int!("proc.pid.ts", AbsTime, "start of process as epoch timestamp in nanoseconds.", process, |t| Value::UInt(t.clone_ts)),
    group_leader_str!("proc.sid.exe", "The first command line argument argv[0] (usually the executable name or a custom one) of the current process's session leader. This is either the process with pid=proc.sid or the eldest ancestor that has the same sid as the current process.", session_leader, exe),
    group_leader_str!("proc.sid.exepath", "The full executable path of the current process's session leader. This is either the process with pid=proc.sid or the eldest ancestor that has the same sid as the current process.", session_leader, exepath),
    group_leader_str!("proc.vpgid.exepath", "The full executable path of the current process's process group leader. This is either the process with proc.vpgid == proc.vpid or the eldest ancestor that has the same vpgid as the current process. The description of `proc.is_vpgid_leader` offers additional insights.", vpgid_leader, exepath),
    thread_int!("proc.pgid", Int64, "The process group id of the process generating the event, as seen from host PID namespace.", thread, |t| Value::Int(t.pgid)),
    group_leader_str!("proc.pgid.name", "The name of the current process's process group leader. This is either the process with proc.pgid == proc.pid or the eldest ancestor that has the same pgid as the current process. The description of `proc.is_pgid_leader` offers additional insights.", pgid_leader, comm),
    group_leader_str!("proc.pgid.exe", "The first command line argument argv[0] (usually the executable name or a custom one) of the current process's process group leader. This is either the process with proc.pgid == proc.pid or the eldest ancestor that has the same pgid as the current process. The description of `proc.is_pgid_leader` offers additional insights.", pgid_leader, exe),
    group_leader_str!("proc.pgid.exepath", "The full executable path of the current process's process group leader. This is either the process with proc.pgid == proc.pid or the eldest ancestor that has the same pgid as the current process. The description of `proc.is_pgid_leader` offers additional insights.", pgid_leader, exepath),
    thread_int!("proc.is_sid_leader", Bool, "'true' if this process is the leader of the process session, proc.sid == proc.vpid. For host processes vpid reflects pid.", thread, |t| Value::Bool(t.sid == t.vpid)),
    thread_int!("proc.is_pgid_leader", Bool, "'true' if this process is the leader of the process group, proc.pgid == proc.pid. Can help to distinguish if the process was 'directly' executed for instance in a tty (similar to bash history logging, `is_pgid_leader` would be 'true') or executed as descendent process in the same process group which for example is the case when subprocesses are spawned from a script (`is_pgid_leader` would be 'false').", thread, |t| Value::Bool(t.pgid == t.pid)),
    thread_int!("proc.pvpid", Int64, "The id of the parent process generating the event as seen from its current PID namespace.", parent, |t| Value::Int(t.vpid)),
    thread_int!("proc.ppid.ts", RelTime, "Start of parent process as epoch timestamp in nanoseconds.", parent, |t| Value::UInt(t.clone_ts)),
    FieldRow {
        name: "proc.pidns_init_start_ts",
        ftype: FieldType::UInt64,
        arg: ArgKind::None,
        desc: "Start of PID namespace (container or non container pid namespace) as epoch timestamp in nanoseconds.",
        extract: |c, _, out| {
            if let Some(t) = c.thread().filter(|t| t.pidns_init_start_ts != 0) {
                out.push(Value::UInt(t.pidns_init_start_ts));
            }
        },
    },
    FieldRow {
        name: "proc.exe_ino.ctime_duration_pidns_start",
        ftype: FieldType::AbsTime,
        arg: ArgKind::None,
        desc: "Number of nanoseconds between PID namespace start ts and ctime exe file if PID namespace start predates ctime.",
        extract: |c, _, out| {
            let t = c.process().filter(|t| t.pidns_init_start_ts != 0 && t.exe_ino_ctime > t.pidns_init_start_ts);
            if let Some(t) = t {
                out.push(Value::UInt(t.exe_ino_ctime - t.pidns_init_start_ts));
            }
        },
    },
    thread_int!("proc.is_exe_lower_layer", Bool, "'true' if this process' executable file is in lower layer in overlayfs. This field value can only be trusted if the underlying kernel version is greater or equal than 3.18.0, since overlayfs was introduced at that time.", process, |t| Value::Bool(t.exe_lower_layer)),
    FieldRow {
        name: "proc.aargs",
        ftype: FieldType::CharBuf,
        arg: ArgKind::OptionalIndex,
        desc: "The arguments passed on the command line when starting the process generating the event for a specific process ancestor. You can access different levels of ancestors by using indices. For example, proc.aargs[1] retrieves the arguments passed on the command line of the parent process, proc.aargs[2] retrieves the proc.args of the grandparent process, and so on. The current process's arguments passed on the command line can be obtained using proc.aargs[0]. When used without any arguments in filters, proc.aargs matches any of the process ancestors. For instance, you can use `proc.aargs contains base64` to match any process ancestor whose arguments contain the term base64. In output, proc.aargs without arguments returns the space-separated list of proc.args values of all ancestors.",
        extract: |c, arg, out| out.extend(ancestors(c, arg).into_iter().map(|t| Value::str(t.args.join(" ")))),
    },
    FieldRow {
        name: "proc.acmdline",
        ftype: FieldType::CharBuf,
        arg: ArgKind::OptionalIndex,
        desc: "The full command line (proc.name + proc.args) for a specific process ancestor. You can access different levels of ancestors by using indices. For example, proc.acmdline[1] retrieves the full command line of the parent process, proc.acmdline[2] retrieves the proc.cmdline of the grandparent process, and so on. The current process's full command line can be obtained using proc.acmdline[0]. When used without any arguments in filters, proc.acmdline matches any of the process ancestors. For instance, you can use `proc.acmdline contains base64` to match any process ancestor whose command line contains the term base64. In output, proc.acmdline without arguments returns the space-separated list of proc.cmdline values of all ancestors.",
        extract: |c, arg, out| out.extend(ancestors(c, arg).into_iter().map(|t| Value::str(cmdline(t)))),
    },
    FieldRow {
        name: "proc.aenv",
        ftype: FieldType::CharBuf,
        arg: ArgKind::OptionalIndexOrKey,
        desc: "[EXPERIMENTAL] This field can be used in three flavors: (1) as a filter checking all parents, e.g. 'proc.aenv contains xyz', which is similar to the familiar 'proc.aname contains xyz' approach, (2) checking the `proc.env` of a specified level of the parent, e.g. 'proc.aenv[2]', which is similar to the familiar 'proc.aname[2]' approach, or (3) checking the first matched value of a known ENV_NAME in the parent lineage, such as 'proc.aenv[ENV_NAME]' (across a max of 20 ancestor levels). This field may be deprecated or undergo breaking changes in future releases. Please use it with caution.",
        extract: |c, arg, out| {
            let Some(t) = c.process() else { return };
            match arg {
                // The first ancestor (not the process) that sets it.
                Some(FieldArg::Key(name)) => {
                    let v = c.insp.threads.ancestors(t.tid, AENV_LEVELS).find_map(|a| env_var(a, name).filter(|v| !v.is_empty()));
                    push_str(out, v.unwrap_or(""));
                }
                Some(FieldArg::Index(0)) => out.push(Value::str(env_line(t))),
                Some(FieldArg::Index(n)) => {
                    if let Some(a) = nth_ancestor(c, *n) {
                        out.push(Value::str(env_line(a)));
                    }
                }
                // In filters: any ancestor's environment.
                None => out.extend(c.insp.threads.ancestors(t.tid, MAX_ANCESTORS).map(|a| Value::str(env_line(a)))),
            }
        },
    },
    thread_int!("proc.cmdnargs", UInt64, "The number of command line args (proc.args).", process, |t| Value::UInt(t.args.len() as u64)),
    thread_int!("proc.cmdlenargs", UInt64, "The total count of characters / length of the command line args (proc.args) combined excluding whitespaces between args.", process, |t| Value::UInt(t.args.iter().map(|a| a.len() as u64).sum())),
    FieldRow {
        name: "proc.loginshellid",
        ftype: FieldType::Int64,
        arg: ArgKind::None,
        desc: "The pid of the oldest shell among the ancestors of the current process, if there is one. This field can be used to separate different user sessions.",
        extract: |c, _, out| {
            let Some(t) = c.process() else { return };
            let oldest_shell = std::iter::once(t)
                .chain(c.insp.threads.ancestors(t.tid, MAX_ANCESTORS))
                .filter(|a| a.comm.ends_with("sh"))
                .last();
            if let Some(s) = oldest_shell {
                out.push(Value::Int(s.pid));
            }
        },
    },
    FieldRow {
        name: "proc.nchilds",
        ftype: FieldType::UInt64,
        arg: ArgKind::None,
        desc: "The number of alive not leader threads that the process generating the event currently has. This excludes the leader thread.",
        extract: |c, _, out| {
            if let Some(t) = c.thread() {
                let leader_alive = c.insp.threads.get(t.pid).is_some_and(|l| !l.exited);
                let n = c.insp.threads.count_threads(t.pid) - usize::from(leader_alive);
                out.push(Value::UInt(n as u64));
            }
        },
    },
    FieldRow {
        name: "proc.fdopencount",
        ftype: FieldType::UInt64,
        arg: ArgKind::None,
        desc: "Number of open FDs for the process",
        extract: |c, _, out| {
            if c.thread().is_some() {
                out.push(Value::UInt(fd_opencount(c)));
            }
        },
    },
    thread_int!("proc.fdlimit", Int64, "Maximum number of FDs the process can open.", process, |t| Value::Int(t.fdlimit as i64)),
    FieldRow {
        name: "proc.fdusage",
        ftype: FieldType::Double,
        arg: ArgKind::None,
        desc: "The ratio between open FDs and maximum available FDs for the process.",
        extract: |c, _, out| {
            if let Some(t) = c.process() {
                let limit = t.fdlimit as i64;
                let open = fd_opencount(c);
                let pct = match limit {
                    l if l <= 0 => 0.0,
                    l if open > l as u64 => 100.0,
                    l => open as f64 * 100.0 / l as f64,
                };
                out.push(Value::Double(pct));
            }
        },
    },
    thread_int!("proc.vmsize", UInt64, "Total virtual memory for the process (as kb).", thread, |t| Value::UInt(t.vmsize_kb as u64)),
    thread_int!("proc.vmrss", UInt64, "Resident non-swapped memory for the process (as kb).", thread, |t| Value::UInt(t.vmrss_kb as u64)),
    thread_int!("proc.vmswap", UInt64, "Swapped memory for the process (as kb).", thread, |t| Value::UInt(t.vmswap_kb as u64)),
    std_stream!("proc.stdin.type", 0, "The type of file descriptor 0, corresponding to stdin, of the process generating the event.", type),
    std_stream!("proc.stdout.type", 1, "The type of file descriptor 1, corresponding to stdout, of the process generating the event.", type),
    std_stream!("proc.stderr.type", 2, "The type of file descriptor 2, corresponding to stderr, of the process generating the event.", type),
    std_stream!("proc.stdin.name", 0, "The name of the file descriptor 0, corresponding to stdin, of the process generating the event.", name),
    std_stream!("proc.stdout.name", 1, "The name of the file descriptor 1, corresponding to stdout, of the process generating the event.", name),
    std_stream!("proc.stderr.name", 2, "The name of the file descriptor 2, corresponding to stderr, of the process generating the event.", name),
    // The container plugin's health-probe fields, deprecated there.
    deprecated("proc.is_container_healthcheck", FieldType::Bool, ArgKind::None, "Deprecated, will be removed in a future version."),
    deprecated("proc.is_container_liveness_probe", FieldType::Bool, ArgKind::None, "Deprecated, will be removed in a future version."),
    deprecated("proc.is_container_readiness_probe", FieldType::Bool, ArgKind::None, "Deprecated, will be removed in a future version."),
];
