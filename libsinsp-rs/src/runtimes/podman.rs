//! podman's libpod API (`/run/podman/podman.sock`, rootless
//! `/run/user/<uid>/podman/podman.sock`): containers listed, followed
//! through its events, inspected.

use super::inspect::{common, str_at};
use super::{http, Api, Options, RuntimeError};
use crate::state::containers::{split_image, Container};
use serde_json::Value;
use std::path::Path;

#[derive(Debug)]
pub struct Podman;

/// The API version the paths name: podman 4.0 and later serve it.
const API: &str = "/v4.0.0/libpod";

/// A libpod inspect document as a record.
pub(crate) fn to_container(v: &Value, opts: &Options) -> Option<Container> {
    let mut c = common(v, opts)?;
    c.kind = "podman".into();
    c.image = str_at(v, &["ImageName"]).to_string();
    let (repo, tag, _) = split_image(&c.image);
    (c.image_repo, c.image_tag) = (repo, tag);
    c.image_digest = str_at(v, &["ImageDigest"]).to_string();
    c.image_id = str_at(v, &["Image"]).to_string();
    Some(c)
}

impl Api for Podman {
    fn name(&self) -> &'static str {
        "podman"
    }

    fn list_target(&self) -> String {
        format!("{API}/containers/json?all=true")
    }

    fn events_target(&self) -> String {
        // {"type":["container"],"event":["create","start","remove"]}
        format!("{API}/events?stream=true&filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22create%22%2C%22start%22%2C%22remove%22%5D%7D")
    }

    fn is_removal(&self, action: &str) -> bool {
        action == "remove"
    }

    fn inspect(&self, socket: &Path, id: &str, opts: &Options) -> Result<Container, RuntimeError> {
        let size = if opts.with_size { "?size=true" } else { "" };
        let v = http::get_json(
            socket,
            &format!("{API}/containers/{id}/json{size}"),
            opts.timeout,
        )?;
        to_container(&v, opts)
            .ok_or_else(|| RuntimeError::Protocol(format!("container {id}: inspect has no Id")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn libpod_inspect_becomes_a_record() {
        let v = json!({
            "Id": "82c77518c8bafc50491eadeb36605b8332c6995f1bca6a3be4c90aa67808f930",
            "Name": "web-2",
            "ImageName": "localhost/busybox:test",
            "Image": "20a6358018df1344927d10e64e4b21edea829b13d1d298fd7cfddca3b0f5ed11",
            "ImageDigest": "sha256:88aaa730b922",
            "Config": {"Labels": {"io.kubernetes.pod.namespace": "production"}},
            "HostConfig": {"Privileged": false, "PidMode": "private", "NetworkMode": "host", "IpcMode": "host"},
            "NetworkSettings": {"IPAddress": ""},
            "Mounts": []
        });
        let c = to_container(&v, &Options::default()).unwrap();
        assert_eq!(
            (c.id.as_str(), c.name.as_str(), c.kind.as_str()),
            ("82c77518c8ba", "web-2", "podman")
        );
        assert_eq!(
            (
                c.image_repo.as_str(),
                c.image_tag.as_str(),
                c.image_digest.as_str()
            ),
            ("localhost/busybox", "test", "sha256:88aaa730b922")
        );
        assert!(c.image_id.starts_with("20a6358018df"));
        assert!(!c.privileged && !c.host_pid && c.host_network && c.host_ipc);
        assert_eq!(c.labels["io.kubernetes.pod.namespace"], "production");
    }
}
