//! Container ids from cgroup paths.
//!
//! A process runs in a container when one of its cgroup paths names one:
//! docker (`/docker/<id>`, `docker-<id>.scope`), containerd/CRI
//! (`cri-containerd-<id>.scope`, `/kubepods/.../<id>`), cri-o
//! (`crio-<id>.scope`, `/crio-<id>`), podman (`libpod-<id>.scope`,
//! `/libpod-<id>`). The id is the 64-hex-digit one, shortened to 12
//! characters as Falco shows it. Anything else is the host.

/// Length of the ids Falco shows.
pub const SHORT_ID_LEN: usize = 12;

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The container id in one cgroup path, if any.
pub fn id_from_cgroup_path(path: &str) -> Option<&str> {
    for seg in path.split('/').rev() {
        let seg = seg.strip_suffix(".scope").unwrap_or(seg);
        let id = [
            "docker-",
            "cri-containerd-",
            "crio-",
            "libpod-",
            "containerd-",
        ]
        .iter()
        .find_map(|p| seg.strip_prefix(p))
        .unwrap_or(seg);
        if is_hex64(id) {
            return Some(&id[..SHORT_ID_LEN]);
        }
    }
    None
}

/// The container id of a process from its cgroups ("" on the host).
pub fn id_from_cgroups<'a>(cgroups: impl IntoIterator<Item = &'a str>) -> String {
    cgroups
        .into_iter()
        .find_map(id_from_cgroup_path)
        .map(str::to_string)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e";

    #[test]
    fn recognises_runtime_path_patterns() {
        for p in [
            format!("/docker/{ID}"),
            format!("/system.slice/docker-{ID}.scope"),
            format!("/kubepods/besteffort/pod1234/{ID}"),
            format!("/kubepods.slice/kubepods-pod1.slice/cri-containerd-{ID}.scope"),
            format!("/kubepods.slice/crio-{ID}.scope"),
            format!("/machine.slice/libpod-{ID}.scope/container"),
        ] {
            assert_eq!(id_from_cgroup_path(&p), Some(&ID[..12]), "{p}");
        }
    }

    #[test]
    fn host_paths_have_no_id() {
        for p in [
            "/",
            "/user.slice/user-0.slice/session-1.scope",
            "/system.slice/docker.service",
            "/docker/abc",
        ] {
            assert_eq!(id_from_cgroup_path(p), None, "{p}");
        }
        assert_eq!(id_from_cgroups(["/", "/user.slice"]), "");
    }
}
