//! `syslog_output`: one message per alert to the local syslog, as glibc's
//! `syslog(3)` sends it for Falco (which calls it without `openlog`):
//! facility `user`, the alert's priority as the level (Falco's priorities
//! are syslog's levels: Emergency is 0, Debug is 7), the time in the local
//! time zone, the program name as the tag, and no line break.
//!
//! The `syslog` crate provides the transport (the `/dev/log` datagram
//! socket, or a stream socket); the line is built here.

use super::{Output, OutputError, OutputMessage};
use chrono::{DateTime, Local, TimeZone};
use falco_engine::loader::Priority;
use std::io::Write;

/// Facility `user` (1), shifted as in the PRI field.
pub const LOG_USER: u8 = 1 << 3;

/// The syslog level of a Falco priority.
pub fn level(priority: Priority) -> u8 {
    match priority {
        Priority::Emergency => 0,
        Priority::Alert => 1,
        Priority::Critical => 2,
        Priority::Error => 3,
        Priority::Warning => 4,
        Priority::Notice => 5,
        Priority::Informational => 6,
        Priority::Debug => 7,
    }
}

/// `<PRI>Mmm dd hh:mm:ss TAG: MESSAGE` (RFC 3164, as glibc writes it).
pub fn format_line<Tz: TimeZone>(level: u8, tag: &str, message: &str, time: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    format!(
        "<{}>{} {tag}: {message}",
        LOG_USER | (level & 7),
        time.format("%b %e %H:%M:%S")
    )
}

type Connection = syslog::Logger<syslog::LoggerBackend, syslog::Formatter3164>;

pub struct SyslogOutput {
    /// A socket path to use instead of the system's (tests).
    path: Option<String>,
    conn: Option<Connection>,
    tag: String,
}

impl std::fmt::Debug for SyslogOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyslogOutput")
            .field("path", &self.path)
            .field("connected", &self.conn.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for SyslogOutput {
    fn default() -> Self {
        SyslogOutput::new()
    }
}

impl SyslogOutput {
    pub fn new() -> SyslogOutput {
        SyslogOutput {
            path: None,
            conn: None,
            tag: "falco".to_owned(),
        }
    }

    /// Sends to the syslog socket at `path`.
    pub fn with_socket(path: &str) -> SyslogOutput {
        SyslogOutput {
            path: Some(path.to_owned()),
            ..SyslogOutput::new()
        }
    }

    fn connect(&mut self) -> Result<&mut Connection, OutputError> {
        if self.conn.is_none() {
            let formatter = syslog::Formatter3164::default();
            let conn = match &self.path {
                Some(path) => syslog::unix_custom(formatter, path),
                None => syslog::unix(formatter),
            }
            .map_err(OutputError::SyslogConnect)?;
            self.conn = Some(conn);
        }
        Ok(self.conn.as_mut().expect("just connected"))
    }

    /// Sends one message at `level` (also used by Falco's own log).
    pub fn send(&mut self, level: u8, message: &str) -> Result<(), OutputError> {
        let line = format_line(level, &self.tag, message, &Local::now());
        let conn = self.connect()?;
        let result = conn
            .backend
            .write_all(line.as_bytes())
            .and_then(|()| conn.backend.flush());
        if let Err(e) = result {
            // Reconnect next time (syslogd restarted).
            self.conn = None;
            return Err(OutputError::io("could not send to syslog")(e));
        }
        Ok(())
    }
}

impl Output for SyslogOutput {
    fn name(&self) -> &'static str {
        "syslog"
    }

    fn output(&mut self, msg: &OutputMessage) -> Result<(), OutputError> {
        self.send(level(msg.priority), &msg.line)
    }

    fn reopen(&mut self) -> Result<(), OutputError> {
        self.conn = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    #[test]
    fn lines_are_rfc3164_with_user_facility() {
        let t = FixedOffset::east_opt(0)
            .unwrap()
            .with_ymd_and_hms(2024, 1, 2, 3, 4, 5)
            .unwrap();
        assert_eq!(
            format_line(
                level(Priority::Warning),
                "falco",
                "03:04:05.000000001: Warning x",
                &t
            ),
            "<12>Jan  2 03:04:05 falco: 03:04:05.000000001: Warning x"
        );
        assert_eq!(
            format_line(level(Priority::Emergency), "falco", "m", &t),
            "<8>Jan  2 03:04:05 falco: m"
        );
        assert_eq!(
            format_line(level(Priority::Debug), "falco", "m", &t),
            "<15>Jan  2 03:04:05 falco: m"
        );
        let t = FixedOffset::east_opt(0)
            .unwrap()
            .with_ymd_and_hms(2024, 11, 12, 13, 4, 5)
            .unwrap();
        assert_eq!(
            format_line(6, "falco", "m", &t),
            "<14>Nov 12 13:04:05 falco: m"
        );
    }
}
