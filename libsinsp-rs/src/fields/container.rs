//! `container.*`: the container the process runs in, with the metadata
//! container events or the runtimes provided. Values follow Falco's
//! container plugin (0.7): the host is a container of its own (id, name and
//! type "host", other strings empty); a container whose metadata has not
//! arrived has only its id, start time and duration.

use super::{deprecated, push_str};
use crate::field::{ArgKind, Ctx, FieldArg, FieldRow};
use crate::state::containers::{render_labels, Mount};
use crate::state::Container;
use crate::value::{FieldType, Value};

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "container",
    desc: "Container information. If the event is not happening inside a container, both id and name will be set to 'host'.",
    fields: FIELDS,
    unlisted: &[],
};

/// The container id of the event ("" on the host): the container a
/// container event describes, else the container of the event's thread.
fn id<'a>(c: &Ctx<'a>) -> Option<&'a str> {
    c.insp
        .event_container()
        .or_else(|| c.thread().map(|t| t.container_id.as_str()))
}

/// The metadata of the event's container (the host's record on the host),
/// when known.
pub(crate) fn meta<'a>(c: &Ctx<'a>) -> Option<&'a Container> {
    c.insp.containers.get(id(c)?)
}

/// A string field read from the metadata record.
macro_rules! meta_str {
    ($name:literal, $desc:literal, |$m:ident| $get:expr) => {
        FieldRow {
            name: $name,
            ftype: FieldType::CharBuf,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                if let Some($m) = meta(c) {
                    push_str(out, $get)
                }
            },
        }
    };
}

/// A boolean field read from the metadata record.
macro_rules! meta_bool {
    ($name:literal, $desc:literal, |$m:ident| $get:expr) => {
        FieldRow {
            name: $name,
            ftype: FieldType::Bool,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| {
                if let Some($m) = meta(c) {
                    out.push(Value::Bool($get))
                }
            },
        }
    };
}

/// A mount chosen by index, or by a glob on its source (`by_dest`: on its
/// destination), rendered by `show`.
fn mount_field<'a>(
    c: &Ctx<'a>,
    arg: Option<&FieldArg>,
    by_dest: bool,
    show: fn(&'a Mount) -> Value<'a>,
    out: &mut Vec<Value<'a>>,
) {
    let Some(m) = meta(c) else { return };
    let found = match arg {
        Some(FieldArg::Index(i)) => m.mount_by_index(*i as usize),
        Some(FieldArg::Key(pat)) if by_dest => m.mount_by_dest(pat),
        Some(FieldArg::Key(pat)) => m.mount_by_source(pat),
        None => None,
    };
    if let Some(x) = found {
        out.push(show(x));
    }
}

/// The start of the container's init process (`proc.pidns_init_start_ts`),
/// for a process in a container.
fn start_ts(c: &Ctx<'_>) -> Option<u64> {
    c.thread()
        .filter(|t| !t.container_id.is_empty())
        .map(|t| t.pidns_init_start_ts)
        .filter(|ts| *ts != 0)
}

macro_rules! mount_row {
    ($name:literal, $desc:literal, $by_dest:expr, |$x:ident| $show:expr) => {
        FieldRow {
            name: $name,
            ftype: FieldType::CharBuf,
            arg: ArgKind::IndexOrKey,
            desc: $desc,
            extract: |c, arg, out| mount_field(c, arg, $by_dest, |$x| $show, out),
        }
    };
}

const DEPRECATED: &str = "Deprecated, will be removed in a future version.";

