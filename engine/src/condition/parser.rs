//! Condition text -> [`Expr`]: runs the pest grammar, then turns its pairs
//! into the typed AST, decoding strings on the way.

use super::ast::{
    BinaryOp, Expr, ExprKind, Field, FieldArg, FieldExpr, Literal, Pos, TransformKind, UnaryOp,
    Value,
};
use super::diagnostics::syntax_error;
use super::error::ParseError;
use super::literal::unescape;
use super::source::{scan, LineIndex};
use pest::iterators::{Pair, Pairs};
use pest::Parser as _;
use pest_derive::Parser;

/// How deep parentheses (of groups, lists and transformers together) may
/// nest. The upstream rules nest 4 deep and Falco itself gives up near 20;
/// the bound keeps the recursive grammar and builder well inside a thread's
/// stack (about 128 KiB at the limit optimized, 512 KiB unoptimized).
pub const MAX_PAREN_DEPTH: usize = 32;

/// How deep `and`/`or`/`not` nodes may nest in the tree (a long chain of
/// `not`s counts one level each).
pub const MAX_TREE_DEPTH: usize = 256;

#[derive(Parser)]
#[grammar = "condition/grammar.pest"]
pub(super) struct Grammar;

/// Parses one condition. Never panics: every failure is a [`ParseError`]
/// with the line and column it is about.
pub fn parse_condition(src: &str) -> Result<Expr, ParseError> {
    let index = LineIndex::new(src);
    if src.trim_matches(is_blank).is_empty() {
        return Err(ParseError::Empty { pos: index.pos(0) });
    }
    let scanned = scan(src, MAX_PAREN_DEPTH);
    if let Some(at) = scanned.too_deep_at {
        return Err(ParseError::TooDeep {
            pos: index.pos(at),
            limit: MAX_PAREN_DEPTH,
        });
    }
    let mut pairs = Grammar::parse(Rule::condition, src)
        .map_err(|err| syntax_error(&err, src, &index, scanned.unterminated_quote_at))?;
    let builder = Builder { index: &index };
    let condition = builder.next(&mut pairs, "condition", index.pos(0))?;
    let mut inner = condition.into_inner();
    let top = builder.next(&mut inner, "expression", index.pos(0))?;
    builder.expr(top, 0)
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{08}')
}

struct Builder<'i, 's> {
    index: &'i LineIndex<'s>,
}

type Built<T> = Result<T, ParseError>;

