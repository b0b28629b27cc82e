//! CRI v1 over gRPC (`runtime.v1.RuntimeService`): containerd
//! (`/run/containerd/containerd.sock`), CRI-O (`/run/crio/crio.sock`), k3s
//! (`/run/k3s/containerd/containerd.sock`). The type comes from the
//! runtime's name (`containerd`, `cri-o`, else `cri`); the pod from the
//! container's sandbox. Changes come from `GetContainerEvents`, or, where
//! the runtime lacks it (containerd 1.6), from listing the containers
//! every second. Each worker thread runs a tokio runtime of its own.
//! [`channel`], [`call`] and [`messages`] are public for the CRI test,
//! which plays the kubelet.

pub mod messages;

use super::{serve_lookups, Endpoint, Options, RuntimeError, Update};
use crate::state::containers::{split_image, Container, Mount};
use messages::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tonic::codec::ProstCodec;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;

const SERVICE: &str = "/runtime.v1.RuntimeService/";

impl From<tonic::Status> for RuntimeError {
    fn from(s: tonic::Status) -> RuntimeError {
        match s.code() {
            tonic::Code::NotFound => RuntimeError::NotFound,
            _ => RuntimeError::Protocol(format!("{}: {}", s.code(), s.message())),
        }
    }
}

/// A connection to one CRI socket.
#[derive(Debug, Clone)]
struct Client {
    grpc: tonic::client::Grpc<Channel>,
    /// The container type the runtime's name gives.
    kind: &'static str,
}

fn path(method: &str) -> PathAndQuery {
    PathAndQuery::try_from(format!("{SERVICE}{method}")).expect("a valid gRPC path")
}

/// A gRPC channel to the CRI runtime on `socket` (a unix socket; the
/// endpoint's address is not used), each request bounded by `timeout`.
pub async fn channel(socket: &Path, timeout: Duration) -> Result<Channel, tonic::transport::Error> {
    let socket = socket.to_path_buf();
    tonic::transport::Endpoint::from_static("http://localhost")
        .connect_timeout(timeout)
        .timeout(timeout)
        .connect_with_connector(tower::service_fn(move |_| {
            let socket = socket.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(socket).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
            }
        }))
        .await
}

/// One unary call of `runtime.v1.RuntimeService`.
pub async fn call<Req, Resp>(
    grpc: &mut tonic::client::Grpc<Channel>,
    method: &str,
    req: Req,
) -> Result<Resp, tonic::Status>
where
    Req: prost::Message + Send + Sync + 'static,
    Resp: prost::Message + Default + Send + Sync + 'static,
{
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(format!("{method}: {e}")))?;
    let resp = grpc
        .unary(
            tonic::Request::new(req),
            path(method),
            ProstCodec::default(),
        )
        .await?;
    Ok(resp.into_inner())
}

impl Client {
    async fn connect(socket: &Path, timeout: Duration) -> Result<Client, RuntimeError> {
        let channel = channel(socket, timeout)
            .await
            .map_err(|e| RuntimeError::Protocol(format!("{}: {e}", socket.display())))?;
        let mut client = Client {
            grpc: tonic::client::Grpc::new(channel),
            kind: "cri",
        };
        let version: VersionResponse = client.call("Version", VersionRequest::default()).await?;
        client.kind = match version.runtime_name.as_str() {
            "containerd" => "containerd",
            "cri-o" => "cri-o",
            _ => "cri",
        };
        Ok(client)
    }

    async fn call<Req, Resp>(&mut self, method: &str, req: Req) -> Result<Resp, RuntimeError>
    where
        Req: prost::Message + Send + Sync + 'static,
        Resp: prost::Message + Default + Send + Sync + 'static,
    {
        Ok(call(&mut self.grpc, method, req).await?)
    }

    /// Every container's full id and sandbox id (those whose id starts with
    /// `id`, when given).
    async fn list(&mut self, id: Option<&str>) -> Result<Vec<ListedContainer>, RuntimeError> {
        let filter = id.map(|id| ContainerFilter { id: id.to_string() });
        let resp: ListContainersResponse = self
            .call("ListContainers", ListContainersRequest { filter })
            .await?;
        Ok(resp.containers)
    }

