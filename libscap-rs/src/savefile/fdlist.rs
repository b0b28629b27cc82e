//! FD list blocks: the open fds of one thread.

use super::cursor::{Cursor, Writer};
use crate::error::Result;
use crate::state::{FdInfo, FdTarget, FdType};

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
        Some(FdType::Ipv4Sock) => FdTarget::Ipv4Sock {
            sip: c.raw("sip")?,
            dip: c.raw("dip")?,
            sport: c.u16("sport")?,
            dport: c.u16("dport")?,
            l4proto: c.u8("l4proto")?,
        },
        Some(FdType::Ipv4ServSock) => FdTarget::Ipv4ServSock {
            ip: c.raw("ip")?,
            port: c.u16("port")?,
            l4proto: c.u8("l4proto")?,
        },
        Some(FdType::Ipv6Sock) => FdTarget::Ipv6Sock {
            sip: c.raw("sip")?,
            dip: c.raw("dip")?,
            sport: c.u16("sport")?,
            dport: c.u16("dport")?,
            l4proto: c.u8("l4proto")?,
        },
        Some(FdType::Ipv6ServSock) => FdTarget::Ipv6ServSock {
            ip: c.raw("ip")?,
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
            FdTarget::Ipv4Sock {
                sip,
                dip,
                sport,
                dport,
                l4proto,
            } => {
                w.u8(FdType::Ipv4Sock as u8)
                    .bytes(sip)
                    .bytes(dip)
                    .u16(*sport)
                    .u16(*dport)
                    .u8(*l4proto);
            }
            FdTarget::Ipv4ServSock { ip, port, l4proto } => {
                w.u8(FdType::Ipv4ServSock as u8)
                    .bytes(ip)
                    .u16(*port)
                    .u8(*l4proto);
            }
            FdTarget::Ipv6Sock {
                sip,
                dip,
                sport,
                dport,
                l4proto,
            } => {
                w.u8(FdType::Ipv6Sock as u8)
                    .bytes(sip)
                    .bytes(dip)
                    .u16(*sport)
                    .u16(*dport)
                    .u8(*l4proto);
            }
            FdTarget::Ipv6ServSock { ip, port, l4proto } => {
                w.u8(FdType::Ipv6ServSock as u8)
                    .bytes(ip)
                    .u16(*port)
                    .u8(*l4proto);
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
