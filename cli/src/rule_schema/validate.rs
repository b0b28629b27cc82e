//! Rules files checked against [`rule_schema`](super::rule_schema), as
//! Falco checks each rules file against its rules JSON schema before
//! loading it (valijson over the yaml-cpp tree). The result is only
//! reported (`   FILE | schema validation: ok`, or one warning per
//! problem); it never stops the loading, as in Falco.
//!
//! The validator understands the part of JSON Schema the rules schema
//! uses: `$ref` (to `#/definitions/...`), `type`, `enum`, `const`,
//! `properties`, `additionalProperties`, `required`, `minProperties`,
//! `items` and `anyOf`. YAML scalars are typed like valijson's weak types
//! over yaml-cpp: every scalar is a string; it is also an integer or a
//! number when it reads as one, and a boolean when it is `true` or
//! `false`.

use crate::config::yaml::{parse_all, Kind, Node, Origin};
use serde_json::Value;
use std::fmt;

/// Keywords that only describe (they constrain nothing).
const ANNOTATIONS: &[&str] = &["$schema", "title", "description", "definitions"];

/// Keywords the validator checks.
pub const KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "const",
    "properties",
    "additionalProperties",
    "required",
    "minProperties",
    "items",
    "anyOf",
];

/// One step into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Index(usize),
    Key(String),
}

/// Where a problem is: the steps from the document root.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path(pub Vec<Step>);

impl Path {
    fn with(&self, step: Step) -> Path {
        let mut steps = self.0.clone();
        steps.push(step);
        Path(steps)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::Key(k) if i == 0 => f.write_str(k)?,
                Step::Key(k) => write!(f, ".{k}")?,
            }
        }
        Ok(())
    }
}

/// A value the schema does not allow.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where in the file (the value, or the key of a key not allowed).
    pub origin: Origin,
    pub path: Path,
    pub message: String,
}

/// What a node is, as the schema's `type` sees it.
fn has_type(node: &Node, ty: &str) -> bool {
    match (&node.kind, ty) {
        (Kind::Null, "null") => true,
        (Kind::Map(_), "object") => true,
        (Kind::Seq(_), "array") => true,
        (Kind::Scalar(_), "string") => true,
        (Kind::Scalar(s), "integer") => is_integer(s),
        (Kind::Scalar(s), "number") => is_integer(s) || is_number(s),
        (Kind::Scalar(s), "boolean") => s == "true" || s == "false",
        _ => false,
    }
}

/// An optional sign and decimal digits (what `istringstream >> int64_t`
/// reads whole).
fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.len() <= 19 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A finite decimal number (`1.5`, `-2e3`, `.5`).
fn is_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && s.parse::<f64>().is_ok_and(f64::is_finite)
}

fn kind_name(node: &Node) -> &'static str {
    match node.kind {
        Kind::Null => "null",
        Kind::Scalar(_) => "a scalar",
        Kind::Seq(_) => "a sequence",
        Kind::Map(_) => "a mapping",
    }
}

fn type_name(ty: &str) -> &str {
    match ty {
        "object" => "a mapping",
        "array" => "a sequence",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean (true or false)",
        "null" => "null",
        other => other,
    }
}

/// `a`, `a or b`, `a, b or c`.
fn alternatives<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.into_iter().collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Does the scalar equal the schema value (compared as yaml-cpp text)?
fn scalar_equals(node: &Node, value: &Value) -> bool {
    match (&node.kind, value) {
        (Kind::Scalar(s), Value::String(v)) => s == v,
        (Kind::Scalar(s), Value::Bool(b)) => s == if *b { "true" } else { "false" },
        (Kind::Scalar(s), Value::Number(n)) => {
            s.parse::<f64>().ok() == n.as_f64() && (is_integer(s) || is_number(s))
        }
        (Kind::Null, Value::Null) => true,
        _ => false,
    }
}

