//! Typed field values and Falco's string rendering of them.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

/// Field types as `falco --list` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    CharBuf,
    ByteBuf,
    Int64,
    UInt64,
    UInt32,
    Int32,
    Bool,
    IpAddr,
    IpNet,
    Port,
    L4Proto,
    Mode,
    RelTime,
    AbsTime,
    Double,
    Fd,
    Pid,
    Errno,
    SockFamily,
}

impl FieldType {
    /// The name Falco prints in `--list`.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::CharBuf => "CHARBUF",
            FieldType::ByteBuf => "BYTEBUF",
            FieldType::Int64 => "INT64",
            FieldType::UInt64 => "UINT64",
            FieldType::UInt32 => "UINT32",
            FieldType::Int32 => "INT32",
            FieldType::Bool => "BOOL",
            FieldType::IpAddr => "IPADDR",
            FieldType::IpNet => "IPNET",
            FieldType::Port => "PORT",
            FieldType::L4Proto => "CHARBUF",
            FieldType::Mode => "MODE",
            FieldType::RelTime => "RELTIME",
            FieldType::AbsTime => "ABSTIME",
            FieldType::Double => "DOUBLE",
            FieldType::Fd => "FD",
            FieldType::Pid => "PID",
            FieldType::Errno => "ERRNO",
            FieldType::SockFamily => "UINT8",
        }
    }

    /// Numeric types compare as numbers.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldType::Int64
                | FieldType::UInt64
                | FieldType::UInt32
                | FieldType::Int32
                | FieldType::Port
                | FieldType::Mode
                | FieldType::RelTime
                | FieldType::AbsTime
                | FieldType::Fd
                | FieldType::Pid
                | FieldType::Errno
                | FieldType::SockFamily
        )
    }
}

/// One extracted value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Str(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
    Int(i64),
    UInt(u64),
    /// A number libsinsp prints in upper-case hexadecimal (`fd.dev`): it
    /// compares as a number and is a string in JSON, as there.
    Hex(u64),
    Double(f64),
    Bool(bool),
    Ip(IpAddr),
    /// A network: address and prefix length.
    Net(IpAddr, u8),
}

impl Value<'_> {
    pub fn str(s: impl Into<String>) -> Value<'static> {
        Value::Str(Cow::Owned(s.into()))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(v) => Some(v),
            Value::UInt(v) | Value::Hex(v) => i64::try_from(v).ok(),
            Value::Bool(b) => Some(b as i64),
            _ => None,
        }
    }

    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Bytes(b) => Value::Bytes(Cow::Owned(b.into_owned())),
            Value::Int(v) => Value::Int(v),
            Value::UInt(v) => Value::UInt(v),
            Value::Hex(v) => Value::Hex(v),
            Value::Double(v) => Value::Double(v),
            Value::Bool(v) => Value::Bool(v),
            Value::Ip(v) => Value::Ip(v),
            Value::Net(a, p) => Value::Net(a, p),
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Bytes(b) => f.write_str(&printable(b)),
            Value::Int(v) => write!(f, "{v}"),
            Value::UInt(v) => write!(f, "{v}"),
            Value::Hex(v) => write!(f, "{v:X}"),
            // libsinsp prints doubles with one decimal.
            Value::Double(v) => write!(f, "{v:.1}"),
            Value::Bool(v) => f.write_str(if *v { "true" } else { "false" }),
            Value::Ip(ip) => write!(f, "{ip}"),
            Value::Net(ip, p) => write!(f, "{ip}/{p}"),
        }
    }
}

/// Bytes as Falco prints buffers: printable ASCII kept, the rest as `.`.
pub fn printable(b: &[u8]) -> String {
    b.iter()
        .map(|c| {
            if (0x20..0x7f).contains(c) {
                *c as char
            } else {
                '.'
            }
        })
        .collect()
}
