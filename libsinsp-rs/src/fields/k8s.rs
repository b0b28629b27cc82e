//! `k8s.*`: Kubernetes names from the container's labels (set by the
//! runtime for pod containers).

use super::push_str;
use crate::field::{ArgKind, FieldRow};
use crate::value::FieldType;

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "k8s",
    desc: "Kubernetes related context, from the labels the runtime sets on pod containers.",
    fields: FIELDS,
};

macro_rules! label {
    ($name:literal, $label:literal, $desc:literal) => {
        FieldRow {
            name: $name,
            ftype: FieldType::CharBuf,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                if let Some(v) = super::container::meta(c).and_then(|m| m.labels.get($label)) {
                    push_str(out, v);
                }
            },
        }
    };
}

pub const FIELDS: &[FieldRow] = &[
    label!(
        "k8s.pod.name",
        "io.kubernetes.pod.name",
        "The Kubernetes pod name."
    ),
    label!(
        "k8s.ns.name",
        "io.kubernetes.pod.namespace",
        "The Kubernetes namespace name."
    ),
    label!(
        "k8s.pod.uid",
        "io.kubernetes.pod.uid",
        "The Kubernetes pod UID."
    ),
];
