//! The alerts `falco tune` works on, whatever they came from: Falco's
//! `json_output` lines (events.json) or a replay through the engine
//! ([`super::replay`]). Both become [`Alert`]s: a rule, the event number
//! when known, where it came from, and field values as text.

use anyhow::{anyhow, bail, Context as _, Result};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::io::BufRead;

/// One alert: its rule, `evt.num` when known, where it was read (for
/// messages) and the values of its fields that have one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub rule: String,
    pub evt_num: Option<u64>,
    /// `FILE:LINE` for an events.json line, `event N` for a replay.
    pub origin: String,
    /// Fields with a value; a missing (`null`, `<NA>`) field is absent.
    pub fields: BTreeMap<String, String>,
}

impl Alert {
    /// How messages name the alert: `RULE:EVT_NUM` (what `--keep`
    /// takes), or where it was read when it has no event number.
    pub fn label(&self) -> String {
        match self.evt_num {
            Some(n) => format!("{}:{n}", self.rule),
            None => format!("{} ({})", self.rule, self.origin),
        }
    }
}

/// An `output_fields` value as text, or `None` when Falco had none: JSON
/// `null`, or the `<NA>` text outputs print for a missing value.
pub fn field_text(value: &Json) -> Option<String> {
    let text = match value {
        Json::Null => return None,
        Json::String(s) => s.clone(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    (!text.is_empty() && text != "<NA>").then_some(text)
}

/// Reads one events.json line (`origin` is its `FILE:LINE`). Only `rule`
/// is required; an alert without `output_fields` has no fields to group on.
pub fn parse_line(line: &str, origin: &str) -> Result<Alert> {
    let value: Json =
        serde_json::from_str(line).map_err(|e| anyhow!("{origin}: not a JSON alert ({e})"))?;
    let Some(object) = value.as_object() else {
        bail!("{origin}: not a JSON alert (a JSON object was expected)");
    };
    let Some(rule) = object.get("rule").and_then(Json::as_str) else {
        bail!("{origin}: not a Falco alert (no \"rule\" string; was Falco run with json_output: true?)");
    };
    let mut fields = BTreeMap::new();
    match object.get("output_fields") {
        None | Some(Json::Null) => {}
        Some(Json::Object(map)) => {
            for (name, value) in map {
                if let Some(text) = field_text(value) {
                    fields.insert(name.clone(), text);
                }
            }
        }
        Some(_) => bail!("{origin}: \"output_fields\" is not a JSON object"),
    }
    let evt_num = fields.get("evt.num").and_then(|n| n.parse().ok());
    Ok(Alert {
        rule: rule.to_owned(),
        evt_num,
        origin: origin.to_owned(),
        fields,
    })
}

/// Reads events.json lines from `path` (`-`: standard input). Blank lines
/// are skipped; any other line must be an alert.
pub fn read_events_json(path: &str) -> Result<Vec<Alert>> {
    let reader: Box<dyn BufRead> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?;
        Box::new(std::io::BufReader::new(file))
    };
    read_lines(reader, if path == "-" { "<stdin>" } else { path })
}

/// [`read_events_json`] of an open reader named `name` in messages.
pub fn read_lines(reader: impl BufRead, name: &str) -> Result<Vec<Alert>> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let origin = format!("{name}:{}", i + 1);
        let line = line.with_context(|| format!("{origin}: cannot read"))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(parse_line(&line, &origin)?);
    }
    Ok(out)
}

/// An alert the user wants kept: `--keep RULE:EVT_NUM`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Keep {
    pub rule: String,
    pub evt_num: u64,
}

/// Reads `RULE:EVT_NUM`; the number is after the last colon, as rule
/// names may have colons of their own.
pub fn parse_keep(text: &str) -> Result<Keep> {
    let bad = || {
        anyhow!(
            "--keep {text:?}: expected RULE:EVT_NUM (e.g. \"Terminal shell in container:1234\")"
        )
    };
    let (rule, num) = text.rsplit_once(':').ok_or_else(bad)?;
    let evt_num = num.trim().parse().map_err(|_| bad())?;
    if rule.trim().is_empty() {
        return Err(bad());
    }
    Ok(Keep {
        rule: rule.trim().to_owned(),
        evt_num,
    })
}
