//! Network interfaces and their addresses, from text files (libscap calls
//! `getifaddrs`, which speaks netlink; we stay with `/proc` and `/sys`).
//!
//! - IPv6: `/proc/net/if_inet6` lists every address with its interface and
//!   prefix length: exact. The broadcast field is zero, as libscap has it.
//! - IPv4: there is no per-interface address file. The local addresses are
//!   the `/32 host LOCAL` entries of `/proc/net/fib_trie`; each is given the
//!   interface and netmask of the longest matching link route (no gateway)
//!   of `/proc/net/route`; 127.0.0.0/8 addresses without a route belong to
//!   `lo` with netmask 255.0.0.0. The broadcast address is what
//!   `getifaddrs` reports in that field: the subnet broadcast for
//!   interfaces with IFF_BROADCAST (`/sys/class/net/<if>/flags`), the
//!   address itself otherwise (loopback, point-to-point without a peer).
//!   Limits: addresses without a main-table link route (`noprefixroute`,
//!   policy routing tables) are not listed; a custom broadcast address or a
//!   point-to-point peer is not seen.
//!
//! Interfaces come in interface index order, IPv4 first, link speed 0 (as
//! libscap records it).

use super::ScanOptions;
use crate::state::{Interface, InterfaceAddr};
use std::collections::HashMap;

const IFF_BROADCAST: u32 = 0x2;

/// The local IPv4 addresses of a `fib_trie` (in order of appearance, once
/// each).
pub fn parse_fib_trie_locals(content: &str) -> Vec<[u8; 4]> {
    let mut out = Vec::new();
    let mut leaf: Option<[u8; 4]> = None;
    for line in content.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ") {
            leaf = addr
                .trim()
                .parse::<std::net::Ipv4Addr>()
                .ok()
                .map(|a| a.octets());
        } else if let Some(rest) = t.strip_prefix('/') {
            let f: Vec<&str> = rest.split_whitespace().collect();
            if f.first() == Some(&"32") && f.last() == Some(&"LOCAL") {
                if let Some(a) = leaf {
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
        } else if !t.starts_with("+--") {
            leaf = None; // a section header
        }
    }
    out
}

/// One row of `/proc/net/route`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub iface: String,
    pub dest: [u8; 4],
    pub gateway: [u8; 4],
    pub mask: [u8; 4],
}

fn be32_hex(s: &str) -> Option<[u8; 4]> {
    if s.len() != 8 {
        return None;
    }
    Some(u32::from_str_radix(s, 16).ok()?.to_ne_bytes())
}

/// Parses `/proc/net/route` (addresses printed like `/proc/net/tcp`'s).
pub fn parse_routes(content: &str) -> Vec<Route> {
    content
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some(Route {
                iface: f.first()?.to_string(),
                dest: be32_hex(f.get(1)?)?,
                gateway: be32_hex(f.get(2)?)?,
                mask: be32_hex(f.get(7)?)?,
            })
        })
        .collect()
}

fn and4(a: [u8; 4], m: [u8; 4]) -> [u8; 4] {
    [a[0] & m[0], a[1] & m[1], a[2] & m[2], a[3] & m[3]]
}

/// Gives each local address an interface, netmask and broadcast address
/// (see the module documentation). `iface_flags` gives an interface's
/// `IFF_*` flags when known.
pub fn ipv4_interfaces(
    locals: &[[u8; 4]],
    routes: &[Route],
    iface_flags: impl Fn(&str) -> Option<u32>,
) -> Vec<Interface> {
    let mut out = Vec::new();
    for &addr in locals {
        let best = routes
            .iter()
            .filter(|r| r.gateway == [0; 4] && r.mask != [0; 4] && and4(addr, r.mask) == r.dest)
            .max_by_key(|r| u32::from_be_bytes(r.mask).count_ones());
        let (name, netmask) = match best {
            Some(r) => (r.iface.clone(), r.mask),
            None if addr[0] == 127 => ("lo".to_string(), [255, 0, 0, 0]),
            None => continue,
        };
        let broadcast_capable = iface_flags(&name).is_some_and(|f| f & IFF_BROADCAST != 0);
        let bcast = if broadcast_capable {
            let m = u32::from_be_bytes(netmask);
            (u32::from_be_bytes(addr) | !m).to_be_bytes()
        } else {
            addr
        };
        out.push(Interface {
            name,
            addr: InterfaceAddr::V4 {
                addr,
                netmask,
                bcast,
            },
            linkspeed: Some(0),
        });
    }
    out
}

/// A netmask of `prefix` leading ones.
pub fn mask16(prefix: u32) -> [u8; 16] {
    let mut m = [0u8; 16];
    let mut left = prefix.min(128);
    for b in m.iter_mut() {
        let take = left.min(8);
        *b = if take == 0 { 0 } else { 0xffu8 << (8 - take) };
        left -= take;
    }
    m
}

/// Parses `/proc/net/if_inet6`: `addr ifindex prefixlen scope flags name`
/// (the address as 32 hex digits in network order). Returns the interface
/// index with each entry.
pub fn parse_if_inet6(content: &str) -> Vec<(u32, Interface)> {
    content
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let hex = f.first()?;
            if hex.len() != 32 {
                return None;
            }
            let mut addr = [0u8; 16];
            for (i, b) in addr.iter_mut().enumerate() {
                *b = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
            }
            let ifindex = u32::from_str_radix(f.get(1)?, 16).ok()?;
            let prefix = u32::from_str_radix(f.get(2)?, 16).ok()?;
            Some((
                ifindex,
                Interface {
                    name: f.get(5)?.to_string(),
                    addr: InterfaceAddr::V6 {
                        addr,
                        netmask: mask16(prefix),
                        bcast: [0; 16],
                    },
                    linkspeed: Some(0),
                },
            ))
        })
        .collect()
}

