//! `k8s.*`: Kubernetes names from the container's labels.

use crate::field::FieldRow;

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "k8s",
    desc: "Kubernetes related context (from the container labels set by the runtime).",
    fields: FIELDS,
};

/// Container metadata (labels) is not tracked yet, so no field extracts a
/// value: the class exists so that rules naming these fields load.
pub const FIELDS: &[FieldRow] = &[
    FieldRow {
        name: "k8s.pod.name",
        ftype: crate::value::FieldType::CharBuf,
        arg: crate::field::ArgKind::None,
        desc: "The Kubernetes pod name (label io.kubernetes.pod.name).",
        extract: |_, _, _| {},
    },
    FieldRow {
        name: "k8s.ns.name",
        ftype: crate::value::FieldType::CharBuf,
        arg: crate::field::ArgKind::None,
        desc: "The Kubernetes namespace name (label io.kubernetes.pod.namespace).",
        extract: |_, _, _| {},
    },
];
