//! `group.*`: the group of the process.

use super::push_str;
use crate::field::{ArgKind, FieldRow};
use crate::value::{FieldType, Value};

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "group",
    desc: "Information about the user group.",
    fields: FIELDS,
    unlisted: &[],
};

pub const FIELDS: &[FieldRow] = &[
    FieldRow {
        name: "group.gid",
        ftype: FieldType::UInt32,
        arg: ArgKind::None,
        desc: "group ID.",
        extract: |c, _, out| {
            if let Some(t) = c.thread() {
                out.push(Value::UInt(t.gid as u64));
            }
        },
    },
    FieldRow {
        name: "group.name",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "group name.",
        extract: |c, _, out| {
            if let Some(g) = c.thread().and_then(|t| c.insp.users.group(t.gid)) {
                push_str(out, &g.name);
            }
        },
    },
];
