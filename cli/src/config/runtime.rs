//! Running-state settings: `webserver`, `metrics`, `syscall_event_drops`,
//! `syscall_event_timeouts`, `capture`, `watch_config_files`.

use super::error::ConfigError;
use super::types::Doc;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebserverConfig {
    pub enabled: bool,
    /// 0 in the file means one thread per CPU.
    pub threadiness: u32,
    pub listen_port: u32,
    pub listen_address: String,
    pub k8s_healthz_endpoint: String,
    pub prometheus_metrics_enabled: bool,
    pub ssl_enabled: bool,
    pub ssl_certificate: String,
}

impl WebserverConfig {
    pub fn load(doc: &Doc) -> Result<WebserverConfig, ConfigError> {
        let listen_address = doc.string("webserver.listen_address", "0.0.0.0")?;
        if listen_address.trim().parse::<IpAddr>().is_err() {
            return Err(ConfigError::at(
                &doc.origin("webserver.listen_address"),
                format!("webserver listen address \"{listen_address}\" is not a valid IP address"),
            ));
        }
        let mut threadiness = doc.int("webserver.threadiness", 0u32)?;
        if threadiness == 0 {
            threadiness = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        }
        Ok(WebserverConfig {
            enabled: doc.bool("webserver.enabled", false)?,
            threadiness,
            listen_port: doc.int("webserver.listen_port", 8765u32)?,
            listen_address,
            k8s_healthz_endpoint: doc.string("webserver.k8s_healthz_endpoint", "/healthz")?,
            prometheus_metrics_enabled: doc.bool("webserver.prometheus_metrics_enabled", false)?,
            ssl_enabled: doc.bool("webserver.ssl_enabled", false)?,
            ssl_certificate: doc.string("webserver.ssl_certificate", "/etc/falco/falco.pem")?,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DropAction {
    Ignore,
    Log,
    Alert,
    Exit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyscallEventDrops {
    pub threshold: f64,
    pub actions: Vec<DropAction>,
    pub rate: f64,
    pub max_burst: f64,
    pub simulate_drops: bool,
}

impl SyscallEventDrops {
    pub fn load(doc: &Doc) -> Result<SyscallEventDrops, ConfigError> {
        let mut actions: Vec<DropAction> = Vec::new();
        for (name, origin) in doc.strings("syscall_event_drops.actions")? {
            let action = match name.as_str() {
                "ignore" => DropAction::Ignore,
                "log" => DropAction::Log,
                "alert" => DropAction::Alert,
                "exit" => DropAction::Exit,
                _ => {
                    return Err(ConfigError::at(
                        &origin,
                        "available actions for syscall event drops are \"ignore\", \"log\", \"alert\", and \"exit\"",
                    ))
                }
            };
            if matches!(action, DropAction::Log | DropAction::Alert)
                && actions.contains(&DropAction::Ignore)
            {
                return Err(ConfigError::at(
                    &origin,
                    format!("syscall event drop action \"{name}\" does not make sense with the \"ignore\" action"),
                ));
            }
            if !actions.contains(&action) {
                actions.push(action);
            }
        }
        if actions.is_empty() {
            actions.push(DropAction::Ignore);
        }
        actions.sort();
        let threshold = doc.float("syscall_event_drops.threshold", 0.1)?;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(ConfigError::at(
                &doc.origin("syscall_event_drops.threshold"),
                "syscall event drops threshold must be a double in the range [0, 1]",
            ));
        }
        Ok(SyscallEventDrops {
            threshold,
            actions,
            rate: doc.float("syscall_event_drops.rate", 0.03333)?,
            max_burst: doc.float("syscall_event_drops.max_burst", 1.0)?,
            simulate_drops: doc.bool("syscall_event_drops.simulate_drops", false)?,
        })
    }
}

/// Parses a Prometheus-style duration (`1h30m`, `15s`, `100ms`) into
/// milliseconds; a bare number is milliseconds (Falco's default "5000").
pub fn parse_interval_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let mut total: u64 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let factor: u64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            "y" => 31_536_000_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total = total.checked_add(n.checked_mul(factor)?)?;
    }
    Some(total)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsConfig {
    pub enabled: bool,
    pub interval: String,
    pub interval_ms: u64,
    pub output_rule: bool,
    pub output_file: String,
    pub rules_counters_enabled: bool,
    pub resource_utilization_enabled: bool,
    pub state_counters_enabled: bool,
    pub kernel_event_counters_enabled: bool,
    pub kernel_event_counters_per_cpu_enabled: bool,
    pub libbpf_stats_enabled: bool,
    pub plugins_metrics_enabled: bool,
    pub jemalloc_stats_enabled: bool,
    pub convert_memory_to_mb: bool,
    pub include_empty_values: bool,
}

impl MetricsConfig {
    pub fn load(doc: &Doc) -> Result<MetricsConfig, ConfigError> {
        let interval = doc.string("metrics.interval", "5000")?;
        let interval_ms = parse_interval_ms(&interval).ok_or_else(|| {
            ConfigError::at(
                &doc.origin("metrics.interval"),
                format!("metrics.interval \"{interval}\" is not a duration (for example 1h, 15m, 30s, 100ms)"),
            )
        })?;
        let flag = |key: &str| doc.bool(&format!("metrics.{key}"), true);
        Ok(MetricsConfig {
            enabled: doc.bool("metrics.enabled", false)?,
            interval,
            interval_ms,
            output_rule: doc.bool("metrics.output_rule", false)?,
            output_file: doc.string("metrics.output_file", "")?,
            rules_counters_enabled: flag("rules_counters_enabled")?,
            resource_utilization_enabled: flag("resource_utilization_enabled")?,
            state_counters_enabled: flag("state_counters_enabled")?,
            kernel_event_counters_enabled: flag("kernel_event_counters_enabled")?,
            kernel_event_counters_per_cpu_enabled: flag("kernel_event_counters_per_cpu_enabled")?,
            libbpf_stats_enabled: flag("libbpf_stats_enabled")?,
            plugins_metrics_enabled: flag("plugins_metrics_enabled")?,
            jemalloc_stats_enabled: flag("jemalloc_stats_enabled")?,
            convert_memory_to_mb: doc.bool("metrics.convert_memory_to_mb", true)?,
            include_empty_values: doc.bool("metrics.include_empty_values", false)?,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureMode {
    Rules,
    AllRules,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureConfig {
    pub enabled: bool,
    pub path_prefix: String,
    pub mode: CaptureMode,
    pub default_duration_ns: u64,
    /// `capture.pre_duration` (falco-rs): how far back before its alert a
    /// capture starts (ns); 0 keeps no look-back window.
    pub pre_duration_ns: u64,
    /// `capture.pre_max_mb` (falco-rs): the look-back window's memory cap,
    /// its state snapshots included (bytes).
    pub pre_max_bytes: u64,
    /// `capture.max_size_mb` (falco-rs): each file's cap (bytes); 0: none.
    pub max_size_bytes: u64,
    /// `capture.max_files` (falco-rs): files kept, oldest removed; 0: all.
    pub max_files: u32,
}

impl CaptureConfig {
    pub fn load(doc: &Doc) -> Result<CaptureConfig, ConfigError> {
        let mode = doc.string("capture.mode", "rules")?;
        let mode = match mode.as_str() {
            "rules" => CaptureMode::Rules,
            "all_rules" => CaptureMode::AllRules,
            _ => {
                return Err(ConfigError::at(
                    &doc.origin("capture.mode"),
                    format!("capture.mode '{mode}' is not a valid mode."),
                ))
            }
        };
        Ok(CaptureConfig {
            enabled: doc.bool("capture.enabled", false)?,
            path_prefix: doc.string("capture.path_prefix", "/tmp/falco")?,
            mode,
            default_duration_ns: u64::from(doc.int("capture.default_duration", 5000u32)?)
                * 1_000_000,
            pre_duration_ns: load_duration_ns(doc, "capture.pre_duration")?,
            pre_max_bytes: u64::from(doc.int("capture.pre_max_mb", 64u32)?) << 20,
            max_size_bytes: u64::from(doc.int("capture.max_size_mb", 0u32)?) << 20,
            max_files: doc.int("capture.max_files", 0u32)?,
        })
    }
}

/// A duration in nanoseconds: a bare integer is nanoseconds, anything else
/// a Prometheus-style duration (`5s`, `1m30s`, `500ms`); unset is 0.
fn load_duration_ns(doc: &Doc, path: &str) -> Result<u64, ConfigError> {
    let Some((text, origin)) = doc.scalar(path)? else {
        return Ok(0);
    };
    let text = text.trim();
    let ns = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse::<u64>().ok()
    } else {
        parse_interval_ms(text).and_then(|ms| ms.checked_mul(1_000_000))
    };
    ns.ok_or_else(|| {
        ConfigError::at(
            origin,
            format!("{path} must be nanoseconds or a duration such as 5s or 500ms, found '{text}'"),
        )
    })
}

/// `syscall_event_timeouts.max_consecutives` (must be > 0).
pub fn load_max_consecutive_timeouts(doc: &Doc) -> Result<u32, ConfigError> {
    let n = doc.int("syscall_event_timeouts.max_consecutives", 1000u32)?;
    if n == 0 {
        return Err(ConfigError::at(
            &doc.origin("syscall_event_timeouts.max_consecutives"),
            "the maximum consecutive timeouts without an event must be an unsigned integer > 0",
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval_ms("5000"), Some(5000));
        assert_eq!(parse_interval_ms("1h"), Some(3_600_000));
        assert_eq!(parse_interval_ms("1h30m"), Some(5_400_000));
        assert_eq!(parse_interval_ms("100ms"), Some(100));
        assert_eq!(parse_interval_ms("15x"), None);
        assert_eq!(parse_interval_ms(""), None);
        assert_eq!(parse_interval_ms("h"), None);
    }
}
