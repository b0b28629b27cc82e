//! `user.*`: the user running the process.

use super::push_str;
use crate::field::{ArgKind, FieldRow};
use crate::value::{FieldType, Value};

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "user",
    desc: "Information about the user executing the specific event.",
    fields: FIELDS,
    unlisted: &[],
};

pub const FIELDS: &[FieldRow] = &[
    FieldRow {
        name: "user.uid",
        ftype: FieldType::UInt32,
        arg: ArgKind::None,
        desc: "user ID.",
        extract: |c, _, out| {
            if let Some(t) = c.thread() {
                out.push(Value::UInt(t.uid as u64));
            }
        },
    },
    FieldRow {
        name: "user.name",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "user name.",
        extract: |c, _, out| {
            if let Some(u) = c.thread().and_then(|t| c.insp.users.user(t.uid)) {
                push_str(out, &u.name);
            }
        },
    },
    FieldRow {
        name: "user.homedir",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "home directory of the user.",
        extract: |c, _, out| {
            if let Some(u) = c.thread().and_then(|t| c.insp.users.user(t.uid)) {
                push_str(out, &u.homedir);
            }
        },
    },
    FieldRow {
        name: "user.shell",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "user's shell.",
        extract: |c, _, out| {
            if let Some(u) = c.thread().and_then(|t| c.insp.users.user(t.uid)) {
                push_str(out, &u.shell);
            }
        },
    },
    FieldRow {
        name: "user.loginuid",
        ftype: FieldType::Int64,
        arg: ArgKind::None,
        desc:
            "audit user id (auid), internally the loginuid is of type uint32_t. -1 is no loginuid.",
        extract: |c, _, out| {
            if let Some(t) = c.thread() {
                out.push(Value::Int(t.loginuid as i32 as i64));
            }
        },
    },
    FieldRow {
        name: "user.loginname",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "audit user name (auid).",
        extract: |c, _, out| {
            if let Some(u) = c.thread().and_then(|t| c.insp.users.user(t.loginuid)) {
                push_str(out, &u.name);
            }
        },
    },
];
