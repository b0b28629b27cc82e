//! Right-hand sides compiled once, by the left field's type: numbers
//! parsed, IP networks parsed, string lists turned into hash sets, globs
//! and regexes compiled, pmatch prefixes normalised.

use crate::condition::ast::BinaryOp;
use falco_sinsp::value::{FieldType, Value};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;

/// A word-at-a-time multiplicative hash (the Fx scheme). The sets below
/// hold a rule's literals, fixed when the rules are compiled and only
/// looked up afterwards, so nobody can flood them with colliding keys and
/// SipHash's DoS resistance buys nothing; this is several times cheaper on
/// the paths and names rules list.
#[derive(Debug, Clone, Copy, Default)]
pub struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(tail));
    }

    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

/// A set of rule literals.
pub type LiteralSet<T> = HashSet<T, BuildHasherDefault<WordHasher>>;

/// An IP network: address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Net {
    /// `10.0.0.0/8`, or a bare address (a host network).
    pub fn parse(s: &str) -> Option<Net> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = p.unwrap_or(max);
        (prefix <= max).then_some(Net { addr, prefix })
    }

    pub fn contains(&self, ip: &IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.prefix)
                };
                u32::from(n) & mask == u32::from(*a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.prefix)
                };
                u128::from(n) & mask == u128::from(*a) & mask
            }
            _ => false,
        }
    }
}

/// A compiled right-hand side.
#[derive(Debug, Clone)]
pub enum Operand {
    Str(Vec<u8>),
    /// Lower-cased, for icontains / iglob.
    LowerStr(Vec<u8>),
    Num(i128),
    Float(f64),
    Bool(bool),
    Net(Net),
    StrSet(LiteralSet<Vec<u8>>),
    NumSet(LiteralSet<i128>),
    FloatSet(Vec<f64>),
    NetList(Vec<Net>),
    BoolSet(Vec<bool>),
    Glob(Vec<u8>),
    Regex(regex::bytes::Regex),
    /// pmatch: paths; a value matches when it is one of them or below one.
    Prefixes(Vec<Vec<u8>>),
}

/// Why a right-hand side does not fit its field.
pub type OperandError = String;

/// Parses a number as Falco does: decimal, or 0x hexadecimal.
pub fn parse_num(s: &str) -> Option<i128> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return i128::from_str_radix(h, 16).ok();
    }
    s.parse::<i128>().ok()
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// How values of a field compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    Str,
    Num,
    /// Doubles (`proc.fdusage`): compared as floating-point numbers.
    Float,
    Bool,
    /// An address compared with addresses (or networks, for `in`).
    Ip,
    /// A network field: values fall in networks.
    Net,
}

pub fn domain(t: FieldType) -> Domain {
    match t {
        FieldType::Bool => Domain::Bool,
        FieldType::IpAddr => Domain::Ip,
        FieldType::IpNet => Domain::Net,
        FieldType::Double => Domain::Float,
        t if t.is_numeric() => Domain::Num,
        _ => Domain::Str,
    }
}

fn text(b: &[u8]) -> Result<&str, OperandError> {
    std::str::from_utf8(b).map_err(|_| "value is not valid UTF-8".to_string())
}

