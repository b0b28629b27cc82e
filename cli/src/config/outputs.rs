//! The output settings: formats (`json_*`, `time_format_iso_8601`),
//! buffering, the queue, and each output channel, with falco-rs's own
//! delivery keys (`retry`, `spool`) of http, program and syslog.

use super::error::ConfigError;
use super::types::Doc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOutputConfig {
    pub filename: String,
    pub keep_alive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramOutputConfig {
    pub program: String,
    pub keep_alive: bool,
    pub delivery: DeliveryConfig,
}

/// `X_output.spool.when_full`: which alerts a full spool gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    DropOldest,
    DropNewest,
}

/// `X_output.spool` (falco-rs's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolSettings {
    pub dir: String,
    pub max_size_mb: u64,
    pub when_full: WhenFull,
}

/// `X_output.retry` and `X_output.spool` (falco-rs's own): off by
/// default, which is Falco's behaviour (a failed alert is lost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// `retry.enabled` (also on with a spool).
    pub retry: bool,
    pub initial_backoff_ms: u64,
    pub max_backoff_ms: u64,
    pub spool: Option<SpoolSettings>,
}

impl Default for DeliveryConfig {
    fn default() -> DeliveryConfig {
        DeliveryConfig {
            retry: false,
            initial_backoff_ms: 100,
            max_backoff_ms: 30_000,
            spool: None,
        }
    }
}

