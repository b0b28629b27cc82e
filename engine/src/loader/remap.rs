//! Moving the positions of a freshly parsed condition tree from offsets in
//! the condition text to global offsets (see [`super::sources`]), with
//! the file's line and column.

use super::mapped_text::MappedText;
use super::sources::Sources;
use crate::condition::ast::{Expr, ExprKind, FieldExpr, Pos, Value};

pub(crate) struct Remap<'a> {
    pub text: &'a MappedText,
    pub sources: &'a Sources,
}

impl Remap<'_> {
    pub fn pos(&self, pos: Pos) -> Pos {
        let global = self.text.locate(pos.offset);
        match self.sources.locate(global) {
            Some((_, at)) => Pos {
                offset: global,
                line: at.line,
                column: at.column,
            },
            None => Pos {
                offset: global,
                ..pos
            },
        }
    }

    pub fn expr(&self, expr: &mut Expr) {
        expr.pos = self.pos(expr.pos);
        match &mut expr.kind {
            ExprKind::And(children) | ExprKind::Or(children) => {
                children.iter_mut().for_each(|c| self.expr(c))
            }
            ExprKind::Not(child) => self.expr(child),
            ExprKind::Compare { lhs, rhs, .. } => {
                self.field(lhs);
                self.value(rhs);
            }
            ExprKind::Unary { lhs, .. } => self.field(lhs),
            ExprKind::MacroRef(_) => {}
        }
    }

    fn field(&self, field: &mut FieldExpr) {
        match field {
            FieldExpr::Field(field) => {
                field.pos = self.pos(field.pos);
                if let Some(arg) = &mut field.arg {
                    arg.pos = self.pos(arg.pos);
                }
            }
            FieldExpr::Transform { inner, pos, .. } => {
                *pos = self.pos(*pos);
                self.field(inner);
            }
        }
    }

    fn value(&self, value: &mut Value) {
        match value {
            Value::Str(literal) => literal.pos = self.pos(literal.pos),
            Value::List { items, pos } => {
                *pos = self.pos(*pos);
                items
                    .iter_mut()
                    .for_each(|item| item.pos = self.pos(item.pos));
            }
            Value::ListRef { pos, .. } => *pos = self.pos(*pos),
            Value::Field(field) => self.field(field),
        }
    }
}
