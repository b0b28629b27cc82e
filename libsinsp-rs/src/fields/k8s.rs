//! `k8s.*`: the pod a container runs in, from the `io.kubernetes.pod.*`
//! labels the runtime sets on pod containers and from the CRI pod sandbox.
//! Values follow Falco's container plugin (0.7); the fields it keeps only
//! as deprecated (replication controllers, services, deployments...)
//! resolve and extract nothing.

use super::container::meta;
use super::{deprecated, push_str};
use crate::field::{ArgKind, Ctx, FieldArg, FieldRow};
use crate::state::container::SHORT_ID_LEN;
use crate::state::containers::{render_labels, Container};
use crate::value::{FieldType, Value};

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "k8s",
    desc: "Kubernetes related context, from the container runtime: the pod labels of its containers and the CRI pod sandbox.",
    fields: FIELDS,
    unlisted: &[],
};

/// A pod container's own record has no CNI result: the pod's network and
/// labels live in the record of its sandbox, when that one is known.
fn sandbox<'a>(c: &Ctx<'a>, m: &'a Container) -> Option<&'a Container> {
    if !m.cni_json.is_empty() {
        return None;
    }
    let short = m.pod_sandbox_id.get(..SHORT_ID_LEN).unwrap_or(&m.pod_sandbox_id);
    c.insp.containers.get(short)
}

macro_rules! label {
    ($name:literal, $label:literal, $desc:literal) => {
        FieldRow {
            name: $name,
            ftype: FieldType::CharBuf,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                if let Some(v) = meta(c).and_then(|m| m.labels.get($label)) {
                    push_str(out, v);
                }
            },
        }
    };
}

/// A pod network field: the sandbox's when the container's own record has
/// no CNI result, else the container's.
macro_rules! pod_net {
    ($name:literal, $desc:literal, |$m:ident| $get:expr) => {
        FieldRow {
            name: $name,
            ftype: FieldType::CharBuf,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                let Some(own) = meta(c) else { return };
                let from = if own.cni_json.is_empty() { sandbox(c, own) } else { Some(own) };
                if let Some($m) = from {
                    push_str(out, $get);
                }
            },
        }
    };
}

const DEPRECATED: &str = "Deprecated. Use the k8smeta plugin instead.";

