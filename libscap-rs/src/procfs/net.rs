//! The socket tables of `/proc/<pid>/net/`: socket inode to what the fd of
//! that socket is, as libscap's `scap_fd_read_sockets` builds them.
//!
//! Address encoding (the part easy to get wrong): the kernel prints each
//! IPv4 address as `%08X` of the `__be32` *value as the CPU reads it*, so on
//! a little-endian machine 127.0.0.1 (bytes 7f 00 00 01) prints as
//! `0100007F`. Parsing the hex as a `u32` and taking its native-endian bytes
//! gives back the network-order bytes on any endianness. IPv6 addresses are
//! four such words. Ports are printed in host order (`%04X` of `ntohs`).
//!
//! As in libscap, a socket whose remote address is all zeros is a server
//! socket (listening TCP, unconnected UDP, raw); others are connected,
//! local side as source and remote side as destination.

use crate::state::{FdTarget, FdType};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

/// scap's layer-4 protocol numbers (SCAP_L4_*).
pub const L4_TCP: u8 = 2;
pub const L4_UDP: u8 = 3;
pub const L4_ICMP: u8 = 4;
pub const L4_RAW: u8 = 5;

/// Socket inode to fd target.
pub type SocketTable = HashMap<u64, FdTarget>;

/// Which `/proc/net` file a table comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetFile {
    Inet4(u8),
    Inet6(u8),
    Unix,
    Netlink,
}

/// The files libscap reads, in its order.
pub const NET_FILES: [(&str, NetFile); 8] = [
    ("tcp", NetFile::Inet4(L4_TCP)),
    ("udp", NetFile::Inet4(L4_UDP)),
    ("raw", NetFile::Inet4(L4_RAW)),
    ("unix", NetFile::Unix),
    ("netlink", NetFile::Netlink),
    ("tcp6", NetFile::Inet6(L4_TCP)),
    ("udp6", NetFile::Inet6(L4_UDP)),
    ("raw6", NetFile::Inet6(L4_RAW)),
];

/// `HHHHHHHH:PPPP` (IPv4 address and port).
pub fn parse_ipv4_endpoint(s: &str) -> Option<([u8; 4], u16)> {
    let (addr, port) = s.split_once(':')?;
    if addr.len() != 8 {
        return None;
    }
    let word = u32::from_str_radix(addr, 16).ok()?;
    Some((word.to_ne_bytes(), u16::from_str_radix(port, 16).ok()?))
}

/// 32 hex digits and a port (IPv6 address and port).
pub fn parse_ipv6_endpoint(s: &str) -> Option<([u8; 16], u16)> {
    let (addr, port) = s.split_once(':')?;
    if addr.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, chunk) in out.chunks_exact_mut(4).enumerate() {
        let word = u32::from_str_radix(addr.get(i * 8..i * 8 + 8)?, 16).ok()?;
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    Some((out, u16::from_str_radix(port, 16).ok()?))
}

/// One line of `tcp`, `udp`, `raw` (`v6 == false`) or their `6` variants:
/// `sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...`.
pub fn parse_inet_line(line: &str, v6: bool, l4proto: u8) -> Option<(u64, FdTarget)> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if !f.first()?.ends_with(':') {
        return None; // the header line
    }
    let ino: u64 = f.get(9)?.parse().ok()?;
    let target = if v6 {
        let (sip, sport) = parse_ipv6_endpoint(f.get(1)?)?;
        let (dip, dport) = parse_ipv6_endpoint(f.get(2)?)?;
        ip_target(IpAddr::from(sip), sport, IpAddr::from(dip), dport, l4proto)
    } else {
        let (sip, sport) = parse_ipv4_endpoint(f.get(1)?)?;
        let (dip, dport) = parse_ipv4_endpoint(f.get(2)?)?;
        ip_target(IpAddr::from(sip), sport, IpAddr::from(dip), dport, l4proto)
    };
    Some((ino, target))
}

/// A socket line's target: a server socket when the remote address is all
/// zeros, a connection otherwise.
fn ip_target(sip: IpAddr, sport: u16, dip: IpAddr, dport: u16, l4proto: u8) -> FdTarget {
    if dip.is_unspecified() {
        FdTarget::IpServSock {
            ip: sip,
            port: sport,
            l4proto,
        }
    } else {
        FdTarget::IpSock {
            sip,
            dip,
            sport,
            dport,
            l4proto,
        }
    }
}

/// Splits off `n` whitespace-separated fields and returns them with the
/// rest of the line after the single separating space.
fn fields_and_rest(line: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut rest = line;
    let mut fields = Vec::with_capacity(n);
    for _ in 0..n {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (field, tail) = rest.split_at(end);
        if field.is_empty() {
            return None;
        }
        fields.push(field);
        rest = tail;
    }
    Some((fields, rest.strip_prefix(' ').unwrap_or(rest)))
}

