//! Container runtimes: where live container metadata comes from.
//!
//! Each runtime socket that exists gets two threads of its own: one lists
//! the running containers, then follows the runtime's events (create,
//! start, removal) and inspects what they name; the other looks up ids the
//! state met before any event told of them, with bounded retries. What
//! they learn reaches the state as plain records over a channel
//! ([`Feed`]), applied by the inspector between two events: nothing on the
//! event path waits on a socket. A socket that is absent at start is
//! skipped; one that dies mid-run costs a warning and is retried.
//!
//! One file per API: [`docker`] (Docker Engine API), [`podman`] (libpod),
//! `cri` (CRI v1 over gRPC: containerd, CRI-O, k3s). containerd's own API
//! (the plugin's `containerd` engine) is not served: its containers are
//! found through its CRI socket.

pub mod cri;
pub mod docker;
pub mod fuzz;
mod http;
mod inspect;
pub mod podman;

use crate::state::container::SHORT_ID_LEN;
use crate::state::containers::Container;
use std::collections::{HashMap, HashSet};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Why a request to a runtime failed (logged, never fatal).
#[derive(Debug, thiserror::Error)]
pub(crate) enum RuntimeError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{0}")]
    Protocol(String),
    #[error("no such container")]
    NotFound,
}

/// The runtimes Falco's container plugin knows, by its config names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Docker,
    Podman,
    /// containerd's own API (the plugin's `containerd` engine).
    Containerd,
    /// CRI v1 over gRPC: containerd, CRI-O, k3s (the plugin's `cri`).
    Cri,
    /// Runtimes known from the cgroup alone; nothing to connect to.
    Lxc,
    LibvirtLxc,
    Bpm,
}

impl EngineKind {
    /// The name `init_config.engines` uses.
    pub fn config_name(self) -> &'static str {
        match self {
            EngineKind::Docker => "docker",
            EngineKind::Podman => "podman",
            EngineKind::Containerd => "containerd",
            EngineKind::Cri => "cri",
            EngineKind::Lxc => "lxc",
            EngineKind::LibvirtLxc => "libvirt_lxc",
            EngineKind::Bpm => "bpm",
        }
    }

    pub const ALL: [EngineKind; 7] = [
        EngineKind::Docker,
        EngineKind::Podman,
        EngineKind::Containerd,
        EngineKind::Cri,
        EngineKind::Lxc,
        EngineKind::LibvirtLxc,
        EngineKind::Bpm,
    ];

    /// The plugin's default sockets (podman's per-user sockets are added
    /// for each `/run/user/<uid>` found, see [`RuntimesConfig::sockets`]).
    pub fn default_sockets(self) -> &'static [&'static str] {
        match self {
            EngineKind::Docker => &["/var/run/docker.sock"],
            EngineKind::Podman => &["/run/podman/podman.sock"],
            EngineKind::Containerd => &["/run/host-containerd/containerd.sock"],
            EngineKind::Cri => &[
                "/run/containerd/containerd.sock",
                "/run/crio/crio.sock",
                "/run/k3s/containerd/containerd.sock",
                "/run/host-containerd/containerd.sock",
            ],
            EngineKind::Lxc | EngineKind::LibvirtLxc | EngineKind::Bpm => &[],
        }
    }
}

/// One engine of `init_config.engines`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    pub kind: EngineKind,
    pub enabled: bool,
    /// `None`: the defaults.
    pub sockets: Option<Vec<String>>,
}

/// How the clients behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Labels whose value is longer are left out (`label_max_len`).
    pub label_max_len: usize,
    /// Ask for the writable layer's size (`with_size`; slow).
    pub with_size: bool,
    /// Runtime events that trigger an inspection (`hooks`): create, start.
    pub hooks: Vec<String>,
    /// Bound on each request.
    pub timeout: Duration,
    /// Lookups of an unknown id: attempts, and the first pause between
    /// them (doubled each time).
    pub lookup_attempts: u32,
    pub lookup_pause: Duration,
    /// Pause before reconnecting to a socket that failed.
    pub reconnect_pause: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            label_max_len: 100,
            with_size: false,
            hooks: vec!["create".into()],
            timeout: Duration::from_secs(5),
            lookup_attempts: 5,
            lookup_pause: Duration::from_millis(50),
            reconnect_pause: Duration::from_secs(5),
        }
    }
}

