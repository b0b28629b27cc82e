//! `--list [SOURCE]`, `--list-events` and `-i`: what the event and field
//! tables contain, in Falco's formats (text and Markdown) and in JSON.
//!
//! Fields come from `falco_sinsp::fields::CLASSES`, events from
//! `falco_abi::EVENTS` and the x86-64 syscall table.

use crate::options::ListFormat;
use falco_abi::{Category, Direction, EventFlags, EventInfo, ParamType, EVENTS};
use falco_sinsp::field::{ArgKind, FieldRow};
use falco_sinsp::fields::{FieldClass, CLASSES};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The only event source falco-rs has.
pub const SYSCALL_SOURCE: &str = "syscall";

/// Falco's column where descriptions start, and its line width.
const RIGHT_BLOCK: usize = 30;
const WIDTH: usize = 120;

/// libsinsp's `wrapstring`: words followed by a space, a new line indented
/// to the right block before a word that would pass the width.
fn wrap(text: &str, out: &mut String) {
    let mut len = 0;
    for word in text.split_whitespace() {
        let wordlen = word.len() + 1;
        if len + wordlen <= WIDTH - RIGHT_BLOCK {
            len += wordlen;
        } else {
            out.push('\n');
            out.push_str(&" ".repeat(RIGHT_BLOCK));
            len = wordlen;
        }
        out.push_str(word);
        out.push(' ');
    }
}

fn arg_tag(row: &FieldRow) -> Option<&'static str> {
    match row.arg {
        ArgKind::None => None,
        ArgKind::OptionalIndex | ArgKind::OptionalKey => Some("ARG_ALLOWED"),
        _ => Some("ARG_REQUIRED"),
    }
}

fn class_text(class: &FieldClass, verbose: bool) -> String {
    let mut out = String::new();
    out.push_str("-------------------------------\n");
    let _ = writeln!(out, "{:<RIGHT_BLOCK$}{}", "Field Class:", class.name);
    if !class.desc.is_empty() {
        let _ = write!(out, "{:<RIGHT_BLOCK$}", "Description:");
        wrap(class.desc, &mut out);
        out.push('\n');
    }
    let _ = writeln!(out, "{:<RIGHT_BLOCK$}{SYSCALL_SOURCE} ", "Event Sources:");
    out.push('\n');
    for row in class.fields {
        if row.name.len() > RIGHT_BLOCK {
            let _ = write!(out, "{}\n{:<RIGHT_BLOCK$}", row.name, " ");
        } else {
            let _ = write!(out, "{:<RIGHT_BLOCK$}", row.name);
        }
        let mut desc = row.desc.to_owned();
        if let Some(tag) = arg_tag(row) {
            desc = format!("({tag}) {desc}");
        }
        if verbose {
            desc = format!("(Type: {}) {desc}", row.ftype.name());
        }
        wrap(&desc, &mut out);
        out.push('\n');
    }
    out
}

fn class_markdown(class: &FieldClass) -> String {
    let mut out = format!("## Field Class: {}\n\n", class.name);
    if !class.desc.is_empty() {
        let _ = write!(out, "{}\n\n", class.desc);
    }
    let _ = write!(out, "Event Sources: {SYSCALL_SOURCE} \n\n");
    out.push_str("Name | Type | Description\n:----|:-----|:-----------\n");
    for row in class.fields {
        let _ = writeln!(out, "`{}` | {} | {}", row.name, row.ftype.name(), row.desc);
    }
    out
}

fn class_json(class: &FieldClass) -> Value {
    json!({
        "name": class.name,
        "desc": class.desc,
        "event_sources": [SYSCALL_SOURCE],
        "fields": class.fields.iter().map(|row| json!({
            "name": row.name,
            "type": row.ftype.name(),
            "desc": row.desc,
            "arg": match row.arg {
                ArgKind::None => "none",
                ArgKind::OptionalIndex | ArgKind::OptionalKey => "allowed",
                _ => "required",
            },
        })).collect::<Vec<_>>(),
    })
}

/// `--list [SOURCE]`; an unknown source is an error (Falco's message).
pub fn list_fields(
    source: &str,
    format: ListFormat,
    names_only: bool,
    verbose: bool,
) -> Result<String, String> {
    if !source.is_empty() && source != SYSCALL_SOURCE {
        return Err("Value for --list must be a valid source type".to_owned());
    }
    if names_only {
        let mut out = String::new();
        for row in CLASSES.iter().flat_map(|c| c.fields.iter()) {
            out.push_str(row.name);
            out.push('\n');
        }
        return Ok(out);
    }
    Ok(match format {
        ListFormat::Text => CLASSES
            .iter()
            .map(|c| class_text(c, verbose) + "\n")
            .collect(),
        ListFormat::Markdown => CLASSES.iter().map(|c| class_markdown(c) + "\n").collect(),
        ListFormat::Json => {
            serde_json::to_string_pretty(&Value::Array(CLASSES.iter().map(class_json).collect()))
                .unwrap_or_default()
                + "\n"
        }
    })
}

