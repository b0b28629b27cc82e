//! Reading typed values out of the configuration tree, with yaml-cpp's
//! scalar conversions (which is what Falco's `get_scalar<T>` uses).
//!
//! One difference from Falco, on purpose: where yaml-cpp silently falls
//! back to the default when a value does not convert (`json_output: maybe`
//! is `false` in Falco), falco-rs reports an error naming the file, line
//! and column. A null value (`key:` with nothing after it) still means
//! "use the default", as in Falco.

use super::error::ConfigError;
use super::schema::{Shape, FALCO_CONFIG};
use super::yaml::{Kind, Node, Origin};

/// yaml-cpp's boolean spellings.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// An integer as yaml-cpp reads one: optional sign, then decimal digits,
/// `0x` hexadecimal or `0o` octal.
pub fn parse_int(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        i128::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        if oct.is_empty() || !oct.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return None;
        }
        i128::from_str_radix(oct, 8).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<i128>().ok()?
    };
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// A floating point number (YAML's `.inf`/`.nan` spellings included; not
/// the bare words `inf` or `nan`, which C++ streams reject).
pub fn parse_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    if !s.bytes().any(|b| b.is_ascii_digit())
        || s.bytes()
            .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    s.parse().ok()
}

/// Typed access to a configuration tree by dotted path (`a.b.c`).
///
/// A document knows the schema of its root, and every path read must be
/// in it: debug builds (the tests) panic on a read the schema lacks, so
/// the schema cannot fall behind what the loaders read.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    pub root: &'a Node,
    shape: &'static Shape,
}

impl<'a> Doc<'a> {
    /// The root of falco.yaml ([`FALCO_CONFIG`]).
    pub fn new(root: &'a Node) -> Doc<'a> {
        Doc::with_shape(root, &FALCO_CONFIG)
    }

    /// A tree of the given shape ([`Shape::Any`] allows any path).
    pub fn with_shape(root: &'a Node, shape: &'static Shape) -> Doc<'a> {
        Doc { root, shape }
    }

    /// An item of the sequence at `path` (a `plugins` entry...), or the
    /// mapping at `path` itself when that is not a sequence.
    pub fn item(&self, node: &'a Node, path: &str) -> Doc<'a> {
        Doc::with_shape(node, self.schema(path).item())
    }

    /// What the schema says is at `path`.
    fn schema(&self, path: &str) -> &'static Shape {
        let shape = self.shape.at(path);
        debug_assert!(
            shape.is_some(),
            "the configuration key '{path}' is read but not in the schema (config/schema.rs)"
        );
        shape.unwrap_or(&Shape::Any)
    }

    /// Checks (debug builds) that the schema gives `path` the type the
    /// getter reads, so that `--config-schema` describes what is accepted.
    fn check_type(&self, path: &str, getter: &str, fits: fn(&Shape) -> bool) {
        let shape = self.schema(path);
        debug_assert!(
            shape.accepts(fits),
            "the configuration key '{path}' is read as {getter} but the schema says {shape:?}"
        );
    }

