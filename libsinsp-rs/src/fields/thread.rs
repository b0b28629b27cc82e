//! `thread.*`: the thread that generated the event.

use super::push_str;
use crate::field::{ArgKind, Ctx, FieldArg, FieldRow};
use crate::value::{FieldType, Value};

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "thread",
    desc: "Information about the thread executing the syscall event.",
    fields: FIELDS,
    unlisted: &["thread.nametid", "thread.vmsize.b", "thread.vmrss.b"],
};

macro_rules! t {
    ($name:literal, $ty:ident, $desc:literal, $e:expr) => {
        FieldRow {
            name: $name,
            ftype: FieldType::$ty,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                if let Some(t) = c.thread() {
                    let f: fn(&crate::state::Thread) -> Value<'static> = $e;
                    out.push(f(t));
                }
            },
        }
    };
}

/// The main thread's memory (kB) for a main thread, 0 for the others.
macro_rules! main_memory {
    ($name:literal, $desc:literal, $f:ident, $scale:literal) => {
        FieldRow {
            name: $name,
            ftype: FieldType::UInt64,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                if let Some(t) = c.thread() {
                    let kb = if t.is_main() { t.$f as u64 } else { 0 };
                    out.push(Value::UInt(kb * $scale));
                }
            },
        }
    };
}

/// Fields libsinsp fills from sysdig's own events (procinfo for CPU use,
/// scheduler switches for execution time), which Falco does not capture:
/// on the events Falco sees they have no value.
fn cpu_share<'a>(_: &Ctx<'a>, _: Option<&FieldArg>, _: &mut Vec<Value<'a>>) {}

/// `thread.exectime`/`thread.totexectime`: 0 on every event but the
/// scheduler switches sysdig captures (see the README).
fn exec_time<'a>(_: &Ctx<'a>, _: Option<&FieldArg>, out: &mut Vec<Value<'a>>) {
    out.push(Value::UInt(0))
}

pub const FIELDS: &[FieldRow] = &[
    FieldRow {
        name: "thread.tid",
        ftype: FieldType::Int64,
        arg: ArgKind::None,
        desc: "the id of the thread generating the event.",
        // From the event itself: known even when the thread is not.
        extract: |c, _, out| out.push(Value::Int(c.ev.tid as i64)),
    },
    t!(
        "thread.ismain",
        Bool,
        "'true' if the thread generating the event is the main one in the process.",
        |t| Value::Bool(t.is_main())
    ),
    FieldRow {
        name: "thread.vtid",
        ftype: FieldType::Int64,
        arg: ArgKind::None,
        desc: "the id of the thread generating the event as seen from its current PID namespace.",
        // Unknown (-1, old captures): no value, as in libsinsp.
        extract: |c, _, out| {
            if let Some(t) = c.thread().filter(|t| t.vtid != -1) {
                out.push(Value::Int(t.vtid));
            }
        },
    },
    t!(
        "thread.cap_permitted",
        CharBuf,
        "the permitted capabilities set",
        |t| Value::str(crate::caps::names(t.cap_permitted))
    ),
    t!(
        "thread.cap_inheritable",
        CharBuf,
        "the inheritable capabilities set",
        |t| Value::str(crate::caps::names(t.cap_inheritable))
    ),
    t!(
        "thread.cap_effective",
        CharBuf,
        "the effective capabilities set",
        |t| Value::str(crate::caps::names(t.cap_effective))
    ),
    t!(
        "thread.pfmajor",
        UInt64,
        "Number of major page faults since thread start.",
        |t| Value::UInt(t.pfmajor)
    ),
    t!(
        "thread.pfminor",
        UInt64,
        "Number of minor page faults since thread start.",
        |t| Value::UInt(t.pfminor)
    ),
    FieldRow {
        name: "thread.nametid",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "This field chains the process name and tid of a thread and can be used as a specific identifier of a thread for a specific execve.",
        extract: |c, _, out| {
            if let Some(t) = c.thread() {
                out.push(Value::str(format!("{}{}", t.comm, c.ev.tid)));
            }
        },
    },
    FieldRow {
        name: "thread.exectime",
        ftype: FieldType::RelTime,
        arg: ArgKind::None,
        desc: "CPU time spent by the last scheduled thread, in nanoseconds. Exported by switch events only.",
        extract: exec_time,
    },
    FieldRow {
        name: "thread.totexectime",
        ftype: FieldType::RelTime,
        arg: ArgKind::None,
        desc: "Total CPU time, in nanoseconds since the beginning of the capture, for the current thread. Exported by switch events only.",
        extract: exec_time,
    },
    FieldRow {
        name: "thread.cgroups",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "All cgroups the thread belongs to, aggregated into a single string.",
        extract: |c, _, out| {
            let Some(t) = c.thread().filter(|t| !t.cgroups.is_empty()) else {
                return;
            };
            let mut s = String::new();
            for (i, (subsys, path)) in t.cgroups.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                s.push_str(subsys);
                s.push('=');
                s.push_str(path);
            }
            out.push(Value::str(s));
        },
    },
    FieldRow {
        name: "thread.cgroup",
        ftype: FieldType::CharBuf,
        arg: ArgKind::Key,
        desc: "The cgroup the thread belongs to, for a specific subsystem. e.g. thread.cgroup.cpuacct.",
        extract: |c, arg, out| {
            let (Some(t), Some(FieldArg::Key(k))) = (c.thread(), arg) else {
                return;
            };
            if let Some((_, path)) = t.cgroups.iter().find(|(s, _)| s == k) {
                push_str(out, path);
            }
        },
    },
    FieldRow {
        name: "thread.cpu",
        ftype: FieldType::Double,
        arg: ArgKind::None,
        desc: "The CPU consumed by the thread in the last second.",
        extract: cpu_share,
    },
    FieldRow {
        name: "thread.cpu.user",
        ftype: FieldType::Double,
        arg: ArgKind::None,
        desc: "The user CPU consumed by the thread in the last second.",
        extract: cpu_share,
    },
    FieldRow {
        name: "thread.cpu.system",
        ftype: FieldType::Double,
        arg: ArgKind::None,
        desc: "The system CPU consumed by the thread in the last second.",
        extract: cpu_share,
    },
    main_memory!(
        "thread.vmsize",
        "For the process main thread, this is the total virtual memory for the process (as kb). For the other threads, this field is zero.",
        vmsize_kb,
        1
    ),
    main_memory!(
        "thread.vmrss",
        "For the process main thread, this is the resident non-swapped memory for the process (as kb). For the other threads, this field is zero.",
        vmrss_kb,
        1
    ),
    main_memory!(
        "thread.vmsize.b",
        "For the process main thread, this is the total virtual memory for the process (in bytes). For the other threads, this field is zero.",
        vmsize_kb,
        1024
    ),
    main_memory!(
        "thread.vmrss.b",
        "For the process main thread, this is the resident non-swapped memory for the process (in bytes). For the other threads, this field is zero.",
        vmrss_kb,
        1024
    ),
];