/// One line of `unix`: `Num: RefCount Protocol Flags Type St Inode [Path]`.
/// The source is the kernel address in `Num` (hashed or zero without
/// privileges); the path may hold spaces (abstract names start with `@`).
pub fn parse_unix_line(line: &str) -> Option<(u64, FdTarget)> {
    let (f, path) = fields_and_rest(line, 7)?;
    let num = f.first()?.strip_suffix(':')?;
    let source = u64::from_str_radix(num, 16).ok()?;
    let ino: u64 = f.get(6)?.parse().ok()?;
    Some((
        ino,
        FdTarget::UnixSock {
            source,
            dest: 0,
            path: path.to_string(),
        },
    ))
}

/// One line of `netlink`: `sk Eth Pid Groups Rmem Wmem Dump Locks Drops
/// Inode`. (libscap files these as unix sockets with no address; we keep
/// their own type.)
pub fn parse_netlink_line(line: &str) -> Option<(u64, FdTarget)> {
    let f: Vec<&str> = line.split_whitespace().collect();
    u64::from_str_radix(f.first()?, 16).ok()?; // not the header
    let ino: u64 = f.get(9)?.parse().ok()?;
    Some((
        ino,
        FdTarget::Named {
            fd_type: FdType::Netlink,
            name: String::new(),
        },
    ))
}

/// Adds the sockets of one file's content to `table` (the first entry of
/// an inode wins; inode 0, a socket being torn down, is skipped).
pub fn parse_net_file(kind: NetFile, content: &str, table: &mut SocketTable) {
    for line in content.lines().skip(1) {
        let parsed = match kind {
            NetFile::Inet4(l4) => parse_inet_line(line, false, l4),
            NetFile::Inet6(l4) => parse_inet_line(line, true, l4),
            NetFile::Unix => parse_unix_line(line),
            NetFile::Netlink => parse_netlink_line(line),
        };
        if let Some((ino, target)) = parsed {
            if ino != 0 {
                table.entry(ino).or_insert(target);
            }
        }
    }
}

