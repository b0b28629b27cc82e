//! Compiled conditions and their evaluation.
//!
//! A missing value (the event has no such field) makes every comparison
//! false, `exists` included, as in Falco. Fields that give several values
//! (`proc.aname` without an index) match when any value does; `!=` holds
//! when no value equals.

use super::evttypes::EventSet;
use super::operand::{glob, value_bytes, value_f64, value_num, Domain, Operand};
use crate::condition::ast::{BinaryOp, TransformKind};
use falco_sinsp::field::FieldSource;
use falco_sinsp::value::Value;
use std::borrow::Cow;
use std::ops::Range;

/// A field with its transformers, resolved against a source.
pub struct Lhs<S: FieldSource> {
    pub field: S::Field,
    /// Applied innermost first.
    pub transforms: Vec<TransformKind>,
    pub domain: Domain,
    /// The ruleset-wide memo slot of this field with these transformers.
    pub slot: u32,
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
    /// An `evt.type` check (`=`, `in`, `!=` against names with events of
    /// their own) as the set of event codes it accepts; the check itself
    /// serves sources that give no event code.
    Codes(EventSet, Box<Node<S>>),
    /// A subexpression that more than one place of the ruleset holds (a
    /// macro most often): evaluated once per event, its result kept in
    /// this ruleset-wide slot for the others.
    Shared(u32, Box<Node<S>>),
}

impl<S: FieldSource> Lhs<S> {
    /// The event's values of this field (transformers applied), as a range
    /// of `sc.values`: extracted on first use in an event, then reused by
    /// every other check and rule that names the same field.
    fn values<'a>(&self, src: &S, ev: &S::Event<'a>, sc: &mut Scratch<'a>) -> Range<usize> {
        let slot = self.slot as usize;
        if slot >= sc.memo.len() {
            sc.memo.resize(slot + 1, Memo::default());
        }
        let m = sc.memo[slot];
        if m.epoch == sc.epoch {
            return m.start as usize..m.end as usize;
        }
        let start = sc.values.len();
        src.extract(&self.field, ev, &mut sc.values);
        for t in &self.transforms {
            for v in sc.values[start..].iter_mut() {
                *v = transform(*t, v);
            }
        }
        let end = sc.values.len();
        sc.memo[slot] = Memo {
            epoch: sc.epoch,
            start: start as u32,
            end: end as u32,
        };
        start..end
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

/// `x op n` for the ordering operators (and `=`).
fn ordered<T: PartialOrd>(op: BinaryOp, x: T, n: T) -> bool {
    use BinaryOp as B;
    match op {
        B::Eq => x == n,
        B::Lt => x < n,
        B::Le => x <= n,
        B::Gt => x > n,
        B::Ge => x >= n,
        _ => false,
    }
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
        (Domain::Num, Operand::Num(n)) => value_num(v).is_some_and(|x| ordered(op, x, *n)),
        (Domain::Num, Operand::NumSet(set)) => value_num(v).is_some_and(|x| set.contains(&x)),
        (Domain::Float, Operand::Float(n)) => value_f64(v).is_some_and(|x| ordered(op, x, *n)),
        (Domain::Float, Operand::FloatSet(set)) => value_f64(v).is_some_and(|x| set.contains(&x)),
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

/// Where one memo slot's values are in [`Scratch::values`], and for
/// which event.
#[derive(Debug, Clone, Copy)]
pub struct Memo {
    epoch: u64,
    start: u32,
    end: u32,
}

impl Default for Memo {
    /// Stale for every event.
    fn default() -> Memo {
        Memo {
            epoch: u64::MAX,
            start: 0,
            end: 0,
        }
    }
}

/// Scratch space for one event's evaluation: every value extracted for the
/// event, per memo slot where its values are, and per shared
/// subexpression its result (with the epoch it was computed in).
#[derive(Debug, Default)]
pub struct Scratch<'a> {
    pub values: Vec<Value<'a>>,
    pub memo: Vec<Memo>,
    pub shared: Vec<(u64, bool)>,
    /// The current event's number; memo entries of other epochs are stale.
    pub epoch: u64,
    pub buf: String,
}

impl Scratch<'_> {
    /// Starts a new event: forgets every memoised value.
    pub fn begin_event(&mut self) {
        self.epoch = self.epoch.wrapping_add(1) % (u64::MAX - 1);
        self.values.clear();
    }
}

impl<S: FieldSource> Node<S> {
    /// A check's extracted values, as text (what an explanation shows);
    /// `None` for the logical nodes.
    pub fn leaf_values<'a>(
        &self,
        src: &S,
        ev: &S::Event<'a>,
        sc: &mut Scratch<'a>,
    ) -> Option<Vec<String>> {
        match self {
            Node::Check(lhs, _) => {
                let r = lhs.values(src, ev, sc);
                Some(sc.values[r].iter().map(|v| v.to_string()).collect())
            }
            Node::Codes(_, x) | Node::Shared(_, x) => x.leaf_values(src, ev, sc),
            Node::And(_) | Node::Or(_) | Node::Not(_) => None,
        }
    }

    /// Whether the condition holds for `ev`. Values are memoised in `sc`
    /// for the current event: call [`Scratch::begin_event`] before each new
    /// event ([`super::CompiledRuleset::matching`] does).
    pub fn eval<'a>(&self, src: &S, ev: &S::Event<'a>, sc: &mut Scratch<'a>) -> bool {
        match self {
            Node::And(xs) => xs.iter().all(|x| x.eval(src, ev, sc)),
            Node::Or(xs) => xs.iter().any(|x| x.eval(src, ev, sc)),
            Node::Not(x) => !x.eval(src, ev, sc),
            Node::Codes(set, check) => match src.event_code(ev) {
                Some(code) => set.contains(code),
                None => check.eval(src, ev, sc),
            },
            Node::Shared(slot, x) => {
                let slot = *slot as usize;
                if let Some(&(epoch, r)) = sc.shared.get(slot) {
                    if epoch == sc.epoch {
                        return r;
                    }
                }
                let r = x.eval(src, ev, sc);
                if slot >= sc.shared.len() {
                    sc.shared.resize(slot + 1, (u64::MAX, false));
                }
                sc.shared[slot] = (sc.epoch, r);
                r
            }
            Node::Check(lhs, test) => {
                let r = lhs.values(src, ev, sc);
                if r.is_empty() {
                    return false;
                }
                match test {
                    Test::Exists => true,
                    Test::Literal(BinaryOp::Ne, rhs) => {
                        let Scratch { values, buf, .. } = sc;
                        !values[r]
                            .iter()
                            .any(|v| matches_literal(lhs.domain, BinaryOp::Eq, rhs, v, buf))
                    }
                    Test::Literal(op, rhs) => {
                        let Scratch { values, buf, .. } = sc;
                        values[r]
                            .iter()
                            .any(|v| matches_literal(lhs.domain, *op, rhs, v, buf))
                    }
                    Test::Field(op, other) => {
                        let r2 = other.values(src, ev, sc);
                        if r2.is_empty() {
                            return false;
                        }
                        let (a, b) = (&sc.values[r], &sc.values[r2]);
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