/// Event groups, as `--list-events` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Syscall,
    Tracepoint,
    Plugin,
    Meta,
}

impl Group {
    const ALL: [(Group, &'static str, &'static str); 4] = [
        (Group::Syscall, "Syscall events", "syscall"),
        (Group::Tracepoint, "Tracepoint events", "tracepoint"),
        (Group::Plugin, "Plugin events", "plugin"),
        (Group::Meta, "Metaevents", "metaevent"),
    ];

    fn of(info: &EventInfo) -> Option<Group> {
        let c = info.category;
        if c.contains(Category::SYSCALL) {
            Some(Group::Syscall)
        } else if c.contains(Category::TRACEPOINT) {
            Some(Group::Tracepoint)
        } else if c.contains(Category::PLUGIN) {
            Some(Group::Plugin)
        } else if c.contains(Category::METAEVENT) {
            Some(Group::Meta)
        } else {
            None
        }
    }
}

/// An event of the listing: a schema row under a name (generic events are
/// listed once per syscall that uses them).
struct Entry {
    name: String,
    info: &'static EventInfo,
    available: bool,
}

/// Whether Falco ignores the event unless asked for all events: I/O
/// syscalls that do not change the process or fd state.
pub fn ignored_by_default(info: &EventInfo) -> bool {
    let base = info.category.base();
    let io = base == Category::IO_READ || base == Category::IO_WRITE || base == Category::IO_OTHER;
    let state = info.flags.contains(EventFlags::MODIFIES_STATE)
        || info.flags.contains(EventFlags::CREATES_FD)
        || info.flags.contains(EventFlags::DESTROYS_FD);
    io && !state
}

fn is_generic(info: &EventInfo) -> bool {
    info.code <= 1
}

fn entries() -> Vec<(Group, Entry)> {
    let mut out = Vec::new();
    for info in EVENTS.iter() {
        let unknown = info.category.base() == Category::UNKNOWN || info.name == "NA";
        if is_generic(info)
            || info.is_old_version()
            || info.flags.contains(EventFlags::UNUSED)
            || unknown
        {
            continue;
        }
        if let Some(group) = Group::of(info) {
            out.push((
                group,
                Entry {
                    name: info.name.to_owned(),
                    info,
                    available: !ignored_by_default(info),
                },
            ));
        }
    }
    // Generic events, once per syscall name that has no event of its own.
    let mut generic: Vec<&str> = falco_abi::syscalls::X86_64_SYSCALLS
        .iter()
        .filter(|s| s.enter_event == 0 && s.exit_event == 0)
        .filter_map(|s| falco_abi::syscalls::ppm_sc(s.ppm_sc))
        .map(|sc| sc.name)
        .filter(|n| *n != "unknown")
        .collect();
    generic.sort_unstable();
    generic.dedup();
    for name in generic {
        for code in [0u16, 1] {
            if let Some(info) = falco_abi::event_info(code) {
                out.push((
                    Group::Syscall,
                    Entry {
                        name: name.to_owned(),
                        info,
                        available: true,
                    },
                ));
            }
        }
    }
    out
}

fn type_name(t: ParamType) -> String {
    format!("{t:?}")
}