/// Compiles the literal items of a comparison for a field of domain `d`.
pub fn compile(
    d: Domain,
    op: BinaryOp,
    items: &[Vec<u8>],
    list: bool,
) -> Result<Operand, OperandError> {
    use BinaryOp as B;
    let one = || -> Result<&Vec<u8>, OperandError> {
        match items {
            [x] if !list => Ok(x),
            _ => Err(format!("operator '{}' takes a single value", op.as_str())),
        }
    };
    let num = |b: &[u8]| {
        parse_num(text(b)?)
            .ok_or_else(|| format!("'{}' is not a number", String::from_utf8_lossy(b)))
    };
    let float = |b: &[u8]| {
        text(b)?
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("'{}' is not a number", String::from_utf8_lossy(b)))
    };
    let net = |b: &[u8]| {
        Net::parse(text(b)?).ok_or_else(|| {
            format!(
                "'{}' is not an IP address or network",
                String::from_utf8_lossy(b)
            )
        })
    };
    let boolean = |b: &[u8]| {
        parse_bool(text(b)?)
            .ok_or_else(|| format!("'{}' is not a boolean", String::from_utf8_lossy(b)))
    };
    Ok(match (op, d) {
        (B::In | B::Intersects, Domain::Str) => Operand::StrSet(items.iter().cloned().collect()),
        (B::In | B::Intersects, Domain::Num) => {
            Operand::NumSet(items.iter().map(|b| num(b)).collect::<Result<_, _>>()?)
        }
        (B::In | B::Intersects, Domain::Float) => {
            Operand::FloatSet(items.iter().map(|b| float(b)).collect::<Result<_, _>>()?)
        }
        (B::In | B::Intersects, Domain::Ip | Domain::Net) => {
            Operand::NetList(items.iter().map(|b| net(b)).collect::<Result<_, _>>()?)
        }
        (B::In | B::Intersects, Domain::Bool) => {
            Operand::BoolSet(items.iter().map(|b| boolean(b)).collect::<Result<_, _>>()?)
        }
        (B::PMatch, Domain::Str) => Operand::Prefixes(
            items
                .iter()
                .map(|p| {
                    let mut p = p.clone();
                    while p.len() > 1 && p.ends_with(b"/") {
                        p.pop();
                    }
                    p
                })
                .collect(),
        ),
        (B::Eq | B::Ne, Domain::Str) => Operand::Str(one()?.clone()),
        (B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge, Domain::Num) => Operand::Num(num(one()?)?),
        (B::Eq | B::Ne | B::Lt | B::Le | B::Gt | B::Ge, Domain::Float) => {
            Operand::Float(float(one()?)?)
        }
        (B::Eq | B::Ne, Domain::Bool) => Operand::Bool(boolean(one()?)?),
        (B::Eq | B::Ne, Domain::Ip | Domain::Net) => Operand::Net(net(one()?)?),
        (
            B::Contains | B::StartsWith | B::EndsWith | B::BContains | B::BStartsWith,
            Domain::Str,
        ) => {
            let v = one()?.clone();
            match op {
                B::BContains | B::BStartsWith => Operand::Str(unhex(&v)?),
                _ => Operand::Str(v),
            }
        }
        (B::IContains, Domain::Str) => Operand::LowerStr(one()?.to_ascii_lowercase()),
        (B::Glob, Domain::Str) => Operand::Glob(one()?.clone()),
        (B::IGlob, Domain::Str) => Operand::Glob(one()?.to_ascii_lowercase()),
        (B::Regex, Domain::Str) => {
            // Falco's regex matches the whole value (RE2 full match).
            let pat = format!("^(?:{})$", text(one()?)?);
            Operand::Regex(
                regex::bytes::Regex::new(&pat).map_err(|e| format!("invalid regex: {e}"))?,
            )
        }
        _ => {
            return Err(format!(
                "operator '{}' is not supported on this field",
                op.as_str()
            ))
        }
    })
}

/// bcontains/bstartswith take hex bytes: `bcontains 7f454c46`.
fn unhex(b: &[u8]) -> Result<Vec<u8>, OperandError> {
    let s = text(b)?;
    if s.len() % 2 != 0 {
        return Err(format!("'{s}' is not a hex byte string"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&s[i..i + 2], 16)
                .map_err(|_| format!("'{s}' is not a hex byte string"))
        })
        .collect()
}

/// The bytes of a value as strings compare (numbers in decimal).
pub fn value_bytes<'v>(v: &'v Value<'_>, buf: &'v mut String) -> &'v [u8] {
    use std::fmt::Write;
    match v {
        Value::Str(s) => s.as_bytes(),
        Value::Bytes(b) => b,
        other => {
            buf.clear();
            let _ = write!(buf, "{other}");
            buf.as_bytes()
        }
    }
}

