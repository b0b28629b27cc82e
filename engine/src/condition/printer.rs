//! [`Expr`] -> canonical condition text.
//!
//! Canonical form: single spaces around operators and keywords, `=` for
//! equality, parentheses only where the tree needs them, values bare when
//! they can be and double-quoted (with escapes) otherwise. For any tree
//! the parser built, parsing the printed text gives the same tree (up to
//! positions).

use super::ast::{Expr, ExprKind, Field, FieldExpr, Value};
use super::literal::{is_bare_arg_char, is_bare_char, write_value};

pub fn print_condition(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr);
    out
}

fn write_expr(out: &mut String, expr: &Expr) {
    match &expr.kind {
        // An `or` inside an `or` was parenthesized in the source (the parser
        // flattens the rest), so it keeps its parentheses; likewise below.
        ExprKind::Or(children) => write_joined(out, children, " or ", |child| {
            matches!(child.kind, ExprKind::Or(_))
        }),
        ExprKind::And(children) => write_joined(out, children, " and ", |child| {
            matches!(child.kind, ExprKind::Or(_) | ExprKind::And(_))
        }),
        ExprKind::Not(child) => {
            out.push_str("not ");
            let grouped = matches!(child.kind, ExprKind::Or(_) | ExprKind::And(_));
            write_maybe_grouped(out, child, grouped);
        }
        ExprKind::Compare { lhs, op, rhs } => {
            write_field_expr(out, lhs);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write_rhs(out, rhs);
        }
        ExprKind::Unary { lhs, op } => {
            write_field_expr(out, lhs);
            out.push(' ');
            out.push_str(op.as_str());
        }
        ExprKind::MacroRef(name) => out.push_str(name),
    }
}

fn write_joined(out: &mut String, children: &[Expr], keyword: &str, grouped: fn(&Expr) -> bool) {
    for (i, child) in children.iter().enumerate() {
        if i > 0 {
            out.push_str(keyword);
        }
        write_maybe_grouped(out, child, grouped(child));
    }
}

fn write_maybe_grouped(out: &mut String, expr: &Expr, grouped: bool) {
    if grouped {
        out.push('(');
        write_expr(out, expr);
        out.push(')');
    } else {
        write_expr(out, expr);
    }
}

fn write_field_expr(out: &mut String, field: &FieldExpr) {
    match field {
        FieldExpr::Field(field) => write_field(out, field),
        FieldExpr::Transform { kind, inner, .. } => {
            out.push_str(kind.as_str());
            out.push('(');
            write_field_expr(out, inner);
            out.push(')');
        }
    }
}

fn write_field(out: &mut String, field: &Field) {
    out.push_str(&field.name);
    if let Some(arg) = &field.arg {
        out.push('[');
        write_value(out, arg.value.as_bytes(), is_bare_arg_char);
        out.push(']');
    }
}

fn write_rhs(out: &mut String, value: &Value) {
    match value {
        Value::Str(literal) => write_value(out, &literal.bytes, is_bare_char),
        Value::List { items, .. } => {
            out.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, &item.bytes, is_bare_char);
            }
            out.push(')');
        }
        Value::ListRef { name, .. } => out.push_str(name),
        Value::Field(FieldExpr::Field(field)) => {
            out.push_str("val(");
            write_field(out, field);
            out.push(')');
        }
        Value::Field(transformed) => write_field_expr(out, transformed),
    }
}