    /// The node at `path`, if every step is a mapping that has the key.
    pub fn node(&self, path: &str) -> Option<&'a Node> {
        self.schema(path);
        path.split('.')
            .try_fold(self.root, |node, key| node.get(key))
    }

    /// Whether `path` is set to anything (null included).
    pub fn is_defined(&self, path: &str) -> bool {
        self.node(path).is_some()
    }

    /// The scalar at `path`; `None` when unset or null; an error when it
    /// is a sequence or a mapping.
    pub fn scalar(&self, path: &str) -> Result<Option<(&'a str, &'a Origin)>, ConfigError> {
        match self.node(path) {
            None => Ok(None),
            Some(node) => match &node.kind {
                Kind::Null => Ok(None),
                Kind::Scalar(s) => Ok(Some((s, &node.origin))),
                _ => Err(ConfigError::at(
                    &node.origin,
                    format!("{path} must be a scalar, found {}", node.kind_name()),
                )),
            },
        }
    }

    pub fn bool(&self, path: &str, default: bool) -> Result<bool, ConfigError> {
        self.check_type(path, "a boolean", |s| matches!(s, Shape::Bool));
        match self.scalar(path)? {
            None => Ok(default),
            Some((s, origin)) => parse_bool(s).ok_or_else(|| {
                ConfigError::at(
                    origin,
                    format!("{path} must be a boolean (true or false), found '{s}'"),
                )
            }),
        }
    }

    /// An integer converted to `T` (range checked).
    pub fn int<T: TryFrom<i64> + Copy>(&self, path: &str, default: T) -> Result<T, ConfigError> {
        self.check_type(path, "an integer", |s| matches!(s, Shape::Int));
        match self.scalar(path)? {
            None => Ok(default),
            Some((s, origin)) => {
                let n = parse_int(s).ok_or_else(|| {
                    ConfigError::at(origin, format!("{path} must be an integer, found '{s}'"))
                })?;
                T::try_from(n)
                    .map_err(|_| ConfigError::at(origin, format!("{path}: {n} is out of range")))
            }
        }
    }

    pub fn float(&self, path: &str, default: f64) -> Result<f64, ConfigError> {
        self.check_type(path, "a number", |s| matches!(s, Shape::Num | Shape::Int));
        match self.scalar(path)? {
            None => Ok(default),
            Some((s, origin)) => parse_int(s)
                .map(|i| i as f64)
                .or_else(|| parse_float(s))
                .ok_or_else(|| {
                    ConfigError::at(origin, format!("{path} must be a number, found '{s}'"))
                }),
        }
    }

    pub fn string(&self, path: &str, default: &str) -> Result<String, ConfigError> {
        self.check_type(path, "a string", |s| {
            matches!(s, Shape::Str | Shape::Enum(_))
        });
        Ok(self
            .scalar(path)?
            .map_or_else(|| default.to_owned(), |(s, _)| s.to_owned()))
    }

    /// Where `path` was set (for messages about its value).
    pub fn origin(&self, path: &str) -> Origin {
        self.node(path)
            .map_or(Origin::Default, |n| n.origin.clone())
    }

    /// A sequence of strings; a single scalar counts as a one-item
    /// sequence and null as empty (Falco's `get_sequence`).
    pub fn strings(&self, path: &str) -> Result<Vec<(String, Origin)>, ConfigError> {
        let Some(node) = self.node(path) else {
            return Ok(Vec::new());
        };
        seq_of_strings(path, node)
    }
}

/// The items of a sequence of scalars (a scalar alone is one item).
pub fn seq_of_strings(path: &str, node: &Node) -> Result<Vec<(String, Origin)>, ConfigError> {
    match &node.kind {
        Kind::Null => Ok(Vec::new()),
        Kind::Scalar(s) => Ok(vec![(s.clone(), node.origin.clone())]),
        Kind::Seq(items) => items
            .iter()
            .filter(|item| !item.is_null())
            .map(|item| match &item.kind {
                Kind::Scalar(s) => Ok((s.clone(), item.origin.clone())),
                _ => Err(ConfigError::at(
                    &item.origin,
                    format!(
                        "{path}: every item must be a string, found {}",
                        item.kind_name()
                    ),
                )),
            })
            .collect(),
        Kind::Map(_) => Err(ConfigError::at(
            &node.origin,
            format!("{path} must be a sequence of strings, found a mapping"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml::parse;

    #[test]
    fn scalars_convert_like_yaml_cpp() {
        assert_eq!(parse_bool("yes"), Some(true));
        assert_eq!(parse_bool("OFF"), Some(false));
        assert_eq!(parse_bool("tRue"), None);
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("-7"), Some(-7));
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("4k"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_float("0.1"), Some(0.1));
        assert_eq!(parse_float(".03333"), Some(0.03333));
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("inf"), None);
        assert!(parse_float(".inf").unwrap().is_infinite());
    }

    #[test]
    fn typed_getters_report_the_position() {
        let root = parse("c.yaml", "a:\n  b: maybe\n  n: 300\n  s: [x, y]\n  e:\n").unwrap();
        let doc = Doc::with_shape(&root, &Shape::Any);
        let err = doc.bool("a.b", false).unwrap_err().to_string();
        assert_eq!(
            err,
            "c.yaml:2:6: a.b must be a boolean (true or false), found 'maybe'"
        );
        let err = doc.int::<u8>("a.n", 0).unwrap_err().to_string();
        assert_eq!(err, "c.yaml:3:6: a.n: 300 is out of range");
        assert_eq!(doc.int::<u32>("a.n", 0).unwrap(), 300);
        assert!(doc
            .string("a.s", "")
            .unwrap_err()
            .to_string()
            .contains("must be a scalar"));
        assert!(doc.bool("a.e", true).unwrap(), "null means default");
        assert!(!doc.bool("a.missing", false).unwrap());
        let items: Vec<String> = doc
            .strings("a.s")
            .unwrap()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(items, ["x", "y"]);
        assert_eq!(doc.strings("a.b").unwrap().len(), 1);
    }
}
