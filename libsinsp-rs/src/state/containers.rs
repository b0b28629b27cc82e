//! Container metadata: what the container events of a capture, or live the
//! runtimes ([`crate::runtimes`]), say about each container id.
//!
//! A record holds what Falco's container plugin (0.7) keeps per container,
//! and reads and writes the plugin's JSON (`{"container": {...}}`), the
//! payload of its `container` async event. The flat JSON of old container
//! events (`{"id":..,"type":..,"name":..,"image":..}`) is read too.

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Container runtime types with the numbers the events use.
const TYPES: &[(u64, &str)] = &[
    (0, "docker"),
    (1, "lxc"),
    (2, "libvirt-lxc"),
    (3, "mesos"),
    (4, "rkt"),
    (5, "custom"),
    (6, "cri"),
    (7, "containerd"),
    (8, "cri-o"),
    (9, "bpm"),
    (10, "static"),
    (11, "podman"),
    (0xfffe, "host"),
];

/// The plugin's defaults for a container whose runtime says nothing of
/// its CPU period and shares.
const DEFAULT_CPU_PERIOD: i64 = 100_000;
const DEFAULT_CPU_SHARES: i64 = 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mount {
    pub source: String,
    pub dest: String,
    pub mode: String,
    pub rw: bool,
    pub propagation: String,
}

impl Mount {
    /// `source:dest:mode:rdrw:propagation`, as the plugin renders a mount.
    pub fn render(&self) -> String {
        format!(
            "{}:{}:{}:{}:{}",
            self.source, self.dest, self.mode, self.rw, self.propagation
        )
    }
}

/// What is known of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// The short id (12 characters), the table's key.
    pub id: String,
    pub full_id: String,
    pub name: String,
    pub image: String,
    pub image_id: String,
    pub image_repo: String,
    pub image_tag: String,
    pub image_digest: String,
    /// The runtime type's name: docker, podman, cri, containerd, cri-o...
    pub kind: String,
    pub privileged: bool,
    pub mounts: Vec<Mount>,
    pub labels: BTreeMap<String, String>,
    /// The container's (or its pod's) primary IPv4 address.
    pub ip: String,
    /// The pod sandbox's CNI result (CRI).
    pub cni_json: String,
    pub host_pid: bool,
    pub host_network: bool,
    pub host_ipc: bool,
    pub is_pod_sandbox: bool,
    /// The full id of the pod sandbox the container runs in (CRI).
    pub pod_sandbox_id: String,
    pub pod_sandbox_labels: BTreeMap<String, String>,
    pub user: String,
    pub env: Vec<String>,
    /// Creation time, epoch seconds.
    pub created_time: i64,
    pub cpu_period: i64,
    pub cpu_quota: i64,
    pub cpu_shares: i64,
    pub cpuset_cpu_count: i64,
    pub memory_limit: i64,
    pub swap_limit: i64,
    /// Writable layer size in bytes (-1: not asked for).
    pub size_rw: i64,
}

impl Default for Container {
    fn default() -> Self {
        Container {
            id: String::new(),
            full_id: String::new(),
            name: String::new(),
            image: String::new(),
            image_id: String::new(),
            image_repo: String::new(),
            image_tag: String::new(),
            image_digest: String::new(),
            kind: String::new(),
            privileged: false,
            mounts: Vec::new(),
            labels: BTreeMap::new(),
            ip: String::new(),
            cni_json: String::new(),
            host_pid: false,
            host_network: false,
            host_ipc: false,
            is_pod_sandbox: false,
            pod_sandbox_id: String::new(),
            pod_sandbox_labels: BTreeMap::new(),
            user: String::new(),
            env: Vec::new(),
            created_time: 0,
            cpu_period: DEFAULT_CPU_PERIOD,
            cpu_quota: 0,
            cpu_shares: DEFAULT_CPU_SHARES,
            cpuset_cpu_count: 0,
            memory_limit: 0,
            swap_limit: 0,
            size_rw: -1,
        }
    }
}

/// The id Falco gives the host, and the record host processes read.
pub const HOST: &str = "host";

/// The names of the container plugin's async events: a container added
/// (its JSON record), and one removed.
pub const ASYNC_ADDED: &str = "container";
pub const ASYNC_REMOVED: &str = "container_removed";

/// falco-rs's default bound on the container cache (the container
/// plugin's `init_config.max_containers`, a falco-rs key).
pub const DEFAULT_MAX_CONTAINERS: usize = 4096;

