//! Compiled conditions and their evaluation.
//!
//! A missing value (the event has no such field) makes every comparison
//! false, `exists` included, as in Falco. Fields that give several values
//! (`proc.aname` without an index) match when any value does; `!=` holds
//! when no value equals.

use super::operand::{glob, value_bytes, value_num, Domain, Operand};
use crate::condition::ast::{BinaryOp, TransformKind};
use falco_sinsp::field::FieldSource;
use falco_sinsp::value::Value;
use std::borrow::Cow;

/// A field with its transformers, resolved against a source.
pub struct Lhs<S: FieldSource> {
    pub field: S::Field,
    /// Applied innermost first.
    pub transforms: Vec<TransformKind>,
    pub domain: Domain,
}

impl<S: FieldSource> std::fmt::Debug for Lhs<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lhs")
            .field("field", &self.field)
            .field("transforms", &self.transforms)
            .finish()
    }
}

/// What a check tests.
#[derive(Debug)]
pub enum Test<S: FieldSource> {
    Exists,
    Literal(BinaryOp, Operand),
    Field(BinaryOp, Lhs<S>),
}

#[derive(Debug)]
pub enum Node<S: FieldSource> {
    And(Vec<Node<S>>),
    Or(Vec<Node<S>>),
    Not(Box<Node<S>>),
    Check(Lhs<S>, Test<S>),
}

impl<S: FieldSource> Lhs<S> {
    /// Extracts the values and applies the transformers.
    fn values<'a>(&self, src: &S, ev: &S::Event<'a>, out: &mut Vec<Value<'a>>) {
        out.clear();
        src.extract(&self.field, ev, out);
        for t in &self.transforms {
            for v in out.iter_mut() {
                *v = transform(*t, v);
            }
        }
    }
}

fn transform<'a>(t: TransformKind, v: &Value<'a>) -> Value<'a> {
    let mut buf = String::new();
    let b = value_bytes(v, &mut buf);
    match t {
        TransformKind::ToLower => Value::Str(Cow::Owned(
            String::from_utf8_lossy(&b.to_ascii_lowercase()).into_owned(),
        )),
        TransformKind::ToUpper => Value::Str(Cow::Owned(
            String::from_utf8_lossy(&b.to_ascii_uppercase()).into_owned(),
        )),
        TransformKind::Basename => {
            let s = String::from_utf8_lossy(b);
            let base = if s.ends_with('/') {
                ""
            } else {
                s.rsplit('/').next().unwrap_or("")
            };
            Value::Str(Cow::Owned(base.to_string()))
        }
        TransformKind::Len => Value::UInt(b.len() as u64),
        TransformKind::B64 => match b64_decode(b) {
            Some(d) => Value::Bytes(Cow::Owned(d)),
            None => Value::Bytes(Cow::Owned(Vec::new())),
        },
    }
}

/// Standard base64 (with or without padding).
fn b64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let s: Vec<u8> = s.iter().copied().filter(|c| *c != b'=').collect();
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= val(*c)? << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        match chunk.len() {
            4 => out.extend_from_slice(&bytes),
            3 => out.extend_from_slice(&bytes[..2]),
            2 => out.push(bytes[0]),
            _ => return None,
        }
    }
    Some(out)
}

