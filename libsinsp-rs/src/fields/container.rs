//! `container.*`: the container the process runs in ("host" otherwise),
//! with the metadata container events provided.

use super::push_str;
use crate::field::{ArgKind, Ctx, FieldArg, FieldRow};
use crate::state::Container;
use crate::value::{FieldType, Value};

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "container",
    desc: "Container information. If the event is not happening inside a container, both id and name will be set to 'host'.",
    fields: FIELDS,
};

/// The container id of the event ("" on the host): the container a
/// container event describes, else the container of the event's thread.
fn id<'a>(c: &Ctx<'a>) -> Option<&'a str> {
    c.insp
        .event_container()
        .or_else(|| c.thread().map(|t| t.container_id.as_str()))
}

/// The metadata of the event's container, when known.
pub(crate) fn meta<'a>(c: &Ctx<'a>) -> Option<&'a Container> {
    let id = id(c).filter(|i| !i.is_empty())?;
    c.insp.containers.get(id)
}

/// Shell-style glob: `*` any run, `?` one character.
pub(crate) fn glob(pat: &str, s: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pat.chars().collect(), s.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

macro_rules! meta_str {
    ($name:literal, $desc:literal, $host:expr, $f:ident) => {
        FieldRow {
            name: $name,
            ftype: FieldType::CharBuf,
            arg: ArgKind::None,
            desc: $desc,
            extract: |c, _, out| match id(c) {
                Some("") => {
                    let host: Option<&'static str> = $host;
                    if let Some(h) = host {
                        push_str(out, h)
                    }
                }
                Some(_) => {
                    if let Some(m) = meta(c).filter(|m| !m.$f.is_empty()) {
                        push_str(out, &m.$f)
                    }
                }
                None => {}
            },
        }
    };
}

pub const FIELDS: &[FieldRow] = &[
    FieldRow {
        name: "container.id",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "the container id.",
        extract: |c, _, out| {
            if let Some(i) = id(c) {
                push_str(out, if i.is_empty() { "host" } else { i });
            }
        },
    },
    meta_str!("container.name", "the container name.", Some("host"), name),
    meta_str!("container.image", "the container image name (e.g. falcosecurity/falco:latest for docker).", None, image),
    meta_str!("container.image.repository", "the container image repository (e.g. falcosecurity/falco).", None, image_repo),
    meta_str!("container.image.tag", "the container image tag (e.g. stable, latest).", None, image_tag),
    meta_str!("container.image.digest", "the container image registry digest (e.g. sha256:...).", None, image_digest),
    meta_str!("container.type", "the container type, e.g. docker, cri, podman.", Some("host"), kind),
    FieldRow {
        name: "container.privileged",
        ftype: FieldType::Bool,
        arg: ArgKind::None,
        desc: "'true' for containers running as privileged, 'false' otherwise.",
        extract: |c, _, out| {
            if let Some(p) = meta(c).and_then(|m| m.privileged) {
                out.push(Value::Bool(p));
            }
        },
    },
    FieldRow {
        name: "container.mounts",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "A space-separated list of mount information. Each item in the list has the format <source>:<dest>:<mode>:<rdrw>:<propagation>.",
        extract: |c, _, out| {
            if let Some(m) = meta(c) {
                let s: Vec<String> = m
                    .mounts
                    .iter()
                    .map(|x| format!("{}:{}:{}:{}:{}", x.source, x.dest, x.mode, x.rw, x.propagation))
                    .collect();
                out.push(Value::str(s.join(",")));
            }
        },
    },
    FieldRow {
        name: "container.mount.dest",
        ftype: FieldType::CharBuf,
        arg: ArgKind::Key,
        desc: "the mount destination of the mount whose source matches the argument (a path glob).",
        extract: |c, arg, out| {
            let (Some(m), Some(FieldArg::Key(pat))) = (meta(c), arg) else { return };
            if let Some(x) = m.mounts.iter().find(|x| glob(pat, &x.source)) {
                push_str(out, &x.dest);
            }
        },
    },
    FieldRow {
        name: "container.mount.source",
        ftype: FieldType::CharBuf,
        arg: ArgKind::Key,
        desc: "the mount source of the mount whose destination matches the argument (a path glob).",
        extract: |c, arg, out| {
            let (Some(m), Some(FieldArg::Key(pat))) = (meta(c), arg) else { return };
            if let Some(x) = m.mounts.iter().find(|x| glob(pat, &x.dest)) {
                push_str(out, &x.source);
            }
        },
    },
    FieldRow {
        name: "container.start_ts",
        ftype: FieldType::AbsTime,
        arg: ArgKind::None,
        desc: "container start as epoch timestamp in nanoseconds (start of the container's init process).",
        extract: |c, _, out| {
            if let Some(t) = c.thread().filter(|t| !t.container_id.is_empty() && t.pidns_init_start_ts != 0) {
                out.push(Value::UInt(t.pidns_init_start_ts));
            }
        },
    },
];

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("/proc*", "/proc"));
        assert!(glob("/proc*", "/proc/sys"));
        assert!(glob("/var/run/docker.sock", "/var/run/docker.sock"));
        assert!(glob("/r?ot*", "/root/x"));
        assert!(!glob("/proc*", "/var/proc"));
        assert!(!glob("/etc", "/etc/kubernetes"));
        assert!(glob("*", ""));
    }
}