/// Counters of the container cache's limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerStats {
    /// Containers dropped to make room because the cache was full.
    pub evicted: u64,
    /// Containers the periodic purge removed: no live thread referred to
    /// them for the timeout (their removal from the runtime was lost).
    pub purged: u64,
}

/// One cached record and its bookkeeping.
#[derive(Debug, Clone)]
struct Entry {
    record: Container,
    /// Insertion order: the lowest is the oldest.
    seq: u64,
    /// Event time (ns) of the last purge scan that found a thread in the
    /// container; 0 until the first scan after its insertion.
    used_ts: u64,
}

/// Containers by (short) id, at most a set number of them.
#[derive(Debug, Clone)]
pub struct Containers {
    by_id: HashMap<String, Entry>,
    host: Container,
    /// Changes so far (inserts and removals).
    changes: u64,
    /// The most containers kept.
    max: usize,
    /// The next insertion's sequence number.
    next_seq: u64,
    pub stats: ContainerStats,
}

impl Default for Containers {
    fn default() -> Self {
        Containers {
            by_id: HashMap::new(),
            changes: 0,
            max: DEFAULT_MAX_CONTAINERS,
            next_seq: 0,
            stats: ContainerStats::default(),
            host: Container {
                id: HOST.into(),
                full_id: HOST.into(),
                name: HOST.into(),
                kind: HOST.into(),
                ..Container::default()
            },
        }
    }
}

fn s(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(|x| x.as_str())
        .unwrap_or_default()
        .to_string()
}

fn i(v: &Value, k: &str, default: i64) -> i64 {
    v.get(k).and_then(|x| x.as_i64()).unwrap_or(default)
}

fn b(v: &Value, k: &str) -> bool {
    v.get(k).and_then(|x| x.as_bool()).unwrap_or(false)
}