impl<'s> Builder<'_, 's> {
    fn pos(&self, pair: &Pair<'s, Rule>) -> Pos {
        self.index.pos(pair.as_span().start())
    }

    /// The next pair; its absence means the grammar and this builder
    /// disagree, reported as an error rather than a panic.
    fn next(&self, pairs: &mut Pairs<'s, Rule>, what: &str, at: Pos) -> Built<Pair<'s, Rule>> {
        pairs
            .next()
            .ok_or_else(|| internal(at, &format!("missing {what}")))
    }

    fn expr(&self, pair: Pair<'s, Rule>, depth: usize) -> Built<Expr> {
        let pos = self.pos(&pair);
        if depth > MAX_TREE_DEPTH {
            return Err(ParseError::TooDeep {
                pos,
                limit: MAX_TREE_DEPTH,
            });
        }
        match pair.as_rule() {
            Rule::or_expr => self.logical(pair, depth, ExprKind::Or),
            Rule::and_expr => self.logical(pair, depth, ExprKind::And),
            Rule::not_expr => self.negation(pair, depth),
            Rule::check => self.check(pair),
            other => Err(unexpected(pos, other)),
        }
    }

    /// `a or b` / `a and b`; a single operand is returned as it is.
    fn logical(
        &self,
        pair: Pair<'s, Rule>,
        depth: usize,
        make: fn(Vec<Expr>) -> ExprKind,
    ) -> Built<Expr> {
        let pos = self.pos(&pair);
        let mut operands: Vec<Pair<'s, Rule>> = pair
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::kw_or | Rule::kw_and))
            .collect();
        if operands.len() == 1 {
            if let Some(only) = operands.pop() {
                return self.expr(only, depth);
            }
        }
        let children = operands
            .into_iter()
            .map(|operand| self.expr(operand, depth + 1))
            .collect::<Built<Vec<_>>>()?;
        Ok(Expr {
            kind: make(children),
            pos,
        })
    }

    /// `not not x`: each `not` wraps what follows it.
    fn negation(&self, pair: Pair<'s, Rule>, depth: usize) -> Built<Expr> {
        let pos = self.pos(&pair);
        let mut nots = Vec::new();
        let mut operand = None;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::kw_not => nots.push(self.pos(&inner)),
                Rule::rparen => {}
                _ => operand = Some(inner),
            }
        }
        let operand = operand.ok_or_else(|| internal(pos, "missing operand of not"))?;
        let mut expr = self.expr(operand, depth + nots.len())?;
        for not_pos in nots.into_iter().rev() {
            expr = Expr {
                kind: ExprKind::Not(Box::new(expr)),
                pos: not_pos,
            };
        }
        Ok(expr)
    }

    fn check(&self, pair: Pair<'s, Rule>) -> Built<Expr> {
        let pos = self.pos(&pair);
        let mut inner = pair.into_inner();
        let first = self.next(&mut inner, "check", pos)?;
        if first.as_rule() == Rule::macro_ref {
            return Ok(Expr {
                kind: ExprKind::MacroRef(first.as_str().to_owned()),
                pos,
            });
        }
        let lhs = self.field_expr(first)?;
        let op = self.next(&mut inner, "operator", pos)?;
        if op.as_rule() == Rule::op_exists {
            return Ok(Expr {
                kind: ExprKind::Unary {
                    lhs,
                    op: UnaryOp::Exists,
                },
                pos,
            });
        }
        let op_pos = self.pos(&op);
        let op = BinaryOp::from_token(op.as_str())
            .ok_or_else(|| internal(op_pos, "unknown operator"))?;
        let rhs = self.value(self.next(&mut inner, "right-hand side", pos)?)?;
        Ok(Expr {
            kind: ExprKind::Compare { lhs, op, rhs },
            pos,
        })
    }

    fn field_expr(&self, pair: Pair<'s, Rule>) -> Built<FieldExpr> {
        let pos = self.pos(&pair);
        match pair.as_rule() {
            Rule::field_expr => {
                let only = self.next(&mut pair.into_inner(), "field", pos)?;
                self.field_expr(only)
            }
            Rule::field => Ok(FieldExpr::Field(self.field(pair)?)),
            Rule::transform => {
                let mut inner = pair.into_inner();
                let open = self.next(&mut inner, "transformer", pos)?;
                let kind_pair = self.next(&mut open.into_inner(), "transformer name", pos)?;
                let kind = TransformKind::from_name(kind_pair.as_str())
                    .ok_or_else(|| internal(pos, "unknown transformer"))?;
                let operand = self.next(&mut inner, "transformer operand", pos)?;
                Ok(FieldExpr::Transform {
                    kind,
                    inner: Box::new(self.field_expr(operand)?),
                    pos,
                })
            }
            other => Err(unexpected(pos, other)),
        }
    }

    fn field(&self, pair: Pair<'s, Rule>) -> Built<Field> {
        let pos = self.pos(&pair);
        let mut inner = pair.into_inner();
        let name = self
            .next(&mut inner, "field name", pos)?
            .as_str()
            .to_owned();
        let arg = match inner.next() {
            None => None,
            Some(arg) => {
                let arg_pos = self.pos(&arg);
                let written = self.next(&mut arg.into_inner(), "field argument", arg_pos)?;
                let bytes = self.string_bytes(written)?;
                let value = String::from_utf8(bytes)
                    .map_err(|_| ParseError::NonUtf8FieldArg { pos: arg_pos })?;
                Some(FieldArg {
                    value,
                    pos: arg_pos,
                })
            }
        };
        Ok(Field { name, arg, pos })
    }

    fn value(&self, pair: Pair<'s, Rule>) -> Built<Value> {
        let pos = self.pos(&pair);
        match pair.as_rule() {
            Rule::quoted | Rule::bare | Rule::number | Rule::hex_number => {
                Ok(Value::Str(self.literal(pair)?))
            }
            Rule::list => Ok(Value::List {
                items: pair
                    .into_inner()
                    .filter(|item| matches!(item.as_rule(), Rule::quoted | Rule::bare))
                    .map(|item| self.literal(item))
                    .collect::<Built<_>>()?,
                pos,
            }),
            Rule::list_ref => Ok(Value::ListRef {
                name: pair.as_str().to_owned(),
                pos,
            }),
            Rule::val_call => {
                let mut inner = pair.into_inner();
                self.next(&mut inner, "val(", pos)?;
                let field = self.next(&mut inner, "field in val()", pos)?;
                Ok(Value::Field(FieldExpr::Field(self.field(field)?)))
            }
            Rule::transform => Ok(Value::Field(self.field_expr(pair)?)),
            other => Err(unexpected(pos, other)),
        }
    }

    fn literal(&self, pair: Pair<'s, Rule>) -> Built<Literal> {
        let pos = self.pos(&pair);
        Ok(Literal {
            bytes: self.string_bytes(pair)?,
            pos,
        })
    }

    /// The bytes a quoted or bare token stands for.
    fn string_bytes(&self, pair: Pair<'s, Rule>) -> Built<Vec<u8>> {
        if pair.as_rule() != Rule::quoted {
            return Ok(pair.as_str().as_bytes().to_vec());
        }
        let pos = self.pos(&pair);
        let quote = pair.as_str().chars().next().unwrap_or('"');
        let body = self.next(&mut pair.into_inner(), "string body", pos)?;
        let body_start = body.as_span().start();
        unescape(body.as_str(), quote).map_err(|err| ParseError::InvalidEscape {
            pos: self.index.pos(body_start + err.offset),
            sequence: err.sequence,
            reason: err.reason,
        })
    }
}

fn unexpected(pos: Pos, rule: Rule) -> ParseError {
    internal(pos, &format!("unexpected {rule:?}"))
}

fn internal(pos: Pos, what: &str) -> ParseError {
    ParseError::Syntax {
        pos,
        message: format!("internal parser error ({what}); please report this condition"),
    }
}
