//! Falco's own log (not alerts): lifecycle messages, warnings and errors,
//! to standard error and/or syslog depending on `log_stderr`, `log_syslog`
//! and `log_level`.
//!
//! Standard error lines look like Falco's: `Tue Jan  2 03:04:05 2024: msg`
//! (local time, ctime style), or `2024-01-02T03:04:05+0000: msg` with
//! `time_format_iso_8601`. Until the configuration is loaded, messages go
//! to standard error only.

pub use crate::config::LogLevel;
use crate::outputs::syslog::SyslogOutput;
use chrono::Local;
use std::io::Write;
use std::sync::{Mutex, RwLock};

#[derive(Debug, Clone, Copy)]
struct Settings {
    stderr: bool,
    syslog: bool,
    level: LogLevel,
    iso8601: bool,
}

static SETTINGS: RwLock<Settings> = RwLock::new(Settings {
    stderr: true,
    syslog: false,
    level: LogLevel::Info,
    iso8601: false,
});

static SYSLOG: Mutex<Option<SyslogOutput>> = Mutex::new(None);

/// Applies the logging part of the configuration.
pub fn configure(config: &crate::config::LoggingConfig, iso8601: bool) {
    if let Ok(mut s) = SETTINGS.write() {
        *s = Settings {
            stderr: config.log_stderr,
            syslog: config.log_syslog,
            level: config.log_level,
            iso8601,
        };
    }
}

fn syslog_level(level: LogLevel) -> u8 {
    level as u8
}

/// The standard error line for `msg` (one line break at the end).
pub fn stderr_line(msg: &str, iso8601: bool) -> String {
    let now = Local::now();
    let time = if iso8601 {
        now.format("%Y-%m-%dT%H:%M:%S%z").to_string()
    } else {
        now.format("%a %b %e %H:%M:%S %Y").to_string()
    };
    format!("{time}: {}\n", msg.trim_end_matches('\n'))
}

/// Logs `msg` at `level`.
pub fn log(level: LogLevel, msg: &str) {
    let Ok(settings) = SETTINGS.read().map(|s| *s) else {
        return;
    };
    if level > settings.level {
        return;
    }
    if settings.stderr {
        let _ = std::io::stderr().write_all(stderr_line(msg, settings.iso8601).as_bytes());
    }
    if settings.syslog {
        to_syslog(level, msg);
    }
}

fn to_syslog(level: LogLevel, msg: &str) {
    if let Ok(mut sink) = SYSLOG.lock() {
        let sink = sink.get_or_insert_with(SyslogOutput::new);
        let _ = sink.send(syslog_level(level), msg.trim_end_matches('\n'));
    }
}

/// The error that ends falco, for syslog (with `log_syslog`): `main`
/// prints it on standard error itself, and under systemd, whose units
/// send standard output and error to null as Falco's do, syslog is how it
/// reaches `journalctl -u falco`.
pub fn fatal_to_syslog(msg: &str) {
    if SETTINGS.read().is_ok_and(|s| s.syslog) {
        to_syslog(LogLevel::Error, msg);
    }
}

pub fn info(msg: &str) {
    log(LogLevel::Info, msg);
}

pub fn warning(msg: &str) {
    log(LogLevel::Warning, msg);
}

pub fn debug(msg: &str) {
    log(LogLevel::Debug, msg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_lines_have_falcos_time_prefix() {
        let line = stderr_line("Loading rules\n", false);
        // "Tue Jan  2 03:04:05 2024: Loading rules\n"
        let (time, rest) = line.split_once(": ").unwrap();
        assert_eq!(rest, "Loading rules\n");
        assert_eq!(time.len(), 24, "{time:?}");
        let line = stderr_line("x", true);
        let (time, rest) = line.split_once(": ").unwrap();
        assert_eq!(rest, "x\n");
        assert_eq!(time.len(), 24, "{time:?}");
        assert!(time.chars().nth(10) == Some('T'));
    }
}