/// Reads every socket table of a `net` directory (files that are missing,
/// such as `tcp6` without IPv6, are skipped).
pub fn read_socket_table(net_dir: &Path) -> SocketTable {
    let mut table = SocketTable::new();
    for (name, kind) in NET_FILES {
        if let Ok(content) = std::fs::read_to_string(net_dir.join(name)) {
            parse_net_file(kind, &content, &mut table);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 52045 1 0000000000000000 100 0 0 10 0\n\
   1: 0F02000A:0016 0102000A:D431 01 00000000:00000000 02:000A7B1E 00000000     0        0 61234 2 0000000000000000 20 4 29 10 -1\n\
   2: 0100007F:9C40 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n";

    #[cfg(target_endian = "little")]
    #[test]
    fn tcp4_little_endian_addresses() {
        let mut t = SocketTable::new();
        parse_net_file(NetFile::Inet4(L4_TCP), TCP, &mut t);
        assert_eq!(
            t.len(),
            2,
            "header and the inode-0 TIME_WAIT line are skipped"
        );
        assert_eq!(
            t[&52045],
            FdTarget::IpServSock {
                ip: IpAddr::from([127, 0, 0, 1]),
                port: 8080,
                l4proto: L4_TCP
            }
        );
        assert_eq!(
            t[&61234],
            FdTarget::IpSock {
                sip: IpAddr::from([10, 0, 2, 15]),
                dip: IpAddr::from([10, 0, 2, 1]),
                sport: 22,
                dport: 54321,
                l4proto: L4_TCP
            }
        );
    }

    #[test]
    fn endpoint_parsing_is_exact() {
        // The hex is the CPU's reading of the network-order bytes.
        let word = u32::from_ne_bytes([192, 168, 1, 20]);
        let s = format!("{word:08X}:0050");
        assert_eq!(parse_ipv4_endpoint(&s), Some(([192, 168, 1, 20], 80)));
        assert_eq!(parse_ipv4_endpoint("0100007F"), None);
        assert_eq!(parse_ipv4_endpoint("100007F:0050"), None);
        assert_eq!(parse_ipv4_endpoint("0100007G:0050"), None);
        assert_eq!(parse_ipv4_endpoint("0100007F:10000"), None);
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn tcp6_and_udp6_addresses() {
        let tcp6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7001 1 0000000000000000 100 0 0 10 0\n\
   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:A0B1 01 00000000:00000000 00:00000000 00000000     0        0 7002 1 0000000000000000 20 4 30 10 -1\n\
   2: B80D0120000000000000000001000000:0016 B80D0120000000000000000002000000:C350 01 00000000:00000000 00:00000000 00000000     0        0 7003 1 0000000000000000 20 4 30 10 -1\n";
        let mut t = SocketTable::new();
        parse_net_file(NetFile::Inet6(L4_TCP), tcp6, &mut t);
        let mut loopback = [0u8; 16];
        loopback[15] = 1;
        assert_eq!(
            t[&7001],
            FdTarget::IpServSock {
                ip: IpAddr::from(loopback),
                port: 8080,
                l4proto: L4_TCP
            }
        );
        // ::ffff:127.0.0.1 on both sides.
        let mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
        assert_eq!(
            t[&7002],
            FdTarget::IpSock {
                sip: IpAddr::from(mapped),
                dip: IpAddr::from(mapped),
                sport: 8080,
                dport: 0xa0b1,
                l4proto: L4_TCP
            }
        );
        // 2001:db8::1 -> 2001:db8::2.
        let mut a = [0u8; 16];
        a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        let mut b = a;
        a[15] = 1;
        b[15] = 2;
        assert_eq!(
            t[&7003],
            FdTarget::IpSock {
                sip: IpAddr::from(a),
                dip: IpAddr::from(b),
                sport: 22,
                dport: 50000,
                l4proto: L4_TCP
            }
        );

        let udp6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
  255: 00000000000000000000000000000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 8001 2 0000000000000000 0\n";
        parse_net_file(NetFile::Inet6(L4_UDP), udp6, &mut t);
        assert_eq!(
            t[&8001],
            FdTarget::IpServSock {
                ip: IpAddr::from([0; 16]),
                port: 53,
                l4proto: L4_UDP
            }
        );
    }

    #[test]
    fn udp_and_raw_lines() {
        let word = u32::from_ne_bytes([10, 1, 2, 3]);
        let dst = u32::from_ne_bytes([8, 8, 8, 8]);
        let udp = format!(
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
             1234: {word:08X}:A1B2 {dst:08X}:0035 01 00000000:00000000 00:00000000 00000000   0        0 9001 2 0000000000000000 0\n"
        );
        let mut t = SocketTable::new();
        parse_net_file(NetFile::Inet4(L4_UDP), &udp, &mut t);
        assert_eq!(
            t[&9001],
            FdTarget::IpSock {
                sip: IpAddr::from([10, 1, 2, 3]),
                dip: IpAddr::from([8, 8, 8, 8]),
                sport: 0xa1b2,
                dport: 53,
                l4proto: L4_UDP
            }
        );
        let raw = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
                   1: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 9002 2 0000000000000000 0\n";
        parse_net_file(NetFile::Inet4(L4_RAW), raw, &mut t);
        assert_eq!(
            t[&9002],
            FdTarget::IpServSock {
                ip: IpAddr::from([0; 4]),
                port: 1,
                l4proto: L4_RAW
            }
        );
    }

    #[test]
    fn unix_lines() {
        let unix = "Num       RefCount Protocol Flags    Type St Inode Path\n\
ffff8800b4a8c000: 00000002 00000000 00010000 0001 01 13822 /run/systemd/journal/stdout\n\
00000000558abf73: 00000003 00000000 00000000 0001 03   631\n\
0000000000000000: 00000002 00000000 00000000 0002 01 15000 @/org/kernel/linux/storage/multipathd\n\
0000000000000000: 00000002 00000000 00010000 0001 01 15001 /tmp/a dir/with  spaces.sock\n\
garbage line\n";
        let mut t = SocketTable::new();
        parse_net_file(NetFile::Unix, unix, &mut t);
        assert_eq!(t.len(), 4);
        assert_eq!(
            t[&13822],
            FdTarget::UnixSock {
                source: 0xffff8800b4a8c000,
                dest: 0,
                path: "/run/systemd/journal/stdout".into()
            }
        );
        assert_eq!(
            t[&631],
            FdTarget::UnixSock {
                source: 0x558abf73,
                dest: 0,
                path: String::new()
            }
        );
        assert_eq!(
            t[&15000],
            FdTarget::UnixSock {
                source: 0,
                dest: 0,
                path: "@/org/kernel/linux/storage/multipathd".into()
            }
        );
        assert_eq!(
            t[&15001],
            FdTarget::UnixSock {
                source: 0,
                dest: 0,
                path: "/tmp/a dir/with  spaces.sock".into()
            }
        );
    }

    #[test]
    fn netlink_lines() {
        let nl = "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n\
00000000fa0a6a09 0   0          00000000 0        0        0     2        0        4       \n\
000000004b21eba7 4   0          00000000 0        0        0     2        0        564     \n\
000000004b21eba8 4   0\n";
        let mut t = SocketTable::new();
        parse_net_file(NetFile::Netlink, nl, &mut t);
        assert_eq!(t.len(), 2);
        assert_eq!(
            t[&564],
            FdTarget::Named {
                fd_type: FdType::Netlink,
                name: String::new()
            }
        );
    }

    #[test]
    fn garbage_never_panics() {
        let mut t = SocketTable::new();
        for kind in NET_FILES.map(|(_, k)| k) {
            for junk in [
                "",
                "\n\n",
                "x\n0:",
                "h\n0: :",
                "h\n 0: 0100007F:1F90",
                "h\n 0: ZZ:ZZ YY:YY 0A a b c d e f",
                "h\n0: \u{1F600}\u{1F600}\u{1F600}\u{1F600}:1F90 x",
                "h\nffff: 1 2 3 4 5 notanumber path",
            ] {
                parse_net_file(kind, junk, &mut t);
            }
        }
        assert!(t.is_empty());
    }
}
