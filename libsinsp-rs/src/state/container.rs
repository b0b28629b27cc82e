//! Container ids from cgroup paths, under cgroup v1, v2 and hybrid.
//!
//! A process runs in a container when one of its cgroup paths ends the way
//! a runtime names a container's cgroup (the layouts Falco's container
//! plugin matches):
//! - runc-based runtimes end the path with `<prefix><64 hex digits><suffix>`:
//!   podman (`/libpod-<id>`, `.scope`, `.scope/container`, also under
//!   `libpod_parent/`, and `libpod-payload-`), docker (`/docker/<id>`,
//!   `docker-<id>.scope`), CRI (`/kubepods/.../<id>`, `crio-<id>`,
//!   `cri-containerd-<id>.scope`, `:cri-containerd:<id>`), nerdctl
//!   (`nerdctl-<id>.scope`). The id is shortened to 12 characters, as Falco
//!   shows it.
//! - lxc (`/lxc/<name>`, `/lxc.payload/<name>`, `/lxc.payload.<name>`),
//!   libvirt-lxc (`/libvirt/lxc/<name>`, `<name>.libvirt-lxc`) and bpm
//!   (`bpm-<name>.scope`) name the container; those names are the ids.
//!
//! Anything else is the host. Unlike the plugin, a short id under any
//! `/<namespace>/` (its catch-all containerd layout) is not taken for a
//! container: it mistakes host cgroups such as `/process_api/<hash>` for
//! containers.

/// Length of the ids Falco shows.
pub const SHORT_ID_LEN: usize = 12;

/// Length of a runc container id.
const FULL_ID_LEN: usize = 64;

/// `<prefix><id><suffix>` endings of runc-based runtimes' cgroups, with
/// the runtime type the layout suggests.
const RUNC_LAYOUTS: &[(&str, &str, &str)] = &[
    ("/libpod-", ".scope", "podman"),
    ("/libpod-", ".scope/container", "podman"),
    ("/libpod-", "", "podman"),
    ("/libpod-payload-", ".scope", "podman"),
    ("/libpod-payload-", ".scope/container", "podman"),
    ("/libpod-payload-", "", "podman"),
    ("/docker-", ".scope", "docker"),
    ("/", "", "docker"),
    ("/crio-", "", "cri-o"),
    ("/crio-", ".scope", "cri-o"),
    ("/cri-containerd-", ".scope", "containerd"),
    (":cri-containerd:", "", "containerd"),
    ("/nerdctl-", ".scope", "containerd"),
];

/// Where a container id came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CgroupMatch<'a> {
    /// The id as Falco shows it (12 characters for runc ids).
    pub id: &'a str,
    /// The runtime type the layout belongs to.
    pub kind: &'static str,
    /// Whether the cgroup is all there is to know (lxc, libvirt-lxc, bpm:
    /// no runtime to ask).
    pub from_cgroup_only: bool,
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn runc(path: &str) -> Option<CgroupMatch<'_>> {
    RUNC_LAYOUTS.iter().find_map(|(prefix, suffix, kind)| {
        let rest = path.strip_suffix(suffix)?;
        let split = rest.len().checked_sub(FULL_ID_LEN)?;
        let (head, id) = (rest.get(..split)?, rest.get(split..)?);
        // `then`, not `then_some`: the short id may be cut only once `id`
        // is known to be hex (ASCII), or the cut can fall inside a
        // character.
        (is_hex(id) && head.ends_with(prefix)).then(|| CgroupMatch {
            id: &id[..SHORT_ID_LEN],
            kind,
            from_cgroup_only: false,
        })
    })
}

fn only<'a>(id: &'a str, kind: &'static str) -> CgroupMatch<'a> {
    CgroupMatch {
        id,
        kind,
        from_cgroup_only: true,
    }
}

/// Whether `path` holds `needle`; a plain scan, where `str::find` would
/// build a searcher per call (this runs for every cgroup of every clone).
fn mentions(path: &str, needle: &[u8]) -> bool {
    path.as_bytes().windows(needle.len()).any(|w| w == needle)
}

fn named(path: &str) -> Option<CgroupMatch<'_>> {
    // Every layout below names `lxc` or `bpm-`; most paths name neither.
    if !mentions(path, b"lxc") && !mentions(path, b"bpm-") {
        return None;
    }
    // libvirt-lxc before lxc: `/libvirt/lxc/<name>` also holds `/lxc/`.
    if let Some(rest) = path.strip_suffix(".libvirt-lxc") {
        let id = rest.rsplit('/').next().unwrap_or(rest);
        if !id.is_empty() {
            return Some(only(id, "libvirt-lxc"));
        }
    }
    if let Some(pos) = path.find("/libvirt/lxc/") {
        let id = &path[pos + "/libvirt/lxc/".len()..];
        if !id.is_empty() {
            return Some(only(id, "libvirt-lxc"));
        }
    }
    for marker in ["/lxc/", "/lxc.payload/", "/lxc.payload."] {
        if let Some(pos) = path.find(marker) {
            let rest = &path[pos + marker.len()..];
            let id = rest.split('/').next().unwrap_or(rest);
            if !id.is_empty() {
                return Some(only(id, "lxc"));
            }
        }
    }
    if let Some(pos) = path.find("bpm-") {
        let rest = &path[pos + 4..];
        let id = rest.find(".scope").map_or(rest, |end| &rest[..end]);
        let valid = |b: u8| b.is_ascii_alphanumeric() || b"._-".contains(&b);
        if !id.is_empty() && id.bytes().all(valid) {
            return Some(only(id, "bpm"));
        }
    }
    None
}

