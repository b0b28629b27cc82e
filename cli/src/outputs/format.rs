//! How alerts are written, exactly as Falco writes them.
//!
//! Text: `HH:MM:SS.nnnnnnnnn: Priority message` in the local time zone, or
//! `2024-01-02T03:04:05.123456789+0000: Priority message` with
//! `time_format_iso_8601`.
//!
//! JSON: one object with the keys in Falco's order (nlohmann's, which
//! sorts them): `hostname`, `message`, `output`, `output_fields`,
//! `priority`, `rule`, `source`, `tags`, `time`. `time` is UTC
//! (`...123456789Z`); `output_fields` holds the rule's fields plus the
//! time field of the prefix (`evt.time`, or `evt.time.iso8601`, as the
//! event's nanoseconds), sorted by name; `tags` are sorted.

use super::Alert;
use chrono::{DateTime, Local, TimeZone, Utc};
use falco_engine::loader::Priority;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What the `json_*` and time settings ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatOptions {
    pub json_output: bool,
    pub include_output: bool,
    pub include_message: bool,
    pub include_output_fields: bool,
    pub include_tags: bool,
    /// falco-rs's own: the alert's UUID as `uuid` (see [`with_uuid`]).
    pub include_uuid: bool,
    pub time_format_iso_8601: bool,
}

impl Default for FormatOptions {
    /// Falco's defaults.
    fn default() -> FormatOptions {
        FormatOptions {
            json_output: false,
            include_output: true,
            include_message: false,
            include_output_fields: true,
            include_tags: true,
            include_uuid: false,
            time_format_iso_8601: false,
        }
    }
}

impl FormatOptions {
    pub fn from_config(config: &crate::config::OutputsConfig) -> FormatOptions {
        FormatOptions {
            json_output: config.json_output,
            include_output: config.json_include_output_property,
            include_message: config.json_include_message_property,
            include_output_fields: config.json_include_output_fields_property,
            include_tags: config.json_include_tags_property,
            include_uuid: config.json_include_uuid_property,
            time_format_iso_8601: config.time_format_iso_8601,
        }
    }
}

fn datetime<Tz: TimeZone>(time_ns: u64, tz: &Tz) -> DateTime<Tz> {
    let secs = i64::try_from(time_ns / 1_000_000_000).unwrap_or(i64::MAX);
    let nanos = (time_ns % 1_000_000_000) as u32;
    DateTime::from_timestamp(secs, nanos)
        .unwrap_or_default()
        .with_timezone(tz)
}

/// `%evt.time`: `HH:MM:SS.nnnnnnnnn` in the time zone `tz`.
pub fn time_text<Tz: TimeZone>(time_ns: u64, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let t = datetime(time_ns, tz);
    format!("{}.{:09}", t.format("%H:%M:%S"), time_ns % 1_000_000_000)
}

/// `%evt.time.iso8601`: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+hhmm` in `tz`.
pub fn time_iso8601<Tz: TimeZone>(time_ns: u64, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let t = datetime(time_ns, tz);
    format!(
        "{}.{:09}{}",
        t.format("%Y-%m-%dT%H:%M:%S"),
        time_ns % 1_000_000_000,
        t.format("%z")
    )
}

/// The JSON `time`: UTC, `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
pub fn time_json(time_ns: u64) -> String {
    let t = datetime(time_ns, &Utc);
    format!(
        "{}.{:09}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        time_ns % 1_000_000_000
    )
}

/// `line`, a JSON object as [`LineRenderer`] writes it, with `"uuid"`
/// added. It goes last: Falco's keys are in sorted order and `uuid` sorts
/// after all of them. A line that is not an object is left alone.
pub fn with_uuid(line: &str, uuid: &str) -> String {
    let uuid = Value::from(uuid);
    match line.strip_suffix('}') {
        Some("{") => format!("{{\"uuid\":{uuid}}}"),
        Some(body) if body.starts_with('{') => format!("{body},\"uuid\":{uuid}}}"),
        _ => line.to_owned(),
    }
}

