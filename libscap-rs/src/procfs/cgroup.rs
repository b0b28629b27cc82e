//! `/proc/<pid>/cgroup` to the `subsys=path` entries threads carry, as
//! libscap's scap_cgroup.c renders them:
//! - a cgroup v1 line `3:cpu,cpuacct:/docker/abc` gives one entry per
//!   controller: `cpu=/docker/abc`, `cpuacct=/docker/abc`; named hierarchies
//!   keep their name (`name=systemd=/user.slice`);
//! - the cgroup v2 line `0::/system.slice/x.service` is resolved per
//!   controller: starting at the thread's cgroup and walking up to the
//!   root, each controller listed in a level's `cgroup.controllers` that was
//!   not met below is reported at that level's path, until every controller
//!   of the hierarchy is found. Without a cgroup2 mount (or on a hybrid
//!   system whose cgroup2 has no controllers) the line gives nothing.
//!
//! The cgroup2 mount is found in `/proc/1/mounts` and reached through
//! `/proc/1/root` (or the host root when that is not accessible).
//!
//! Limit: when Falco itself runs in a cgroup namespace, libscap rewrites the
//! paths relative to its own cgroup; this scan reports them as `/proc`
//! shows them.

use super::parse::unescape_mount_path;
use super::ScanOptions;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// libscap's SCAP_MAX_CGROUPS_SIZE: entries that would not fit are dropped.
pub const MAX_CGROUPS_BYTES: usize = 4096;

/// `subsys=path\0` entries under construction.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CgroupSet {
    bytes: Vec<u8>,
}

impl CgroupSet {
    /// Appends `subsys=path\0` unless the set would outgrow the limit.
    pub fn push(&mut self, subsys: &str, path: &str) -> bool {
        let len = subsys.len() + 1 + path.len() + 1;
        if self.bytes.len() + len > MAX_CGROUPS_BYTES {
            return false;
        }
        self.bytes.extend_from_slice(subsys.as_bytes());
        self.bytes.push(b'=');
        self.bytes.extend_from_slice(path.as_bytes());
        self.bytes.push(0);
        true
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Renders the content of `/proc/<pid>/cgroup`. `resolve_v2` receives the
/// path of the `0::` line (only called when there is a v2 hierarchy).
pub fn render_cgroups(
    content: &str,
    has_v2: bool,
    mut resolve_v2: impl FnMut(&str, &mut CgroupSet),
) -> Vec<u8> {
    let mut set = CgroupSet::default();
    for line in content.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(subsys), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if subsys.is_empty() {
            // cgroup v2 (id 0), or a v1 hierarchy without controllers.
            if id == "0" && has_v2 {
                resolve_v2(path, &mut set);
            }
            continue;
        }
        for s in subsys.split(',').filter(|s| !s.is_empty()) {
            set.push(s, path);
        }
    }
    set.into_bytes()
}

/// Splits a `cgroup.controllers` line.
pub fn parse_controllers(content: &str) -> Vec<String> {
    content.split_whitespace().map(str::to_string).collect()
}

/// Resolves `0::` lines against the cgroup2 mount, with a cache of
/// `cgroup.controllers` per directory.
#[derive(Debug, Default)]
pub struct CgroupResolver {
    /// Where the cgroup2 root can be read, when there is one.
    mount: Option<PathBuf>,
    /// The controllers of the cgroup2 root.
    all: Vec<String>,
    cache: HashMap<PathBuf, Option<Vec<String>>>,
}

impl CgroupResolver {
    /// Finds the cgroup2 mount of the host (see the module documentation).
    pub fn new(opts: &ScanOptions) -> CgroupResolver {
        let mut r = CgroupResolver::default();
        let init_root = opts.proc_root.join("1").join("root");
        let mounts = std::fs::read_to_string(opts.proc_root.join("1").join("mounts"))
            .or_else(|_| std::fs::read_to_string(opts.proc_root.join("self").join("mounts")))
            .unwrap_or_default();
        for line in mounts.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.get(2) != Some(&"cgroup2") {
                continue;
            }
            let Some(dir) = f.get(1) else { continue };
            let dir = unescape_mount_path(dir);
            let rel = dir.trim_start_matches('/');
            let candidates = [init_root.join(rel), opts.host_path(rel)];
            let Some((path, controllers)) = candidates.into_iter().find_map(|p| {
                let c = std::fs::read_to_string(p.join("cgroup.controllers")).ok()?;
                Some((p, parse_controllers(&c)))
            }) else {
                continue;
            };
            let found_controllers = !controllers.is_empty();
            if r.mount.is_none() || found_controllers {
                r.mount = Some(path);
                r.all = controllers;
            }
            if found_controllers {
                break;
            }
        }
        r
    }

    /// A resolver over a cgroup2 tree at `mount` (for tests and callers
    /// that know where it is).
    pub fn with_mount(mount: &Path) -> CgroupResolver {
        let mut r = CgroupResolver {
            mount: Some(mount.to_path_buf()),
            ..CgroupResolver::default()
        };
        r.all = r.controllers(mount).unwrap_or_default();
        r
    }

    fn controllers(&mut self, dir: &Path) -> Option<Vec<String>> {
        if let Some(c) = self.cache.get(dir) {
            return c.clone();
        }
        let c = std::fs::read_to_string(dir.join("cgroup.controllers"))
            .ok()
            .map(|s| parse_controllers(&s));
        self.cache.insert(dir.to_path_buf(), c.clone());
        c
    }

    /// Renders `/proc/<pid>/cgroup` content.
    pub fn render(&mut self, content: &str) -> Vec<u8> {
        let has_v2 = self.mount.is_some();
        render_cgroups(content, has_v2, |path, set| self.resolve_v2(path, set))
    }

