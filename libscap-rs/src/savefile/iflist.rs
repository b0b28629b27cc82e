//! Interface list blocks: IPv4 and IPv6 addresses of the machine.

use super::cursor::{Cursor, Writer};
use crate::error::Result;
use crate::state::{Interface, InterfaceAddr};

const IPV4: u16 = 1;
const IPV6: u16 = 2;
const IPV4_NOLINKSPEED: u16 = 3;
const IPV6_NOLINKSPEED: u16 = 4;
const MAX_NAME: usize = 1023;

pub fn parse(c: &mut Cursor<'_>, v2: bool, out: &mut Vec<Interface>) -> Result<()> {
    while c.remaining() >= 4 {
        let entry_len = if v2 {
            Some(c.u32("entry length")? as usize)
        } else {
            None
        };
        let start = c.pos();
        let ty = c.u16("interface type")?;
        let namelen = c.u16("name length")? as usize;
        if namelen > MAX_NAME {
            return Err(c.corrupt(format!("interface name length {namelen}")));
        }
        let (addr, linkspeed) = match ty {
            IPV4 | IPV4_NOLINKSPEED => {
                let addr = InterfaceAddr::V4 {
                    addr: c.raw("addr")?,
                    netmask: c.raw("netmask")?,
                    bcast: c.raw("bcast")?,
                };
                (
                    addr,
                    if ty == IPV4 {
                        Some(c.u64("linkspeed")?)
                    } else {
                        None
                    },
                )
            }
            IPV6 | IPV6_NOLINKSPEED => {
                let addr = InterfaceAddr::V6 {
                    addr: c.raw("addr")?,
                    netmask: c.raw("netmask")?,
                    bcast: c.raw("bcast")?,
                };
                (
                    addr,
                    if ty == IPV6 {
                        Some(c.u64("linkspeed")?)
                    } else {
                        None
                    },
                )
            }
            other => return Err(c.corrupt(format!("unknown interface type {other}"))),
        };
        let name = String::from_utf8_lossy(c.bytes(namelen, "interface name")?).into_owned();
        if let Some(len) = entry_len {
            let read = c.pos() - start;
            if read > len {
                return Err(c.corrupt(format!(
                    "interface entry is {len} bytes but its fields need {read}"
                )));
            }
            c.skip(len - read, "interface entry tail")?;
        }
        out.push(Interface {
            name,
            addr,
            linkspeed,
        });
    }
    Ok(())
}

/// Writes a V2 interface-list body.
pub fn encode(ifs: &[Interface], w: &mut Writer) {
    for i in ifs {
        let at = w.reserve_u32();
        let name = &i.name.as_bytes()[..i.name.len().min(MAX_NAME)];
        match &i.addr {
            InterfaceAddr::V4 {
                addr,
                netmask,
                bcast,
            } => {
                w.u16(IPV4)
                    .u16(name.len() as u16)
                    .bytes(addr)
                    .bytes(netmask)
                    .bytes(bcast);
            }
            InterfaceAddr::V6 {
                addr,
                netmask,
                bcast,
            } => {
                w.u16(IPV6)
                    .u16(name.len() as u16)
                    .bytes(addr)
                    .bytes(netmask)
                    .bytes(bcast);
            }
        }
        w.u64(i.linkspeed.unwrap_or(0)).bytes(name);
        let len = (w.len() - at - 4) as u32;
        w.patch_u32(at, len);
    }
}