/// A JSON schema (draft-06 subset above) applied to YAML trees.
#[derive(Debug)]
pub struct Validator<'s> {
    root: &'s Value,
}

impl<'s> Validator<'s> {
    pub fn new(root: &'s Value) -> Validator<'s> {
        Validator { root }
    }

    /// Every problem of `node` against the root schema.
    pub fn validate(&self, node: &Node) -> Vec<Problem> {
        let mut out = Vec::new();
        self.check(self.root, node, &Path::default(), &mut out);
        out
    }

    fn resolve(&self, reference: &str) -> Option<&'s Value> {
        let pointer = reference.strip_prefix('#')?;
        self.root.pointer(pointer)
    }

    /// A short name for a schema, for "matches none of" messages.
    fn label(&self, schema: &Value) -> String {
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next())
        {
            return name.to_owned();
        }
        if let Some(title) = schema.get("title").and_then(Value::as_str) {
            return title.to_owned();
        }
        match schema.get("type") {
            Some(Value::String(ty)) => type_name(ty).to_owned(),
            Some(Value::Array(types)) => {
                alternatives(types.iter().filter_map(Value::as_str).map(type_name))
            }
            _ => "a schema".to_owned(),
        }
    }

    fn check(&self, schema: &Value, node: &Node, path: &Path, out: &mut Vec<Problem>) {
        let problem = |message: String| Problem {
            origin: node.origin.clone(),
            path: path.clone(),
            message,
        };
        let Value::Object(keywords) = schema else {
            // `true` / `{}` allow anything; `false` allows nothing.
            if schema == &Value::Bool(false) {
                out.push(problem("no value is allowed here".to_owned()));
            }
            return;
        };
        if let Some(reference) = keywords.get("$ref") {
            let reference = reference.as_str().unwrap_or_default();
            match self.resolve(reference) {
                Some(target) => self.check(target, node, path, out),
                None => out.push(problem(format!(
                    "the schema refers to '{reference}', which it does not define"
                ))),
            }
            // draft-06: $ref replaces every sibling keyword.
            return;
        }
        if let Some(ty) = keywords.get("type") {
            let types: Vec<&str> = match ty {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !types.iter().any(|t| has_type(node, t)) {
                let found = match &node.kind {
                    Kind::Scalar(s) => format!("'{s}'"),
                    _ => kind_name(node).to_owned(),
                };
                out.push(problem(format!(
                    "expected {}, found {found}",
                    alternatives(types.iter().map(|t| type_name(t)))
                )));
                // The other keywords would only repeat the mismatch.
                return;
            }
        }
        if let Some(Value::Array(allowed)) = keywords.get("enum") {
            if !allowed.iter().any(|v| scalar_equals(node, v)) {
                let shown: Vec<String> = allowed.iter().map(scalar_text).collect();
                out.push(problem(format!(
                    "{} is not one of the allowed values ({})",
                    shown_value(node),
                    shown.join(", ")
                )));
            }
        }
        if let Some(constant) = keywords.get("const") {
            if !scalar_equals(node, constant) {
                out.push(problem(format!(
                    "{} is not allowed here, only '{}'",
                    shown_value(node),
                    scalar_text(constant)
                )));
            }
        }
        if let Kind::Map(entries) = &node.kind {
            self.check_object(keywords, node, entries, path, out);
        }
        if let (Kind::Seq(items), Some(item_schema)) = (&node.kind, keywords.get("items")) {
            for (i, item) in items.iter().enumerate() {
                self.check(item_schema, item, &path.with(Step::Index(i)), out);
            }
        }
        if let Some(Value::Array(branches)) = keywords.get("anyOf") {
            self.check_any_of(branches, node, path, out);
        }
    }

    fn check_object(
        &self,
        keywords: &serde_json::Map<String, Value>,
        node: &Node,
        entries: &[(crate::config::yaml::Key, Node)],
        path: &Path,
        out: &mut Vec<Problem>,
    ) {
        if let Some(Value::Array(required)) = keywords.get("required") {
            for key in required.iter().filter_map(Value::as_str) {
                if !entries.iter().any(|(k, _)| k.name == key) {
                    out.push(Problem {
                        origin: node.origin.clone(),
                        path: path.clone(),
                        message: format!("missing required key '{key}'"),
                    });
                }
            }
        }
        if let Some(min) = keywords.get("minProperties").and_then(Value::as_u64) {
            if (entries.len() as u64) < min {
                out.push(Problem {
                    origin: node.origin.clone(),
                    path: path.clone(),
                    message: format!("expected at least {min} keys"),
                });
            }
        }
        let properties = keywords.get("properties").and_then(Value::as_object);
        let additional = keywords.get("additionalProperties");
        for (key, value) in entries {
            let sub = path.with(Step::Key(key.name.clone()));
            if let Some(schema) = properties.and_then(|p| p.get(&key.name)) {
                self.check(schema, value, &sub, out);
                continue;
            }
            match additional {
                Some(Value::Bool(false)) => {
                    let mut allowed: Vec<&str> = properties
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    allowed.sort_unstable();
                    out.push(Problem {
                        origin: key.origin.clone(),
                        path: sub,
                        message: format!(
                            "unknown key '{}' (allowed: {})",
                            key.name,
                            allowed.join(", ")
                        ),
                    });
                }
                Some(schema @ Value::Object(_)) => self.check(schema, value, &sub, out),
                _ => {}
            }
        }
    }

    /// `anyOf`: fine when a branch matches. Otherwise the problems of the
    /// branch the node was meant for are reported: a branch whose problems
    /// are all inside the node (not about the node itself, such as a
    /// missing required key or the wrong type), the one with the fewest
    /// when several are; when none or several equally are, one problem
    /// names the branches.
    fn check_any_of(&self, branches: &[Value], node: &Node, path: &Path, out: &mut Vec<Problem>) {
        let mut results = Vec::new();
        for branch in branches {
            let mut problems = Vec::new();
            self.check(branch, node, path, &mut problems);
            if problems.is_empty() {
                return;
            }
            results.push(problems);
        }
        let applicable: Vec<&Vec<Problem>> = results
            .iter()
            .filter(|problems| problems.iter().all(|p| p.path != *path))
            .collect();
        let fewest = applicable.iter().map(|p| p.len()).min();
        let best: Vec<&&Vec<Problem>> = applicable
            .iter()
            .filter(|p| Some(p.len()) == fewest)
            .collect();
        if let [only] = best.as_slice() {
            out.extend(only.iter().cloned());
            return;
        }
        let labels: Vec<String> = branches.iter().map(|b| self.label(b)).collect();
        out.push(Problem {
            origin: node.origin.clone(),
            path: path.clone(),
            message: format!(
                "{} matches none of: {}",
                shown_value(node),
                labels.join(", ")
            ),
        });
    }
}

