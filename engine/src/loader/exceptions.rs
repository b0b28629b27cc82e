//! Rule exceptions: reading them (rule_loader_reader.cpp), checking them
//! (rule_loader_collector.cpp) and folding them into the rule's
//! condition text exactly as Falco does (rule_loader_compiler.cpp).
//!
//! For fields `[proc.name, fd.name]`, comps `[=, startswith]` and values
//! `[[a, /tmp]]`, Falco appends ` and not (( proc.name = a and  fd.name
//! startswith /tmp))` to `(<condition>)` — spacing included.

use super::codes::WarningCode;
use super::context::{Context, ItemType};
use super::decode;
use super::mapped_text::MappedText;
use super::result::{Check, Fail, FileResult};
use super::sources::SourceFile;
use super::yaml::Node;
use super::EventSource;
use crate::condition::ast::{BinaryOp, OperandClass};
use std::collections::BTreeSet;

/// A `fields`, `comps` or value entry: one string or a list of entries.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Entry {
    pub is_list: bool,
    pub item: String,
    pub items: Vec<Entry>,
    /// Global offset of the YAML node.
    pub pos: usize,
}

impl Entry {
    pub fn is_valid(&self) -> bool {
        (self.is_list && !self.items.is_empty()) || (!self.is_list && !self.item.is_empty())
    }

