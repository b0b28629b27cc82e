//! A parameter value as a person writes it in a case, turned into the
//! bytes the event schema gives that parameter: integers (decimal, `0x`,
//! `0o`, a leading-zero octal for modes), flag names joined by `|`, errno
//! names (`-ENOENT`), strings, string lists, `ADDR:PORT` socket addresses
//! and `SRC:PORT->DST:PORT` socket tuples.

use super::read::{self, bad, Read};
use crate::config::types::parse_int;
use crate::config::yaml::Node;
use falco_abi::flag_tables::socket_families::{AF_INET, AF_INET6, AF_UNIX};
use falco_abi::schema::AT_FDCWD;
use falco_abi::{ParamInfo, ParamType, PrintFormat};
use falco_scap::builder::events::{ipv4_tuple, ipv6_tuple, nul_join};
use falco_scap::builder::ParamInput;
use std::net::{IpAddr, SocketAddr};

/// The value of `node` for parameter `p`.
pub fn encode(p: &ParamInfo, node: &Node) -> Read<ParamInput<'static>> {
    let what = p.name;
    match p.ptype {
        ParamType::CHARBUF | ParamType::FSPATH | ParamType::FSRELPATH => {
            Ok(ParamInput::Str(read::text(node, what)?.to_owned().into()))
        }
        ParamType::BYTEBUF => Ok(ParamInput::Bytes(
            read::text(node, what)?.as_bytes().to_vec().into(),
        )),
        ParamType::CHARBUFARRAY | ParamType::CHARBUF_PAIR_ARRAY => {
            let items = read::strings(node, what)?;
            let refs: Vec<&str> = items.iter().map(String::as_str).collect();
            Ok(ParamInput::Bytes(nul_join(&refs).into()))
        }
        ParamType::SOCKTUPLE => tuple(node, what),
        ParamType::SOCKADDR => sockaddr(node, what),
        ParamType::IPV4ADDR => match ip(node, what)? {
            IpAddr::V4(a) => Ok(ParamInput::Bytes(a.octets().to_vec().into())),
            IpAddr::V6(_) => bad(node, format!("{what} is an IPv4 address")),
        },
        ParamType::IPV6ADDR => match ip(node, what)? {
            IpAddr::V6(a) => Ok(ParamInput::Bytes(a.octets().to_vec().into())),
            IpAddr::V4(a) => Ok(ParamInput::Bytes(
                a.to_ipv6_mapped().octets().to_vec().into(),
            )),
        },
        t if t.fixed_size().is_some_and(|n| (1..=8).contains(&n)) && t != ParamType::DOUBLE => {
            integer(p, node).map(ParamInput::Int)
        }
        t => bad(
            node,
            format!("parameter '{what}' has type {t:?}, which cases cannot write yet"),
        ),
    }
}

/// An integer parameter: a number, flag names, or an errno name.
fn integer(p: &ParamInfo, node: &Node) -> Read<i64> {
    let s = read::text(node, p.name)?.trim();
    if (p.ptype == ParamType::MODE || p.fmt == PrintFormat::OCT)
        && s.len() > 1
        && s.starts_with('0')
        && !s.starts_with("0x")
    {
        if let Ok(v) = i64::from_str_radix(s.trim_start_matches("0o"), 8) {
            return Ok(v);
        }
    }
    if let Some(v) = parse_int(s) {
        return Ok(v);
    }
    if s == "AT_FDCWD" && matches!(p.ptype, ParamType::FD | ParamType::FD32) {
        return Ok(AT_FDCWD);
    }
    let (negative, name) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if let Some(e) = falco_sinsp::render::errno_number(name) {
        return Ok(if negative { -e } else { e });
    }
    let Some(table) = p.flag_names() else {
        return bad(
            node,
            format!("{}: '{s}' is not a number or an errno name", p.name),
        );
    };
    let mut value = 0i64;
    for part in s.split('|').map(str::trim) {
        match table.iter().find(|f| f.name == part) {
            Some(f) => value |= i64::from(f.value),
            None => {
                let known: Vec<&str> = table.iter().map(|f| f.name).collect();
                return bad(
                    node,
                    format!(
                        "{}: unknown flag '{part}' (known: {})",
                        p.name,
                        known.join(", ")
                    ),
                );
            }
        }
    }
    Ok(value)
}

fn ip(node: &Node, what: &str) -> Read<IpAddr> {
    let s = read::text(node, what)?.trim();
    s.parse().map_or_else(
        |_| bad(node, format!("{what}: '{s}' is not an IP address")),
        Ok,
    )
}

/// `ADDR:PORT` (`[V6]:PORT` for IPv6).
fn socket_addr(node: &Node, what: &str, s: &str) -> Read<SocketAddr> {
    s.trim().parse().map_or_else(
        |_| {
            bad(
                node,
                format!("{what}: '{s}' is not ADDR:PORT (IPv6: [ADDR]:PORT)"),
            )
        },
        Ok,
    )
}

/// One endpoint written as `ADDR:PORT`: `connect`'s `to` and `from`.
pub fn endpoint(node: &Node, what: &str) -> Read<SocketAddr> {
    socket_addr(node, what, read::text(node, what)?)
}

/// The two endpoints of `SRC:PORT->DST:PORT`: a tuple parameter, or a
/// world fd's `tcp`/`udp`.
pub fn endpoints(node: &Node, what: &str) -> Read<(SocketAddr, SocketAddr)> {
    let s = read::text(node, what)?;
    let Some((src, dst)) = s.split_once("->") else {
        return bad(
            node,
            format!("{what}: expected SRC:PORT->DST:PORT, not '{s}'"),
        );
    };
    Ok((socket_addr(node, what, src)?, socket_addr(node, what, dst)?))
}

/// `SRC:PORT->DST:PORT`.
fn tuple(node: &Node, what: &str) -> Read<ParamInput<'static>> {
    let (src, dst) = endpoints(node, what)?;
    Ok(ParamInput::Bytes(tuple_bytes(src, dst).into()))
}

/// The tuple bytes of two endpoints (IPv6 when either is).
pub fn tuple_bytes(src: SocketAddr, dst: SocketAddr) -> Vec<u8> {
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            ipv4_tuple(s.octets(), src.port(), d.octets(), dst.port())
        }
        (s, d) => ipv6_tuple(v6(s), src.port(), v6(d), dst.port()),
    }
}

fn v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

/// `ADDR:PORT`, or `unix:PATH`.
fn sockaddr(node: &Node, what: &str) -> Read<ParamInput<'static>> {
    let s = read::text(node, what)?;
    let mut bytes = Vec::new();
    if let Some(path) = s.strip_prefix("unix:") {
        bytes.push(AF_UNIX as u8);
        bytes.extend_from_slice(path.as_bytes());
        bytes.push(0);
    } else {
        let addr = socket_addr(node, what, s)?;
        match addr.ip() {
            IpAddr::V4(a) => {
                bytes.push(AF_INET as u8);
                bytes.extend_from_slice(&a.octets());
            }
            IpAddr::V6(a) => {
                bytes.push(AF_INET6 as u8);
                bytes.extend_from_slice(&a.octets());
            }
        }
        bytes.extend_from_slice(&addr.port().to_le_bytes());
    }
    Ok(ParamInput::Bytes(bytes.into()))
}