/// Renders alerts and internal messages as output lines (text or JSON;
/// `falco_sinsp::format::Formatter` renders the `%field` formats inside
/// them); the time zone is a parameter so that tests are
/// reproducible (the program uses the local one).
#[derive(Debug, Clone)]
pub struct LineRenderer<Tz: TimeZone = Local> {
    pub options: FormatOptions,
    pub tz: Tz,
}

impl LineRenderer<Local> {
    pub fn new(options: FormatOptions) -> LineRenderer<Local> {
        LineRenderer { options, tz: Local }
    }
}

impl<Tz: TimeZone> LineRenderer<Tz>
where
    Tz::Offset: std::fmt::Display,
{
    /// `HH:MM:SS.nnnnnnnnn: Priority` (or the ISO 8601 form).
    pub fn prefix(&self, time_ns: u64, priority: Priority) -> String {
        let time = if self.options.time_format_iso_8601 {
            time_iso8601(time_ns, &self.tz)
        } else {
            time_text(time_ns, &self.tz)
        };
        format!("{time}: {priority}")
    }

    /// The text form: prefix, a space, the message.
    pub fn text(&self, alert: &Alert) -> String {
        format!(
            "{} {}",
            self.prefix(alert.time_ns, alert.priority),
            alert.message
        )
    }

    /// The JSON form.
    pub fn json(&self, alert: &Alert) -> String {
        let mut event = Map::new();
        event.insert("hostname".into(), Value::from(alert.hostname.as_str()));
        if self.options.include_message {
            event.insert("message".into(), Value::from(alert.message.as_str()));
        }
        if self.options.include_output {
            event.insert("output".into(), Value::from(self.text(alert)));
        }
        if self.options.include_output_fields {
            let mut fields: BTreeMap<&str, Value> = BTreeMap::new();
            for (name, value) in &alert.output_fields {
                fields.insert(name, value.clone());
            }
            let time_field = if self.options.time_format_iso_8601 {
                "evt.time.iso8601"
            } else {
                "evt.time"
            };
            fields.insert(time_field, Value::from(alert.time_ns));
            let fields: Map<String, Value> =
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            event.insert("output_fields".into(), Value::Object(fields));
        }
        if let Some(trace) = &alert.explain {
            event.insert("explain".into(), trace.to_json());
        }
        event.insert("priority".into(), Value::from(alert.priority.as_str()));
        event.insert("rule".into(), Value::from(alert.rule.as_str()));
        event.insert("source".into(), Value::from(alert.source.as_str()));
        if self.options.include_tags {
            let mut tags: Vec<&str> = alert.tags.iter().map(String::as_str).collect();
            tags.sort_unstable();
            tags.dedup();
            event.insert("tags".into(), Value::from(tags));
        }
        event.insert("time".into(), Value::from(time_json(alert.time_ns)));
        Value::Object(event).to_string()
    }

    /// The line every output writes for an alert.
    pub fn render(&self, alert: &Alert) -> String {
        if self.options.json_output {
            self.json(alert)
        } else {
            match &alert.explain {
                None => self.text(alert),
                // `--explain`: the trace follows the alert, indented.
                Some(trace) => {
                    let mut line = self.text(alert);
                    for l in trace.render().lines() {
                        line.push_str("\n    ");
                        line.push_str(l);
                    }
                    line
                }
            }
        }
    }

    /// Falco's form for its own messages (source `internal`, for example
    /// "Falco internal: syscall event drop"): text is
    /// `HH:MM:SS.nnnnnnnnn: Priority message (k=v k=v)` with the values as
    /// JSON; JSON has `hostname`, `output`, `output_fields`, `priority`,
    /// `rule`, `source`, `time`.
    pub fn internal(&self, msg: &InternalMessage, hostname: &str) -> String {
        let fields: BTreeMap<&str, &Value> =
            msg.fields.iter().map(|(k, v)| (k.as_str(), v)).collect();
        if self.options.json_output {
            let mut event = Map::new();
            event.insert("hostname".into(), Value::from(hostname));
            event.insert("output".into(), Value::from(msg.message.as_str()));
            event.insert(
                "output_fields".into(),
                Value::Object(
                    fields
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v.clone()))
                        .collect(),
                ),
            );
            event.insert("priority".into(), Value::from(msg.priority.as_str()));
            event.insert("rule".into(), Value::from(msg.rule.as_str()));
            event.insert("source".into(), Value::from(INTERNAL_SOURCE));
            event.insert("time".into(), Value::from(time_json(msg.time_ns)));
            Value::Object(event).to_string()
        } else {
            let pairs: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "{}: {} {} ({})",
                time_text(msg.time_ns, &self.tz),
                msg.priority,
                msg.message,
                pairs.join(" ")
            )
        }
    }
}

