//! `thread.*`: the thread that generated the event.

use crate::field::{ArgKind, FieldRow};
use crate::value::{FieldType, Value};

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "thread",
    desc: "Information about the thread executing the syscall event.",
    fields: FIELDS,
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
    t!(
        "thread.vtid",
        Int64,
        "the id of the thread generating the event as seen from its current PID namespace.",
        |t| Value::Int(t.vtid)
    ),
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
];