/// A value as a number, when it is one (strings holding numbers count).
pub fn value_num(v: &Value<'_>) -> Option<i128> {
    match v {
        Value::Int(i) => Some(*i as i128),
        Value::UInt(u) | Value::Hex(u) => Some(*u as i128),
        Value::Bool(b) => Some(*b as i128),
        Value::Str(s) => parse_num(s),
        _ => None,
    }
}

/// A value as a floating-point number, for `Domain::Float`.
pub fn value_f64(v: &Value<'_>) -> Option<f64> {
    match v {
        Value::Double(d) => Some(*d),
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) | Value::Hex(u) => Some(*u as f64),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Shell-style glob on bytes: `*`, `?` and `[...]` classes.
pub fn glob(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut t, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while t < s.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    star = Some(p);
                    mark = t;
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                b'[' => {
                    if let Some((hit, end)) = class(&pat[p..], s[t]) {
                        if hit {
                            p += end;
                            t += 1;
                            continue;
                        }
                    } else if s[t] == b'[' {
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
                c if c == s[t] => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some(sp) => {
                p = sp + 1;
                mark += 1;
                t = mark;
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|c| *c == b'*')
}

/// A `[...]` class at the start of `pat`: whether `c` is in it, and the
/// class's length. `None` when the bracket does not close.
fn class(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(1), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let start = i;
    while i < pat.len() {
        if pat[i] == b']' && i > start {
            return Some((hit != negate, i + 1));
        }
        if i + 2 < pat.len() && pat[i + 1] == b'-' && pat[i + 2] != b']' {
            hit |= pat[i] <= c && c <= pat[i + 2];
            i += 3;
        } else {
            hit |= pat[i] == c;
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let n = Net::parse("10.0.0.0/8").unwrap();
        assert!(n.contains(&"10.2.3.4".parse().unwrap()));
        assert!(!n.contains(&"11.0.0.1".parse().unwrap()));
        assert!(Net::parse("::1").unwrap().contains(&"::1".parse().unwrap()));
        assert!(Net::parse("0.0.0.0/0")
            .unwrap()
            .contains(&"1.2.3.4".parse().unwrap()));
        assert!(Net::parse("10.0.0.0/33").is_none());
        assert!(Net::parse("bash").is_none());
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_num("0x1F"), Some(31));
        assert_eq!(parse_num("-2"), Some(-2));
        assert_eq!(parse_num("x"), None);
    }

    #[test]
    fn globs() {
        assert!(glob(b"/etc/*", b"/etc/shadow"));
        assert!(glob(b"*.sh", b"/tmp/x.sh"));
        assert!(glob(b"/bin/?ash", b"/bin/bash"));
        assert!(glob(b"/dev/[st]d*", b"/dev/sda"));
        assert!(!glob(b"/dev/[!s]d*", b"/dev/sda"));
        assert!(!glob(b"/etc/*", b"/usr/etc"));
        assert!(glob(b"*", b""));
    }

    #[test]
    fn operands_by_domain() {
        assert!(matches!(
            compile(Domain::Num, BinaryOp::Gt, &[b"10".to_vec()], false),
            Ok(Operand::Num(10))
        ));
        assert!(compile(Domain::Num, BinaryOp::Contains, &[b"1".to_vec()], false).is_err());
        assert!(compile(Domain::Num, BinaryOp::Eq, &[b"bash".to_vec()], false).is_err());
        assert!(
            matches!(compile(Domain::Str, BinaryOp::BContains, &[b"7f45".to_vec()], false), Ok(Operand::Str(v)) if v == [0x7f, 0x45])
        );
        assert!(compile(Domain::Str, BinaryOp::Regex, &[b"(".to_vec()], false).is_err());
        assert!(
            matches!(compile(Domain::Net, BinaryOp::In, &[b"10.0.0.0/8".to_vec(), b"::1".to_vec()], true), Ok(Operand::NetList(l)) if l.len() == 2)
        );
    }
}
