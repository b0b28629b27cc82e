//! `evt.*`: facts about the event itself.

use super::push_str;
use crate::field::{ArgKind, Ctx, FieldArg, FieldRow};
use crate::render;
use crate::value::{FieldType, Value};
use falco_abi::flag_tables::open_flags as o;
use falco_abi::{Direction, EventFlags};
use falco_scap::Param;

mod counts;
mod extra;
mod time;

pub use extra::rawarg_type;

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "evt",
    desc: "Event fields applicable to syscall events.",
    fields: FIELDS,
    unlisted: &[
        "evt.latency",
        "evt.latency.s",
        "evt.latency.ns",
        "evt.latency.quantized",
        "evt.latency.human",
        "evt.outputtime",
        "evt.dir",
        "evt.wait_latency",
        "evt.count.procinfo",
        "evt.count.threadinfo",
        "evt.buflen.in",
        "evt.buflen.out",
        "evt.buflen.file",
        "evt.buflen.file.in",
        "evt.buflen.file.out",
        "evt.buflen.net",
        "evt.buflen.net.in",
        "evt.buflen.net.out",
        "evt.infra.docker.name",
        "evt.infra.docker.container.id",
        "evt.infra.docker.container.name",
        "evt.infra.docker.container.image",
    ],
};

fn param_for<'a>(c: &Ctx<'a>, arg: Option<&FieldArg>) -> Option<(usize, Param<'a>)> {
    let i = match arg? {
        FieldArg::Index(i) => *i as usize,
        FieldArg::Key(k) => c.ev.info().param_index(k)?,
    };
    Some((i, c.ev.param(i)?))
}

fn res<'a>(c: &Ctx<'a>) -> Option<i64> {
    let p = c.ev.param_by_name("res").or_else(|| {
        // Exit events whose first parameter is the result under another name (fd, ...).
        let first = c.ev.info().params.first()?;
        (c.ev.info().direction() == Direction::Exit && matches!(first.name, "fd" | "res"))
            .then(|| c.ev.param(0))?
    })?;
    p.as_i64()
}

/// The PPM open flags (`o::*`) of an open exit event.
fn open_flags(c: &Ctx<'_>) -> Option<u64> {
    let is_open = matches!(
        c.ev.name(),
        "open" | "openat" | "openat2" | "open_by_handle_at" | "creat"
    );
    if !is_open || c.ev.info().direction() != Direction::Exit {
        return None;
    }
    if c.ev.name() == "creat" {
        return Some(u64::from(o::O_CREAT | o::O_WRONLY));
    }
    c.ev.param_by_name("flags")?.as_u64()
}

