//! Falco's own log: `log_stderr`, `log_syslog`, `log_level`, `libs_logger`.

use super::error::ConfigError;
use super::types::Doc;

/// Log levels, most severe first (syslog's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Info,
    Debug,
}

impl LogLevel {
    /// Falco's `log_level` names.
    pub fn parse(text: &str) -> Option<LogLevel> {
        Some(match text {
            "emergency" => LogLevel::Emergency,
            "alert" => LogLevel::Alert,
            "critical" => LogLevel::Critical,
            "error" => LogLevel::Error,
            "warning" => LogLevel::Warning,
            "notice" => LogLevel::Notice,
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingConfig {
    pub log_stderr: bool,
    pub log_syslog: bool,
    pub log_level: LogLevel,
    pub libs_logger_enabled: bool,
    pub libs_logger_severity: String,
}

impl Default for LoggingConfig {
    /// Falco's defaults when nothing is configured.
    fn default() -> LoggingConfig {
        LoggingConfig {
            log_stderr: false,
            log_syslog: true,
            log_level: LogLevel::Info,
            libs_logger_enabled: true,
            libs_logger_severity: "info".to_owned(),
        }
    }
}

impl LoggingConfig {
    pub fn load(doc: &Doc) -> Result<LoggingConfig, ConfigError> {
        let level = doc.string("log_level", "info")?;
        let log_level = LogLevel::parse(&level).ok_or_else(|| {
            ConfigError::at(
                &doc.origin("log_level"),
                format!("Unknown log level \"{level}\"--must be one of emergency, alert, critical, error, warning, notice, info, debug"),
            )
        })?;
        let severity = doc.string("libs_logger.severity", "info")?;
        const SEVERITIES: [&str; 8] = [
            "fatal", "critical", "error", "warning", "notice", "info", "debug", "trace",
        ];
        if !SEVERITIES.contains(&severity.as_str()) {
            return Err(ConfigError::at(
                &doc.origin("libs_logger.severity"),
                format!(
                    "Unknown libs_logger severity \"{severity}\"--must be one of {}",
                    SEVERITIES.join(", ")
                ),
            ));
        }
        Ok(LoggingConfig {
            log_stderr: doc.bool("log_stderr", false)?,
            log_syslog: doc.bool("log_syslog", true)?,
            log_level,
            libs_logger_enabled: doc.bool("libs_logger.enabled", true)?,
            libs_logger_severity: severity,
        })
    }
}