    fn single(item: &str, pos: usize) -> Entry {
        Entry {
            is_list: false,
            item: item.to_owned(),
            items: Vec::new(),
            pos,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExceptionInfo {
    pub ctx: Context,
    pub name: String,
    pub fields: Entry,
    pub comps: Entry,
    pub values: Vec<Entry>,
    /// Global offset of the exception's YAML mapping.
    pub pos: usize,
}

/// Reads an entry the way `decode_exception_info_entry` does: a scalar,
/// or a sequence of entries; anything else stays an empty entry.
fn decode_entry(val: &Node, key: &str, ctx: &Context, file: &SourceFile) -> Check<Entry> {
    let value_ctx = ctx.child(val.start, ItemType::ValueFor, key);
    let pos = file.global(val.start.offset);
    if let Some(text) = val.as_scalar() {
        if text.is_empty() {
            return Err(Fail::yaml("Value must be non-empty", &value_ctx));
        }
        return Ok(Entry::single(text, pos));
    }
    let mut entry = Entry {
        pos,
        ..Entry::default()
    };
    if let Some(items) = val.as_seq() {
        entry.is_list = true;
        for item in items {
            let item_ctx = value_ctx.child(item.start, ItemType::Exception, "");
            entry.items.push(decode_entry(item, "", &item_ctx, file)?);
        }
    }
    Ok(entry)
}

/// Reads the `exceptions` of a rule item. `append` is true when the rule
/// appends (fields may then be omitted).
pub(crate) fn read_exceptions(
    item: &Node,
    rule_ctx: &Context,
    append: bool,
    file: &SourceFile,
    res: &mut FileResult,
) -> Check<Vec<ExceptionInfo>> {
    let mut out: Vec<ExceptionInfo> = Vec::new();
    let Some(list) = item.get("exceptions").filter(|n| !n.is_null()) else {
        return Ok(out);
    };
    let list_ctx = rule_ctx.child(list.start, ItemType::Exceptions, "");
    let Some(entries) = list.as_seq() else {
        return Err(Fail::yaml("Rule exceptions must be a sequence", &list_ctx));
    };
    for ex in entries {
        let tmp = list_ctx.child(ex.start, ItemType::Exception, "");
        if !ex.is_map() {
            return Err(Fail::yaml("Rule exception must be a mapping", &tmp));
        }
        let name = decode::string(ex, "name", &tmp)?;
        let ex_ctx = rule_ctx.child(ex.start, ItemType::Exception, &name);
        for prev in &out {
            if prev.name == name {
                res.warn(
                    WarningCode::ExceptionNameNotUnique,
                    format!("Multiple definitions of exception '{name}' in the same rule"),
                    &ex_ctx,
                );
            }
        }
        let fields = match ex.get("fields") {
            None if append => Entry::default(),
            None => return Err(Fail::yaml("Item has no mapping for key 'fields'", &ex_ctx)),
            Some(node) => decode_entry(node, "fields", &ex_ctx, file)?,
        };
        let comps = match ex.get("comps") {
            None => Entry::default(),
            Some(node) => decode_entry(node, "comps", &ex_ctx, file)?,
        };
        let mut values = Vec::new();
        match ex.get("values") {
            Some(node) => {
                let values_ctx = ex_ctx.child(node.start, ItemType::ExceptionValues, "");
                let Some(items) = node.as_seq() else {
                    return Err(Fail::yaml(
                        "Rule exception values must be a sequence",
                        &values_ctx,
                    ));
                };
                for value in items {
                    let value_ctx = values_ctx.child(value.start, ItemType::ExceptionValue, "");
                    values.push(decode_entry(value, "", &value_ctx, file)?);
                }
            }
            None if append => res.warn(
                WarningCode::AppendNoValues,
                "Overriding/appending exception with no values",
                &ex_ctx,
            ),
            None => {}
        }
        out.push(ExceptionInfo {
            ctx: ex_ctx,
            name,
            fields,
            comps,
            values,
            pos: file.global(ex.start.offset),
        });
    }
    Ok(out)
}

fn is_operator(op: &str) -> bool {
    op == "exists" || BinaryOp::from_token(op).is_some()
}

fn is_list_operator(op: &str) -> bool {
    BinaryOp::from_token(op).is_some_and(|op| op.operand_class() == OperandClass::List)
}

/// Fills in the implicit comparisons (`=` per field, or `in` for a single
/// field) and checks the exception's shape and operators (and fields,
/// when the source has a field catalog).
pub(crate) fn validate_exception(
    source: Option<&EventSource>,
    ex: &mut ExceptionInfo,
) -> Check<()> {
    let catalog = source.and_then(|s| s.fields.as_deref());
    let unknown_field = |name: &str| format!("'{name}' is not a supported filter field");
    if ex.fields.is_list {
        if !ex.comps.is_valid() {
            ex.comps.is_list = true;
            ex.comps.items = vec![Entry::single("=", ex.pos); ex.fields.items.len()];
        }
        if ex.fields.items.len() != ex.comps.items.len() {
            return Err(Fail::validate(
                "Fields and comps lists must have equal length",
                &ex.ctx,
            ));
        }
        for comp in &ex.comps.items {
            if !is_operator(&comp.item) {
                return Err(Fail::validate(
                    format!("'{}' is not a supported comparison operator", comp.item),
                    &ex.ctx,
                ));
            }
        }
        if let Some(catalog) = catalog {
            for field in &ex.fields.items {
                if !catalog_has(catalog, &field.item) {
                    return Err(Fail::validate(unknown_field(&field.item), &ex.ctx));
                }
            }
        }
    } else {
        if !ex.comps.is_valid() {
            ex.comps = Entry::single("in", ex.pos);
        }
        if ex.comps.is_list {
            return Err(Fail::validate(
                "Fields and comps must both be strings",
                &ex.ctx,
            ));
        }
        if !matches!(ex.comps.item.as_str(), "in" | "pmatch" | "intersects") {
            return Err(Fail::validate(
                "When fields is a single value, comps must be one of (in, pmatch, intersects)",
                &ex.ctx,
            ));
        }
        if let Some(catalog) = catalog {
            if !catalog_has(catalog, &ex.fields.item) {
                return Err(Fail::validate(unknown_field(&ex.fields.item), &ex.ctx));
            }
        }
    }
    Ok(())
}

/// The comparison operators of checked exceptions, as Falco's `-L` lists
/// them: every `comps` entry, one level of nested lists included.
pub(crate) fn exception_operators(exceptions: &[ExceptionInfo]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for ex in exceptions {
        if !ex.comps.is_list {
            out.insert(ex.comps.item.clone());
            continue;
        }
        for comp in &ex.comps.items {
            if comp.is_list {
                out.extend(comp.items.iter().map(|c| c.item.clone()));
            } else {
                out.insert(comp.item.clone());
            }
        }
    }
    out
}

/// An exception field as written may carry an argument (`proc.aname[2]`).
fn catalog_has(catalog: &dyn super::FieldCatalog, field: &str) -> bool {
    match field.split_once('[') {
        Some((name, _)) => catalog.has_field(name, true),
        None => catalog.has_field(field, false),
    }
}

/// Falco's `quote_item`: a value with a blank that is not already quoted
/// gets double quotes (without escaping anything).
pub(crate) fn quote_item(item: &str) -> String {
    if item.contains(' ') && !item.starts_with('"') && !item.starts_with('\'') {
        format!("\"{item}\"")
    } else {
        item.to_owned()
    }
}

fn paren_item(item: &str) -> String {
    if item.starts_with('(') {
        item.to_owned()
    } else {
        format!("({item})")
    }
}

/// `(condition)` followed by ` and not <clause>` for each exception, as
/// Falco builds it; `fields_out` collects the exception fields.
pub(crate) fn fold_exceptions(
    condition: &MappedText,
    exceptions: &[ExceptionInfo],
    cond_pos: usize,
    fields_out: &mut BTreeSet<String>,
) -> Check<MappedText> {
    let mut out = MappedText::point("(", cond_pos);
    out.push(condition);
    out.push_point(")", cond_pos);
    for ex in exceptions {
        let clause = exception_clause(ex, fields_out)?;
        if !clause.text().is_empty() {
            out.push_point(" and not ", ex.pos);
            out.push(&clause);
        }
    }
    Ok(out)
}

fn exception_clause(ex: &ExceptionInfo, fields_out: &mut BTreeSet<String>) -> Check<MappedText> {
    let mut clause = MappedText::default();
    if !ex.fields.is_list {
        for value in &ex.values {
            if value.is_list {
                return Err(Fail::validate(
                    "Expected values array to contain a list of strings",
                    &ex.ctx,
                ));
            }
            if clause.text().is_empty() {
                clause.push_point("(", ex.pos);
                clause.push_point(&ex.fields.item, ex.fields.pos);
                clause.push_point(" ", ex.pos);
                clause.push_point(&ex.comps.item, ex.comps.pos);
                clause.push_point(" (", ex.pos);
            } else {
                clause.push_point(", ", ex.pos);
            }
            fields_out.insert(ex.fields.item.clone());
            clause.push_point(&quote_item(&value.item), value.pos);
        }
        if !clause.text().is_empty() {
            clause.push_point("))", ex.pos);
        }
        return Ok(clause);
    }
    clause.push_point("(", ex.pos);
    for (n, tuple) in ex.values.iter().enumerate() {
        if ex.fields.items.len() != tuple.items.len() {
            return Err(Fail::validate(
                "Fields and values lists must have equal length",
                &ex.ctx,
            ));
        }
        if n > 0 {
            clause.push_point(" or ", ex.pos);
        }
        clause.push_point("(", tuple.pos);
        for (k, field) in ex.fields.items.iter().enumerate() {
            if k > 0 {
                clause.push_point(" and ", tuple.pos);
            }
            let value = &tuple.items[k];
            let comp = ex.comps.items.get(k).map_or("", |c| c.item.as_str());
            let shown = if value.is_list {
                let quoted: Vec<String> = value.items.iter().map(|v| quote_item(&v.item)).collect();
                format!("({})", quoted.join(", "))
            } else if is_list_operator(comp) {
                paren_item(&value.item)
            } else {
                quote_item(&value.item)
            };
            clause.push_point(" ", field.pos);
            clause.push_point(&field.item, field.pos);
            clause.push_point(" ", field.pos);
            clause.push_point(comp, ex.comps.items.get(k).map_or(ex.pos, |c| c.pos));
            clause.push_point(" ", value.pos);
            clause.push_point(&shown, value.pos);
            fields_out.insert(field.item.clone());
        }
        clause.push_point(")", tuple.pos);
    }
    clause.push_point(")", ex.pos);
    if clause.text() == "()" {
        return Ok(MappedText::default());
    }
    Ok(clause)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(fields: Entry, comps: Entry, values: Vec<Entry>) -> ExceptionInfo {
        ExceptionInfo {
            ctx: Context::file("t.yaml"),
            name: "e".into(),
            fields,
            comps,
            values,
            pos: 0,
        }
    }

    fn s(text: &str) -> Entry {
        Entry::single(text, 0)
    }

    fn l(items: Vec<Entry>) -> Entry {
        Entry {
            is_list: true,
            item: String::new(),
            items,
            pos: 0,
        }
    }

    fn folded(mut exceptions: Vec<ExceptionInfo>) -> Result<String, String> {
        for ex in &mut exceptions {
            validate_exception(None, ex).map_err(|f| f.message)?;
        }
        let mut fields = BTreeSet::new();
        let cond = MappedText::point("evt.type = open", 0);
        fold_exceptions(&cond, &exceptions, 0, &mut fields)
            .map(|t| t.text().to_owned())
            .map_err(|f| f.message)
    }

    #[test]
    fn falcos_exception_text() {
        let two_fields = ex(
            l(vec![s("proc.name"), s("fd.name")]),
            l(vec![s("="), s("startswith")]),
            vec![l(vec![s("a"), s("/tmp")]), l(vec![s("b c"), s("/var")])],
        );
        assert_eq!(
            folded(vec![two_fields]).unwrap(),
            "(evt.type = open) and not (( proc.name = a and  fd.name startswith /tmp) or ( proc.name = \"b c\" and  fd.name startswith /var))"
        );
        let single = ex(
            s("proc.name"),
            Entry::default(),
            vec![s("bash"), s("my sh")],
        );
        assert_eq!(
            folded(vec![single]).unwrap(),
            "(evt.type = open) and not (proc.name in (bash, \"my sh\"))"
        );
        let implicit_eq = ex(
            l(vec![s("proc.name")]),
            Entry::default(),
            vec![l(vec![s("x")])],
        );
        assert_eq!(
            folded(vec![implicit_eq]).unwrap(),
            "(evt.type = open) and not (( proc.name = x))"
        );
        let list_value = ex(
            l(vec![s("proc.name"), s("proc.pname")]),
            l(vec![s("in"), s("in")]),
            vec![l(vec![l(vec![s("a"), s("b")]), s("shell_binaries")])],
        );
        assert_eq!(
            folded(vec![list_value]).unwrap(),
            "(evt.type = open) and not (( proc.name in (a, b) and  proc.pname in (shell_binaries)))"
        );
        let no_values = ex(l(vec![s("proc.name")]), Entry::default(), vec![]);
        assert_eq!(folded(vec![no_values]).unwrap(), "(evt.type = open)");
    }

    #[test]
    fn shape_errors() {
        let err = |e| folded(vec![e]).unwrap_err();
        assert_eq!(
            err(ex(l(vec![s("a.b"), s("c.d")]), l(vec![s("=")]), vec![])),
            "Fields and comps lists must have equal length"
        );
        assert_eq!(
            err(ex(l(vec![s("a.b")]), l(vec![s("~=")]), vec![])),
            "'~=' is not a supported comparison operator"
        );
        assert_eq!(
            err(ex(s("a.b"), s("="), vec![])),
            "When fields is a single value, comps must be one of (in, pmatch, intersects)"
        );
        assert_eq!(
            err(ex(s("a.b"), l(vec![s("in")]), vec![])),
            "Fields and comps must both be strings"
        );
        assert_eq!(
            err(ex(
                l(vec![s("a.b")]),
                Entry::default(),
                vec![l(vec![s("x"), s("y")])]
            )),
            "Fields and values lists must have equal length"
        );
        assert_eq!(
            err(ex(s("a.b"), Entry::default(), vec![l(vec![s("x")])])),
            "Expected values array to contain a list of strings"
        );
    }

    #[test]
    fn catalog_checks_fields() {
        let source =
            EventSource::with_fields("syscall", |name: &str, _arg: bool| name == "proc.name");
        let mut bad = ex(l(vec![s("proc.nme")]), Entry::default(), vec![]);
        let fail = validate_exception(Some(&source), &mut bad).unwrap_err();
        assert_eq!(fail.message, "'proc.nme' is not a supported filter field");
        let mut good = ex(s("proc.name"), Entry::default(), vec![]);
        assert!(validate_exception(Some(&source), &mut good).is_ok());
    }
}