    /// The v2 walk-up (see the module documentation).
    fn resolve_v2(&mut self, cgroup: &str, set: &mut CgroupSet) {
        let Some(mount) = self.mount.clone() else {
            return;
        };
        if !cgroup.starts_with('/') || cgroup.split('/').any(|c| c == "..") {
            return; // outside our cgroup namespace view: not resolvable
        }
        let mut level = cgroup.trim_end_matches('/').to_string();
        if level.is_empty() {
            level.push('/');
        }
        let mut found: Vec<String> = Vec::new();
        loop {
            let dir = mount.join(level.trim_start_matches('/'));
            let Some(controllers) = self.controllers(&dir) else {
                return; // gone, or not readable: stop as libscap does
            };
            for c in controllers {
                if !found.contains(&c) {
                    set.push(&c, &level);
                    found.push(c);
                }
            }
            if level == "/" || self.all.iter().all(|c| found.contains(c)) {
                return;
            }
            match level.rfind('/') {
                Some(0) => level.truncate(1),
                Some(i) => level.truncate(i),
                None => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(b: &[u8]) -> Vec<String> {
        b.split(|&c| c == 0)
            .filter(|e| !e.is_empty())
            .map(|e| String::from_utf8_lossy(e).into_owned())
            .collect()
    }

    #[test]
    fn v1_lines() {
        let content = "12:devices:/user.slice\n11:rdma:/\n7:net_cls,net_prio:/\n\
                       3:cpu,cpuacct:/docker/0123456789ab\n1:name=systemd:/user.slice/session-1.scope\n\
                       0::/user.slice/session-1.scope\n";
        let out = render_cgroups(content, false, |_, _| panic!("no v2 here"));
        assert_eq!(
            entries(&out),
            [
                "devices=/user.slice",
                "rdma=/",
                "net_cls=/",
                "net_prio=/",
                "cpu=/docker/0123456789ab",
                "cpuacct=/docker/0123456789ab",
                "name=systemd=/user.slice/session-1.scope",
            ]
        );
        assert_eq!(out.last(), Some(&0));
    }

    #[test]
    fn colons_in_paths_and_garbage() {
        let out = render_cgroups("4:memory:/a:b\nnonsense\n::\n5:,:/x\n", false, |_, _| {});
        assert_eq!(entries(&out), ["memory=/a:b"]);
        assert!(render_cgroups("", true, |_, _| {}).is_empty());
    }

    #[test]
    fn size_limit() {
        let long = "x".repeat(3000);
        let content = format!("1:a:/{long}\n2:b:/{long}\n3:c:/\n");
        let out = render_cgroups(&content, false, |_, _| {});
        assert_eq!(entries(&out).len(), 2, "the second long entry does not fit");
        assert!(out.len() <= MAX_CGROUPS_BYTES);
    }

    /// A fake cgroup2 tree: root with every controller, a slice with some,
    /// a service with fewer.
    fn fake_tree(tag: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("falco-rs-procfs-cg-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let svc = root.join("system.slice").join("docker.service");
        std::fs::create_dir_all(&svc).unwrap();
        std::fs::write(
            root.join("cgroup.controllers"),
            "cpuset cpu io memory pids\n",
        )
        .unwrap();
        std::fs::write(
            root.join("system.slice").join("cgroup.controllers"),
            "cpu io memory pids\n",
        )
        .unwrap();
        std::fs::write(svc.join("cgroup.controllers"), "memory pids\n").unwrap();
        root
    }

    #[test]
    fn v2_walks_up_per_controller() {
        let root = fake_tree("walk");
        let mut r = CgroupResolver::with_mount(&root);
        let out = r.render("0::/system.slice/docker.service\n");
        assert_eq!(
            entries(&out),
            [
                "memory=/system.slice/docker.service",
                "pids=/system.slice/docker.service",
                "cpu=/system.slice",
                "io=/system.slice",
                "cpuset=/",
            ]
        );
        // The root cgroup itself.
        assert_eq!(
            entries(&r.render("0::/\n")),
            ["cpuset=/", "cpu=/", "io=/", "memory=/", "pids=/"]
        );
        // A cgroup that does not exist (any more): nothing.
        assert!(r.render("0::/gone.slice\n").is_empty());
        // Escaping the namespace view: nothing.
        assert!(r.render("0::/../../x\n").is_empty());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn v2_stops_when_all_controllers_are_found() {
        let root = fake_tree("stop");
        std::fs::write(
            root.join("system.slice")
                .join("docker.service")
                .join("cgroup.controllers"),
            "cpuset cpu io memory pids\n",
        )
        .unwrap();
        // Make the parent unreadable as a cgroup: the walk must not need it.
        std::fs::remove_file(root.join("system.slice").join("cgroup.controllers")).unwrap();
        let mut r = CgroupResolver::with_mount(&root);
        let out = r.render("0::/system.slice/docker.service\n");
        assert_eq!(entries(&out).len(), 5);
        assert!(entries(&out)
            .iter()
            .all(|e| e.ends_with("=/system.slice/docker.service")));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn hybrid_v1_and_v2_lines() {
        let root = fake_tree("hybrid");
        let mut r = CgroupResolver::with_mount(&root);
        let out = r.render("4:memory:/process_api/5a64\n1:cpu:/\n0::/system.slice\n");
        assert_eq!(
            entries(&out),
            [
                "memory=/process_api/5a64",
                "cpu=/",
                "cpu=/system.slice",
                "io=/system.slice",
                "memory=/system.slice",
                "pids=/system.slice",
                "cpuset=/",
            ]
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
