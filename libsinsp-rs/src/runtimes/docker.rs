//! The Docker Engine API (`/var/run/docker.sock`): containers listed,
//! followed through `/events`, inspected with their image.

use super::inspect::{common, str_at};
use super::{http, Api, Options, RuntimeError};
use crate::state::containers::{split_image, Container};
use serde_json::Value;
use std::path::Path;

#[derive(Debug)]
pub struct Docker;

/// The repository and digest an image's `RepoDigests` give, and the tag its
/// `RepoTags` give for that repository (the plugin's choice among several).
fn image_names(img: &Value) -> (String, String, String) {
    let list = |k: &str| -> Vec<String> {
        img.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| Some(s.as_str()?.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (mut repo, mut digest, mut tag) = (String::new(), String::new(), String::new());
    let mut digests = Vec::new();
    for rd in list("RepoDigests") {
        let Some((r, d)) = rd.split_once('@') else {
            continue;
        };
        if repo.is_empty() {
            repo = r.to_string();
        }
        digests.push(d.to_string());
        if rd.contains(repo.as_str()) {
            digest = d.to_string();
            break;
        }
    }
    if digest.is_empty() && digests.len() == 1 {
        digest = digests.remove(0);
    }
    for rt in list("RepoTags") {
        let (r, t, _) = split_image(&rt);
        if r.is_empty() || t.is_empty() {
            continue;
        }
        if repo.is_empty() {
            repo = r;
        }
        if rt.contains(repo.as_str()) {
            tag = t;
            break;
        }
    }
    (repo, tag, digest)
}

/// A Docker inspect document (with its image's, when it could be read) as
/// a record.
pub(crate) fn to_container(v: &Value, img: Option<&Value>, opts: &Options) -> Option<Container> {
    let mut c = common(v, opts)?;
    c.kind = "docker".into();
    c.image = str_at(v, &["Config", "Image"]).to_string();
    if let Some(img) = img {
        (c.image_repo, c.image_tag, c.image_digest) = image_names(img);
        c.image_id = str_at(img, &["Id"])
            .trim_start_matches("sha256:")
            .to_string();
    }
    Some(c)
}

impl Api for Docker {
    fn name(&self) -> &'static str {
        "docker"
    }

    fn list_target(&self) -> String {
        "/containers/json?all=true".into()
    }

    fn events_target(&self) -> String {
        // {"type":["container"],"event":["create","start","destroy"]}
        "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22create%22%2C%22start%22%2C%22destroy%22%5D%7D".into()
    }

    fn is_removal(&self, action: &str) -> bool {
        action == "destroy"
    }

    fn inspect(&self, socket: &Path, id: &str, opts: &Options) -> Result<Container, RuntimeError> {
        let size = if opts.with_size { "?size=true" } else { "" };
        let v = http::get_json(
            socket,
            &format!("/containers/{id}/json{size}"),
            opts.timeout,
        )?;
        let img = match str_at(&v, &["Image"]) {
            "" => None,
            image => http::get_json(socket, &format!("/images/{image}/json"), opts.timeout).ok(),
        };
        let mut c = to_container(&v, img.as_ref(), opts)
            .ok_or_else(|| RuntimeError::Protocol(format!("container {id}: inspect has no Id")))?;
        // A container on another's network stack has that one's address.
        if let Some(other) = str_at(&v, &["HostConfig", "NetworkMode"]).strip_prefix("container:") {
            if c.ip.is_empty() {
                if let Ok(o) =
                    http::get_json(socket, &format!("/containers/{other}/json"), opts.timeout)
                {
                    c.ip = str_at(&o, &["NetworkSettings", "IPAddress"]).to_string();
                }
            }
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn docker_inspect_becomes_a_record() {
        let v = json!({
            "Id": "82c77518c8bafc50491eadeb36605b8332c6995f1bca6a3be4c90aa67808f930",
            "Name": "/web-2",
            "Created": "2026-12-06T02:07:31.85501185Z",
            "Image": "sha256:20a6",
            "Config": {"Image": "localhost/busybox:test", "User": "nobody", "Env": ["A=1"],
                       "Labels": {"io.kubernetes.pod.name": "web-2", "long": "x".repeat(101)}},
            "HostConfig": {"Privileged": true, "PidMode": "host", "NetworkMode": "default",
                           "IpcMode": "private", "CpusetCpus": "0-1", "Memory": 1024},
            "NetworkSettings": {"IPAddress": "172.17.0.2"},
            "Mounts": [{"Source": "/etc", "Destination": "/host/etc", "Mode": "ro", "RW": false,
                        "Propagation": "rprivate"}]
        });
        let img = json!({
            "Id": "sha256:20a6358018df",
            "RepoTags": ["localhost/busybox:test"],
            "RepoDigests": ["localhost/busybox@sha256:88aa"]
        });
        let c = to_container(&v, Some(&img), &Options::default()).unwrap();
        assert_eq!(
            (c.id.as_str(), c.name.as_str(), c.kind.as_str()),
            ("82c77518c8ba", "web-2", "docker")
        );
        assert_eq!(
            (
                c.image.as_str(),
                c.image_repo.as_str(),
                c.image_tag.as_str(),
                c.image_digest.as_str()
            ),
            (
                "localhost/busybox:test",
                "localhost/busybox",
                "test",
                "sha256:88aa"
            )
        );
        assert_eq!(c.image_id, "20a6358018df");
        assert!(c.privileged && c.host_pid && !c.host_network && !c.host_ipc);
        assert_eq!(
            (c.ip.as_str(), c.cpuset_cpu_count, c.memory_limit),
            ("172.17.0.2", 2, 1024)
        );
        assert_eq!((c.cpu_period, c.cpu_shares, c.size_rw), (100_000, 1024, -1));
        assert_eq!(c.created_time, 1_796_522_851);
        assert_eq!(c.labels.len(), 1, "values over label_max_len are left out");
        assert_eq!(c.mounts[0].render(), "/etc:/host/etc:ro:false:rprivate");
        assert!(to_container(&json!({"Id": "short"}), None, &Options::default()).is_none());
    }
}