/// Reads the interfaces of the scanner's network namespace.
pub fn interfaces(opts: &ScanOptions) -> Vec<Interface> {
    let net = opts.proc_root.join("net");
    let read = |name: &str| std::fs::read_to_string(net.join(name)).unwrap_or_default();
    let sys_net = opts.host_path("sys/class/net");
    let sys = |name: &str, attr: &str| -> Option<u32> {
        let s = std::fs::read_to_string(sys_net.join(name).join(attr)).ok()?;
        let s = s.trim();
        match s.strip_prefix("0x") {
            Some(h) => u32::from_str_radix(h, 16).ok(),
            None => s.parse().ok(),
        }
    };
    let mut index_cache: HashMap<String, u32> = HashMap::new();
    let mut ifindex = |name: &str| -> u32 {
        *index_cache
            .entry(name.to_string())
            .or_insert_with(|| sys(name, "ifindex").unwrap_or(u32::MAX))
    };

    let mut v4 = ipv4_interfaces(
        &parse_fib_trie_locals(&read("fib_trie")),
        &parse_routes(&read("route")),
        |name| sys(name, "flags"),
    );
    v4.sort_by_key(|i| ifindex(&i.name));
    let mut v6 = parse_if_inet6(&read("if_inet6"));
    v6.sort_by_key(|(idx, _)| *idx);
    v4.into_iter()
        .chain(v6.into_iter().map(|(_, i)| i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIB_TRIE: &str =
        "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n\
     +-- 127.0.0.0/8 2 0 2\n        +-- 127.0.0.0/31 1 0 0\n           |-- 127.0.0.0\n\
              /8 host LOCAL\n           |-- 127.0.0.1\n              /32 host LOCAL\n\
        |-- 127.255.255.255\n           /32 link BROADCAST\n     +-- 192.0.2.0/24 2 0 2\n\
        +-- 192.0.2.0/30 2 0 2\n           |-- 192.0.2.0\n              /24 link UNICAST\n\
           |-- 192.0.2.2\n              /32 host LOCAL\n        |-- 192.0.2.255\n\
           /32 link BROADCAST\n\
Local:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 10.9.8.7\n        /32 host LOCAL\n\
     |-- 127.0.0.1\n        /32 host LOCAL\n";

    #[test]
    fn fib_trie_locals() {
        assert_eq!(
            parse_fib_trie_locals(FIB_TRIE),
            [[127, 0, 0, 1], [192, 0, 2, 2], [10, 9, 8, 7]]
        );
        assert!(
            parse_fib_trie_locals("garbage\n/32 host LOCAL\n|-- 999.1.1.1\n/32 host LOCAL")
                .is_empty()
        );
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn ipv4_assignment() {
        let routes = parse_routes(
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
             eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
             eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
             tun0\t0000090A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n\
             eth1\t0008090A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
        );
        assert_eq!(routes.len(), 4);
        assert_eq!(routes[1].dest, [192, 0, 2, 0]);
        assert_eq!(routes[1].mask, [255, 255, 255, 0]);
        let flags = |n: &str| match n {
            "lo" => Some(0x9),
            "eth0" | "eth1" => Some(0x1003),
            "tun0" => Some(0x10d1),
            _ => None,
        };
        let got = ipv4_interfaces(&parse_fib_trie_locals(FIB_TRIE), &routes, flags);
        let v4 = |name: &str, addr, netmask, bcast| Interface {
            name: name.into(),
            addr: InterfaceAddr::V4 {
                addr,
                netmask,
                bcast,
            },
            linkspeed: Some(0),
        };
        assert_eq!(
            got,
            [
                v4("lo", [127, 0, 0, 1], [255, 0, 0, 0], [127, 0, 0, 1]),
                v4("eth0", [192, 0, 2, 2], [255, 255, 255, 0], [192, 0, 2, 255]),
                // The longest route wins: 10.9.8.0/24 on eth1, not 10.9/16.
                v4("eth1", [10, 9, 8, 7], [255, 255, 255, 0], [10, 9, 8, 255]),
            ]
        );
        // An address without a route is left out.
        assert!(ipv4_interfaces(&[[172, 16, 0, 1]], &routes, flags).is_empty());
    }

    #[test]
    fn ipv6_entries() {
        let got = parse_if_inet6(
            "fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n\
             fd000000000000000000000000000002 04 7c 00 82     eth0\n\
             00000000000000000000000000000001 01 80 10 80       lo\n\
             zz 01 80 10 80 lo\n",
        );
        assert_eq!(got.len(), 3);
        let (idx, lo) = &got[2];
        assert_eq!(*idx, 1);
        let mut one = [0u8; 16];
        one[15] = 1;
        assert_eq!(
            *lo,
            Interface {
                name: "lo".into(),
                addr: InterfaceAddr::V6 {
                    addr: one,
                    netmask: [0xff; 16],
                    bcast: [0; 16]
                },
                linkspeed: Some(0)
            }
        );
        let InterfaceAddr::V6 { addr, netmask, .. } = &got[0].1.addr else {
            panic!("not v6")
        };
        assert_eq!(addr[..2], [0xfe, 0x80]);
        assert_eq!(addr[15], 1);
        assert_eq!(*netmask, mask16(64));
        assert_eq!(mask16(64)[..9], [255, 255, 255, 255, 255, 255, 255, 255, 0]);
        let InterfaceAddr::V6 { netmask, .. } = &got[1].1.addr else {
            panic!("not v6")
        };
        // /124
        assert_eq!(netmask[15], 0xf0);
        assert_eq!(netmask[14], 0xff);
        assert_eq!(mask16(0), [0; 16]);
        assert_eq!(mask16(200), [0xff; 16]);
    }
}
