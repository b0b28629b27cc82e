//! `-L` and `-l RULE`: describing the loaded rules.
//!
//! Text is Falco's two-column table (`%-50s %s`, descriptions wrapped at
//! 110 columns with a 51-column indent, a blank line after each rule).
//! JSON (with `json_output`, or `--format json`) follows Falco's
//! `describe_rule` document: `required_engine_version`,
//! `required_plugin_versions`, then `rules`, `macros` and `lists`, each
//! entry an `info` object (what the file says) and a `details` object
//! (what was derived): the event types a condition can match (`events`,
//! from the compiler's event-type analysis), the exceptions' names and
//! operators, the fields and operators of the conditions.

use crate::listing::SYSCALL_SOURCE;
use falco_engine::compiler::evttypes;
use falco_engine::condition::ast::{Expr, ExprKind, FieldExpr, Value as AstValue};
use falco_engine::loader::{Macro, Rule, Ruleset};
use falco_engine::{parse_condition, print_condition};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Falco's `wrap_text(in, indent, line_len)`: words separated by spaces,
/// a new line (indented by `indent` spaces) before a word that would pass
/// `line_len - indent`; every word is followed by a space.
pub fn wrap_text(text: &str, indent: usize, line_len: usize) -> String {
    let mut out = String::new();
    let mut len = 0usize;
    for word in text.split_whitespace() {
        if len + word.len() < line_len.saturating_sub(indent) {
            len += word.len() + 1;
        } else {
            out.push('\n');
            out.push_str(&" ".repeat(indent.max(1)));
            len = word.len() + 1;
        }
        out.push_str(word);
        out.push(' ');
    }
    out
}

fn two_columns(out: &mut String, left: &str, right: &str) {
    out.push_str(&format!("{left:<50} {right}\n"));
}

/// The text form of `-L`/`-l`.
pub fn rules_text<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> String {
    let mut out = String::new();
    two_columns(&mut out, "Rule", "Description");
    two_columns(&mut out, "----", "-----------");
    for rule in rules {
        let desc = wrap_text(&rule.description, 51, 110) + "\n";
        two_columns(&mut out, &rule.name, &desc);
    }
    out
}

/// Names, fields and operators found in a condition.
#[derive(Debug, Default)]
struct ConditionDetails {
    macros: BTreeSet<String>,
    lists: BTreeSet<String>,
    operators: BTreeSet<String>,
    fields: BTreeSet<String>,
}

fn field_text(field: &FieldExpr) -> String {
    let base = field.base_field();
    match &base.arg {
        Some(arg) => format!("{}[{}]", base.name, arg.value),
        None => base.name.clone(),
    }
}

fn walk(expr: &Expr, ruleset: &Ruleset, out: &mut ConditionDetails) {
    match &expr.kind {
        ExprKind::And(children) | ExprKind::Or(children) => {
            children.iter().for_each(|c| walk(c, ruleset, out))
        }
        ExprKind::Not(child) => walk(child, ruleset, out),
        ExprKind::MacroRef(name) => {
            out.macros.insert(name.clone());
        }
        ExprKind::Unary { lhs, op } => {
            out.fields.insert(field_text(lhs));
            out.operators.insert(op.as_str().to_owned());
        }
        ExprKind::Compare { lhs, op, rhs } => {
            out.fields.insert(field_text(lhs));
            out.operators.insert(op.as_str().to_owned());
            match rhs {
                AstValue::ListRef { name, .. } => {
                    out.lists.insert(name.clone());
                }
                AstValue::List { items, .. } => {
                    for item in items {
                        let text = String::from_utf8_lossy(&item.bytes);
                        if ruleset.list(&text).is_some() {
                            out.lists.insert(text.into_owned());
                        }
                    }
                }
                AstValue::Field(field) => {
                    out.fields.insert(field_text(field));
                }
                AstValue::Str(_) => {}
            }
        }
    }
}

/// Details of a condition as written (macros and lists it names) and as
/// compiled (operators and fields).
fn details(
    written: &str,
    compiled: &Expr,
    ruleset: &Ruleset,
) -> (ConditionDetails, ConditionDetails) {
    let mut as_written = ConditionDetails::default();
    if let Ok(expr) = parse_condition(written) {
        walk(&expr, ruleset, &mut as_written);
    }
    as_written
        .macros
        .retain(|m| ruleset.macro_named(m).is_some());
    let mut as_compiled = ConditionDetails::default();
    walk(compiled, ruleset, &mut as_compiled);
    (as_written, as_compiled)
}

