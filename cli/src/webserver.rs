//! Falco's web server (`webserver`): `GET <k8s_healthz_endpoint>` (default
//! `/healthz`) answers `{"status": "ok"}` while the run is live,
//! `GET /versions` the `--version` JSON, and `GET /metrics` (with
//! `prometheus_metrics_enabled`) the Prometheus text of the run's metrics.
//! A small HTTP/1.1 server on std's TcpListener: one request per
//! connection, `threadiness` worker threads, plain HTTP (`ssl_enabled` is
//! refused at start with a message).

use crate::config::runtime::WebserverConfig;
use crate::metrics::{prometheus, Shared};
use crate::version::VersionsInfo;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A running web server; stops when dropped.
#[derive(Debug)]
pub struct Webserver {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

/// What the handlers answer from.
#[derive(Debug, Clone)]
struct Routes {
    healthz: String,
    prometheus: bool,
    metrics: Shared,
}

impl Webserver {
    /// Binds `listen_address:listen_port` and starts serving.
    /// `/versions` adds the snapshot's `rules_digest` (the rules running
    /// now: a reload changes it) to the `--version` JSON.
    pub fn start(config: &WebserverConfig, metrics: Shared) -> Result<Webserver, String> {
        if config.ssl_enabled {
            return Err("webserver.ssl_enabled is not supported by falco-rs yet".into());
        }
        let addr = format!("{}:{}", config.listen_address.trim(), config.listen_port);
        let listener = TcpListener::bind(&addr)
            .map_err(|e| format!("webserver: cannot listen on {addr}: {e}"))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| format!("webserver: {e}"))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("webserver: {e}"))?;
        let routes = Routes {
            healthz: config.k8s_healthz_endpoint.clone(),
            prometheus: config.prometheus_metrics_enabled,
            metrics,
        };
        let listener = Arc::new(listener);
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..config.threadiness.max(1))
            .map(|_| {
                let (listener, stop, routes) = (listener.clone(), stop.clone(), routes.clone());
                std::thread::spawn(move || serve(&listener, &stop, &routes))
            })
            .collect();
        Ok(Webserver {
            addr: local,
            stop,
            workers,
        })
    }

    /// Where it listens (the port is the real one when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Webserver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn serve(listener: &TcpListener, stop: &AtomicBool, routes: &Routes) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = handle(stream, routes);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Reads one request and answers it.
fn handle(stream: TcpStream, routes: &Routes) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Headers are read and ignored (up to the blank line).
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, kind, body) = route(method, path, routes);
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    out.flush()
}

fn route(method: &str, path: &str, routes: &Routes) -> (&'static str, &'static str, String) {
    const JSON: &str = "application/json";
    const TEXT: &str = "text/plain; version=0.0.4";
    if method != "GET" {
        return (
            "405 Method Not Allowed",
            TEXT,
            "method not allowed\n".into(),
        );
    }
    if path == routes.healthz {
        return ("200 OK", JSON, "{\"status\": \"ok\"}".into());
    }
    match path {
        "/versions" => {
            let mut v = VersionsInfo::new().json();
            if let Ok(s) = routes.metrics.lock() {
                v["rules_digest"] = s.rules_digest.as_str().into();
            }
            ("200 OK", JSON, v.to_string())
        }
        "/metrics" if routes.prometheus => {
            let text = routes
                .metrics
                .lock()
                .map(|s| prometheus(&s))
                .unwrap_or_default();
            ("200 OK", TEXT, text)
        }
        _ => ("404 Not Found", TEXT, "not found\n".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Snapshot;
    use std::io::Read;
    use std::sync::Mutex;

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    fn config(prometheus: bool) -> WebserverConfig {
        WebserverConfig {
            enabled: true,
            threadiness: 1,
            listen_port: 0,
            listen_address: "127.0.0.1".into(),
            k8s_healthz_endpoint: "/healthz".into(),
            prometheus_metrics_enabled: prometheus,
            ssl_enabled: false,
            ssl_certificate: String::new(),
        }
    }

    #[test]
    fn serves_healthz_versions_and_metrics() {
        let shared: Shared = Arc::new(Mutex::new(Snapshot::default()));
        shared.lock().unwrap().engine.events = 42;
        shared.lock().unwrap().rules_digest = "sha256:00".into();
        let ws = Webserver::start(&config(true), shared.clone()).unwrap();
        let h = get(ws.addr(), "/healthz");
        assert!(h.starts_with("HTTP/1.1 200 OK\r\n"), "{h}");
        assert!(h.ends_with("{\"status\": \"ok\"}"));
        let v = get(ws.addr(), "/versions");
        let body = v.split("\r\n\r\n").nth(1).unwrap();
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["falco_version"], crate::version::FALCO_VERSION);
        assert_eq!(json["rules_digest"], "sha256:00");
        // A reload's new digest is served from then on.
        shared.lock().unwrap().rules_digest = "sha256:01".into();
        let v = get(ws.addr(), "/versions");
        assert!(v.contains("\"rules_digest\":\"sha256:01\""), "{v}");
        let m = get(ws.addr(), "/metrics");
        assert!(m.contains("falcosecurity_scap_n_evts_total 42\n"), "{m}");
        assert!(get(ws.addr(), "/nope").starts_with("HTTP/1.1 404"));
    }

    #[test]
    fn metrics_are_off_unless_prometheus_is_enabled() {
        let shared: Shared = Arc::new(Mutex::new(Snapshot::default()));
        let ws = Webserver::start(&config(false), shared).unwrap();
        assert!(get(ws.addr(), "/metrics").starts_with("HTTP/1.1 404"));
    }

    #[test]
    fn ssl_is_refused_with_a_message() {
        let mut c = config(false);
        c.ssl_enabled = true;
        let shared: Shared = Arc::new(Mutex::new(Snapshot::default()));
        assert!(Webserver::start(&c, shared)
            .unwrap_err()
            .contains("ssl_enabled"));
    }
}
