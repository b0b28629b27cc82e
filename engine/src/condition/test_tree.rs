//! Test support: building expected trees by hand, and parsing with
//! positions dropped.

use super::ast::*;
use super::parse_condition;

/// Parses and drops positions (shape checks); panics with the error.
pub(super) fn parse(src: &str) -> Expr {
    match parse_condition(src) {
        Ok(expr) => expr.without_positions(),
        Err(err) => panic!("{src:?} should parse: {err}"),
    }
}

pub(super) fn expr(kind: ExprKind) -> Expr {
    Expr {
        kind,
        pos: Pos::default(),
    }
}

pub(super) fn macro_ref(name: &str) -> Expr {
    expr(ExprKind::MacroRef(name.into()))
}

pub(super) fn and(children: Vec<Expr>) -> Expr {
    expr(ExprKind::And(children))
}

pub(super) fn or(children: Vec<Expr>) -> Expr {
    expr(ExprKind::Or(children))
}

pub(super) fn not(child: Expr) -> Expr {
    expr(ExprKind::Not(Box::new(child)))
}

pub(super) fn field(name: &str) -> FieldExpr {
    FieldExpr::Field(Field {
        name: name.into(),
        arg: None,
        pos: Pos::default(),
    })
}

pub(super) fn field_with_arg(name: &str, arg: &str) -> FieldExpr {
    FieldExpr::Field(Field {
        name: name.into(),
        arg: Some(FieldArg {
            value: arg.into(),
            pos: Pos::default(),
        }),
        pos: Pos::default(),
    })
}

pub(super) fn transform(kind: TransformKind, inner: FieldExpr) -> FieldExpr {
    FieldExpr::Transform {
        kind,
        inner: Box::new(inner),
        pos: Pos::default(),
    }
}

pub(super) fn lit(bytes: &[u8]) -> Literal {
    Literal {
        bytes: bytes.to_vec(),
        pos: Pos::default(),
    }
}

pub(super) fn s(text: &str) -> Value {
    Value::Str(lit(text.as_bytes()))
}

pub(super) fn list(items: &[&str]) -> Value {
    Value::List {
        items: items.iter().map(|item| lit(item.as_bytes())).collect(),
        pos: Pos::default(),
    }
}

pub(super) fn cmp(lhs: FieldExpr, op: BinaryOp, rhs: Value) -> Expr {
    expr(ExprKind::Compare { lhs, op, rhs })
}

/// The right-hand side of a single comparison.
pub(super) fn rhs_of(src: &str) -> Value {
    match parse(src).kind {
        ExprKind::Compare { rhs, .. } => rhs,
        other => panic!("{src:?} is not a comparison: {other:?}"),
    }
}

pub(super) fn lhs_of(src: &str) -> FieldExpr {
    match parse(src).kind {
        ExprKind::Compare { lhs, .. } | ExprKind::Unary { lhs, .. } => lhs,
        other => panic!("{src:?} is not a check: {other:?}"),
    }
}