fn shown_value(node: &Node) -> String {
    match &node.kind {
        Kind::Scalar(s) => format!("'{s}'"),
        Kind::Null => "null".to_owned(),
        Kind::Seq(_) => "the sequence".to_owned(),
        Kind::Map(_) => "the mapping".to_owned(),
    }
}

/// The result of checking one rules file.
#[derive(Debug, Clone, PartialEq)]
pub enum Validation {
    /// Every document matches the schema.
    Ok,
    /// What does not match, with the item (rule, macro, list...) it is in.
    Failed(Vec<RuleProblem>),
    /// Not checked: the file could not be read or is not YAML (the loader
    /// reports why), as Falco leaves it `none`.
    None,
}

/// A problem in a rules file: the schema problem and the top-level item
/// it is in (`rule 'Name'`, `macro 'name'`, `list 'name'`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleProblem {
    pub item: Option<String>,
    pub problem: Problem,
}

impl fmt::Display for RuleProblem {
    /// `FILE:LINE:COLUMN: rule 'Name': priority: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.problem.origin)?;
        if let Some(item) = &self.item {
            write!(f, "{item}: ")?;
        }
        let inner = match self.problem.path.0.split_first() {
            Some((Step::Index(_), rest)) if self.item.is_some() => Path(rest.to_vec()),
            _ => self.problem.path.clone(),
        };
        if !inner.0.is_empty() {
            write!(f, "{inner}: ")?;
        }
        f.write_str(&self.problem.message)
    }
}