    /// The full record of a listed container.
    async fn record(
        &mut self,
        listed: &ListedContainer,
        opts: &Options,
    ) -> Result<Container, RuntimeError> {
        let status: ContainerStatusResponse = self
            .call(
                "ContainerStatus",
                ContainerStatusRequest {
                    container_id: listed.id.clone(),
                    verbose: true,
                },
            )
            .await?;
        let sandbox: Option<PodSandboxStatusResponse> = self
            .call(
                "PodSandboxStatus",
                PodSandboxStatusRequest {
                    pod_sandbox_id: listed.pod_sandbox_id.clone(),
                    verbose: false,
                },
            )
            .await
            .ok();
        let ctr = status
            .status
            .ok_or_else(|| RuntimeError::Protocol(format!("container {}: no status", listed.id)))?;
        let sandbox = sandbox.and_then(|s| s.status);
        Ok(to_container(
            self.kind,
            &ctr,
            &status.info,
            sandbox.as_ref(),
            opts,
        ))
    }

    /// The record of container `id` (full or short). Not every runtime
    /// takes a short id in the filter (containerd 1.6 does not): then the
    /// whole list is searched.
    async fn lookup(&mut self, id: &str, opts: &Options) -> Result<Container, RuntimeError> {
        let mut listed = self.list(Some(id)).await?;
        if listed.is_empty() {
            listed = self.list(None).await?;
            listed.retain(|c| c.id.starts_with(id));
        }
        let first = listed.first().ok_or(RuntimeError::NotFound)?;
        self.record(first, opts).await
    }
}

/// What the verbose `info` JSON of a container says that the status does
/// not: privileged, environment, image and runtime annotations.
fn verbose_info(info: &HashMap<String, String>) -> serde_json::Value {
    info.get("info")
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or(serde_json::Value::Null)
}

fn privileged(info: &serde_json::Value) -> bool {
    [
        &info["runtimeSpec"]["linux"]["security_context"]["privileged"],
        &info["config"]["linux"]["security_context"]["privileged"],
        &info["privileged"],
    ]
    .iter()
    .find_map(|v| v.as_bool())
    .unwrap_or(false)
}

fn annotation<'a>(info: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    info["runtimeSpec"]["annotations"][key].as_str()
}