pub const FIELDS: &[FieldRow] = &[
    label!("k8s.pod.name", "io.kubernetes.pod.name", "The Kubernetes pod name."),
    label!("k8s.ns.name", "io.kubernetes.pod.namespace", "The Kubernetes namespace name."),
    label!("k8s.pod.id", "io.kubernetes.pod.uid", "[LEGACY] The Kubernetes pod UID; same as k8s.pod.uid."),
    label!("k8s.pod.uid", "io.kubernetes.pod.uid", "The Kubernetes pod UID, e.g. 3e41dc6b-08a8-44db-bc2a-3724b18ab19a."),
    FieldRow {
        name: "k8s.pod.sandbox_id",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "The truncated Kubernetes pod sandbox ID (first 12 characters), e.g 63060edc2d3a.",
        extract: |c, _, out| {
            if let Some(m) = meta(c) {
                push_str(out, m.pod_sandbox_id.get(..SHORT_ID_LEN).unwrap_or(&m.pod_sandbox_id));
            }
        },
    },
    FieldRow {
        name: "k8s.pod.full_sandbox_id",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "The full Kubernetes pod / sandbox ID.",
        extract: |c, _, out| {
            if let Some(m) = meta(c) {
                push_str(out, &m.pod_sandbox_id);
            }
        },
    },
    FieldRow {
        name: "k8s.pod.label",
        ftype: FieldType::CharBuf,
        arg: ArgKind::Key,
        desc: "The Kubernetes pod label, e.g. 'k8s.pod.label[foo]' or 'k8s.pod.label.foo'.",
        extract: |c, arg, out| {
            let (Some(m), Some(FieldArg::Key(k))) = (meta(c), arg) else { return };
            let v = sandbox(c, m)
                .and_then(|s| s.pod_sandbox_labels.get(k.as_str()))
                .or_else(|| m.pod_sandbox_labels.get(k.as_str()));
            if let Some(v) = v {
                push_str(out, v);
            }
        },
    },
    FieldRow {
        name: "k8s.pod.labels",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "The Kubernetes pod comma-separated key/value labels. E.g. 'foo1:bar1, foo2:bar2'.",
        extract: |c, _, out| {
            if let Some(m) = meta(c) {
                let labels = &sandbox(c, m).unwrap_or(m).pod_sandbox_labels;
                out.push(Value::str(render_labels(labels)));
            }
        },
    },
    pod_net!("k8s.pod.ip", "The Kubernetes pod ip, same as container.ip (IPv4 only).", |m| &m.ip),
    pod_net!("k8s.pod.cni.json", "The Kubernetes pod CNI result field from the respective pod status info.", |m| &m.cni_json),
    deprecated("k8s.rc.name", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.rc.id", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.rc.label", FieldType::CharBuf, ArgKind::Key, DEPRECATED),
    deprecated("k8s.rc.labels", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.svc.name", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.svc.id", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.svc.label", FieldType::CharBuf, ArgKind::Key, DEPRECATED),
    deprecated("k8s.svc.labels", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.ns.id", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.ns.label", FieldType::CharBuf, ArgKind::Key, DEPRECATED),
    deprecated("k8s.ns.labels", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.rs.name", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.rs.id", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.rs.label", FieldType::CharBuf, ArgKind::Key, DEPRECATED),
    deprecated("k8s.rs.labels", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.deployment.name", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.deployment.id", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("k8s.deployment.label", FieldType::CharBuf, ArgKind::Key, DEPRECATED),
    deprecated("k8s.deployment.labels", FieldType::CharBuf, ArgKind::None, DEPRECATED),
];

#[cfg(test)]
mod tests {
    use crate::field::FieldArg;
    use crate::{FieldSource, SyscallFields};

    /// Every field of Falco's container plugin 0.7 (what rules written for
    /// Falco with the plugin may use), with whether it takes a key.
    const PLUGIN_FIELDS: &[(&str, bool)] = &[
        ("container.id", false),
        ("container.full_id", false),
        ("container.name", false),
        ("container.image", false),
        ("container.image.id", false),
        ("container.type", false),
        ("container.privileged", false),
        ("container.mounts", false),
        ("container.mount", true),
        ("container.mount.source", true),
        ("container.mount.dest", true),
        ("container.mount.mode", true),
        ("container.mount.rdwr", true),
        ("container.mount.propagation", true),
        ("container.image.repository", false),
        ("container.image.tag", false),
        ("container.image.digest", false),
        ("container.healthcheck", false),
        ("container.liveness_probe", false),
        ("container.readiness_probe", false),
        ("container.start_ts", false),
        ("container.duration", false),
        ("container.ip", false),
        ("container.cni.json", false),
        ("container.host_pid", false),
        ("container.host_network", false),
        ("container.host_ipc", false),
        ("container.label", true),
        ("container.labels", false),
        ("proc.is_container_healthcheck", false),
        ("proc.is_container_liveness_probe", false),
        ("proc.is_container_readiness_probe", false),
        ("k8s.pod.name", false),
        ("k8s.ns.name", false),
        ("k8s.pod.id", false),
        ("k8s.pod.uid", false),
        ("k8s.pod.sandbox_id", false),
        ("k8s.pod.full_sandbox_id", false),
        ("k8s.pod.label", true),
        ("k8s.pod.labels", false),
        ("k8s.pod.ip", false),
        ("k8s.pod.cni.json", false),
        ("k8s.rc.name", false),
        ("k8s.rc.id", false),
        ("k8s.rc.label", true),
        ("k8s.rc.labels", false),
        ("k8s.svc.name", false),
        ("k8s.svc.id", false),
        ("k8s.svc.label", true),
        ("k8s.svc.labels", false),
        ("k8s.ns.id", false),
        ("k8s.ns.label", true),
        ("k8s.ns.labels", false),
        ("k8s.rs.name", false),
        ("k8s.rs.id", false),
        ("k8s.rs.label", true),
        ("k8s.rs.labels", false),
        ("k8s.deployment.name", false),
        ("k8s.deployment.id", false),
        ("k8s.deployment.label", true),
        ("k8s.deployment.labels", false),
    ];

    #[test]
    fn every_plugin_field_resolves_as_the_plugin_takes_it() {
        assert_eq!(PLUGIN_FIELDS.len(), 61);
        let src = SyscallFields::new();
        for &(name, keyed) in PLUGIN_FIELDS {
            let key = FieldArg::Key("app".into());
            let resolved = src.resolve(name, keyed.then_some(&key));
            assert!(resolved.is_ok(), "{name}: {resolved:?}");
            if keyed {
                // The key is required, and the dotted form works too.
                assert!(src.resolve(name, None).is_err(), "{name} without a key");
                assert!(src.resolve(&format!("{name}.app"), None).is_ok(), "{name}.app");
            }
        }
    }
}
