//! A value for a named parameter, and its encoding for a schema type: the
//! same bytes the positional setters write for the same value.

use falco_abi::ParamType;
use std::borrow::Cow;

/// A value given to [`EventBuilder::set`](super::EventBuilder::set): an
/// integer (written at the width the schema gives the parameter), a string
/// (NUL-terminated, for string types only) or bytes (written as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamInput<'a> {
    Int(i64),
    Str(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
}

impl ParamInput<'_> {
    /// The bytes of this value for a parameter of type `t`.
    pub(super) fn encode(&self, t: ParamType) -> Vec<u8> {
        match self {
            ParamInput::Int(v) => int(t, *v),
            ParamInput::Str(s) => string(t, s),
            ParamInput::Bytes(b) => b.to_vec(),
        }
    }
}

/// An integer cut to the width of `t` (little-endian).
pub(super) fn int(t: ParamType, v: i64) -> Vec<u8> {
    let n = t
        .fixed_size()
        .unwrap_or_else(|| panic!("{t:?} is not a fixed-size type"));
    v.to_le_bytes()[..n].to_vec()
}

/// A NUL-terminated string, for CHARBUF/FSPATH/FSRELPATH.
pub(super) fn string(t: ParamType, s: &str) -> Vec<u8> {
    assert!(
        matches!(
            t,
            ParamType::CHARBUF | ParamType::FSPATH | ParamType::FSRELPATH
        ),
        "{t:?} is not a string"
    );
    let mut b = s.as_bytes().to_vec();
    b.push(0);
    b
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for ParamInput<'_> {
            /// Unsigned values keep their bit pattern.
            fn from(v: $t) -> Self {
                ParamInput::Int(v as i64)
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32, u64);

impl<'a> From<&'a str> for ParamInput<'a> {
    fn from(s: &'a str) -> Self {
        ParamInput::Str(Cow::Borrowed(s))
    }
}

impl<'a> From<&'a String> for ParamInput<'a> {
    fn from(s: &'a String) -> Self {
        ParamInput::Str(Cow::Borrowed(s))
    }
}

impl From<String> for ParamInput<'_> {
    fn from(s: String) -> Self {
        ParamInput::Str(Cow::Owned(s))
    }
}

impl<'a> From<&'a [u8]> for ParamInput<'a> {
    fn from(b: &'a [u8]) -> Self {
        ParamInput::Bytes(Cow::Borrowed(b))
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for ParamInput<'a> {
    fn from(b: &'a [u8; N]) -> Self {
        ParamInput::Bytes(Cow::Borrowed(b))
    }
}

impl<'a> From<&'a Vec<u8>> for ParamInput<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        ParamInput::Bytes(Cow::Borrowed(b))
    }
}

impl From<Vec<u8>> for ParamInput<'_> {
    fn from(b: Vec<u8>) -> Self {
        ParamInput::Bytes(Cow::Owned(b))
    }
}