/// A CRI container status, with its verbose info and its pod sandbox, as
/// a record (the plugin's mapping).
pub(crate) fn to_container(
    kind: &str,
    ctr: &ContainerStatus,
    info: &HashMap<String, String>,
    sandbox: Option<&PodSandboxStatus>,
    opts: &Options,
) -> Container {
    let info = verbose_info(info);
    let short = |m: &HashMap<String, String>| {
        m.iter()
            .filter(|(_, v)| v.len() <= opts.label_max_len)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let mut labels = short(&ctr.labels);
    let sandbox_id = sandbox.map_or(ctr.id.clone(), |s| s.id.clone());
    labels.insert("io.kubernetes.sandbox.id".into(), sandbox_id.clone());
    if let Some(meta) = sandbox.and_then(|s| s.metadata.as_ref()) {
        labels.insert("io.kubernetes.pod.uid".into(), meta.uid.clone());
        labels.insert("io.kubernetes.pod.name".into(), meta.name.clone());
        labels.insert("io.kubernetes.pod.namespace".into(), meta.namespace.clone());
    }
    // The image: a digest reference names the repository; a sha256 name
    // says nothing, the runtime's annotations do.
    let mut image = ctr
        .image
        .as_ref()
        .map(|i| i.image.clone())
        .unwrap_or_default();
    let mut digest = String::new();
    let mut tag_from_image = false;
    match ctr.image_ref.find("sha256:") {
        Some(0) => digest = ctr.image_ref.clone(),
        Some(at) if ctr.image_ref.as_bytes()[at - 1] == b'@' => {
            image = ctr.image_ref[..at - 1].to_string();
            digest = ctr.image_ref[at..].to_string();
            tag_from_image = true;
        }
        _ => {}
    }
    if image.is_empty() || image.starts_with("sha256") {
        let named = [
            "io.kubernetes.cri.image-name",
            "io.kubernetes.cri-o.Image",
            "io.kubernetes.cri-o.ImageName",
        ]
        .iter()
        .find_map(|k| annotation(&info, k));
        if let Some(name) = named {
            image = name.to_string();
            tag_from_image = false;
        }
    }
    let (repo, mut tag, _) = split_image(&image);
    if tag_from_image {
        let (_, given_tag, _) = split_image(
            &ctr.image
                .as_ref()
                .map(|i| i.image.clone())
                .unwrap_or_default(),
        );
        if !given_tag.is_empty() {
            tag = given_tag;
            image = format!("{image}:{tag}");
        }
    }
    let (_, mut image_id, _) = split_image(
        info["config"]["image"]["image"]
            .as_str()
            .unwrap_or_default(),
    );
    if image_id.is_empty() {
        image_id = ctr.image_id.clone();
    }
    let res = ctr.resources.as_ref().and_then(|r| r.linux.as_ref());
    let defaults = Container::default();
    let ns = sandbox
        .and_then(|s| s.linux.as_ref())
        .and_then(|l| l.namespaces.as_ref())
        .and_then(|n| n.options.as_ref());
    let node = |mode: Option<i32>| mode == Some(NAMESPACE_MODE_NODE);
    Container {
        id: ctr
            .id
            .get(..crate::state::container::SHORT_ID_LEN)
            .unwrap_or(&ctr.id)
            .to_string(),
        full_id: ctr.id.clone(),
        name: ctr
            .metadata
            .as_ref()
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        image,
        image_id,
        image_repo: repo,
        image_tag: tag,
        image_digest: digest,
        kind: kind.to_string(),
        privileged: privileged(&info),
        mounts: ctr
            .mounts
            .iter()
            .map(|m| Mount {
                source: m.host_path.clone(),
                dest: m.container_path.clone(),
                mode: String::new(),
                rw: !m.readonly,
                propagation: match m.propagation {
                    0 => "private",
                    1 => "rslave",
                    2 => "rshared",
                    _ => "unknown",
                }
                .into(),
            })
            .collect(),
        labels,
        ip: sandbox
            .and_then(|s| s.network.as_ref())
            .map(|n| n.ip.clone())
            .unwrap_or_default(),
        // The plugin asks for the sandbox's status without its verbose
        // info, which is where a CNI result would be: empty, as there.
        cni_json: String::new(),
        host_pid: node(ns.map(|n| n.pid)),
        host_network: node(ns.map(|n| n.network)),
        host_ipc: node(ns.map(|n| n.ipc)),
        is_pod_sandbox: false,
        pod_sandbox_id: sandbox_id,
        pod_sandbox_labels: sandbox.map(|s| short(&s.labels)).unwrap_or_default(),
        user: ctr
            .user
            .as_ref()
            .and_then(|u| u.linux.as_ref())
            .map_or(0, |l| l.uid)
            .to_string(),
        env: info["config"]["envs"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        format!(
                            "{}={}",
                            e["key"].as_str().unwrap_or(""),
                            e["value"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        created_time: ctr.created_at / 1_000_000_000,
        cpu_period: res
            .map(|r| r.cpu_period)
            .filter(|p| *p > 0)
            .unwrap_or(defaults.cpu_period),
        cpu_quota: res.map_or(0, |r| r.cpu_quota),
        cpu_shares: res
            .map(|r| r.cpu_shares)
            .filter(|s| *s > 0)
            .unwrap_or(defaults.cpu_shares),
        cpuset_cpu_count: res.map_or(0, |r| super::inspect::cpuset_count(&r.cpuset_cpus)),
        memory_limit: res.map_or(0, |r| r.memory_limit_in_bytes),
        swap_limit: res.map_or(0, |r| r.memory_swap_limit_in_bytes),
        size_rw: -1,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, RuntimeError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| RuntimeError::Io("tokio runtime".into(), e))
}

/// One CRI socket, as its two workers see it.
#[derive(Debug, Clone)]
pub(crate) struct Cri {
    pub socket: PathBuf,
}

impl Cri {
    /// Lists the containers, then follows the runtime's container events
    /// (or lists again every second where it has none), until the
    /// connection fails or the feed stops.
    pub(crate) fn follow(
        &self,
        ep: &Endpoint,
        first: bool,
        connected: &mut bool,
    ) -> Result<(), RuntimeError> {
        runtime()?.block_on(async {
            let opts = &ep.opts;
            let mut client = Client::connect(&self.socket, opts.timeout).await?;
            let mut known = HashSet::new();
            let mut found = 0;
            for listed in client.list(None).await? {
                known.insert(listed.id.clone());
                if let Ok(c) = client.record(&listed, opts).await {
                    found += 1;
                    ep.send(Update::Added(Box::new(c)));
                }
            }
            *connected = true;
            ep.connected(first, found);
            client
                .grpc
                .ready()
                .await
                .map_err(|e| RuntimeError::Protocol(format!("GetContainerEvents: {e}")))?;
            let stream = client
                .grpc
                .server_streaming(
                    tonic::Request::new(GetEventsRequest {}),
                    path("GetContainerEvents"),
                    ProstCodec::default(),
                )
                .await;
            match stream {
                Ok(resp) => self.follow_events(ep, &mut client, resp.into_inner()).await,
                Err(s) if s.code() == tonic::Code::Unimplemented => {
                    self.poll(ep, &mut client, known).await
                }
                Err(s) => Err(s.into()),
            }
        })
    }

    async fn follow_events(
        &self,
        ep: &Endpoint,
        client: &mut Client,
        mut events: tonic::Streaming<ContainerEventResponse>,
    ) -> Result<(), RuntimeError> {
        loop {
            if ep.stopper.is_stopped() {
                return Ok(());
            }
            // Wake every second to see whether the feed stopped.
            let Ok(next) = tokio::time::timeout(Duration::from_secs(1), events.message()).await
            else {
                continue;
            };
            let Some(ev) = next? else { return Ok(()) };
            let hook = match ev.container_event_type {
                EVENT_CREATED => "create",
                EVENT_STARTED => "start",
                EVENT_DELETED => {
                    ep.send(Update::Removed(super::short(&ev.container_id)));
                    continue;
                }
                _ => continue,
            };
            if ep.opts.hooks.iter().any(|h| h == hook) {
                if let Ok(c) = client.lookup(&ev.container_id, &ep.opts).await {
                    ep.send(Update::Added(Box::new(c)));
                }
            }
        }
    }

    /// Lists the containers every second: new ones are looked up, gone
    /// ones removed.
    async fn poll(
        &self,
        ep: &Endpoint,
        client: &mut Client,
        mut known: HashSet<String>,
    ) -> Result<(), RuntimeError> {
        loop {
            if ep.stopper.is_stopped() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = client.list(None).await?;
            let ids: HashSet<String> = now.iter().map(|c| c.id.clone()).collect();
            for gone in known.difference(&ids) {
                ep.send(Update::Removed(super::short(gone)));
            }
            for listed in now.iter().filter(|c| !known.contains(&c.id)) {
                if let Ok(c) = client.record(listed, &ep.opts).await {
                    ep.send(Update::Added(Box::new(c)));
                }
            }
            known = ids;
        }
    }

    /// Serves the lookups the state asks for, on one connection made
    /// again after a failure.
    pub(crate) fn lookups(&self, ep: &Endpoint, asks: std::sync::mpsc::Receiver<String>) {
        let Ok(rt) = runtime() else { return };
        let mut client: Option<Client> = None;
        serve_lookups(ep, asks, |id| {
            rt.block_on(async {
                if client.is_none() {
                    client = Some(Client::connect(&self.socket, ep.opts.timeout).await?);
                }
                let c = client.as_mut().expect("connected above");
                let result = c.lookup(id, &ep.opts).await;
                if matches!(result, Err(RuntimeError::Protocol(_))) {
                    // Reconnect on the next attempt.
                    client = None;
                }
                result
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status() -> ContainerStatus {
        ContainerStatus {
            id: "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e".into(),
            metadata: Some(ContainerMetadata { name: "web".into() }),
            created_at: 1_730_971_086_123_456_789,
            image: Some(ImageSpec {
                image: "docker.io/library/nginx:1.25".into(),
            }),
            image_ref: "docker.io/library/nginx@sha256:d977".into(),
            labels: [(
                "io.kubernetes.container.name".to_string(),
                "web".to_string(),
            )]
            .into(),
            mounts: vec![messages::Mount {
                container_path: "/data".into(),
                host_path: "/srv/data".into(),
                readonly: true,
                propagation: 1,
            }],
            resources: Some(ContainerResources {
                linux: Some(LinuxContainerResources {
                    cpu_period: 0,
                    cpu_quota: 50_000,
                    cpu_shares: 2,
                    memory_limit_in_bytes: 1 << 20,
                    cpuset_cpus: "0-1".into(),
                    memory_swap_limit_in_bytes: 0,
                }),
            }),
            image_id: "sha256:6f7e".into(),
            user: Some(ContainerUser {
                linux: Some(LinuxContainerUser { uid: 1000 }),
            }),
        }
    }

    #[test]
    fn a_cri_status_and_its_sandbox_become_a_record() {
        let info: HashMap<String, String> = [(
            "info".to_string(),
            r#"{"config":{"envs":[{"key":"A","value":"1"}]},"runtimeSpec":{"linux":{"security_context":{"privileged":true}}}}"#
                .to_string(),
        )]
        .into();
        let sandbox = PodSandboxStatus {
            id: "63060edc2d3aa803ab559f2393776b151f99fc5b05035b21db66b3b62246ad6a".into(),
            metadata: Some(PodSandboxMetadata {
                name: "web-7d9".into(),
                uid: "3e41dc6b".into(),
                namespace: "production".into(),
            }),
            network: Some(PodSandboxNetworkStatus {
                ip: "10.0.0.7".into(),
            }),
            linux: Some(LinuxPodSandboxStatus {
                namespaces: Some(Namespace {
                    options: Some(NamespaceOption {
                        network: NAMESPACE_MODE_NODE,
                        pid: 0,
                        ipc: NAMESPACE_MODE_NODE,
                    }),
                }),
            }),
            labels: [("app".to_string(), "web".to_string())].into(),
        };
        let c = to_container(
            "containerd",
            &status(),
            &info,
            Some(&sandbox),
            &Options::default(),
        );
        assert_eq!(
            (c.id.as_str(), c.name.as_str(), c.kind.as_str()),
            ("3ad7b26ded6d", "web", "containerd")
        );
        assert_eq!(
            (
                c.image.as_str(),
                c.image_repo.as_str(),
                c.image_tag.as_str(),
                c.image_digest.as_str()
            ),
            (
                "docker.io/library/nginx:1.25",
                "docker.io/library/nginx",
                "1.25",
                "sha256:d977"
            )
        );
        assert_eq!(c.image_id, "sha256:6f7e");
        assert!(c.privileged && c.host_network && c.host_ipc && !c.host_pid);
        assert_eq!(c.labels["io.kubernetes.pod.name"], "web-7d9");
        assert_eq!(c.labels["io.kubernetes.pod.namespace"], "production");
        assert_eq!(c.labels["io.kubernetes.sandbox.id"], sandbox.id);
        assert_eq!(
            (c.pod_sandbox_id.as_str(), c.ip.as_str()),
            (sandbox.id.as_str(), "10.0.0.7")
        );
        assert_eq!(c.pod_sandbox_labels["app"], "web");
        assert_eq!(c.mounts[0].render(), "/srv/data:/data::false:rslave");
        assert_eq!(
            (c.cpu_period, c.cpu_quota, c.cpu_shares, c.cpuset_cpu_count),
            (100_000, 50_000, 2, 2)
        );
        assert_eq!((c.user.as_str(), c.created_time), ("1000", 1_730_971_086));
        assert_eq!(c.env, ["A=1"]);
        // No sandbox: the container is its own.
        let alone = to_container("cri", &status(), &HashMap::new(), None, &Options::default());
        assert_eq!(alone.pod_sandbox_id, status().id);
        assert!(!alone.privileged);
    }
}