fn params_text(info: &EventInfo, markdown: bool) -> String {
    info.params
        .iter()
        .map(|p| {
            let mut s = format!("{} **{}**", type_name(p.ptype), p.name);
            if let (true, Some(flags)) = (p.ptype.is_flags(), p.flag_names()) {
                let names: Vec<String> = flags
                    .iter()
                    .map(|f| {
                        if markdown {
                            format!("*{}*", f.name)
                        } else {
                            f.name.to_owned()
                        }
                    })
                    .collect();
                s.push_str(": ");
                s.push_str(&names.join(", "));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--list-events`.
pub fn list_events(format: ListFormat, schema_version: &str) -> String {
    let all = entries();
    if format == ListFormat::Json {
        let mut doc = serde_json::Map::new();
        doc.insert("schema_version".into(), json!(schema_version));
        for (group, _, key) in Group::ALL {
            let events: Vec<Value> = all
                .iter()
                .filter(|(g, _)| *g == group)
                .map(|(_, e)| {
                    json!({
                        "name": e.name,
                        "dir": e.info.direction().symbol().to_string(),
                        "code": e.info.code,
                        "default": e.available,
                        "params": e.info.params.iter().map(|p| json!({
                            "name": p.name,
                            "type": type_name(p.ptype),
                            "flags": p.flag_names().filter(|_| p.ptype.is_flags()).map(|f| f.iter().map(|x| x.name).collect::<Vec<_>>()).unwrap_or_default(),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            doc.insert(key.into(), Value::Array(events));
        }
        return serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default() + "\n";
    }
    let markdown = format == ListFormat::Markdown;
    let mut out =
        format!("The events below are valid for Falco *Schema Version*: {schema_version}\n");
    for (i, (group, title, _)) in Group::ALL.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        let _ = write!(out, "## {title}\n\n");
        if markdown {
            out.push_str("Default | Dir | Name | Params \n:-------|:----|:-----|:-----\n");
        }
        for (_, e) in all.iter().filter(|(g, _)| g == group) {
            let dir = match e.info.direction() {
                Direction::Enter => '>',
                Direction::Exit => '<',
            };
            if markdown {
                let _ = writeln!(
                    out,
                    "{} | `{dir}` | `{}` | {}",
                    if e.available { "Yes" } else { "No" },
                    e.name,
                    params_text(e.info, true)
                );
            } else {
                let _ = writeln!(out, "{dir} {}({})", e.name, params_text(e.info, false));
            }
        }
    }
    out
}

/// `-i`: the events ignored by default (I/O syscalls outside the state
/// set), as Falco prints them.
pub fn ignored_events() -> String {
    let mut names: Vec<&str> = EVENTS
        .iter()
        .filter(|e| {
            !e.is_old_version() && Group::of(e) == Some(Group::Syscall) && ignored_by_default(e)
        })
        .map(|e| e.name)
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut out = String::from(
        "Ignored I/O syscall(s) (they can be enabled with -o base_syscalls.all=true or base_syscalls.custom_set):\n",
    );
    for name in names {
        let _ = writeln!(out, "- {name}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_text_like_falco() {
        let text = list_fields("", ListFormat::Text, false, false).unwrap();
        assert!(
            text.starts_with(
                "-------------------------------\nField Class:                  evt\n"
            ),
            "{}",
            &text[..200]
        );
        assert!(text.contains("\nEvent Sources:                syscall \n"));
        assert!(text.contains("\nproc.name                     "));
        assert!(
            text.contains("(ARG_REQUIRED) "),
            "indexed fields are tagged"
        );
        let verbose = list_fields("syscall", ListFormat::Text, false, true).unwrap();
        assert!(verbose.contains("(Type: CHARBUF) "));
        assert_eq!(
            list_fields("k8s_audit", ListFormat::Text, false, false).unwrap_err(),
            "Value for --list must be a valid source type"
        );
    }

    #[test]
    fn fields_markdown_names_and_json() {
        let md = list_fields("", ListFormat::Markdown, false, false).unwrap();
        assert!(md.starts_with("## Field Class: evt\n\n"));
        assert!(md.contains("Name | Type | Description\n:----|:-----|:-----------\n`evt."));
        let names = list_fields("", ListFormat::Text, true, false).unwrap();
        assert!(names.lines().any(|l| l == "proc.name"));
        assert_eq!(
            names.lines().count(),
            CLASSES.iter().map(|c| c.fields.len()).sum::<usize>()
        );
        let json: Value =
            serde_json::from_str(&list_fields("", ListFormat::Json, false, false).unwrap())
                .unwrap();
        assert_eq!(json.as_array().unwrap().len(), CLASSES.len());
        assert_eq!(json[0]["name"], "evt");
        assert!(json[0]["fields"][0]["type"].is_string());
    }

    #[test]
    fn events_like_falco() {
        let text = list_events(ListFormat::Text, "1.0.0");
        assert!(text.starts_with(
            "The events below are valid for Falco *Schema Version*: 1.0.0\n## Syscall events\n\n"
        ));
        assert!(
            text.contains("\n< open(FD **fd**, FSPATH **name**, FLAGS32 **flags**: "),
            "{}",
            &text[..2000]
        );
        assert!(text.contains("\n\n## Tracepoint events\n\n"));
        assert!(text.contains("\n\n## Metaevents\n\n"));
        assert!(!text.contains("(OLD"), "old versions are not listed");
        let md = list_events(ListFormat::Markdown, "1.0.0");
        assert!(md.contains("Default | Dir | Name | Params \n:-------|:----|:-----|:-----\n"));
        assert!(
            md.contains("No | `<` | `read` |"),
            "I/O syscalls are off by default"
        );
        assert!(md.contains("Yes | `<` | `execve` |"));
        let json: Value = serde_json::from_str(&list_events(ListFormat::Json, "1.0.0")).unwrap();
        assert!(json["syscall"].as_array().unwrap().len() > 100);
        assert!(ignored_events().contains("- read\n"));
    }
}