fn string_map(v: &Value, k: &str) -> BTreeMap<String, String> {
    v.get(k)
        .and_then(|l| l.as_object())
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Splits `repo[:tag][@digest]`; a `:` inside the registry host is not a tag.
pub fn split_image(image: &str) -> (String, String, String) {
    let (rest, digest) = image.split_once('@').unwrap_or((image, ""));
    let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    match rest[last_slash..].rfind(':') {
        Some(i) => (
            rest[..last_slash + i].to_string(),
            rest[last_slash + i + 1..].to_string(),
            digest.to_string(),
        ),
        None => (rest.to_string(), String::new(), digest.to_string()),
    }
}

/// The number events use for a runtime type name (`None`: not a type).
pub fn type_number(kind: &str) -> Option<u64> {
    TYPES.iter().find(|(_, k)| *k == kind).map(|(n, _)| *n)
}

/// `k1:v1, k2:v2` over the labels, without `annotation.*` and
/// `io.kubernetes.*` ones (the plugin's rendering of label sets).
pub fn render_labels(labels: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for (k, v) in labels {
        if k.starts_with("annotation.") || k.starts_with("io.kubernetes.") {
            continue;
        }
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(k);
        if !v.is_empty() {
            out.push(':');
            out.push_str(v);
        }
    }
    out
}

impl Container {
    /// Reads the JSON of a container event: `{"container": {...}}` (current)
    /// or the flat `{"id":..,"type":..,"name":..,"image":..}` that old
    /// container events convert to. `None` when it is not such a document.
    pub fn from_json(json: &[u8]) -> Option<Container> {
        let v: Value = serde_json::from_slice(json).ok()?;
        let c = v.get("container").unwrap_or(&v);
        let id = s(c, "id");
        if id.is_empty() {
            return None;
        }
        let image = s(c, "image");
        let (mut repo, mut tag, mut digest) = split_image(&image);
        for (key, field) in [
            ("imagerepo", &mut repo),
            ("imagetag", &mut tag),
            ("imagedigest", &mut digest),
        ] {
            let given = s(c, key);
            if !given.is_empty() {
                *field = given;
            }
        }
        let kind_num = c.get("type").and_then(|t| t.as_u64()).unwrap_or(0);
        let kind = TYPES
            .iter()
            .find(|(n, _)| *n == kind_num)
            .map(|(_, k)| k.to_string())
            .unwrap_or_default();
        let mounts = c
            .get("Mounts")
            .and_then(|m| m.as_array())
            .map(|a| {
                a.iter()
                    .map(|m| Mount {
                        source: s(m, "Source"),
                        dest: s(m, "Destination"),
                        mode: s(m, "Mode"),
                        rw: b(m, "RW"),
                        propagation: s(m, "Propagation"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let env = c
            .get("env")
            .and_then(|e| e.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| Some(x.as_str()?.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let full_id = s(c, "full_id");
        Some(Container {
            full_id,
            name: s(c, "name"),
            image,
            image_id: s(c, "imageid"),
            image_repo: repo,
            image_tag: tag,
            image_digest: digest,
            kind,
            privileged: b(c, "privileged"),
            mounts,
            labels: string_map(c, "labels"),
            ip: s(c, "ip"),
            cni_json: s(c, "cni_json"),
            host_pid: b(c, "host_pid"),
            host_network: b(c, "host_network"),
            host_ipc: b(c, "host_ipc"),
            is_pod_sandbox: b(c, "is_pod_sandbox"),
            pod_sandbox_id: s(c, "pod_sandbox_id"),
            pod_sandbox_labels: string_map(c, "pod_sandbox_labels"),
            user: s(c, "User"),
            env,
            created_time: i(c, "created_time", 0),
            cpu_period: i(c, "cpu_period", DEFAULT_CPU_PERIOD),
            cpu_quota: i(c, "cpu_quota", 0),
            cpu_shares: i(c, "cpu_shares", DEFAULT_CPU_SHARES),
            cpuset_cpu_count: i(c, "cpuset_cpu_count", 0),
            memory_limit: i(c, "memory_limit", 0),
            swap_limit: i(c, "swap_limit", 0),
            size_rw: i(c, "size", -1),
            id,
        })
    }

    /// The plugin's JSON for this record (what its `container` async event
    /// carries), read back by [`Container::from_json`].
    pub fn to_json(&self) -> String {
        let mounts: Vec<Value> = self
            .mounts
            .iter()
            .map(|m| {
                json!({
                    "Source": m.source, "Destination": m.dest, "Mode": m.mode,
                    "RW": m.rw, "Propagation": m.propagation,
                })
            })
            .collect();
        let mut c = Map::new();
        let mut put = |k: &str, v: Value| {
            c.insert(k.to_string(), v);
        };
        put("type", json!(type_number(&self.kind).unwrap_or(0xffff)));
        put("id", json!(self.id));
        put("full_id", json!(self.full_id));
        put("name", json!(self.name));
        put("image", json!(self.image));
        put("imageid", json!(self.image_id));
        put("imagerepo", json!(self.image_repo));
        put("imagetag", json!(self.image_tag));
        put("imagedigest", json!(self.image_digest));
        put("privileged", json!(self.privileged));
        put("Mounts", Value::Array(mounts));
        put("labels", json!(self.labels));
        put("ip", json!(self.ip));
        put("cni_json", json!(self.cni_json));
        put("host_pid", json!(self.host_pid));
        put("host_network", json!(self.host_network));
        put("host_ipc", json!(self.host_ipc));
        put("is_pod_sandbox", json!(self.is_pod_sandbox));
        put("pod_sandbox_id", json!(self.pod_sandbox_id));
        put("pod_sandbox_labels", json!(self.pod_sandbox_labels));
        put("User", json!(self.user));
        put("env", json!(self.env));
        put("created_time", json!(self.created_time));
        put("cpu_period", json!(self.cpu_period));
        put("cpu_quota", json!(self.cpu_quota));
        put("cpu_shares", json!(self.cpu_shares));
        put("cpuset_cpu_count", json!(self.cpuset_cpu_count));
        put("memory_limit", json!(self.memory_limit));
        put("swap_limit", json!(self.swap_limit));
        put("size", json!(self.size_rw));
        put("port_mappings", json!([]));
        json!({ "container": c }).to_string()
    }

    /// The mount at `idx`.
    pub fn mount_by_index(&self, idx: usize) -> Option<&Mount> {
        self.mounts.get(idx)
    }

    /// The first mount whose source matches the glob `pat`.
    pub fn mount_by_source(&self, pat: &str) -> Option<&Mount> {
        self.mounts.iter().find(|m| glob(pat, &m.source))
    }

    /// The first mount whose destination matches the glob `pat`.
    pub fn mount_by_dest(&self, pat: &str) -> Option<&Mount> {
        self.mounts.iter().find(|m| glob(pat, &m.dest))
    }
}

/// Shell-style glob: `*` any run, `?` one character.
pub fn glob(pat: &str, s: &str) -> bool {
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

impl Containers {
    /// The record of a container id; `""` (the host) has the host's.
    pub fn get(&self, id: &str) -> Option<&Container> {
        if id.is_empty() {
            return Some(&self.host);
        }
        self.by_id.get(id).map(|e| &e.record)
    }

    /// Whether a container id has its metadata (the host always has).
    pub fn contains(&self, id: &str) -> bool {
        id.is_empty() || self.by_id.contains_key(id)
    }

    /// Containers known (the host not counted).
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Adds or replaces a record. When the cache is full, the oldest
    /// container goes first (see [`Containers::evict_one`] for a choice
    /// that spares the containers threads are in).
    pub fn insert(&mut self, c: Container) {
        if self.needs_room_for(&c.id) {
            self.evict_one(&HashSet::new());
        }
        self.changes += 1;
        match self.by_id.get_mut(&c.id) {
            Some(e) => e.record = c,
            None => {
                self.next_seq += 1;
                let e = Entry {
                    record: c,
                    seq: self.next_seq,
                    used_ts: 0,
                };
                self.by_id.insert(e.record.id.clone(), e);
            }
        }
    }

    /// Forgets a container (it was removed from its runtime).
    pub fn remove(&mut self, id: &str) -> Option<Container> {
        self.changes += 1;
        self.by_id.remove(id).map(|e| e.record)
    }

    /// Whether inserting `id` would first evict a container.
    pub fn needs_room_for(&self, id: &str) -> bool {
        self.by_id.len() >= self.max && !self.by_id.contains_key(id)
    }

    /// Drops one container to make room: the oldest of those no thread
    /// is in (ids not in `in_use`), else the oldest of all. Returns its id.
    pub fn evict_one(&mut self, in_use: &HashSet<&str>) -> Option<String> {
        let victim = self
            .by_id
            .iter()
            .min_by_key(|(id, e)| (in_use.contains(id.as_str()), e.seq))
            .map(|(id, _)| id.clone())?;
        self.by_id.remove(&victim);
        self.changes += 1;
        self.stats.evicted += 1;
        Some(victim)
    }

    /// Sets the most containers kept, evicting the oldest at once when
    /// more are cached.
    pub fn set_limit(&mut self, max: usize) {
        self.max = max.max(1);
        while self.by_id.len() > self.max {
            self.evict_one(&HashSet::new());
        }
    }

    /// The most containers kept.
    pub fn limit(&self) -> usize {
        self.max
    }

    /// The periodic purge at event time `now`: containers in `in_use` (a
    /// live thread is in them) are marked used now; the others go when
    /// their last use is more than `timeout_ns` old. A container inserted
    /// since the last scan counts as used now. Returns the ids removed.
    pub fn purge_unused(
        &mut self,
        now: u64,
        timeout_ns: u64,
        in_use: &HashSet<&str>,
    ) -> Vec<String> {
        let mut gone = Vec::new();
        self.by_id.retain(|id, e| {
            if e.used_ts == 0 || in_use.contains(id.as_str()) {
                e.used_ts = now;
            } else if now.saturating_sub(e.used_ts) > timeout_ns {
                gone.push(id.clone());
                return false;
            }
            true
        });
        self.changes += gone.len() as u64;
        self.stats.purged += gone.len() as u64;
        gone
    }

    /// How many times the table changed: a reader that saw this number
    /// has seen every record there is.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Every known container, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Container> {
        self.by_id.values().map(|e| &e.record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_current_and_flat_container_json() {
        let j = br#"{"container":{"Mounts":[{"Source":"/var/run/docker.sock","Destination":"/var/run/docker.sock","Mode":"","RW":true,"Propagation":"rprivate"}],"id":"9dbcbd0c435f","image":"nginx:latest","imagerepo":"nginx","imagetag":"latest","labels":{"io.kubernetes.pod.name":"web-1"},"name":"epic_cray","privileged":true,"type":0}}"#;
        let c = Container::from_json(j).unwrap();
        assert_eq!(
            (
                c.id.as_str(),
                c.name.as_str(),
                c.image_repo.as_str(),
                c.image_tag.as_str()
            ),
            ("9dbcbd0c435f", "epic_cray", "nginx", "latest")
        );
        assert_eq!((c.kind.as_str(), c.privileged), ("docker", true));
        assert_eq!(c.mounts[0].dest, "/var/run/docker.sock");
        assert!(c.mounts[0].rw);
        assert_eq!(c.labels["io.kubernetes.pod.name"], "web-1");
        assert_eq!((c.cpu_period, c.cpu_shares, c.size_rw), (100_000, 1024, -1));
        let flat = Container::from_json(
            br#"{"id":"abc","type":6,"name":"x","image":"reg:5000/team/app:1.2@sha256:ff"}"#,
        )
        .unwrap();
        assert_eq!(
            (
                flat.image_repo.as_str(),
                flat.image_tag.as_str(),
                flat.image_digest.as_str()
            ),
            ("reg:5000/team/app", "1.2", "sha256:ff")
        );
        assert_eq!((flat.kind.as_str(), flat.privileged), ("cri", false));
        assert!(Container::from_json(b"not json").is_none());
        assert!(Container::from_json(br#"{"container":{}}"#).is_none());
    }

    #[test]
    fn json_round_trips_every_field() {
        let c = Container {
            id: "3ad7b26ded6d".into(),
            full_id: "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e".into(),
            name: "web".into(),
            image: "docker.io/library/nginx:1.25".into(),
            image_id: "6f7e2741b66b".into(),
            image_repo: "docker.io/library/nginx".into(),
            image_tag: "1.25".into(),
            image_digest: "sha256:d977".into(),
            kind: "cri-o".into(),
            privileged: true,
            mounts: vec![Mount {
                source: "/proc".into(),
                dest: "/host/proc".into(),
                mode: "ro".into(),
                rw: false,
                propagation: "rprivate".into(),
            }],
            labels: [("app".to_string(), "web".to_string())].into(),
            ip: "10.0.0.7".into(),
            cni_json: r#"{"eth0":"10.0.0.7"}"#.into(),
            host_pid: true,
            host_network: false,
            host_ipc: true,
            is_pod_sandbox: false,
            pod_sandbox_id: "63060edc2d3aa803ab559f2393776b151f99fc5b05035b21db66b3b62246ad6a"
                .into(),
            pod_sandbox_labels: [("tier".to_string(), "front".to_string())].into(),
            user: "nobody".into(),
            env: vec!["A=1".into()],
            created_time: 1_730_971_086,
            cpu_period: 50_000,
            cpu_quota: 20_000,
            cpu_shares: 2,
            cpuset_cpu_count: 1,
            memory_limit: 1 << 20,
            swap_limit: 1 << 21,
            size_rw: 4096,
        };
        let back = Container::from_json(c.to_json().as_bytes()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn the_host_has_its_own_record() {
        let t = Containers::default();
        let h = t.get("").unwrap();
        assert_eq!(
            (h.id.as_str(), h.name.as_str(), h.kind.as_str()),
            ("host", "host", "host")
        );
        assert_eq!((h.image.as_str(), h.privileged), ("", false));
        assert!(t.contains("") && !t.contains("abc") && t.is_empty());
    }

    #[test]
    fn labels_render_without_kubernetes_internals() {
        let l: BTreeMap<String, String> = [
            ("io.kubernetes.pod.name", "p"),
            ("annotation.x", "y"),
            ("app", "web"),
            ("empty", ""),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(render_labels(&l), "app:web, empty");
    }

    fn named(id: &str) -> Container {
        Container {
            id: id.into(),
            ..Container::default()
        }
    }

    #[test]
    fn the_cache_is_bounded_and_evicts_the_unused_then_the_oldest() {
        let mut t = Containers::default();
        assert_eq!(t.limit(), DEFAULT_MAX_CONTAINERS);
        for id in ["a", "b", "c", "d"] {
            t.insert(named(id));
        }
        t.set_limit(3);
        assert!(!t.contains("a") && t.len() == 3, "the oldest went");
        // Without thread knowledge, insert evicts the oldest.
        t.insert(named("e"));
        assert!(!t.contains("b"));
        // Replacing changes nothing but the record.
        t.insert(Container {
            name: "new".into(),
            ..named("e")
        });
        assert_eq!((t.len(), t.get("e").unwrap().name.as_str()), (3, "new"));
        // With threads in c and d, e goes although it is the newest.
        let in_use: HashSet<&str> = ["c", "d"].into();
        assert_eq!(t.evict_one(&in_use).as_deref(), Some("e"));
        assert_eq!(t.stats.evicted, 3);
        let changes = t.changes();
        t.evict_one(&HashSet::new());
        assert!(t.changes() > changes, "readers see evictions");
    }

    #[test]
    fn the_purge_removes_what_no_thread_used_for_the_timeout() {
        let mut t = Containers::default();
        t.insert(named("used"));
        t.insert(named("idle"));
        let in_use: HashSet<&str> = ["used"].into();
        // Inserted since the last scan: used now.
        assert!(t.purge_unused(100, 10, &in_use).is_empty());
        assert!(t.purge_unused(110, 10, &in_use).is_empty());
        assert_eq!(t.purge_unused(111, 10, &in_use), ["idle"]);
        assert_eq!(t.purge_unused(200, 10, &in_use), Vec::<String>::new());
        assert_eq!(t.purge_unused(211, 10, &HashSet::new()), ["used"]);
        assert_eq!((t.stats.purged, t.stats.evicted), (2, 0));
        assert!(t.is_empty());
    }

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