/// The container engines to use: the plugin's `init_config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimesConfig {
    pub engines: Vec<EngineConfig>,
    pub options: Options,
    /// Prefix of every socket path (`HOST_ROOT`, in a container).
    pub host_root: Option<PathBuf>,
}

impl Default for RuntimesConfig {
    /// Every engine enabled on its default sockets, as the plugin does.
    fn default() -> Self {
        RuntimesConfig {
            engines: EngineKind::ALL
                .iter()
                .map(|&kind| EngineConfig {
                    kind,
                    enabled: true,
                    sockets: None,
                })
                .collect(),
            options: Options::default(),
            host_root: None,
        }
    }
}

impl RuntimesConfig {
    /// The socket paths of an engine, under `host_root`.
    pub fn sockets(&self, engine: &EngineConfig) -> Vec<PathBuf> {
        let mut paths: Vec<String> = match &engine.sockets {
            Some(s) => s.clone(),
            None => engine
                .kind
                .default_sockets()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        if engine.kind == EngineKind::Podman && engine.sockets.is_none() {
            // Rootless podman: one socket per user session.
            let run_user = self.under_root("/run/user");
            let mut uids: Vec<u32> = std::fs::read_dir(run_user)
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect();
            uids.sort_unstable();
            paths.extend(
                uids.iter()
                    .map(|u| format!("/run/user/{u}/podman/podman.sock")),
            );
        }
        paths.iter().map(|p| self.under_root(p)).collect()
    }

    fn under_root(&self, path: &str) -> PathBuf {
        match &self.host_root {
            Some(root) => root.join(path.trim_start_matches('/')),
            None => PathBuf::from(path),
        }
    }
}

/// Severity of a message from the runtime clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
}

/// Where the clients' messages go (the CLI's logger).
pub type Log = Arc<dyn Fn(Level, &str) + Send + Sync>;

/// What a runtime said of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    Added(Box<Container>),
    /// The short id of a container the runtime removed.
    Removed(String),
}

/// One API's paths and documents.
pub(crate) trait Api: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &'static str;
    fn list_target(&self) -> String;
    fn events_target(&self) -> String;
    fn is_removal(&self, action: &str) -> bool;
    /// The full record of container `id` (a full or short id).
    fn inspect(&self, socket: &Path, id: &str, opts: &Options) -> Result<Container, RuntimeError>;
}

/// Lets the owner stop the workers: wakes their pauses and shuts their
/// event streams down.
#[derive(Debug, Default)]
pub(crate) struct Stopper {
    stopped: Mutex<bool>,
    wake: Condvar,
    /// The event streams open now, by a number of their own.
    streams: Mutex<(u64, HashMap<u64, UnixStream>)>,
}

/// An event stream the stopper can shut down while it is open.
struct OpenStream<'s> {
    stopper: &'s Stopper,
    key: u64,
}

impl Drop for OpenStream<'_> {
    fn drop(&mut self) {
        let mut streams = self.stopper.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams.1.remove(&self.key);
    }
}

impl Stopper {
    pub(crate) fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits `pause` or until stopped; true when stopped.
    fn pause(&self, pause: Duration) -> bool {
        let guard = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = self
            .wake
            .wait_timeout_while(guard, pause, |stopped| !*stopped)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }

    /// Registers an open event stream until the returned guard drops.
    fn open_stream(&self, s: UnixStream) -> OpenStream<'_> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams.0 += 1;
        let key = streams.0;
        streams.1.insert(key, s);
        OpenStream { stopper: self, key }
    }

    fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.wake.notify_all();
        for (_, s) in self.streams.lock().unwrap_or_else(|e| e.into_inner()).1.drain() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// How an endpoint talks to its runtime.
