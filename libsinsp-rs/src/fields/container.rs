//! `container.*`: the container the process runs in ("host" otherwise).

use super::push_str;
use crate::field::{ArgKind, FieldRow};
use crate::value::FieldType;

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "container",
    desc: "Container information. If the event is not happening inside a container, both id and name will be set to 'host'.",
    fields: FIELDS,
};

pub const FIELDS: &[FieldRow] = &[FieldRow {
    name: "container.id",
    ftype: FieldType::CharBuf,
    arg: ArgKind::None,
    desc: "the container id.",
    extract: |c, _, out| {
        if let Some(t) = c.thread() {
            push_str(
                out,
                if t.container_id.is_empty() {
                    "host"
                } else {
                    &t.container_id
                },
            );
        }
    },
}];