/// The `%field` names of an output format, in order, without duplicates.
pub fn output_fields(format: &str) -> Vec<String> {
    let body = format.strip_prefix('*').unwrap_or(format);
    let bytes = body.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        let start = j;
        while j < bytes.len()
            && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'_' | b'.'))
        {
            j += 1;
        }
        let mut name = body[start..j].to_owned();
        if j < bytes.len() && bytes[j] == b'(' {
            // A transformer: take the field inside.
            let close = body[j..].find(')').map_or(bytes.len(), |c| j + c);
            name = body[j + 1..close].trim_start_matches('%').to_owned();
            j = (close + 1).min(bytes.len());
        } else if j < bytes.len() && bytes[j] == b'[' {
            if let Some(close) = body[j..].find(']') {
                name.push_str(&body[j..=j + close]);
                j += close + 1;
            }
        }
        if name.contains('.') && !out.contains(&name) {
            out.push(name);
        }
        i = j.max(i + 1);
    }
    out
}

/// Falco's `get_json_evt_types`: for the syscall source (and macros, which
/// have none), the events the condition can match plus `asyncevent`; for
/// another source, the plugin and async events.
fn event_names(source: &str, condition: &Expr) -> Vec<&'static str> {
    if source.is_empty() || source == SYSCALL_SOURCE {
        evttypes::describe_names(condition)
    } else {
        vec!["asyncevent", "pluginevent"]
    }
}

fn rule_json(rule: &Rule, ruleset: &Ruleset) -> Value {
    let (written, compiled) = details(&rule.condition_text, &rule.condition, ruleset);
    let tags: Vec<&String> = rule.tags.iter().collect();
    json!({
        "info": {
            "name": rule.name,
            "condition": rule.condition_text,
            "priority": rule.priority.as_str(),
            "output": rule.output,
            "description": rule.description,
            "enabled": rule.enabled,
            "source": rule.source,
            "tags": tags,
        },
        "details": {
            "macros": written.macros,
            "lists": written.lists,
            "condition_operators": compiled.operators,
            "condition_fields": compiled.fields,
            "output_fields": output_fields(&rule.output),
            "exception_fields": rule.exception_fields,
            "exception_names": rule.exception_names,
            "exception_operators": rule.exception_operators,
            "events": event_names(&rule.source, &rule.condition),
            "condition_compiled": print_condition(&rule.condition),
            "output_compiled": rule.output,
            "plugins": [],
        }
    })
}

fn macro_json(m: &Macro, ruleset: &Ruleset) -> Value {
    let condition = print_condition(&m.condition);
    let (written, compiled) = details(&condition, &m.condition, ruleset);
    json!({
        "info": { "name": m.name, "condition": condition },
        "details": {
            "used": m.used,
            "macros": written.macros,
            "lists": written.lists,
            "condition_operators": compiled.operators,
            "condition_fields": compiled.fields,
            "events": event_names("", &m.condition),
            "condition_compiled": condition,
            "plugins": [],
        }
    })
}