impl DeliveryConfig {
    /// The keys under `output` (`http_output`...).
    fn load(doc: &Doc, output: &str) -> Result<DeliveryConfig, ConfigError> {
        let d = DeliveryConfig::default();
        let key = |k: &str| format!("{output}.{k}");
        let mut config = DeliveryConfig {
            retry: doc.bool(&key("retry.enabled"), d.retry)?,
            initial_backoff_ms: doc.int(&key("retry.initial_backoff_ms"), d.initial_backoff_ms)?,
            max_backoff_ms: doc.int(&key("retry.max_backoff_ms"), d.max_backoff_ms)?,
            spool: None,
        };
        if doc.bool(&key("spool.enabled"), false)? {
            let name = output.trim_end_matches("_output");
            let when = doc.string(&key("spool.when_full"), "drop_oldest")?;
            let when_full = match when.as_str() {
                "drop_oldest" => WhenFull::DropOldest,
                "drop_newest" => WhenFull::DropNewest,
                _ => {
                    return Err(ConfigError::at(
                        &doc.origin(&key("spool.when_full")),
                        format!(
                            "{output}.spool.when_full must be drop_oldest or drop_newest, found '{when}'"
                        ),
                    ))
                }
            };
            let max_size_mb = doc.int(&key("spool.max_size_mb"), 64u64)?;
            if max_size_mb == 0 {
                return Err(ConfigError::at(
                    &doc.origin(&key("spool.max_size_mb")),
                    format!("{output}.spool.max_size_mb must be at least 1"),
                ));
            }
            config.retry = true;
            config.spool = Some(SpoolSettings {
                dir: doc.string(&key("spool.dir"), &format!("/var/lib/falco/spool/{name}"))?,
                max_size_mb,
                when_full,
            });
        }
        Ok(config)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOutputConfig {
    pub url: String,
    pub user_agent: String,
    pub insecure: bool,
    pub ca_cert: String,
    pub ca_bundle: String,
    pub ca_path: String,
    pub mtls: bool,
    pub client_cert: String,
    pub client_key: String,
    pub echo: bool,
    pub compress_uploads: bool,
    pub keep_alive: bool,
    pub max_consecutive_timeouts: u8,
    pub delivery: DeliveryConfig,
}

impl HttpOutputConfig {
    /// Falco's defaults, for `url`.
    pub fn new(url: &str) -> HttpOutputConfig {
        HttpOutputConfig {
            url: url.to_owned(),
            user_agent: "falcosecurity/falco".to_owned(),
            insecure: false,
            ca_cert: String::new(),
            ca_bundle: String::new(),
            ca_path: "/etc/ssl/certs".to_owned(),
            mtls: false,
            client_cert: "/etc/ssl/certs/client.crt".to_owned(),
            client_key: "/etc/ssl/certs/client.key".to_owned(),
            echo: false,
            compress_uploads: false,
            keep_alive: false,
            max_consecutive_timeouts: 5,
            delivery: DeliveryConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputsConfig {
    pub json_output: bool,
    pub json_include_output_property: bool,
    pub json_include_tags_property: bool,
    pub json_include_message_property: bool,
    pub json_include_output_fields_property: bool,
    /// `json_include_uuid_property` (falco-rs's own): each alert's UUID
    /// as `uuid`.
    pub json_include_uuid_property: bool,
    pub time_format_iso_8601: bool,
    pub buffered_outputs: bool,
    /// `outputs_queue.capacity`; 0 is unbounded.
    pub queue_capacity: usize,
    /// `output_timeout` in milliseconds.
    pub output_timeout_ms: u32,
    pub stdout: bool,
    pub syslog: bool,
    /// `syslog_output.retry` / `.spool`.
    pub syslog_delivery: DeliveryConfig,
    pub file: Option<FileOutputConfig>,
    pub program: Option<ProgramOutputConfig>,
    pub http: Option<HttpOutputConfig>,
}

impl Default for OutputsConfig {
    /// Falco's defaults when nothing is configured.
    fn default() -> OutputsConfig {
        OutputsConfig {
            json_output: false,
            json_include_output_property: true,
            json_include_tags_property: true,
            json_include_message_property: false,
            json_include_output_fields_property: true,
            json_include_uuid_property: true,
            time_format_iso_8601: false,
            buffered_outputs: false,
            queue_capacity: 0,
            output_timeout_ms: 2000,
            stdout: false,
            syslog: false,
            syslog_delivery: DeliveryConfig::default(),
            file: None,
            program: None,
            http: None,
        }
    }
}

impl OutputsConfig {
    pub fn load(doc: &Doc) -> Result<OutputsConfig, ConfigError> {
        let d = OutputsConfig::default();
        let mut config = OutputsConfig {
            json_output: doc.bool("json_output", d.json_output)?,
            json_include_output_property: doc.bool(
                "json_include_output_property",
                d.json_include_output_property,
            )?,
            json_include_tags_property: doc
                .bool("json_include_tags_property", d.json_include_tags_property)?,
            json_include_message_property: doc.bool(
                "json_include_message_property",
                d.json_include_message_property,
            )?,
            json_include_output_fields_property: doc.bool(
                "json_include_output_fields_property",
                d.json_include_output_fields_property,
            )?,
            json_include_uuid_property: doc
                .bool("json_include_uuid_property", d.json_include_uuid_property)?,
            time_format_iso_8601: doc.bool("time_format_iso_8601", false)?,
            buffered_outputs: doc.bool("buffered_outputs", false)?,
            queue_capacity: doc.int("outputs_queue.capacity", 0usize)?,
            output_timeout_ms: doc.int("output_timeout", 2000u32)?,
            stdout: doc.bool("stdout_output.enabled", false)?,
            syslog: doc.bool("syslog_output.enabled", false)?,
            syslog_delivery: DeliveryConfig::load(doc, "syslog_output")?,
            file: None,
            program: None,
            http: None,
        };
        if doc.bool("file_output.enabled", false)? {
            let filename = doc.string("file_output.filename", "")?;
            if filename.is_empty() {
                return Err(ConfigError::at(
                    &doc.origin("file_output.enabled"),
                    "file output enabled but no filename in configuration block",
                ));
            }
            config.file = Some(FileOutputConfig {
                filename,
                keep_alive: doc.bool("file_output.keep_alive", false)?,
            });
        }
        if doc.bool("program_output.enabled", false)? {
            let program = doc.string("program_output.program", "")?;
            if program.is_empty() {
                return Err(ConfigError::at(
                    &doc.origin("program_output.enabled"),
                    "program output enabled but no program in configuration block",
                ));
            }
            config.program = Some(ProgramOutputConfig {
                program,
                keep_alive: doc.bool("program_output.keep_alive", false)?,
                delivery: DeliveryConfig::load(doc, "program_output")?,
            });
        }
        if doc.bool("http_output.enabled", false)? {
            let url = doc.string("http_output.url", "")?;
            if url.is_empty() {
                return Err(ConfigError::at(
                    &doc.origin("http_output.enabled"),
                    "http output enabled but no url in configuration block",
                ));
            }
            let d = HttpOutputConfig::new(&url);
            config.http = Some(HttpOutputConfig {
                user_agent: doc.string("http_output.user_agent", &d.user_agent)?,
                insecure: doc.bool("http_output.insecure", d.insecure)?,
                ca_cert: doc.string("http_output.ca_cert", &d.ca_cert)?,
                ca_bundle: doc.string("http_output.ca_bundle", &d.ca_bundle)?,
                ca_path: doc.string("http_output.ca_path", &d.ca_path)?,
                mtls: doc.bool("http_output.mtls", d.mtls)?,
                client_cert: doc.string("http_output.client_cert", &d.client_cert)?,
                client_key: doc.string("http_output.client_key", &d.client_key)?,
                echo: doc.bool("http_output.echo", d.echo)?,
                compress_uploads: doc.bool("http_output.compress_uploads", d.compress_uploads)?,
                keep_alive: doc.bool("http_output.keep_alive", d.keep_alive)?,
                max_consecutive_timeouts: doc.int(
                    "http_output.max_consecutive_timeouts",
                    d.max_consecutive_timeouts,
                )?,
                delivery: DeliveryConfig::load(doc, "http_output")?,
                url,
            });
        }
        Ok(config)
    }
}
