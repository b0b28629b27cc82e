//! What the kubelet asks of a CRI runtime to run a pod, as a small
//! blocking client: the live CRI test plays the kubelet with it, on
//! falco-sinsp's CRI channel and messages. The kubelet's own messages
//! carry CRI v1's field numbers; only what the test sets.

use falco_sinsp::runtimes::cri::messages::{
    ContainerMetadata, ImageSpec, NamespaceOption, PodSandboxMetadata,
};
use falco_sinsp::runtimes::cri::{call, channel};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

#[derive(Clone, PartialEq, prost::Message)]
pub struct LinuxSandboxSecurityContext {
    #[prost(message, optional, tag = "1")]
    pub namespace_options: Option<NamespaceOption>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LinuxPodSandboxConfig {
    #[prost(string, tag = "1")]
    pub cgroup_parent: String,
    #[prost(message, optional, tag = "2")]
    pub security_context: Option<LinuxSandboxSecurityContext>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxConfig {
    #[prost(message, optional, tag = "1")]
    pub metadata: Option<PodSandboxMetadata>,
    #[prost(string, tag = "2")]
    pub hostname: String,
    #[prost(string, tag = "3")]
    pub log_directory: String,
    #[prost(map = "string, string", tag = "6")]
    pub labels: HashMap<String, String>,
    #[prost(message, optional, tag = "8")]
    pub linux: Option<LinuxPodSandboxConfig>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RunPodSandboxRequest {
    #[prost(message, optional, tag = "1")]
    pub config: Option<PodSandboxConfig>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RunPodSandboxResponse {
    #[prost(string, tag = "1")]
    pub pod_sandbox_id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ContainerConfig {
    #[prost(message, optional, tag = "1")]
    pub metadata: Option<ContainerMetadata>,
    #[prost(message, optional, tag = "2")]
    pub image: Option<ImageSpec>,
    #[prost(string, repeated, tag = "3")]
    pub command: Vec<String>,
    #[prost(map = "string, string", tag = "9")]
    pub labels: HashMap<String, String>,
    #[prost(string, tag = "11")]
    pub log_path: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct CreateContainerRequest {
    #[prost(string, tag = "1")]
    pub pod_sandbox_id: String,
    #[prost(message, optional, tag = "2")]
    pub config: Option<ContainerConfig>,
    #[prost(message, optional, tag = "3")]
    pub sandbox_config: Option<PodSandboxConfig>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct CreateContainerResponse {
    #[prost(string, tag = "1")]
    pub container_id: String,
}

/// StartContainer's request; the pod sandbox requests have the same shape.
#[derive(Clone, PartialEq, prost::Message)]
pub struct IdRequest {
    #[prost(string, tag = "1")]
    pub id: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Empty {}

/// A blocking CRI client on one socket.
pub struct Kubelet {
    rt: tokio::runtime::Runtime,
    grpc: tonic::client::Grpc<tonic::transport::Channel>,
}

impl Kubelet {
    pub fn connect(socket: &Path) -> Kubelet {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let channel = rt
            .block_on(channel(socket, Duration::from_secs(30)))
            .expect("CRI socket connects");
        Kubelet {
            rt,
            grpc: tonic::client::Grpc::new(channel),
        }
    }

    fn try_call<Req, Resp>(&mut self, method: &str, req: Req) -> Result<Resp, String>
    where
        Req: prost::Message + Send + Sync + 'static,
        Resp: prost::Message + Default + Send + Sync + 'static,
    {
        self.rt
            .block_on(call(&mut self.grpc, method, req))
            .map_err(|e| e.to_string())
    }

    fn call<Req, Resp>(&mut self, method: &str, req: Req) -> Resp
    where
        Req: prost::Message + Send + Sync + 'static,
        Resp: prost::Message + Default + Send + Sync + 'static,
    {
        self.try_call(method, req)
            .unwrap_or_else(|e| panic!("CRI {method}: {e}"))
    }

    /// Runs a pod on the host's network; returns its sandbox id and config.
    pub fn run_pod(
        &mut self,
        name: &str,
        namespace: &str,
        uid: &str,
        logs: &Path,
    ) -> (String, PodSandboxConfig) {
        let config = PodSandboxConfig {
            metadata: Some(PodSandboxMetadata {
                name: name.into(),
                uid: uid.into(),
                namespace: namespace.into(),
            }),
            // A pod on the host's network keeps the host's name.
            hostname: String::new(),
            log_directory: logs.display().to_string(),
            labels: [("app".to_string(), name.to_string())].into(),
            linux: Some(LinuxPodSandboxConfig {
                cgroup_parent: format!("/kubepods/besteffort/pod{uid}"),
                security_context: Some(LinuxSandboxSecurityContext {
                    // NODE: the host's network, so no CNI is needed.
                    namespace_options: Some(NamespaceOption {
                        network: 2,
                        ..Default::default()
                    }),
                }),
            }),
        };
        let resp: RunPodSandboxResponse = self.call(
            "RunPodSandbox",
            RunPodSandboxRequest {
                config: Some(config.clone()),
            },
        );
        (resp.pod_sandbox_id, config)
    }

    /// Creates and starts a container in a pod; returns its id.
    pub fn start(
        &mut self,
        pod: &(String, PodSandboxConfig),
        name: &str,
        image: &str,
        command: &[&str],
    ) -> String {
        let created: CreateContainerResponse = self.call(
            "CreateContainer",
            CreateContainerRequest {
                pod_sandbox_id: pod.0.clone(),
                config: Some(ContainerConfig {
                    metadata: Some(ContainerMetadata { name: name.into() }),
                    image: Some(ImageSpec {
                        image: image.into(),
                    }),
                    command: command.iter().map(|s| s.to_string()).collect(),
                    labels: HashMap::new(),
                    log_path: format!("{name}.log"),
                }),
                sandbox_config: Some(pod.1.clone()),
            },
        );
        let _: Empty = self.call(
            "StartContainer",
            IdRequest {
                id: created.container_id.clone(),
            },
        );
        created.container_id
    }

    /// Stops and removes a pod and its containers (errors ignored: this
    /// runs on the way out).
    pub fn remove_pod(&mut self, sandbox_id: &str) {
        let _: Result<Empty, _> = self.try_call(
            "StopPodSandbox",
            IdRequest {
                id: sandbox_id.into(),
            },
        );
        let _: Result<Empty, _> = self.try_call(
            "RemovePodSandbox",
            IdRequest {
                id: sandbox_id.into(),
            },
        );
    }
}

/// A pod that is removed when dropped, test failure or not: its
/// containers would outlive the test's containerd otherwise.
pub struct RunningPod {
    pub kubelet: Kubelet,
    pub pod: (String, PodSandboxConfig),
}

impl Drop for RunningPod {
    fn drop(&mut self) {
        let id = self.pod.0.clone();
        self.kubelet.remove_pod(&id);
    }
}
