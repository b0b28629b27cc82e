//! Container metadata: what the container events of a capture (or, live,
//! a runtime) say about each container id.

use std::collections::{BTreeMap, HashMap};

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
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mount {
    pub source: String,
    pub dest: String,
    pub mode: String,
    pub rw: bool,
    pub propagation: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    pub id: String,
    pub name: String,
    pub image: String,
    pub image_repo: String,
    pub image_tag: String,
    pub image_digest: String,
    pub kind: String,
    pub privileged: Option<bool>,
    pub mounts: Vec<Mount>,
    pub labels: BTreeMap<String, String>,
}

/// Containers by (short) id.
#[derive(Debug, Clone, Default)]
pub struct Containers {
    by_id: HashMap<String, Container>,
}

fn s(v: &serde_json::Value, k: &str) -> String {
    v.get(k)
        .and_then(|x| x.as_str())
        .unwrap_or_default()
        .to_string()
}

/// Splits `repo[:tag][@digest]`; a `:` inside the registry host is not a tag.
fn split_image(image: &str) -> (String, String, String) {
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

impl Containers {
    pub fn get(&self, id: &str) -> Option<&Container> {
        self.by_id.get(id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn insert(&mut self, c: Container) {
        self.by_id.insert(c.id.clone(), c);
    }

    /// Reads the JSON of a container event: `{"container": {...}}` (current)
    /// or the flat `{"id":..,"type":..,"name":..,"image":..}` that old
    /// container events convert to. `None` when it is not such a document.
    pub fn parse_json(json: &[u8]) -> Option<Container> {
        let v: serde_json::Value = serde_json::from_slice(json).ok()?;
        let c = v.get("container").unwrap_or(&v);
        let id = s(c, "id");
        if id.is_empty() {
            return None;
        }
        let image = s(c, "image");
        let (mut repo, mut tag, mut digest) = split_image(&image);
        if !s(c, "imagerepo").is_empty() {
            repo = s(c, "imagerepo");
        }
        if !s(c, "imagetag").is_empty() {
            tag = s(c, "imagetag");
        }
        if !s(c, "imagedigest").is_empty() {
            digest = s(c, "imagedigest");
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
                        rw: m.get("RW").and_then(|x| x.as_bool()).unwrap_or(false),
                        propagation: s(m, "Propagation"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let labels = c
            .get("labels")
            .and_then(|l| l.as_object())
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Some(Container {
            id,
            name: s(c, "name"),
            image,
            image_repo: repo,
            image_tag: tag,
            image_digest: digest,
            kind,
            privileged: c.get("privileged").and_then(|p| p.as_bool()),
            mounts,
            labels,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_current_and_flat_container_json() {
        let j = br#"{"container":{"Mounts":[{"Source":"/var/run/docker.sock","Destination":"/var/run/docker.sock","Mode":"","RW":true,"Propagation":"rprivate"}],"id":"9dbcbd0c435f","image":"nginx:latest","imagerepo":"nginx","imagetag":"latest","labels":{"io.kubernetes.pod.name":"web-1"},"name":"epic_cray","privileged":true,"type":0}}"#;
        let c = Containers::parse_json(j).unwrap();
        assert_eq!(
            (
                c.id.as_str(),
                c.name.as_str(),
                c.image_repo.as_str(),
                c.image_tag.as_str()
            ),
            ("9dbcbd0c435f", "epic_cray", "nginx", "latest")
        );
        assert_eq!((c.kind.as_str(), c.privileged), ("docker", Some(true)));
        assert_eq!(c.mounts[0].dest, "/var/run/docker.sock");
        assert!(c.mounts[0].rw);
        assert_eq!(c.labels["io.kubernetes.pod.name"], "web-1");
        let flat = Containers::parse_json(
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
        assert_eq!((flat.kind.as_str(), flat.privileged), ("cri", None));
        assert!(Containers::parse_json(b"not json").is_none());
        assert!(Containers::parse_json(br#"{"container":{}}"#).is_none());
    }
}
