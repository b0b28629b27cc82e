//! `evt.*` fields about time: deltas between events, time since the
//! capture began, the deprecated latencies and the output time.

use super::time_parts;
use crate::field::{ArgKind, Ctx, FieldRow};
use crate::render;
use crate::value::{FieldType, Value};

const NS: u64 = 1_000_000_000;

/// A time in nanoseconds as libsinsp prints `PF_10_PADDED_DEC` fields: at
/// least nine digits. Compares as the number (leading zeros parse).
pub(super) fn padded(v: u64) -> Value<'static> {
    Value::str(format!("{v:09}"))
}

/// Nanoseconds since the event processed before this one (0 for the first).
fn delta(c: &Ctx<'_>) -> u64 {
    c.insp
        .scope()
        .prev_ts
        .map_or(0, |p| c.ev.ts.saturating_sub(p))
}

/// Nanoseconds since the first event that is not a metaevent (libsinsp
/// counts from 0 before there is one).
fn reltime(c: &Ctx<'_>) -> u64 {
    c.ev.ts.saturating_sub(c.insp.scope().first_ts.unwrap_or(0))
}

/// The latency fields are deprecated: libsinsp no longer pairs enter and
/// exit events and extracts 0 for all of them.
const DEPRECATED_LATENCY: u64 = 0;

pub(super) const LATENCY: FieldRow = FieldRow {
    name: "evt.latency",
    ftype: FieldType::RelTime,
    arg: ArgKind::None,
    desc: "delta between an exit event and the correspondent enter event, in nanoseconds.",
    extract: |_, _, out| out.push(Value::UInt(DEPRECATED_LATENCY)),
};

pub(super) const LATENCY_S: FieldRow = FieldRow {
    name: "evt.latency.s",
    ftype: FieldType::RelTime,
    arg: ArgKind::None,
    desc: "integer part of the event latency delta.",
    extract: |_, _, out| out.push(Value::UInt(DEPRECATED_LATENCY / NS)),
};

pub(super) const LATENCY_NS: FieldRow = FieldRow {
    name: "evt.latency.ns",
    ftype: FieldType::RelTime,
    arg: ArgKind::None,
    desc: "fractional part of the event latency delta.",
    extract: |_, _, out| out.push(padded(DEPRECATED_LATENCY % NS)),
};

pub(super) const LATENCY_QUANTIZED: FieldRow = FieldRow {
    name: "evt.latency.quantized",
    ftype: FieldType::UInt64,
    arg: ArgKind::None,
    desc: "10-base log of the delta between an exit event and the correspondent enter event.",
    extract: |_, _, out| out.push(Value::UInt(DEPRECATED_LATENCY)),
};

pub(super) const LATENCY_HUMAN: FieldRow = FieldRow {
    name: "evt.latency.human",
    ftype: FieldType::CharBuf,
    arg: ArgKind::None,
    desc: "delta between an exit event and the correspondent enter event, as a human readable \
           string (e.g. 10.3ms).",
    extract: |_, _, out| out.push(Value::Str("0ns".into())),
};

pub(super) const DELTATIME: FieldRow = FieldRow {
    name: "evt.deltatime",
    ftype: FieldType::RelTime,
    arg: ArgKind::None,
    desc: "delta between this event and the previous event, in nanoseconds.",
    extract: |c, _, out| out.push(Value::UInt(delta(c))),
};

pub(super) const DELTATIME_S: FieldRow = FieldRow {
    name: "evt.deltatime.s",
    ftype: FieldType::RelTime,
    arg: ArgKind::None,
    desc: "integer part of the delta between this event and the previous event.",
    extract: |c, _, out| out.push(Value::UInt(delta(c) / NS)),
};

pub(super) const DELTATIME_NS: FieldRow = FieldRow {
    name: "evt.deltatime.ns",
    ftype: FieldType::RelTime,
    arg: ArgKind::None,
    desc: "fractional part of the delta between this event and the previous event.",
    extract: |c, _, out| out.push(padded(delta(c) % NS)),
};

pub(super) const OUTPUTTIME: FieldRow = FieldRow {
    name: "evt.outputtime",
    ftype: FieldType::CharBuf,
    arg: ArgKind::None,
    desc: "this depends on -t param, default is %evt.time ('h').",
    // Falco never changes libsinsp's time output mode: 'h', as evt.time.
    extract: |c, _, out| out.push(Value::str(time_of_day(c.ev.ts))),
};

pub(super) const WAIT_LATENCY: FieldRow = FieldRow {
    name: "evt.wait_latency",
    ftype: FieldType::RelTime,
    arg: ArgKind::None,
    desc: "for events that make the thread wait (e.g. sleep(), select(), poll()), this is the \
           time spent waiting for the event to return, in nanoseconds.",
    extract: |_, _, out| out.push(Value::UInt(DEPRECATED_LATENCY)),
};

pub(super) const DATETIME_S: FieldRow = FieldRow {
    name: "evt.datetime.s",
    ftype: FieldType::CharBuf,
    arg: ArgKind::None,
    desc: "event timestamp as a datetime string with no nanoseconds.",
    extract: |c, _, out| {
        let ((y, mo, d), (h, mi, s)) = render::civil(time_parts(c.ev.ts).0);
        out.push(Value::str(format!(
            "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"
        )));
    },
};

pub(super) const RELTIME: FieldRow = FieldRow {
    name: "evt.reltime",
    ftype: FieldType::RelTime,
    arg: ArgKind::None,
    desc: "number of nanoseconds from the beginning of the capture.",
    extract: |c, _, out| out.push(padded(reltime(c))),
};

pub(super) const RELTIME_S: FieldRow = FieldRow {
    name: "evt.reltime.s",
    ftype: FieldType::RelTime,
    arg: ArgKind::None,
    desc: "number of seconds from the beginning of the capture.",
    extract: |c, _, out| out.push(Value::UInt(reltime(c) / NS)),
};

pub(super) const RELTIME_NS: FieldRow = FieldRow {
    name: "evt.reltime.ns",
    ftype: FieldType::RelTime,
    arg: ArgKind::None,
    desc: "fractional part (in ns) of the time from the beginning of the capture.",
    extract: |c, _, out| out.push(padded(reltime(c) % NS)),
};

/// `HH:MM:SS.nnnnnnnnn`, as `evt.time`.
pub(super) fn time_of_day(ts: u64) -> String {
    let (s, ns) = time_parts(ts);
    let (_, (h, m, sec)) = render::civil(s);
    format!("{h:02}:{m:02}:{sec:02}.{ns:09}")
}
