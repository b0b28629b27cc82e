//! Building an [`Alert`] from a rule match: the rule's output format (with
//! its `append_output` text) rendered for the event, and `output_fields`
//! holding every field of that format, the `append_output` extra fields
//! and the `static_fields`, with the JSON types Falco gives them.

use super::Alert;
use crate::config::append_output::{appended_for, ExtraField};
use crate::config::AppendOutput;
use anyhow::{Context as _, Result};
use falco_engine::compiler::{CompiledRule, CompiledRuleset};
use falco_sinsp::format::Formatter;
use falco_sinsp::{Ctx, SyscallFields, Value};
use serde_json::Value as Json;

/// How one rule's alerts are rendered: its output format (with the
/// `append_output` text) and the extra `output_fields`.
#[derive(Debug)]
pub struct AlertFormat {
    output: Formatter,
    extra: Vec<(String, Extra)>,
}

#[derive(Debug)]
enum Extra {
    /// One field, keeping its JSON type.
    Raw(Formatter),
    /// An output format rendered as a string.
    Formatted(Formatter),
}

/// What every alert of a run carries besides the rule's own fields.
#[derive(Debug, Clone, Copy)]
pub struct RunFields<'a> {
    pub hostname: &'a str,
    /// `static_fields`, in configuration order.
    pub static_fields: &'a [(String, String)],
}

/// A field's values as Falco puts them in `output_fields`: numbers and
/// booleans keep their type, a missing value is `null`, several values are
/// joined with commas.
pub fn json_of(vals: &[Value<'_>]) -> Json {
    match vals {
        [] => Json::Null,
        [Value::Int(v)] => Json::from(*v),
        [Value::UInt(v)] => Json::from(*v),
        [Value::Bool(v)] => Json::from(*v),
        [Value::Double(v)] => serde_json::Number::from_f64(*v)
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(v.to_string())),
        [v] => Json::String(v.to_string()),
        many => Json::String(
            many.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(","),
        ),
    }
}

impl AlertFormat {
    /// The alert format of every rule of `set`, in the order of
    /// `set.rules` (a match's rule index picks its format).
    pub fn for_rules(
        append_output: &[AppendOutput],
        set: &CompiledRuleset<SyscallFields>,
    ) -> Result<Vec<AlertFormat>> {
        set.rules
            .iter()
            .map(|rule| AlertFormat::new(append_output, &set.source, rule))
            .collect()
    }

    fn new(
        append_output: &[AppendOutput],
        fields: &SyscallFields,
        rule: &CompiledRule<SyscallFields>,
    ) -> Result<AlertFormat> {
        let tags: Vec<String> = rule.tags.iter().cloned().collect();
        let appended = appended_for(append_output, &rule.name, &tags, &rule.source);
        let text = format!("{}{}", rule.output.trim_end(), appended.text);
        let output = Formatter::new(fields, &text)
            .with_context(|| format!("Invalid output format of rule '{}'", rule.name))?;
        let extra = appended
            .fields
            .iter()
            .map(|f| {
                let (name, extra) = match f {
                    ExtraField::Raw(name) => (
                        name.clone(),
                        Extra::Raw(Formatter::new(fields, &format!("%{name}"))?),
                    ),
                    ExtraField::Formatted { name, format } => (
                        name.clone(),
                        Extra::Formatted(Formatter::new(fields, format)?),
                    ),
                };
                Ok((name, extra))
            })
            .collect::<Result<Vec<_>, falco_sinsp::FieldError>>()
            .with_context(|| format!("Invalid append_output fields for rule '{}'", rule.name))?;
        Ok(AlertFormat { output, extra })
    }

    /// The alert for a match of `rule` on the event of `c`.
    pub fn alert(
        &self,
        rule: &CompiledRule<SyscallFields>,
        fields: &SyscallFields,
        c: &Ctx<'_>,
        run: RunFields<'_>,
    ) -> Alert {
        let mut output_fields = Vec::new();
        self.output.for_each_field(fields, c, |name, vals| {
            output_fields.push((name.to_string(), json_of(vals)));
        });
        for (name, extra) in &self.extra {
            let value = match extra {
                Extra::Raw(f) => {
                    let mut v = Json::Null;
                    f.for_each_field(fields, c, |_, vals| v = json_of(vals));
                    v
                }
                Extra::Formatted(f) => Json::String(f.format(fields, c)),
            };
            output_fields.push((name.clone(), value));
        }
        for (name, value) in run.static_fields {
            output_fields.push((name.clone(), Json::String(value.clone())));
        }
        Alert {
            rule: rule.name.clone(),
            priority: rule.priority,
            source: rule.source.clone(),
            tags: rule.tags.iter().cloned().collect(),
            time_ns: c.ev.ts,
            hostname: run.hostname.to_owned(),
            message: self.output.format(fields, c),
            output_fields,
            explain: None,
        }
    }
}

#[cfg(test)]
#[path = "alert_tests.rs"]
mod tests;
