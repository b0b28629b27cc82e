//! Machine info block: cpus, memory, max pid, hostname, boot time.

use super::cursor::{Cursor, Writer};
use crate::error::Result;
use crate::state::MachineInfo;

const HOSTNAME_LEN: usize = 128;

pub fn parse(c: &mut Cursor<'_>) -> Result<MachineInfo> {
    let num_cpus = c.u32("num_cpus")?;
    let memory_size_bytes = c.u64("memory_size_bytes")?;
    let max_pid = c.u64("max_pid")?;
    let host = c.bytes(HOSTNAME_LEN, "hostname")?;
    let hostname =
        String::from_utf8_lossy(&host[..host.iter().position(|b| *b == 0).unwrap_or(HOSTNAME_LEN)])
            .into_owned();
    // Older writers stop after the hostname.
    let mut more = [0u64; 4];
    for v in more.iter_mut() {
        if c.remaining() >= 8 {
            *v = c.u64("machine info tail")?;
        }
    }
    Ok(MachineInfo {
        num_cpus,
        memory_size_bytes,
        max_pid,
        hostname,
        boot_ts_epoch: more[0],
        flags: more[1],
        reserved3: more[2],
        reserved4: more[3],
    })
}

pub fn encode(m: &MachineInfo, w: &mut Writer) {
    w.u32(m.num_cpus).u64(m.memory_size_bytes).u64(m.max_pid);
    let mut host = [0u8; HOSTNAME_LEN];
    let n = m.hostname.len().min(HOSTNAME_LEN - 1);
    host[..n].copy_from_slice(&m.hostname.as_bytes()[..n]);
    w.bytes(&host)
        .u64(m.boot_ts_epoch)
        .u64(m.flags)
        .u64(m.reserved3)
        .u64(m.reserved4);
}
