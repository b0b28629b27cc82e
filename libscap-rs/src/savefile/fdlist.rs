//! FD list blocks: the open fds of one thread.

use super::cursor::{Cursor, Writer};
use crate::error::Result;
use crate::state::{ip_family_v6, ipv4_octets, ipv6_octets, FdInfo, FdTarget, FdType};
use std::net::IpAddr;

const MAX_PATH: usize = 1024;

/// Parses an fd-list block: the tid, then its fds.
pub fn parse(c: &mut Cursor<'_>, v2: bool) -> Result<(u64, Vec<FdInfo>)> {
    let tid = c.u64("tid")?;
    let mut fds = Vec::new();
    while c.remaining() >= 4 {
        fds.push(parse_entry(c, v2)?);
    }
    Ok((tid, fds))
}

fn name(c: &mut Cursor<'_>, what: &str) -> Result<String> {
    // Upstream requires the name to fit its 1024-byte buffer with the NUL.
    c.str16(what, MAX_PATH - 1)
}

fn parse_entry(c: &mut Cursor<'_>, v2: bool) -> Result<FdInfo> {
    let start = c.pos();
    let sub_len = if v2 {
        c.u32("fd entry length")? as usize
    } else {
        0
    };
    let fd = c.i64("fd")?;
    let ino = c.u64("ino")?;
    let ty = c.u8("fd type")?;
    let target = match FdType::from_u8(ty) {
        Some(FdType::Ipv4Sock) => FdTarget::IpSock {
            sip: IpAddr::from(c.raw::<4>("sip")?),
            dip: IpAddr::from(c.raw::<4>("dip")?),
            sport: c.u16("sport")?,
            dport: c.u16("dport")?,
            l4proto: c.u8("l4proto")?,
        },
        Some(FdType::Ipv4ServSock) => FdTarget::IpServSock {
            ip: IpAddr::from(c.raw::<4>("ip")?),
            port: c.u16("port")?,
            l4proto: c.u8("l4proto")?,
        },
        Some(FdType::Ipv6Sock) => FdTarget::IpSock {
            sip: IpAddr::from(c.raw::<16>("sip")?),
            dip: IpAddr::from(c.raw::<16>("dip")?),
            sport: c.u16("sport")?,
            dport: c.u16("dport")?,
            l4proto: c.u8("l4proto")?,
        },
        Some(FdType::Ipv6ServSock) => FdTarget::IpServSock {
            ip: IpAddr::from(c.raw::<16>("ip")?),
            port: c.u16("port")?,
            l4proto: c.u8("l4proto")?,
        },
        Some(FdType::UnixSock) => FdTarget::UnixSock {
            source: c.u64("source")?,
            dest: c.u64("dest")?,
            path: name(c, "unix path")?,
        },
        Some(FdType::FileV2) => {
            let open_flags = c.u32("open flags")?;
            let name = name(c, "file name")?;
            let dev = if sub_len != 0 && c.pos() - start + 4 <= sub_len {
                Some(c.u32("dev")?)
            } else {
                None
            };
            FdTarget::File {
                open_flags,
                name,
                dev,
            }
        }
        Some(FdType::Unknown) | None => FdTarget::UnknownType(ty),
        Some(fd_type) => FdTarget::Named {
            fd_type,
            name: name(c, "fd name")?,
        },
    };
    if sub_len != 0 {
        let read = c.pos() - start;
        if read > sub_len {
            return Err(c.corrupt(format!(
                "fd entry is {sub_len} bytes but its fields need {read}"
            )));
        }
        c.skip(sub_len - read, "fd entry tail")?;
    }
    Ok(FdInfo { fd, ino, target })
}

/// Writes a V2 fd-list body for `tid`.
pub fn encode(tid: u64, fds: &[FdInfo], w: &mut Writer) {
    w.u64(tid);
    for f in fds {
        let at = w.reserve_u32();
        let start = at;
        w.u64(f.fd as u64).u64(f.ino);
        match &f.target {
            FdTarget::IpSock {
                sip,
                dip,
                sport,
                dport,
                l4proto,
            } => {
                if ip_family_v6(&[*sip, *dip]) {
                    w.u8(FdType::Ipv6Sock as u8)
                        .bytes(&ipv6_octets(*sip))
                        .bytes(&ipv6_octets(*dip));
                } else {
                    w.u8(FdType::Ipv4Sock as u8)
                        .bytes(&ipv4_octets(*sip))
                        .bytes(&ipv4_octets(*dip));
                }
                w.u16(*sport).u16(*dport).u8(*l4proto);
            }
            FdTarget::IpServSock { ip, port, l4proto } => {
                if ip.is_ipv6() {
                    w.u8(FdType::Ipv6ServSock as u8).bytes(&ipv6_octets(*ip));
                } else {
                    w.u8(FdType::Ipv4ServSock as u8).bytes(&ipv4_octets(*ip));
                }
                w.u16(*port).u8(*l4proto);
            }
            FdTarget::UnixSock { source, dest, path } => {
                w.u8(FdType::UnixSock as u8)
                    .u64(*source)
                    .u64(*dest)
                    .bytes16(path.as_bytes());
            }
            FdTarget::File {
                open_flags,
                name,
                dev,
            } => {
                w.u8(FdType::FileV2 as u8)
                    .u32(*open_flags)
                    .bytes16(name.as_bytes());
                if let Some(d) = dev {
                    w.u32(*d);
                }
            }
            FdTarget::Named { fd_type, name } => {
                w.u8(*fd_type as u8).bytes16(name.as_bytes());
            }
            FdTarget::UnknownType(t) => {
                w.u8(*t);
            }
        }
        let len = (w.len() - start) as u32;
        w.patch_u32(at, len);
    }
}