pub const FIELDS: &[FieldRow] = &[
    FieldRow {
        name: "container.id",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "The truncated container ID (first 12 characters), from the process's cgroups; 'host' for a process of the host.",
        extract: |c, _, out| match (meta(c), id(c)) {
            (Some(m), _) => push_str(out, &m.id),
            (None, Some(i)) => push_str(out, i),
            (None, None) => {}
        },
    },
    meta_str!("container.full_id", "The full container ID, e.g. 3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e.", |m| &m.full_id),
    meta_str!("container.name", "The container name; 'host' for a process of the host.", |m| &m.name),
    meta_str!("container.image", "The container image name (e.g. falcosecurity/falco:latest for docker).", |m| &m.image),
    meta_str!("container.image.id", "The container image id (e.g. 6f7e2741b66b).", |m| &m.image_id),
    meta_str!("container.type", "The container type, e.g. docker, cri-o, containerd etc.", |m| &m.kind),
    meta_bool!("container.privileged", "'true' for containers running as privileged, 'false' otherwise.", |m| m.privileged),
    FieldRow {
        name: "container.mounts",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "A list of mount information, each as 'source:dest:mode:rdrw:propagation', separated by commas.",
        extract: |c, _, out| {
            if let Some(m) = meta(c) {
                let all: Vec<String> = m.mounts.iter().map(Mount::render).collect();
                out.push(Value::str(all.join(",")));
            }
        },
    },
    mount_row!("container.mount", "Information about a single mount, specified by number (container.mount[0]) or mount source (a glob: container.mount[/usr/local/*]), as 'source:dest:mode:rdrw:propagation'.", false, |x| Value::str(x.render())),
    mount_row!("container.mount.source", "The mount source, specified by number (container.mount.source[0]) or mount destination (a glob).", true, |x| Value::Str(x.source.as_str().into())),
    mount_row!("container.mount.dest", "The mount destination, specified by number (container.mount.dest[0]) or mount source (a glob).", false, |x| Value::Str(x.dest.as_str().into())),
    mount_row!("container.mount.mode", "The mount mode, specified by number (container.mount.mode[0]) or mount source (a glob).", false, |x| Value::Str(x.mode.as_str().into())),
    mount_row!("container.mount.rdwr", "The mount rdwr value, specified by number (container.mount.rdwr[0]) or mount source (a glob).", false, |x| Value::Str(if x.rw { "true" } else { "false" }.into())),
    mount_row!("container.mount.propagation", "The mount propagation value, specified by number (container.mount.propagation[0]) or mount source (a glob).", false, |x| Value::Str(x.propagation.as_str().into())),
    meta_str!("container.image.repository", "The container image repository (e.g. falcosecurity/falco).", |m| &m.image_repo),
    meta_str!("container.image.tag", "The container image tag (e.g. stable, latest).", |m| &m.image_tag),
    meta_str!("container.image.digest", "The container image registry digest (e.g. sha256:d977378f890d445c15e51795296e4e5062f109ce6da83e0a355fc4ad8699d27).", |m| &m.image_digest),
    deprecated("container.healthcheck", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("container.liveness_probe", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    deprecated("container.readiness_probe", FieldType::CharBuf, ArgKind::None, DEPRECATED),
    FieldRow {
        name: "container.start_ts",
        ftype: FieldType::AbsTime,
        arg: ArgKind::None,
        desc: "Container start as epoch timestamp in nanoseconds, from proc.pidns_init_start_ts.",
        extract: |c, _, out| {
            if let Some(ts) = start_ts(c) {
                out.push(Value::UInt(ts));
            }
        },
    },
    FieldRow {
        name: "container.duration",
        ftype: FieldType::RelTime,
        arg: ArgKind::None,
        desc: "Number of nanoseconds since container.start_ts.",
        extract: |c, _, out| {
            if let Some(ts) = start_ts(c) {
                out.push(Value::UInt(c.ev.ts.wrapping_sub(ts)));
            }
        },
    },
    meta_str!("container.ip", "The container's / pod's primary ip address as retrieved from the container engine (IPv4 only).", |m| &m.ip),
    meta_str!("container.cni.json", "The container's / pod's CNI result field from the respective pod status info.", |m| &m.cni_json),
    meta_bool!("container.host_pid", "'true' if the container is running in the host PID namespace, 'false' otherwise.", |m| m.host_pid),
    meta_bool!("container.host_network", "'true' if the container is running in the host network namespace, 'false' otherwise.", |m| m.host_network),
    meta_bool!("container.host_ipc", "'true' if the container is running in the host IPC namespace, 'false' otherwise.", |m| m.host_ipc),
    FieldRow {
        name: "container.label",
        ftype: FieldType::CharBuf,
        arg: ArgKind::Key,
        desc: "Container label. E.g. 'container.label.foo'.",
        extract: |c, arg, out| {
            let (Some(m), Some(FieldArg::Key(k))) = (meta(c), arg) else { return };
            if let Some(v) = m.labels.get(k.as_str()) {
                push_str(out, v);
            }
        },
    },
    FieldRow {
        name: "container.labels",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "Container comma-separated key/value labels. E.g. 'foo1:bar1, foo2:bar2'.",
        extract: |c, _, out| {
            if let Some(m) = meta(c) {
                out.push(Value::str(render_labels(&m.labels)));
            }
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Thread;
    use crate::Inspector;
    use falco_abi::EventCode;
    use falco_scap::builder::{view, EventBuilder};

    fn extract(insp: &Inspector, tid: u64, name: &str, arg: Option<FieldArg>) -> Vec<String> {
        let row = FIELDS.iter().find(|r| r.name == name).unwrap();
        let raw = EventBuilder::new(EventCode::SYSCALL_CLOSE_X)
            .ts(5_000)
            .tid(tid)
            .build();
        let c = Ctx { ev: view(&raw), insp };
        let mut out = Vec::new();
        (row.extract)(&c, arg.as_ref(), &mut out);
        out.iter().map(|v| v.to_string()).collect()
    }

    fn world() -> Inspector {
        let mut insp = Inspector::default();
        for (tid, cid) in [(1, ""), (2, "3ad7b26ded6d"), (3, "aaaaaaaaaaaa")] {
            insp.threads.insert(Thread {
                tid,
                pid: tid,
                container_id: cid.into(),
                pidns_init_start_ts: 1_000,
                ..Default::default()
            });
        }
        insp.containers.insert(Container {
            id: "3ad7b26ded6d".into(),
            name: "web".into(),
            kind: "podman".into(),
            mounts: vec![
                Mount {
                    source: "/proc".into(),
                    dest: "/host/proc".into(),
                    mode: "ro".into(),
                    rw: false,
                    propagation: "rprivate".into(),
                },
                Mount {
                    source: "/var/run/docker.sock".into(),
                    dest: "/run/docker.sock".into(),
                    rw: true,
                    ..Mount::default()
                },
            ],
            labels: [("app", "web"), ("io.kubernetes.pod.name", "web-1")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Container::default()
        });
        insp
    }

    #[test]
    fn host_known_and_unknown_containers_read_as_the_plugin_does() {
        let insp = world();
        let f = |tid, name| extract(&insp, tid, name, None);
        assert_eq!(f(1, "container.id"), ["host"]);
        assert_eq!(f(1, "container.name"), ["host"]);
        assert_eq!(f(1, "container.type"), ["host"]);
        assert_eq!(f(1, "container.image"), [""]);
        assert_eq!(f(1, "container.privileged"), ["false"]);
        assert!(f(1, "container.start_ts").is_empty());
        assert_eq!(f(2, "container.name"), ["web"]);
        assert_eq!(f(2, "container.type"), ["podman"]);
        assert_eq!(f(2, "container.labels"), ["app:web"]);
        assert_eq!(f(2, "container.duration"), ["4000"]);
        // Metadata not there yet: the id, the times, nothing else.
        assert_eq!(f(3, "container.id"), ["aaaaaaaaaaaa"]);
        assert!(f(3, "container.name").is_empty());
        assert!(f(3, "container.privileged").is_empty());
        assert_eq!(f(3, "container.start_ts"), ["1000"]);
        assert!(f(2, "container.healthcheck").is_empty());
    }

    #[test]
    fn mounts_by_index_source_and_destination() {
        let insp = world();
        let f = |name, arg| extract(&insp, 2, name, Some(arg));
        let key = |k: &str| FieldArg::Key(k.into());
        assert_eq!(
            extract(&insp, 2, "container.mounts", None),
            ["/proc:/host/proc:ro:false:rprivate,/var/run/docker.sock:/run/docker.sock::true:"]
        );
        assert_eq!(f("container.mount", FieldArg::Index(1)), ["/var/run/docker.sock:/run/docker.sock::true:"]);
        assert_eq!(f("container.mount.dest", key("/var/run/*")), ["/run/docker.sock"]);
        assert_eq!(f("container.mount.source", key("/host/*")), ["/proc"]);
        assert_eq!(f("container.mount.rdwr", key("/proc")), ["false"]);
        assert_eq!(f("container.mount.mode", FieldArg::Index(0)), ["ro"]);
        assert!(f("container.mount", FieldArg::Index(7)).is_empty());
        assert_eq!(f("container.label", key("app")), ["web"]);
    }
}
