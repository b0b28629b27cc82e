//! Falco's renderings of load results: the JSON document `falco -V`
//! prints with json output, and the text forms (one-line summary and the
//! verbose form with locations and snippets).
//!
//! Positions are printed as Falco prints them: yaml-cpp's 0-based line
//! and column, and the byte offset.

use super::context::Context;
use super::result::{FileResult, Message};
use super::snippet::snippet;
use super::sources::Sources;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The code texts a message needs for rendering.
pub(crate) trait CodeText: Copy {
    fn code(self) -> &'static str;
    fn short(self) -> &'static str;
    /// What Falco puts under "codedesc".
    fn codedesc(self) -> &'static str;
}

impl CodeText for super::codes::ErrorCode {
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn short(self) -> &'static str {
        super::codes::ErrorCode::short(self)
    }
    fn codedesc(self) -> &'static str {
        // Falco's error_desc() returns the short text (its table of long
        // descriptions is unused); the JSON shows what Falco prints.
        super::codes::ErrorCode::short(self)
    }
}

impl CodeText for super::codes::WarningCode {
    fn code(self) -> &'static str {
        self.as_str()
    }
    fn short(self) -> &'static str {
        super::codes::WarningCode::short(self)
    }
    fn codedesc(self) -> &'static str {
        self.description()
    }
}

/// The snippet for a context: the condition text for a condition token,
/// otherwise the file the last location is in.
pub fn context_snippet(context: &Context, sources: &Sources) -> String {
    if let Some((condition, offset)) = context.condition() {
        return snippet(condition, offset);
    }
    let last = context.last();
    match sources.text_of(&last.name) {
        Some(text) => snippet(text, last.pos.offset),
        None => format!("<No context for file + {}>\n", last.name),
    }
}

fn context_json(context: &Context, sources: &Sources) -> Value {
    let locations: Vec<Value> = context
        .locations()
        .iter()
        .map(|loc| {
            json!({
                "item_type": loc.item_type.as_str(),
                "item_name": loc.item_name,
                "position": {
                    "name": loc.name,
                    "line": loc.pos.line.saturating_sub(1),
                    "column": loc.pos.column.saturating_sub(1),
                    "offset": loc.pos.offset,
                },
            })
        })
        .collect();
    json!({ "locations": locations, "snippet": context_snippet(context, sources) })
}

fn message_json<C: CodeText>(message: &Message<C>, sources: &Sources) -> Value {
    json!({
        "context": context_json(&message.context, sources),
        "code": message.code.code(),
        "codedesc": message.code.codedesc(),
        "message": message.message,
    })
}

impl FileResult {
    /// This file's entry of `falco_load_results`.
    pub fn to_json(&self, sources: &Sources) -> Value {
        json!({
            "name": self.name,
            "successful": self.successful(),
            "errors": self.errors.iter().map(|e| message_json(e, sources)).collect::<Vec<_>>(),
            "warnings": self.warnings.iter().map(|w| message_json(w, sources)).collect::<Vec<_>>(),
        })
    }

    fn status_line(&self, out: &mut String) {
        if !self.name.is_empty() {
            let _ = write!(out, "{}: ", self.name);
        }
        out.push_str(if self.successful() { "Ok" } else { "Invalid" });
        if self.successful() && self.has_warnings() {
            out.push_str(", with warnings");
        }
    }

    /// Falco's one-line form: status, then the codes.
    pub fn summary_string(&self) -> String {
        let mut out = String::new();
        self.status_line(&mut out);
        summary_codes(&mut out, "errors", &self.errors);
        summary_codes(&mut out, "warnings", &self.warnings);
        out
    }

    /// Falco's verbose form: every message with its locations and snippet.
    pub fn verbose_string(&self, sources: &Sources) -> String {
        let mut out = String::new();
        self.status_line(&mut out);
        verbose_messages(&mut out, "Errors", &self.errors, sources);
        verbose_messages(&mut out, "Warnings", &self.warnings, sources);
        out
    }
}

fn summary_codes<C: CodeText>(out: &mut String, what: &str, messages: &[Message<C>]) {
    if messages.is_empty() {
        return;
    }
    let codes: Vec<String> = messages
        .iter()
        .map(|m| format!("{} ({})", m.code.code(), m.code.short()))
        .collect();
    let _ = write!(out, "\n {} {what}: [{}]", messages.len(), codes.join(" "));
}

fn verbose_messages<C: CodeText>(
    out: &mut String,
    what: &str,
    messages: &[Message<C>],
    sources: &Sources,
) {
    if messages.is_empty() {
        return;
    }
    let _ = write!(out, "\n{} {what}:\n", messages.len());
    for message in messages {
        out.push_str(&context_string(&message.context));
        out.push_str("------\n");
        out.push_str(&context_snippet(&message.context, sources));
        out.push_str("------\n");
        let _ = writeln!(
            out,
            "{} ({}): {}",
            message.code.code(),
            message.code.short(),
            message.message
        );
    }
}

/// "In rules content: (file:0:0)" and one indented line per location.
pub fn context_string(context: &Context) -> String {
    let mut out = String::new();
    for (i, loc) in context.locations().iter().enumerate() {
        out.push_str(if i == 0 { "In " } else { "    " });
        out.push_str(loc.item_type.as_str());
        if !loc.item_name.is_empty() {
            let _ = write!(out, " '{}'", loc.item_name);
        }
        let _ = writeln!(
            out,
            ": ({}:{}:{})",
            loc.name,
            loc.pos.line.saturating_sub(1),
            loc.pos.column.saturating_sub(1)
        );
    }
    out
}

/// The document `falco -V` prints with json output:
/// `{"falco_load_results":[...]}`, keys sorted as nlohmann::json sorts them.
pub fn load_results_json(results: &[FileResult], sources: &Sources) -> String {
    let results: Vec<Value> = results.iter().map(|r| r.to_json(sources)).collect();
    json!({ "falco_load_results": results }).to_string()
}
