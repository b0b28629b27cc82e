//! `http_output`: POSTs every alert to a URL (falcosidekick or any
//! webhook), as Falco's libcurl output does: the body is the alert line
//! (the JSON object with `json_output`, which is what falcosidekick
//! reads), `Content-Type` is `application/json` or `text/plain`, and the
//! `User-Agent` is `user_agent`.
//!
//! - TLS: `insecure` turns certificate checks off; `ca_cert`, else
//!   `ca_bundle` (PEM files), else the PEM files of `ca_path` are the
//!   trusted roots (the built-in web roots when none is usable); `mtls`
//!   presents `client_cert` with `client_key`.
//! - `compress_uploads` asks for compressed responses (what Falco's
//!   `CURLOPT_TRANSFER_ENCODING` does); otherwise responses are identity.
//! - `echo` prints the server's answers on standard output.
//! - Every request has a time limit (`output_timeout`); a request that
//!   times out is retried up to `max_consecutive_timeouts` times.
//! - `keep_alive`: connections are kept and reused between alerts (ureq
//!   pools them); TCP keep-alive probes are not configurable here.
//!
//! A failure (no connection, timeout, an error status) is an error of that
//! alert, counted by the worker; the next alert tries again.

use super::{Output, OutputError, OutputMessage};
use crate::config::HttpOutputConfig;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};

/// Counters of the HTTP output.
#[derive(Debug, Default)]
pub struct HttpCounters {
    pub sent: AtomicU64,
    pub failures: AtomicU64,
    pub timeouts: AtomicU64,
}

pub struct HttpOutput {
    agent: ureq::Agent,
    url: String,
    echo: bool,
    max_consecutive_timeouts: u8,
    counters: Arc<HttpCounters>,
}

impl std::fmt::Debug for HttpOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpOutput")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

fn read(path: &str, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("http output: could not read {what} {path}: {e}"))
}

fn pem_certs(pem: &[u8]) -> Vec<Certificate<'static>> {
    ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
            _ => None,
        })
        .collect()
}

fn root_certs(config: &HttpOutputConfig) -> Result<Option<RootCerts>, String> {
    for (path, what) in [
        (&config.ca_cert, "ca_cert"),
        (&config.ca_bundle, "ca_bundle"),
    ] {
        if !path.is_empty() {
            let certs = pem_certs(&read(path, what)?);
            if certs.is_empty() {
                return Err(format!("http output: no certificate in {what} {path}"));
            }
            return Ok(Some(RootCerts::new_with_certs(&certs)));
        }
    }
    if !config.ca_path.is_empty() {
        if let Ok(dir) = std::fs::read_dir(&config.ca_path) {
            let mut certs = Vec::new();
            for entry in dir.flatten() {
                if entry.path().is_file() {
                    if let Ok(pem) = std::fs::read(entry.path()) {
                        certs.extend(pem_certs(&pem));
                    }
                }
            }
            if !certs.is_empty() {
                return Ok(Some(RootCerts::new_with_certs(&certs)));
            }
        }
    }
    Ok(None)
}

impl HttpOutput {
    pub fn new(config: &HttpOutputConfig, timeout: Duration) -> Result<HttpOutput, String> {
        let url = config
            .url
            .trim_matches(|c| c == '"' || c == '\'')
            .to_owned();
        let mut tls = TlsConfig::builder().disable_verification(config.insecure);
        if url.starts_with("https:") && !config.insecure {
            if let Some(roots) = root_certs(config)? {
                tls = tls.root_certs(roots);
            }
        }
        if config.mtls {
            let certs = pem_certs(&read(&config.client_cert, "client_cert")?);
            let key_pem = read(&config.client_key, "client_key")?;
            let key = PrivateKey::from_pem(&key_pem)
                .map_err(|e| format!("http output: bad client_key {}: {e}", config.client_key))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&certs, key)));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(timeout))
            .user_agent(config.user_agent.as_str())
            .accept_encoding(if config.compress_uploads {
                "gzip"
            } else {
                "identity"
            })
            .tls_config(tls.build())
            .build()
            .into();
        Ok(HttpOutput {
            agent,
            url,
            echo: config.echo,
            max_consecutive_timeouts: config.max_consecutive_timeouts,
            counters: Arc::new(HttpCounters::default()),
        })
    }

    pub fn counters(&self) -> Arc<HttpCounters> {
        self.counters.clone()
    }

    fn post(&self, msg: &OutputMessage) -> Result<(), ureq::Error> {
        let content_type = if msg.json {
            "application/json"
        } else {
            "text/plain"
        };
        let mut response = self
            .agent
            .post(&self.url)
            .header("Content-Type", content_type)
            .send(msg.line.as_bytes())?;
        let status = response.status();
        let mut body = String::new();
        let _ = response.body_mut().as_reader().read_to_string(&mut body);
        if self.echo {
            println!("{body}");
        }
        if !status.is_success() {
            return Err(ureq::Error::StatusCode(status.as_u16()));
        }
        Ok(())
    }
}

impl Output for HttpOutput {
    fn name(&self) -> &'static str {
        "http"
    }

    fn output(&mut self, msg: &OutputMessage) -> Result<(), OutputError> {
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            match self.post(msg) {
                Ok(()) => {
                    self.counters.sent.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                Err(ureq::Error::Timeout(_))
                    if attempts <= u32::from(self.max_consecutive_timeouts) =>
                {
                    self.counters.timeouts.fetch_add(1, Ordering::Relaxed);
                }
                Err(err) => {
                    if matches!(err, ureq::Error::Timeout(_)) {
                        self.counters.timeouts.fetch_add(1, Ordering::Relaxed);
                    }
                    self.counters.failures.fetch_add(1, Ordering::Relaxed);
                    return Err(OutputError::Http {
                        url: self.url.clone(),
                        source: Box::new(err),
                    });
                }
            }
        }
    }
}