#[derive(Debug, Clone)]
enum Client {
    /// The Docker-shaped HTTP APIs (docker, podman).
    Http(Arc<dyn Api>),
    Cri(cri::Cri),
}

/// One socket of one runtime, as its two workers see it.
#[derive(Clone)]
pub(crate) struct Endpoint {
    client: Client,
    socket: PathBuf,
    pub(crate) opts: Options,
    updates: Sender<Update>,
    pub(crate) stopper: Arc<Stopper>,
    log: Log,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("client", &self.client)
            .field("socket", &self.socket)
            .finish()
    }
}

pub(crate) fn short(id: &str) -> String {
    id.get(..SHORT_ID_LEN).unwrap_or(id).to_string()
}

/// Serves the lookups the state asks for: each id is tried at once, then
/// after pauses that double, up to `lookup_attempts` tries, without
/// holding up the ids asked after it (a pod's sandbox, which no runtime
/// lists, must not delay its containers). Records found are sent.
pub(crate) fn serve_lookups(
    ep: &Endpoint,
    asks: Receiver<String>,
    mut lookup: impl FnMut(&str) -> Result<Container, RuntimeError>,
) {
    struct Pending {
        id: String,
        due: Instant,
        tries: u32,
        pause: Duration,
    }
    let mut pending: Vec<Pending> = Vec::new();
    let mut open = true;
    while !ep.stopper.is_stopped() && (open || !pending.is_empty()) {
        let now = Instant::now();
        let wait = pending
            .iter()
            .map(|p| p.due.saturating_duration_since(now))
            .min()
            .unwrap_or(Duration::from_secs(3600));
        if open {
            match asks.recv_timeout(wait) {
                Ok(id) => pending.push(Pending {
                    id,
                    due: Instant::now(),
                    tries: 0,
                    pause: ep.opts.lookup_pause,
                }),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => open = false,
            }
        } else if ep.stopper.pause(wait) {
            return;
        }
        let now = Instant::now();
        let (due, later): (Vec<Pending>, Vec<Pending>) =
            pending.drain(..).partition(|p| p.due <= now);
        pending = later;
        for mut p in due {
            match lookup(&p.id) {
                Ok(c) => ep.send(Update::Added(Box::new(c))),
                Err(_) if p.tries + 1 < ep.opts.lookup_attempts => {
                    p.tries += 1;
                    p.due = Instant::now() + p.pause;
                    p.pause *= 2;
                    pending.push(p);
                }
                Err(_) => {}
            }
        }
    }
}

impl Endpoint {
    fn label(&self) -> String {
        let name = match &self.client {
            Client::Http(api) => api.name(),
            Client::Cri(_) => "cri",
        };
        format!("container engine {name} ({})", self.socket.display())
    }

    pub(crate) fn send(&self, u: Update) {
        let _ = self.updates.send(u);
    }

    /// Logs a (re)connection and the containers it found.
    pub(crate) fn connected(&self, first: bool, found: usize) {
        let how = if first { "connected" } else { "reconnected" };
        (self.log)(
            Level::Info,
            &format!("{}: {how}, {found} containers known", self.label()),
        );
    }

    /// Lists what runs, then follows the runtime's changes until the
    /// connection ends; `connected` is set once the listing is done.
    fn follow(&self, first: bool, connected: &mut bool) -> Result<(), RuntimeError> {
        match &self.client {
            Client::Http(api) => self.follow_http(api.as_ref(), first, connected),
            Client::Cri(cri) => cri.follow(self, first, connected),
        }
    }