/// `evt.type`: the event name, or for generic events the name of the
/// syscall they stand for.
pub fn type_name(ev: &falco_scap::Event<'_>) -> &'static str {
    use falco_abi::EventCode as C;
    if ev.evt_type == C::GENERIC_E as u16 || ev.evt_type == C::GENERIC_X as u16 {
        if let Some(sc) = ev
            .param(0)
            .and_then(|p| p.as_u64())
            .and_then(|id| falco_abi::syscalls::ppm_sc(id as u16))
        {
            return sc.name;
        }
    }
    if ev.evt_type == C::ASYNCEVENT_E as u16 {
        // An async event is called by its name (the container plugin's
        // are `container` and `container_removed`).
        use crate::state::containers::{ASYNC_ADDED, ASYNC_REMOVED};
        let name = ev.param_by_name("name").map(|p| p.as_str_bytes());
        for known in [ASYNC_ADDED, ASYNC_REMOVED] {
            if name == Some(known.as_bytes()) {
                return known;
            }
        }
    }
    ev.name()
}

fn time_parts(ts: u64) -> (i64, u32) {
    ((ts / 1_000_000_000) as i64, (ts % 1_000_000_000) as u32)
}

const ARGS: FieldRow = FieldRow {
    name: "evt.args",
    ftype: FieldType::CharBuf,
    arg: ArgKind::None,
    desc: "all the event arguments, aggregated into a single string.",
    extract: |c, _, out| {
        // libsinsp prints no arguments for generic events (internal use only).
        if c.ev.evt_type == falco_abi::EventCode::GENERIC_X as u16 {
            push_str(out, "");
        } else {
            out.push(Value::str(render::args(c)));
        }
    },
};

pub const FIELDS: &[FieldRow] = &[
    FieldRow {
        name: "evt.num",
        ftype: FieldType::UInt64,
        arg: ArgKind::None,
        desc: "event number.",
        extract: |c, _, out| out.push(Value::UInt(c.insp.scope().num)),
    },
    FieldRow {
        name: "evt.time",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "event timestamp as a time string that includes the nanosecond part.",
        extract: |c, _, out| {
            let (s, ns) = time_parts(c.ev.ts);
            let (_, hms) = render::civil(s);
            out.push(Value::str(format!("{:02}:{:02}:{:02}.{:09}", hms.0, hms.1, hms.2, ns)));
        },
    },
    FieldRow {
        name: "evt.time.s",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "event timestamp as a time string with no nanoseconds.",
        extract: |c, _, out| {
            let (_, hms) = render::civil(time_parts(c.ev.ts).0);
            out.push(Value::str(format!("{:02}:{:02}:{:02}", hms.0, hms.1, hms.2)));
        },
    },
    FieldRow {
        name: "evt.time.iso8601",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "event timestamp in ISO 8601 format, including nanoseconds and time zone offset (in UTC).",
        extract: |c, _, out| out.push(Value::str(render::iso8601(c.ev.ts))),
    },
    FieldRow {
        name: "evt.datetime",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "event timestamp as a time string that includes the date.",
        extract: |c, _, out| {
            let (s, ns) = time_parts(c.ev.ts);
            let ((y, mo, d), (h, mi, se)) = render::civil(s);
            out.push(Value::str(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{se:02}.{ns:09}")));
        },
    },
    time::DATETIME_S,
    FieldRow {
        name: "evt.rawtime",
        ftype: FieldType::AbsTime,
        arg: ArgKind::None,
        desc: "absolute event timestamp, i.e. nanoseconds from epoch.",
        extract: |c, _, out| out.push(Value::UInt(c.ev.ts)),
    },
    FieldRow {
        name: "evt.rawtime.s",
        ftype: FieldType::AbsTime,
        arg: ArgKind::None,
        desc: "integer part of the event timestamp (e.g. seconds since epoch).",
        extract: |c, _, out| out.push(Value::UInt(c.ev.ts / 1_000_000_000)),
    },
    FieldRow {
        name: "evt.rawtime.ns",
        ftype: FieldType::AbsTime,
        arg: ArgKind::None,
        desc: "fractional part of the absolute event timestamp.",
        // Nine digits, as libsinsp prints it (a string in JSON there too).
        extract: |c, _, out| out.push(time::padded(c.ev.ts % 1_000_000_000)),
    },
    time::RELTIME,
    time::RELTIME_S,
    time::RELTIME_NS,
    time::LATENCY,
    time::LATENCY_S,
    time::LATENCY_NS,
    time::LATENCY_QUANTIZED,
    time::LATENCY_HUMAN,
    time::DELTATIME,
    time::DELTATIME_S,
    time::DELTATIME_NS,
    time::OUTPUTTIME,
    FieldRow {
        name: "evt.dir",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "event direction can be either '>' for enter events or '<' for exit events.",
        extract: |c, _, out| {
            push_str(out, if c.ev.info().direction() == Direction::Enter { ">" } else { "<" })
        },
    },
    FieldRow {
        name: "evt.type",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "The name of the event (e.g. 'open').",
        extract: |c, _, out| push_str(out, type_name(&c.ev)),
    },
    extra::TYPE_IS,
    extra::SYSCALL_TYPE,
    FieldRow {
        name: "evt.cpu",
        ftype: FieldType::Int64,
        arg: ArgKind::None,
        desc: "number of the CPU where this event happened.",
        extract: |c, _, out| out.push(Value::Int(c.ev.cpu as i64)),
    },
    ARGS,
    FieldRow {
        name: "evt.arg",
        ftype: FieldType::CharBuf,
        arg: ArgKind::IndexOrKey,
        desc: "one of the event arguments specified by name or by number. Some events (e.g. return codes or FDs) will be converted into a text representation when possible. E.g. 'evt.arg.fd' or 'evt.arg[0]'.",
        extract: |c, arg, out| {
            if let Some((i, p)) = param_for(c, arg) {
                out.push(Value::str(render::param(c, i, &p)));
            }
        },
    },
    FieldRow {
        name: "evt.rawarg",
        ftype: FieldType::CharBuf,
        arg: ArgKind::Key,
        desc: "one of the event arguments specified by name. E.g. 'evt.rawarg.fd'.",
        extract: |c, arg, out| {
            if let Some((_, p)) = param_for(c, arg) {
                if let Some(v) = render::raw_value(&p) {
                    out.push(v);
                }
            }
        },
    },
    extra::INFO,
    FieldRow {
        name: "evt.res",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "event return value, as a string. If the event failed, the result is an error code string (e.g. 'ENOENT'), otherwise the result is the string 'SUCCESS'.",
        extract: |c, _, out| {
            if let Some(r) = res(c) {
                out.push(Value::str(if r >= 0 { "SUCCESS".to_string() } else { render::error_name(r) }));
            }
        },
    },
    FieldRow {
        name: "evt.rawres",
        ftype: FieldType::Int64,
        arg: ArgKind::None,
        desc: "event return value, as a number (e.g. -2). Useful for range comparisons.",
        extract: |c, _, out| {
            if let Some(r) = res(c) {
                out.push(Value::Int(r));
            }
        },
    },
    FieldRow {
        name: "evt.failed",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' for events that returned an error status.",
        extract: |c, _, out| {
            if let Some(r) = res(c) {
                out.push(Value::Bool(r < 0));
            }
        },
    },
    FieldRow {
        name: "evt.is_io",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' for events that read or write to FDs, like read(), send, recvfrom(), etc.",
        extract: |c, _, out| {
            let f = c.ev.info().flags;
            out.push(Value::Bool(f.contains(EventFlags::READS_FROM_FD) || f.contains(EventFlags::WRITES_TO_FD)))
        },
    },
    FieldRow {
        name: "evt.is_io_read",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' for events that read from FDs, like read(), recv(), recvfrom(), etc.",
        extract: |c, _, out| out.push(Value::Bool(c.ev.info().flags.contains(EventFlags::READS_FROM_FD))),
    },
    FieldRow {
        name: "evt.is_io_write",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' for events that write to FDs, like write(), send(), etc.",
        extract: |c, _, out| out.push(Value::Bool(c.ev.info().flags.contains(EventFlags::WRITES_TO_FD))),
    },
    counts::IO_DIR,
    counts::IS_WAIT,
    time::WAIT_LATENCY,
    counts::IS_SYSLOG,
    counts::COUNT,
    counts::COUNT_ERROR,
    counts::COUNT_ERROR_FILE,
    counts::COUNT_ERROR_NET,
    counts::COUNT_ERROR_MEMORY,
    counts::COUNT_ERROR_OTHER,
    counts::COUNT_EXIT,
    counts::COUNT_PROCINFO,
    counts::COUNT_THREADINFO,
    extra::AROUND,
    extra::ABSPATH,
    FieldRow {
        name: "evt.is_open_read",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' for open/openat/openat2/open_by_handle_at events where the path was opened for reading",
        extract: |c, _, out| out.push(Value::Bool(open_flags(c).is_some_and(|f| f & u64::from(o::O_RDONLY) != 0))),
    },
    FieldRow {
        name: "evt.is_open_write",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' for open/openat/openat2/open_by_handle_at events where the path was opened for writing",
        extract: |c, _, out| out.push(Value::Bool(open_flags(c).is_some_and(|f| f & u64::from(o::O_WRONLY) != 0))),
    },
    FieldRow {
        name: "evt.is_open_exec",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' for open/openat/openat2/open_by_handle_at or creat events where a file is created with execute permissions",
        extract: |c, _, out| {
            let created = open_flags(c).is_some_and(|f| f & u64::from(o::O_CREAT | o::O_F_CREATED) != 0);
            let mode = c.ev.param_by_name("mode").and_then(|p| p.as_u64()).unwrap_or(0);
            out.push(Value::Bool(created && mode & 0o111 != 0))
        },
    },
    FieldRow {
        name: "evt.is_open_create",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' for for open/openat/openat2/open_by_handle_at events where a file is created.",
        extract: |c, _, out| out.push(Value::Bool(open_flags(c).is_some_and(|f| f & u64::from(o::O_F_CREATED) != 0))),
    },
    FieldRow {
        name: "evt.buffer",
        ftype: FieldType::ByteBuf,
        arg: ArgKind::None,
        desc: "the binary data buffer for events that have one, like read(), recvfrom(), etc. Use this field in filters with 'contains' to search into I/O data buffers.",
        extract: |c, _, out| {
            if let Some(p) = c.ev.param_by_name("data") {
                out.push(Value::Bytes(std::borrow::Cow::Borrowed(p.bytes)));
            }
        },
    },
    FieldRow {
        name: "evt.buflen",
        ftype: FieldType::UInt64,
        arg: ArgKind::None,
        desc: "the length of the binary data buffer for events that have one, like read(), recvfrom(), etc.",
        extract: |c, _, out| {
            // libsinsp: the result of an I/O exit on a known fd.
            let io = c.ev.info().category.0 & falco_abi::Category::IO_READ.0 != 0;
            let exit = c.ev.info().direction() == Direction::Exit;
            if io && exit && c.fd().is_some() {
                if let Some(r) = res(c).filter(|r| *r >= 0) {
                    out.push(Value::UInt(r as u64));
                }
            }
        },
    },
    counts::BUFLEN_IN,
    counts::BUFLEN_OUT,
    counts::BUFLEN_FILE,
    counts::BUFLEN_FILE_IN,
    counts::BUFLEN_FILE_OUT,
    counts::BUFLEN_NET,
    counts::BUFLEN_NET_IN,
    counts::BUFLEN_NET_OUT,
    extra::INFRA_DOCKER_NAME,
    extra::INFRA_DOCKER_CONTAINER_ID,
    extra::INFRA_DOCKER_CONTAINER_NAME,
    extra::INFRA_DOCKER_CONTAINER_IMAGE,
    FieldRow {
        name: "evt.hostname",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "The hostname of the underlying host can be customized by setting an environment variable (e.g. FALCO_HOSTNAME for the Falco agent). This is valuable in Kubernetes setups, where the hostname can match the pod name particularly in DaemonSet deployments. To achieve this, assign Kubernetes' spec.nodeName to the environment variable. Notably, spec.nodeName generally includes the cluster name.",
        extract: |c, _, out| {
            if let Some(m) = &c.insp.machine {
                push_str(out, &m.hostname);
            }
        },
    },
    extra::PLUGINNAME,
    extra::PLUGININFO,
    FieldRow {
        name: "evt.source",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "the name of the source that produced the event.",
        extract: |_, _, out| push_str(out, "syscall"),
    },
    extra::IS_ASYNC,
    extra::ASYNCTYPE,
    FieldRow {
        name: "evt.category",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "The event category. Example values are 'file' (for file operations like open and close), 'net' (for network operations like socket and bind), memory (for things like brk or mmap), and so on.",
        extract: |c, _, out| {
            let fd = c.fd().map(|(_, f)| f.kind);
            push_str(out, render::category(c.ev.info().category, fd))
        },
    },
];

#[cfg(test)]
mod tests;