/// Whether one value satisfies `op` against the literal operand.
fn matches_literal(
    d: Domain,
    op: BinaryOp,
    rhs: &Operand,
    v: &Value<'_>,
    buf: &mut String,
) -> bool {
    use BinaryOp as B;
    match (d, rhs) {
        (Domain::Num, Operand::Num(n)) => value_num(v).is_some_and(|x| match op {
            B::Eq => x == *n,
            B::Lt => x < *n,
            B::Le => x <= *n,
            B::Gt => x > *n,
            B::Ge => x >= *n,
            _ => false,
        }),
        (Domain::Num, Operand::NumSet(set)) => value_num(v).is_some_and(|x| set.contains(&x)),
        (Domain::Bool, Operand::Bool(b)) => matches!(v, Value::Bool(x) if x == b),
        (Domain::Bool, Operand::BoolSet(set)) => matches!(v, Value::Bool(x) if set.contains(x)),
        (Domain::Ip | Domain::Net, Operand::Net(n)) => matches!(v, Value::Ip(ip) if n.contains(ip)),
        (Domain::Ip | Domain::Net, Operand::NetList(l)) => {
            matches!(v, Value::Ip(ip) if l.iter().any(|n| n.contains(ip)))
        }
        (_, Operand::Str(s)) => {
            let b = value_bytes(v, buf);
            match op {
                B::Eq => b == s.as_slice(),
                B::Contains | B::BContains => contains(b, s),
                B::StartsWith | B::BStartsWith => b.starts_with(s),
                B::EndsWith => b.ends_with(s),
                _ => false,
            }
        }
        (_, Operand::LowerStr(s)) => contains(&value_bytes(v, buf).to_ascii_lowercase(), s),
        (_, Operand::StrSet(set)) => set.contains(value_bytes(v, buf)),
        (_, Operand::Glob(p)) => {
            let b = value_bytes(v, buf);
            if op == B::IGlob {
                glob(p, &b.to_ascii_lowercase())
            } else {
                glob(p, b)
            }
        }
        (_, Operand::Regex(r)) => r.is_match(value_bytes(v, buf)),
        (_, Operand::Prefixes(ps)) => {
            let b = value_bytes(v, buf);
            ps.iter().any(|p| {
                b == p.as_slice()
                    || (b.starts_with(p) && (p.ends_with(b"/") || b.get(p.len()) == Some(&b'/')))
            })
        }
        _ => false,
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// Whether one value satisfies `op` against another field's value.
fn matches_value(op: BinaryOp, a: &Value<'_>, b: &Value<'_>) -> bool {
    use BinaryOp as B;
    if let (Some(x), Some(y)) = (value_num(a), value_num(b)) {
        if matches!(op, B::Lt | B::Le | B::Gt | B::Ge | B::Eq | B::Ne | B::In) {
            return match op {
                B::Eq | B::In => x == y,
                B::Lt => x < y,
                B::Le => x <= y,
                B::Gt => x > y,
                B::Ge => x >= y,
                _ => false,
            };
        }
    }
    let (mut ba, mut bb) = (String::new(), String::new());
    let (x, y) = (value_bytes(a, &mut ba), value_bytes(b, &mut bb));
    match op {
        B::Eq | B::In | B::Intersects => x == y,
        B::Contains | B::BContains => contains(x, y),
        B::IContains => contains(&x.to_ascii_lowercase(), &y.to_ascii_lowercase()),
        B::StartsWith | B::BStartsWith => x.starts_with(y),
        B::EndsWith => x.ends_with(y),
        B::Glob => glob(y, x),
        B::IGlob => glob(&y.to_ascii_lowercase(), &x.to_ascii_lowercase()),
        B::PMatch => x == y || (x.starts_with(y) && x.get(y.len()) == Some(&b'/')),
        _ => false,
    }
}

/// Scratch space for one event's evaluation (values of the current check).
#[derive(Debug)]
pub struct Scratch<'a> {
    pub lhs: Vec<Value<'a>>,
    pub rhs: Vec<Value<'a>>,
    pub buf: String,
}

impl Default for Scratch<'_> {
    fn default() -> Self {
        Scratch {
            lhs: Vec::with_capacity(8),
            rhs: Vec::with_capacity(8),
            buf: String::new(),
        }
    }
}

impl<S: FieldSource> Node<S> {
    pub fn eval<'a>(&self, src: &S, ev: &S::Event<'a>, sc: &mut Scratch<'a>) -> bool {
        match self {
            Node::And(xs) => xs.iter().all(|x| x.eval(src, ev, sc)),
            Node::Or(xs) => xs.iter().any(|x| x.eval(src, ev, sc)),
            Node::Not(x) => !x.eval(src, ev, sc),
            Node::Check(lhs, test) => {
                lhs.values(src, ev, &mut sc.lhs);
                if sc.lhs.is_empty() {
                    return false;
                }
                match test {
                    Test::Exists => true,
                    Test::Literal(BinaryOp::Ne, rhs) => {
                        let Scratch { lhs: vals, buf, .. } = sc;
                        !vals
                            .iter()
                            .any(|v| matches_literal(lhs.domain, BinaryOp::Eq, rhs, v, buf))
                    }
                    Test::Literal(op, rhs) => {
                        let Scratch { lhs: vals, buf, .. } = sc;
                        vals.iter()
                            .any(|v| matches_literal(lhs.domain, *op, rhs, v, buf))
                    }
                    Test::Field(op, other) => {
                        other.values(src, ev, &mut sc.rhs);
                        if sc.rhs.is_empty() {
                            return false;
                        }
                        let (a, b) = (&sc.lhs, &sc.rhs);
                        if *op == BinaryOp::Ne {
                            !a.iter()
                                .any(|x| b.iter().any(|y| matches_value(BinaryOp::Eq, x, y)))
                        } else {
                            a.iter().any(|x| b.iter().any(|y| matches_value(*op, x, y)))
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64() {
        assert_eq!(super::b64_decode(b"aGVsbG8=").unwrap(), b"hello");
        assert_eq!(super::b64_decode(b"aGVsbG8").unwrap(), b"hello");
        assert!(super::b64_decode(b"a!").is_none());
    }
}