    fn follow_http(
        &self,
        api: &dyn Api,
        first: bool,
        connected: &mut bool,
    ) -> Result<(), RuntimeError> {
        // Subscribe first, then list: nothing created in between is missed.
        let (resp, handle) = http::get(&self.socket, &api.events_target(), None)?;
        if resp.status != 200 {
            return Err(RuntimeError::Protocol(format!(
                "events: HTTP {}",
                resp.status
            )));
        }
        let _open = self.stopper.open_stream(handle);
        if self.stopper.is_stopped() {
            return Ok(());
        }
        let list = http::get_json(&self.socket, &api.list_target(), self.opts.timeout)?;
        let ids: Vec<String> = list
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| Some(c.get("Id")?.as_str()?.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let mut found = 0;
        for id in &ids {
            if let Ok(c) = api.inspect(&self.socket, id, &self.opts) {
                found += 1;
                self.send(Update::Added(Box::new(c)));
            }
        }
        *connected = true;
        self.connected(first, found);
        let events =
            serde_json::Deserializer::from_reader(resp.body).into_iter::<serde_json::Value>();
        for ev in events {
            let ev = ev.map_err(|e| RuntimeError::Protocol(format!("events: {e}")))?;
            let (action, id) = event_action(&ev);
            if id.is_empty() {
                continue;
            }
            if api.is_removal(action) {
                self.send(Update::Removed(short(id)));
            } else if self.opts.hooks.iter().any(|h| h == action) {
                match api.inspect(&self.socket, id, &self.opts) {
                    Ok(c) => self.send(Update::Added(Box::new(c))),
                    Err(RuntimeError::NotFound) => {}
                    Err(e) => (self.log)(
                        Level::Warning,
                        &format!("{}: inspect {}: {e}", self.label(), short(id)),
                    ),
                }
            }
        }
        Ok(())
    }

    /// The event worker: follows the runtime, reconnecting when it fails.
    fn watch(self) {
        let mut first = true;
        let mut reported = false;
        while !self.stopper.is_stopped() {
            let mut connected = false;
            let result = self.follow(first, &mut connected);
            if self.stopper.is_stopped() {
                return;
            }
            first = false;
            // One warning per outage: a connection that worked resets it.
            reported &= !connected;
            if !reported {
                let why = match result {
                    Ok(()) => "the event stream ended".to_string(),
                    Err(e) => e.to_string(),
                };
                (self.log)(
                    Level::Warning,
                    &format!(
                        "{}: {why}; retrying every {} s",
                        self.label(),
                        self.opts.reconnect_pause.as_secs()
                    ),
                );
                reported = true;
            }
            if self.stopper.pause(self.opts.reconnect_pause) {
                return;
            }
        }
    }

    /// The lookup worker: inspects ids the state asks about.
    fn lookups(self, asks: Receiver<String>) {
        match &self.client {
            Client::Http(api) => {
                serve_lookups(&self, asks, |id| api.inspect(&self.socket, id, &self.opts))
            }
            Client::Cri(cri) => cri.lookups(&self, asks),
        }
    }
}

/// The metadata feed the inspector drains between events: records from
/// every runtime worker, and the way to ask for a lookup.
#[derive(Debug)]
pub struct Feed {
    updates: Receiver<Update>,
    asks: Vec<Sender<String>>,
    asked: HashSet<String>,
    stopper: Arc<Stopper>,
    /// Sockets followed (one socket serves one engine: containerd's CRI
    /// socket is also a default of the containerd engine).
    sockets: HashSet<PathBuf>,
    /// What each runtime endpoint is, for the start-up log.
    pub endpoints: Vec<String>,
}

impl Feed {
    /// Starts the workers of every enabled engine whose socket exists.
    pub fn start(config: &RuntimesConfig, log: Log) -> Feed {
        let (tx, updates) = channel();
        let stopper = Arc::new(Stopper::default());
        let mut feed = Feed {
            updates,
            asks: Vec::new(),
            asked: HashSet::new(),
            stopper: stopper.clone(),
            sockets: HashSet::new(),
            endpoints: Vec::new(),
        };
        for engine in config.engines.iter().filter(|e| e.enabled) {
            let client = match engine.kind {
                EngineKind::Docker => Client::Http(Arc::new(docker::Docker)),
                EngineKind::Podman => Client::Http(Arc::new(podman::Podman)),
                EngineKind::Cri => Client::Cri(cri::Cri {
                    socket: PathBuf::new(),
                }),
                EngineKind::Containerd => {
                    let present: Vec<PathBuf> = config
                        .sockets(engine)
                        .into_iter()
                        .filter(|s| s.exists())
                        .collect();
                    if !present.is_empty() {
                        log(
                            Level::Warning,
                            &format!(
                                "container engine containerd (containerd's own API): not supported; {} not used (its CRI is, by the cri engine)",
                                present.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
                            ),
                        );
                    }
                    continue;
                }
                // Known from the cgroup alone.
                EngineKind::Lxc | EngineKind::LibvirtLxc | EngineKind::Bpm => continue,
            };
            for socket in config.sockets(engine) {
                if !socket.exists() || !feed.sockets.insert(socket.clone()) {
                    continue;
                }
                let client = match &client {
                    Client::Cri(_) => Client::Cri(cri::Cri {
                        socket: socket.clone(),
                    }),
                    http => http.clone(),
                };
                let endpoint = Endpoint {
                    client,
                    socket,
                    opts: config.options.clone(),
                    updates: tx.clone(),
                    stopper: stopper.clone(),
                    log: log.clone(),
                };
                feed.endpoints.push(endpoint.label());
                let (ask, asks) = channel();
                feed.asks.push(ask);
                let (watcher, looker) = (endpoint.clone(), endpoint);
                let name = format!("falco-{}", engine.kind.config_name());
                let spawned = std::thread::Builder::new()
                    .name(name.clone())
                    .spawn(move || watcher.watch())
                    .and_then(|_| {
                        std::thread::Builder::new()
                            .name(name)
                            .spawn(move || looker.lookups(asks))
                    });
                if let Err(e) = spawned {
                    log(
                        Level::Warning,
                        &format!(
                            "container engine {}: cannot start its thread: {e}",
                            engine.kind.config_name()
                        ),
                    );
                }
            }
        }
        feed
    }