/// The JSON form: every rule (with macros and lists) or one rule.
pub fn rules_json(ruleset: &Ruleset, rule: Option<&Rule>) -> Value {
    if let Some(rule) = rule {
        return json!({ "rules": [rule_json(rule, ruleset)] });
    }
    let plugin_versions: Vec<Value> = ruleset
        .required_plugin_versions
        .iter()
        .filter_map(|alternatives| {
            let (first, rest) = alternatives.split_first()?;
            Some(json!({
                "name": first.name,
                "version": first.version,
                "alternatives": rest.iter().map(|a| json!({"name": a.name, "version": a.version})).collect::<Vec<_>>(),
            }))
        })
        .collect();
    json!({
        "required_engine_version": ruleset.required_engine_version.map(|v| v.to_string()).unwrap_or_else(|| "0.0.0".into()),
        "required_plugin_versions": plugin_versions,
        "rules": ruleset.rules.iter().map(|r| rule_json(r, ruleset)).collect::<Vec<_>>(),
        "macros": ruleset.macros.iter().map(|m| macro_json(m, ruleset)).collect::<Vec<_>>(),
        "lists": ruleset.lists.iter().map(|l| json!({
            "info": { "name": l.name, "items": l.items },
            "details": { "used": l.used, "lists": [], "items_compiled": l.items, "plugins": [] },
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use falco_engine::RulesLoader;

    const RULES: &str = "- list: shells\n  items: [bash, sh]\n- macro: spawned\n  condition: evt.type = execve\n- rule: Shell spawned\n  desc: a shell was spawned by something that is not expected to spawn shells at all, which is quite suspicious in a container\n  condition: spawned and proc.name in (shells) and not proc.pname exists\n  output: shell (user=%user.name parent=%proc.aname[2] cmd=%proc.cmdline %user.name)\n  priority: WARNING\n  tags: [shell, container]\n";

    #[test]
    fn wrap_text_like_falco() {
        assert_eq!(wrap_text("a b c", 51, 110), "a b c ");
        let long = "word ".repeat(20);
        let wrapped = wrap_text(&long, 51, 110);
        let lines: Vec<&str> = wrapped.split('\n').collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 11 * 5);
        assert!(lines[1].starts_with(&" ".repeat(51)));
    }

    #[test]
    fn text_table() {
        let loaded = RulesLoader::new().load(&[("r.yaml", RULES)]);
        let ruleset = loaded.ruleset.unwrap();
        let text = rules_text(&ruleset.rules);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("{:<50} Description", "Rule"));
        assert_eq!(lines[1], format!("{:<50} -----------", "----"));
        assert!(lines[2].starts_with(&format!("{:<50} a shell was spawned", "Shell spawned")));
        assert!(lines[3].starts_with(&" ".repeat(51)), "{text}");
        assert!(
            text.ends_with(" \n\n"),
            "a blank line after each rule: {text:?}"
        );
        assert_eq!(lines.len(), 6, "{text}");
    }

    #[test]
    fn json_details() {
        let loaded = RulesLoader::new().load(&[("r.yaml", RULES)]);
        let ruleset = loaded.ruleset.unwrap();
        let all = rules_json(&ruleset, None);
        let rule = &all["rules"][0];
        assert_eq!(rule["info"]["name"], "Shell spawned");
        assert_eq!(rule["info"]["priority"], "Warning");
        assert_eq!(rule["info"]["tags"], json!(["container", "shell"]));
        assert_eq!(rule["details"]["macros"], json!(["spawned"]));
        assert_eq!(rule["details"]["lists"], json!(["shells"]));
        assert_eq!(
            rule["details"]["condition_operators"],
            json!(["=", "exists", "in"])
        );
        assert_eq!(
            rule["details"]["condition_fields"],
            json!(["evt.type", "proc.name", "proc.pname"])
        );
        assert_eq!(
            rule["details"]["output_fields"],
            json!(["user.name", "proc.aname[2]", "proc.cmdline"])
        );
        assert_eq!(rule["details"]["events"], json!(["asyncevent", "execve"]));
        assert_eq!(rule["details"]["exception_names"], json!([]));
        assert_eq!(rule["details"]["exception_operators"], json!([]));
        assert_eq!(all["macros"][0]["info"]["name"], "spawned");
        assert_eq!(
            all["macros"][0]["details"]["events"],
            json!(["asyncevent", "execve"])
        );
        assert_eq!(all["lists"][0]["info"]["items"], json!(["bash", "sh"]));
        let one = rules_json(&ruleset, ruleset.rule("Shell spawned"));
        assert_eq!(one.as_object().unwrap().len(), 1);
    }

    #[test]
    fn json_exceptions_and_other_sources() {
        let text = "- rule: r\n  desc: d\n  condition: evt.type in (open, openat) or proc.name = x\n  output: o\n  priority: INFO\n  \
                    exceptions:\n    - name: procs\n      fields: proc.name\n      values: [a]\n    \
                    - name: files\n      fields: [fd.name, proc.pname]\n      comps: [startswith, pmatch]\n      values: [[/tmp, b]]\n\
                    - rule: k\n  desc: d\n  condition: ka.verb = get\n  output: o\n  priority: INFO\n  source: k8s_audit\n";
        let loader = RulesLoader::with_sources(vec![
            falco_engine::loader::EventSource::new("syscall"),
            falco_engine::loader::EventSource::new("k8s_audit"),
        ]);
        let loaded = loader.load(&[("r.yaml", text)]);
        let ruleset = loaded.ruleset.unwrap();
        let all = rules_json(&ruleset, None);
        let details = &all["rules"][0]["details"];
        assert_eq!(details["exception_names"], json!(["files", "procs"]));
        assert_eq!(
            details["exception_operators"],
            json!(["in", "pmatch", "startswith"])
        );
        // `or proc.name = x` can match any event: the list is every event.
        let events = details["events"].as_array().unwrap();
        assert!(events.len() > 300, "{}", events.len());
        let k8s = &all["rules"][1];
        assert_eq!(k8s["info"]["source"], "k8s_audit");
        assert_eq!(
            k8s["details"]["events"],
            json!(["asyncevent", "pluginevent"])
        );
    }
}