/// How a top-level item of a rules file is named in messages.
fn item_name(doc: &Node, index: usize) -> String {
    let Kind::Seq(items) = &doc.kind else {
        return format!("item {}", index + 1);
    };
    let Some(item) = items.get(index) else {
        return format!("item {}", index + 1);
    };
    for kind in ["rule", "macro", "list"] {
        if let Some(name) = item.get(kind).and_then(Node::as_scalar) {
            return format!("{kind} '{name}'");
        }
    }
    for key in ["required_engine_version", "required_plugin_versions"] {
        if item.get(key).is_some() {
            return key.to_owned();
        }
    }
    format!("item {}", index + 1)
}

/// Checks the text of a rules file against the rules schema: every
/// document but empty ones (the loader skips those too).
pub fn validate_rules(path: &str, text: &str) -> Validation {
    let Ok(docs) = parse_all(path, text) else {
        return Validation::None;
    };
    let schema = super::rule_schema();
    let validator = Validator::new(&schema);
    let mut problems = Vec::new();
    for doc in docs.iter().filter(|d| !d.is_null()) {
        for problem in validator.validate(doc) {
            let item = match problem.path.0.first() {
                Some(Step::Index(i)) => Some(item_name(doc, *i)),
                _ => None,
            };
            problems.push(RuleProblem { item, problem });
        }
    }
    if problems.is_empty() {
        Validation::Ok
    } else {
        Validation::Failed(problems)
    }
}

/// Reads and checks a rules file.
pub fn validate_rules_file(path: &str) -> Validation {
    match std::fs::read(path) {
        Ok(bytes) => validate_rules(path, &String::from_utf8_lossy(&bytes)),
        Err(_) => Validation::None,
    }
}

/// Falco's log lines for a rules file: `(is_warning, text)`, one
/// `   FILE | schema validation: ok` (or `none`), or one warning per
/// problem (`   FILE | schema validation: failed for FILE:LINE:COL: ...`).
pub fn report_lines(file: &str, validation: &Validation) -> Vec<(bool, String)> {
    match validation {
        Validation::Ok => vec![(false, format!("   {file} | schema validation: ok"))],
        Validation::None => vec![(false, format!("   {file} | schema validation: none"))],
        Validation::Failed(problems) => problems
            .iter()
            .map(|p| {
                (
                    true,
                    format!("   {file} | schema validation: failed for {p}"),
                )
            })
            .collect(),
    }
}

/// Every keyword a schema uses that the validator neither checks nor
/// ignores as an annotation (the rules schema must have none).
pub fn unsupported_keywords(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk_keywords(schema, false, &mut out);
    out
}

fn walk_keywords(schema: &Value, in_properties: bool, out: &mut Vec<String>) {
    let Value::Object(map) = schema else {
        return;
    };
    for (key, value) in map {
        if in_properties {
            // Property names, not keywords.
            walk_keywords(value, false, out);
            continue;
        }
        if !KEYWORDS.contains(&key.as_str()) && !ANNOTATIONS.contains(&key.as_str()) {
            out.push(key.clone());
        }
        match (key.as_str(), value) {
            ("properties" | "definitions", _) => walk_keywords(value, true, out),
            ("enum" | "required" | "const" | "type", _) => {}
            (_, Value::Array(items)) => items.iter().for_each(|v| walk_keywords(v, false, out)),
            (_, Value::Object(_)) => walk_keywords(value, false, out),
            _ => {}
        }
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