/// The source of Falco's own messages.
pub const INTERNAL_SOURCE: &str = "internal";

/// A message of Falco itself that goes to the outputs like an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct InternalMessage {
    pub time_ns: u64,
    pub priority: Priority,
    pub rule: String,
    pub message: String,
    pub fields: Vec<(String, Value)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use serde_json::json;

    /// 2024-01-02T03:04:05.123456789Z
    const T: u64 = 1_704_164_645_123_456_789;

    fn alert() -> Alert {
        Alert {
            rule: "Terminal shell in container".into(),
            priority: Priority::Notice,
            source: "syscall".into(),
            tags: vec!["shell".into(), "container".into(), "T1059".into()],
            time_ns: T,
            hostname: "node-1".into(),
            message: "A shell was spawned (user=root shell=bash)".into(),
            output_fields: vec![
                ("user.name".into(), json!("root")),
                ("proc.name".into(), json!("bash")),
                ("proc.pid".into(), json!(42)),
                ("fd.name".into(), Value::Null),
            ],
            explain: None,
        }
    }

    fn utc(options: FormatOptions) -> LineRenderer<FixedOffset> {
        LineRenderer {
            options,
            tz: FixedOffset::east_opt(0).unwrap(),
        }
    }

    #[test]
    fn text_golden() {
        let f = utc(FormatOptions::default());
        assert_eq!(
            f.render(&alert()),
            "03:04:05.123456789: Notice A shell was spawned (user=root shell=bash)"
        );
        let iso = utc(FormatOptions {
            time_format_iso_8601: true,
            ..FormatOptions::default()
        });
        assert_eq!(
            iso.render(&alert()),
            "2024-01-02T03:04:05.123456789+0000: Notice A shell was spawned (user=root shell=bash)"
        );
        let east = LineRenderer {
            options: FormatOptions {
                time_format_iso_8601: true,
                ..FormatOptions::default()
            },
            tz: FixedOffset::east_opt(2 * 3600).unwrap(),
        };
        assert!(east
            .render(&alert())
            .starts_with("2024-01-02T05:04:05.123456789+0200: Notice"));
        let east_text = LineRenderer {
            options: FormatOptions::default(),
            tz: FixedOffset::east_opt(2 * 3600).unwrap(),
        };
        assert!(east_text
            .render(&alert())
            .starts_with("05:04:05.123456789: Notice"));
    }

    #[test]
    fn every_priority_name() {
        let f = utc(FormatOptions::default());
        let names: Vec<String> = Priority::ALL
            .iter()
            .map(|p| f.prefix(0, *p).split(' ').nth(1).unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "Emergency",
                "Alert",
                "Critical",
                "Error",
                "Warning",
                "Notice",
                "Informational",
                "Debug"
            ]
        );
        assert_eq!(f.prefix(5, Priority::Debug), "00:00:00.000000005: Debug");
    }

    #[test]
    fn json_golden() {
        let f = utc(FormatOptions {
            json_output: true,
            ..FormatOptions::default()
        });
        assert_eq!(
            f.render(&alert()),
            concat!(
                r#"{"hostname":"node-1","output":"03:04:05.123456789: Notice A shell was spawned (user=root shell=bash)","#,
                r#""output_fields":{"evt.time":1704164645123456789,"fd.name":null,"proc.name":"bash","proc.pid":42,"user.name":"root"},"#,
                r#""priority":"Notice","rule":"Terminal shell in container","source":"syscall","#,
                r#""tags":["T1059","container","shell"],"time":"2024-01-02T03:04:05.123456789Z"}"#
            )
        );
    }

    #[test]
    fn the_uuid_goes_last_into_json_objects_only() {
        let u = "0f8c3d2a-1b4e-4c5d-9e6f-7a8b9c0d1e2f";
        let line = utc(FormatOptions {
            json_output: true,
            ..FormatOptions::default()
        })
        .render(&alert());
        let with = with_uuid(&line, u);
        assert_eq!(
            with,
            format!("{},\"uuid\":\"{u}\"}}", &line[..line.len() - 1])
        );
        let v: Value = serde_json::from_str(&with).unwrap();
        assert_eq!(v["uuid"], u);
        assert_eq!(v["rule"], "Terminal shell in container");
        assert_eq!(with_uuid("{}", u), format!("{{\"uuid\":\"{u}\"}}"));
        assert_eq!(
            with_uuid("12:00:00: Notice text", u),
            "12:00:00: Notice text"
        );
        assert_eq!(with_uuid("", u), "");
    }

    #[test]
    fn json_switches() {
        let f = utc(FormatOptions {
            json_output: true,
            include_output: false,
            include_message: true,
            include_output_fields: false,
            include_tags: false,
            include_uuid: false,
            time_format_iso_8601: true,
        });
        assert_eq!(
            f.render(&alert()),
            concat!(
                r#"{"hostname":"node-1","message":"A shell was spawned (user=root shell=bash)","#,
                r#""priority":"Notice","rule":"Terminal shell in container","source":"syscall","#,
                r#""time":"2024-01-02T03:04:05.123456789Z"}"#
            )
        );
        let iso = utc(FormatOptions {
            json_output: true,
            time_format_iso_8601: true,
            ..FormatOptions::default()
        });
        let v: Value = serde_json::from_str(&iso.render(&alert())).unwrap();
        assert_eq!(v["output_fields"]["evt.time.iso8601"], json!(T));
        assert!(v["output"]
            .as_str()
            .unwrap()
            .starts_with("2024-01-02T03:04:05.123456789+0000: Notice"));
        // Empty tags are an empty array, as Falco prints them.
        let mut no_tags = alert();
        no_tags.tags.clear();
        let v: Value = serde_json::from_str(&iso.render(&no_tags)).unwrap();
        assert_eq!(v["tags"], json!([]));
    }

    #[test]
    fn internal_messages() {
        let msg = InternalMessage {
            time_ns: T,
            priority: Priority::Critical,
            rule: "Falco internal: syscall event drop".into(),
            message: "Falco internal: syscall event drop. 7 system calls dropped in last second."
                .into(),
            fields: vec![
                ("n_drops".into(), json!(7)),
                ("ebpf_enabled".into(), json!("1")),
            ],
        };
        let text = utc(FormatOptions::default()).internal(&msg, "h");
        assert_eq!(
            text,
            "03:04:05.123456789: Critical Falco internal: syscall event drop. 7 system calls dropped in last second. (ebpf_enabled=\"1\" n_drops=7)"
        );
        let json = utc(FormatOptions {
            json_output: true,
            ..FormatOptions::default()
        })
        .internal(&msg, "h");
        assert_eq!(
            json,
            concat!(
                r#"{"hostname":"h","output":"Falco internal: syscall event drop. 7 system calls dropped in last second.","#,
                r#""output_fields":{"ebpf_enabled":"1","n_drops":7},"priority":"Critical","#,
                r#""rule":"Falco internal: syscall event drop","source":"internal","time":"2024-01-02T03:04:05.123456789Z"}"#
            )
        );
    }
}
