//! What the loader may ask about fields, and the checks that use it.
//!
//! Field existence is known to the state layer (libsinsp-rs), which the
//! engine does not depend on: it implements [`FieldCatalog`] and hands it
//! to the loader per event source. Without a catalog the loader checks
//! syntax only.

use crate::condition::ast::{Expr, ExprKind, FieldExpr, Value};

/// The fields of one event source.
pub trait FieldCatalog {
    /// Whether `name` is a field of this source. `name` is written as in
    /// the rule (`proc.name`, `evt.arg.flags`, `proc.aname`); `arg` is
    /// true when a bracketed argument follows it (`proc.aname[2]`). An
    /// implementation accepts dotted arguments (`evt.arg.flags`,
    /// `k8s.pod.label.app`) where libsinsp does.
    fn has_field(&self, name: &str, arg: bool) -> bool;
}

impl<F: Fn(&str, bool) -> bool> FieldCatalog for F {
    fn has_field(&self, name: &str, arg: bool) -> bool {
        self(name, arg)
    }
}

/// A field used in a condition, with the global offset it starts at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldUse {
    pub name: String,
    pub arg: bool,
    pub pos: usize,
}

/// Every field of `expr` (both sides of comparisons), in text order.
pub(crate) fn condition_fields(expr: &Expr) -> Vec<FieldUse> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        match &expr.kind {
            ExprKind::And(children) | ExprKind::Or(children) => stack.extend(children.iter().rev()),
            ExprKind::Not(child) => stack.push(child),
            ExprKind::Compare { lhs, rhs, .. } => {
                push_field(&mut out, lhs);
                if let Value::Field(field) = rhs {
                    push_field(&mut out, field);
                }
            }
            ExprKind::Unary { lhs, .. } => push_field(&mut out, lhs),
            ExprKind::MacroRef(_) => {}
        }
    }
    out
}

fn push_field(out: &mut Vec<FieldUse>, field: &FieldExpr) {
    let base = field.base_field();
    out.push(FieldUse {
        name: base.name.clone(),
        arg: base.arg.is_some(),
        pos: base.pos.offset,
    });
}

/// Falco's `<NA>` check: comparing a `ka.*` or `jevt.*` field with `<NA>`
/// for equality (`=`, `==`, `!=`, `in`, `intersects`, `pmatch`). Returns
/// the global offsets of the `<NA>` values.
pub(crate) fn unsafe_na_checks(expr: &Expr) -> Vec<usize> {
    use crate::condition::ast::BinaryOp;
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        match &expr.kind {
            ExprKind::And(children) | ExprKind::Or(children) => stack.extend(children.iter().rev()),
            ExprKind::Not(child) => stack.push(child),
            ExprKind::Compare { lhs, op, rhs } => {
                let name = &lhs.base_field().name;
                let unsafe_field = name.starts_with("ka.") || name.starts_with("jevt.");
                let equality = matches!(
                    op,
                    BinaryOp::Eq
                        | BinaryOp::Ne
                        | BinaryOp::In
                        | BinaryOp::Intersects
                        | BinaryOp::PMatch
                );
                if unsafe_field && equality {
                    match rhs {
                        Value::Str(lit) if lit.bytes == b"<NA>" => out.push(lit.pos.offset),
                        Value::List { items, .. } => out.extend(
                            items
                                .iter()
                                .filter(|lit| lit.bytes == b"<NA>")
                                .map(|lit| lit.pos.offset),
                        ),
                        _ => {}
                    }
                }
            }
            ExprKind::Unary { .. } | ExprKind::MacroRef(_) => {}
        }
    }
    out
}

/// Falco's warning text for [`unsafe_na_checks`].
pub(crate) const UNSAFE_NA_MESSAGE: &str =
    "comparing a field value with <NA> is unsafe and can lead to \
unpredictable behavior of the rule condition. If you need to  check for the existence of a field, \
consider using the 'exists' operator instead.";

/// One `%field` of an output format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutputField {
    pub name: String,
    pub arg: bool,
    /// The format from this field on (what libsinsp quotes in errors).
    pub rest: String,
}

/// Reads the `%field` tokens of an output format the way libsinsp's
/// formatter does; the error texts are libsinsp's.
pub(crate) fn output_fields(format: &str) -> Result<Vec<OutputField>, String> {
    let body = format.strip_prefix('*').unwrap_or(format);
    if format.is_empty() {
        return Err("empty formatting token".to_owned());
    }
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut j = 0;
    while j < bytes.len() {
        if bytes[j] != b'%' {
            j += 1;
            continue;
        }
        if j + 1 == bytes.len() {
            return Err("invalid formatting syntax: formatting cannot end with a %".to_owned());
        }
        // An optional width: %20proc.name
        let mut k = j + 1;
        while k < bytes.len() && bytes[k].is_ascii_digit() {
            k += 1;
        }
        if k == bytes.len() {
            return Err(
                "invalid formatting syntax: formatting cannot end with a number".to_owned(),
            );
        }
        let rest = &body[k..];
        let (field, used) =
            output_token(rest).ok_or_else(|| format!("invalid formatting token {rest}"))?;
        out.push(OutputField {
            name: field.0,
            arg: field.1,
            rest: rest.to_owned(),
        });
        j = k + used;
    }
    Ok(out)
}

