//! Typed reads out of a case file's YAML tree: every failure names the
//! file, line and column of the node it is about.

use crate::config::types::parse_int;
use crate::config::yaml::{Key, Kind, Node, Origin};
use std::fmt;

/// Something wrong in a case file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    pub origin: Origin,
    pub message: String,
}

impl fmt::Display for Bad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

impl std::error::Error for Bad {}

pub type Read<T> = Result<T, Bad>;

/// An error at `node`.
pub fn bad<T>(node: &Node, message: impl Into<String>) -> Read<T> {
    Err(Bad {
        origin: node.origin.clone(),
        message: message.into(),
    })
}

/// The entries of a mapping, refusing keys outside `allowed` (a typo in a
/// case must not silently drop what it meant to say).
pub fn entries<'n>(node: &'n Node, what: &str, allowed: &[&str]) -> Read<&'n [(Key, Node)]> {
    let Kind::Map(entries) = &node.kind else {
        return bad(
            node,
            format!("{what} must be a mapping, not {}", node.kind_name()),
        );
    };
    if let Some((key, _)) = entries
        .iter()
        .find(|(k, _)| !allowed.contains(&k.name.as_str()))
    {
        return Err(Bad {
            origin: key.origin.clone(),
            message: format!(
                "unknown key '{}' in {what} (expected one of: {})",
                key.name,
                allowed.join(", ")
            ),
        });
    }
    Ok(entries)
}

/// The items of a sequence (a null node is an empty one).
pub fn items<'n>(node: &'n Node, what: &str) -> Read<&'n [Node]> {
    match &node.kind {
        Kind::Seq(items) => Ok(items),
        Kind::Null => Ok(&[]),
        _ => bad(
            node,
            format!("{what} must be a sequence, not {}", node.kind_name()),
        ),
    }
}

pub fn text<'n>(node: &'n Node, what: &str) -> Read<&'n str> {
    match node.as_scalar() {
        Some(s) => Ok(s),
        None => bad(
            node,
            format!("{what} must be a scalar, not {}", node.kind_name()),
        ),
    }
}

pub fn int(node: &Node, what: &str) -> Read<i64> {
    let s = text(node, what)?;
    parse_int(s).map_or_else(
        || bad(node, format!("{what} must be an integer, not '{s}'")),
        Ok,
    )
}

pub fn uint(node: &Node, what: &str) -> Read<u64> {
    let v = int(node, what)?;
    u64::try_from(v).or_else(|_| bad(node, format!("{what} must not be negative")))
}

/// A sequence of scalars, or one scalar standing for a sequence of one.
pub fn strings(node: &Node, what: &str) -> Read<Vec<String>> {
    match &node.kind {
        Kind::Scalar(s) => Ok(vec![s.clone()]),
        _ => items(node, what)?
            .iter()
            .map(|n| text(n, what).map(str::to_owned))
            .collect(),
    }
}

/// A duration: nanoseconds, or a number with `ns`, `us`, `ms`, `s`, `m`
/// or `h`.
pub fn duration_ns(node: &Node, what: &str) -> Read<u64> {
    let s = text(node, what)?.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let scale = match unit.trim() {
        "" | "ns" => 1,
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => {
            return bad(
                node,
                format!("{what}: unknown unit in '{s}' (ns, us, ms, s, m, h)"),
            )
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .map_or_else(
            || {
                bad(
                    node,
                    format!("{what} must be a duration like 30s, not '{s}'"),
                )
            },
            Ok,
        )
}

/// A scalar node standing for a value a reader computed (its origin is the
/// node it came from).
pub fn scalar_at(origin: &Origin, value: impl Into<String>) -> Node {
    Node::new(Kind::Scalar(value.into()), origin.clone())
}
