//! `proc.*`: the process (and its ancestors) that generated the event.

use super::{deprecated, push_str};
use crate::field::{ArgKind, Ctx, FieldArg, FieldRow};
use crate::state::Thread;
use crate::value::{FieldType, Value};

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "process",
    desc: "Additional information about the process and thread executing the syscall event.",
    fields: FIELDS,
};

/// How far `proc.aname` etc. walk up without an index.
const MAX_ANCESTORS: usize = 64;

/// `comm args...` as Falco shows `proc.cmdline`.
pub fn cmdline(t: &Thread) -> String {
    let mut s = t.comm.clone();
    for a in &t.args {
        s.push(' ');
        s.push_str(a);
    }
    s
}

fn exeline(t: &Thread) -> String {
    let mut s = t.exe.clone();
    for a in &t.args {
        s.push(' ');
        s.push_str(a);
    }
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

/// The session leader of the process.
fn session_leader<'a>(c: &Ctx<'a>) -> Option<&'a Thread> {
    let t = c.process()?;
    std::iter::once(t)
        .chain(c.insp.threads.ancestors(t.tid, MAX_ANCESTORS))
        .find(|a| a.pid == t.sid)
}

/// The process group leader (by virtual pgid).
fn vpgid_leader<'a>(c: &Ctx<'a>) -> Option<&'a Thread> {
    let t = c.process()?;
    std::iter::once(t)
        .chain(c.insp.threads.ancestors(t.tid, MAX_ANCESTORS))
        .find(|a| a.vpid == t.vpgid || a.pid == t.vpgid)
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
                Some(FieldArg::Key(name)) => {
                    let hit = t.env.iter().find_map(|e| e.split_once('=').filter(|(k, _)| k == name));
                    if let Some((_, v)) = hit {
                        out.push(Value::str(v.trim()));
                    }
                }
                _ => out.push(Value::str(t.env.join(" "))),
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
        extract: |c, _, out| {
            if let Some(t) = c.process().filter(|t| t.clone_ts != 0) {
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
    FieldRow {
        name: "proc.sname",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "the name of the current process's session leader.",
        extract: |c, _, out| {
            if let Some(t) = session_leader(c) {
                push_str(out, &t.comm);
            }
        },
    },
    thread_int!("proc.vpgid", Int64, "the process group id of the process generating the event, as seen from its current PID namespace.", process, |t| Value::Int(t.vpgid)),
    FieldRow {
        name: "proc.vpgid.name",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "the name of the current process's process group leader.",
        extract: |c, _, out| {
            if let Some(t) = vpgid_leader(c) {
                push_str(out, &t.comm);
            }
        },
    },
    FieldRow {
        name: "proc.vpgid.exe",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "the proc.exe of the current process's process group leader.",
        extract: |c, _, out| {
            if let Some(t) = vpgid_leader(c) {
                push_str(out, &t.exe);
            }
        },
    },
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
    thread_int!("proc.vpid", Int64, "the id of the process generating the event as seen from its current PID namespace.", process, |t| Value::Int(t.vpid)),
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
    // The container plugin's health-probe fields, deprecated there.
    deprecated("proc.is_container_healthcheck", FieldType::Bool, ArgKind::None, "Deprecated, will be removed in a future version."),
    deprecated("proc.is_container_liveness_probe", FieldType::Bool, ArgKind::None, "Deprecated, will be removed in a future version."),
    deprecated("proc.is_container_readiness_probe", FieldType::Bool, ArgKind::None, "Deprecated, will be removed in a future version."),
];