/// The length of the field a `%` token names, libsinsp's way: the whole
/// name (with its argument) when it is a field, else its longest prefix
/// that is one, the rest of the token being text (`%user.name.` is
/// `user.name` then "."; `%fd.sip:%fd.sport` splits at the colon anyway).
/// `None` when no prefix is a field.
pub(crate) fn field_prefix(
    name: &str,
    arg: bool,
    known: impl Fn(&str, bool) -> bool,
) -> Option<usize> {
    if known(name, arg) {
        return Some(name.len());
    }
    (1..name.len())
        .rev()
        .map(|n| &name[..n])
        .find(|p| !p.ends_with('.') && known(p, false))
        .map(str::len)
}

/// A field token at the start of `text`: `name`, `name[arg]`, or a
/// transformer around a token (`tolower(proc.name)`). Returns the base
/// field (name, has argument) and the bytes used.
fn output_token(text: &str) -> Option<((String, bool), usize)> {
    let name_len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(text.len());
    let name = &text[..name_len];
    let after = &text[name_len..];
    if after.starts_with('(') && crate::condition::ast::TransformKind::from_name(name).is_some() {
        let (inner, used) = output_token(&after[1..])?;
        let close = &after[1 + used..];
        return close
            .starts_with(')')
            .then_some((inner, name_len + 1 + used + 1));
    }
    if !name.contains('.') || name.starts_with('.') {
        return None;
    }
    if let Some(arg) = after.strip_prefix('[') {
        let close = arg.find(']')?;
        return Some(((name.to_owned(), true), name_len + 1 + close + 1));
    }
    Some(((name.to_owned(), false), name_len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::parse_condition;

    #[test]
    fn output_tokens_follow_libsinsp() {
        let fields = output_fields(
            "*user=%user.name cmd=%proc.cmdline (%proc.aname[2]) %20fd.name %tolower(proc.name)",
        )
        .unwrap();
        let names: Vec<(&str, bool)> = fields.iter().map(|f| (f.name.as_str(), f.arg)).collect();
        assert_eq!(
            names,
            [
                ("user.name", false),
                ("proc.cmdline", false),
                ("proc.aname", true),
                ("fd.name", false),
                ("proc.name", false)
            ]
        );
        assert_eq!(
            output_fields("a %").unwrap_err(),
            "invalid formatting syntax: formatting cannot end with a %"
        );
        assert_eq!(
            output_fields("a %12").unwrap_err(),
            "invalid formatting syntax: formatting cannot end with a number"
        );
        assert_eq!(
            output_fields("a % b").unwrap_err(),
            "invalid formatting token  b"
        );
        assert_eq!(
            output_fields("x %proc.aname[2").unwrap_err(),
            "invalid formatting token proc.aname[2"
        );
        assert_eq!(output_fields("").unwrap_err(), "empty formatting token");
        assert!(output_fields("100% sure").is_err());
    }

    #[test]
    fn a_token_names_its_longest_known_prefix() {
        let known = |n: &str, arg: bool| {
            ["user.name", "fd.sip", "fd.sip.name", "proc.aname"].contains(&n)
                && (!arg || n == "proc.aname")
        };
        assert_eq!(field_prefix("user.name", false, known), Some(9));
        assert_eq!(field_prefix("user.name.", false, known), Some(9));
        assert_eq!(field_prefix("fd.sip.namez", false, known), Some(11));
        assert_eq!(field_prefix("fd.sip.", false, known), Some(6));
        assert_eq!(field_prefix("proc.aname", true, known), Some(10));
        assert_eq!(field_prefix("fd.dport", false, known), None);
        assert_eq!(field_prefix("user.nam", false, known), None);
    }

    #[test]
    fn na_checks_only_for_ka_and_jevt_fields() {
        let count = |src: &str| unsafe_na_checks(&parse_condition(src).unwrap()).len();
        assert_eq!(count("ka.field exists"), 0);
        assert_eq!(count("some.field = <NA>"), 0);
        assert_eq!(count("jevt.field = <NA>"), 1);
        assert_eq!(count("ka.field != <NA> and ka.x in (a, <NA>)"), 2);
        assert_eq!(count("not ka.field pmatch (<NA>)"), 1);
        assert_eq!(count("ka.field contains <NA>"), 0);
    }

    #[test]
    fn fields_of_both_sides() {
        let expr = parse_condition(
            "proc.name = val(proc.pname) and not (fd.name exists or tolower(proc.aname[1]) = x)",
        )
        .unwrap();
        let names: Vec<(String, bool)> = condition_fields(&expr)
            .into_iter()
            .map(|f| (f.name, f.arg))
            .collect();
        assert_eq!(
            names,
            [
                ("proc.name".into(), false),
                ("proc.pname".into(), false),
                ("fd.name".into(), false),
                ("proc.aname".into(), true)
            ]
        );
    }
}