/// The container one cgroup path names, if any.
pub fn match_cgroup_path(path: &str) -> Option<CgroupMatch<'_>> {
    runc(path).or_else(|| named(path))
}

/// The container id in one cgroup path, if any.
pub fn id_from_cgroup_path(path: &str) -> Option<&str> {
    match_cgroup_path(path).map(|m| m.id)
}

/// The container a process's cgroups name (the first that names one).
pub fn match_cgroups<'a>(cgroups: impl IntoIterator<Item = &'a str>) -> Option<CgroupMatch<'a>> {
    cgroups.into_iter().find_map(match_cgroup_path)
}

/// The container id of a process from its cgroups ("" on the host).
pub fn id_from_cgroups<'a>(cgroups: impl IntoIterator<Item = &'a str>) -> String {
    match_cgroups(cgroups)
        .map(|m| m.id.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e";

    #[test]
    fn recognises_runc_layouts_under_v1_v2_and_hybrid() {
        for (p, kind) in [
            (format!("/docker/{ID}"), "docker"),
            (format!("/system.slice/docker-{ID}.scope"), "docker"),
            (format!("/kubepods/besteffort/pod1234/{ID}"), "docker"),
            (
                format!("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-{ID}.scope"),
                "containerd",
            ),
            (format!("/system.slice/containerd.service/kubepods-pod1.slice:cri-containerd:{ID}"), "containerd"),
            (format!("/kubepods.slice/crio-{ID}.scope"), "cri-o"),
            (format!("/kubepods/pod1/crio-{ID}"), "cri-o"),
            (format!("/machine.slice/libpod-{ID}.scope/container"), "podman"),
            (format!("/machine.slice/libpod-{ID}.scope"), "podman"),
            (format!("/libpod_parent/libpod-{ID}"), "podman"),
            (format!("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-payload-{ID}"), "podman"),
            (format!("/system.slice/nerdctl-{ID}.scope"), "containerd"),
        ] {
            let m = match_cgroup_path(&p).unwrap_or_else(|| panic!("{p}"));
            assert_eq!((m.id, m.kind, m.from_cgroup_only), (&ID[..12], kind, false), "{p}");
        }
    }

    /// A 64-byte tail that is not hex, with a multi-byte character across
    /// the 12th byte: no match (the short id used to be cut before the
    /// hex check, inside the character: a panic found by fuzzing).
    #[test]
    fn a_non_hex_id_with_multibyte_characters_does_not_match() {
        let id = format!("@@@sleep{}ab", "\u{fffd}".repeat(18));
        assert_eq!(id.len(), 64);
        assert!(!id.is_char_boundary(SHORT_ID_LEN));
        assert!(match_cgroup_path(&format!("/docker/{id}")).is_none());
    }

    #[test]
    fn names_lxc_libvirt_and_bpm_containers() {
        for (p, id, kind) in [
            ("/lxc/web01", "web01", "lxc"),
            ("/lxc.payload/web01/init.scope", "web01", "lxc"),
            ("/lxc.payload.web01", "web01", "lxc"),
            ("/machine.slice/vm1.libvirt-lxc", "vm1", "libvirt-lxc"),
            ("/libvirt/lxc/vm2", "vm2", "libvirt-lxc"),
            ("/system.slice/bpm-job_1.scope", "job_1", "bpm"),
        ] {
            let m = match_cgroup_path(p).unwrap_or_else(|| panic!("{p}"));
            assert_eq!((m.id, m.kind, m.from_cgroup_only), (id, kind, true), "{p}");
        }
    }

    #[test]
    fn host_paths_have_no_id() {
        for p in [
            "/",
            "/user.slice/user-0.slice/session-1.scope",
            "/system.slice/docker.service",
            "/docker/abc",
            "/process_api/8d17fde254b590d0af52d07350e2f814",
            "/libpod_parent/conmon",
            &format!("/docker/{ID}/extra"),
            &format!("/docker/x{}", &ID[1..]),
        ] {
            assert_eq!(id_from_cgroup_path(p), None, "{p}");
        }
        assert_eq!(id_from_cgroups(["/", "/user.slice"]), "");
        assert_eq!(
            id_from_cgroups(
                ["/".to_string(), format!("/libpod_parent/libpod-{ID}")]
                    .iter()
                    .map(String::as_str)
            ),
            &ID[..12]
        );
    }
}