    /// Whether any runtime is being followed.
    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// The next update, if one is waiting.
    pub fn try_next(&mut self) -> Option<Update> {
        self.updates.try_recv().ok()
    }

    /// Waits up to `within` for the next update.
    pub fn next_within(&mut self, within: Duration) -> Option<Update> {
        self.updates.recv_timeout(within).ok()
    }

    /// Asks every runtime about a container id the state met (once).
    pub fn lookup(&mut self, id: &str) {
        if self.asks.is_empty() || !self.asked.insert(id.to_string()) {
            return;
        }
        for ask in &self.asks {
            let _ = ask.send(id.to_string());
        }
    }

    /// Forgets that an id was asked about (it was removed: a later one
    /// with the same short id is asked about again).
    pub fn forget(&mut self, id: &str) {
        self.asked.remove(id);
    }

    /// Keeps the record of lookups asked only for the ids `keep` accepts
    /// (the others are asked again when met): bounds what lookups of
    /// containers that vanished unreported leave behind.
    pub fn retain_asked(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.asked.retain(|id| keep(id));
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.stopper.stop();
    }
}

/// The action and the container id of one event of the Docker or podman
/// event stream (current `Action`/`Actor.ID` or old `status`/`id`
/// fields; empty when absent).
pub(crate) fn event_action(ev: &serde_json::Value) -> (&str, &str) {
    let action = ev
        .get("Action")
        .or_else(|| ev.get("status"))
        .and_then(|a| a.as_str())
        .unwrap_or_default();
    let id = ev
        .get("Actor")
        .and_then(|a| a.get("ID"))
        .or_else(|| ev.get("id"))
        .and_then(|i| i.as_str())
        .unwrap_or_default();
    (action, id)
}
