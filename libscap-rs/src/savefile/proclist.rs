//! Process list blocks, versions 1 to 9. Each version appends fields; from
//! version 9 every entry starts with its own length, so fields added later
//! are read only when the entry is long enough for them.

use super::cursor::{Cursor, Writer};
use crate::error::Result;
use crate::state::ThreadInfo;

pub const MAX_PATH: usize = 1024;
pub const MAX_ARGS: usize = 4096;
pub const MAX_ENV: usize = 4096;
pub const MAX_CGROUPS: usize = 4096;

/// Parses every entry of a process-list block of version `version` (1-9).
pub fn parse(c: &mut Cursor<'_>, version: u8, out: &mut Vec<ThreadInfo>) -> Result<()> {
    while c.remaining() >= 4 {
        out.push(parse_entry(c, version)?);
    }
    Ok(())
}

fn parse_entry(c: &mut Cursor<'_>, v: u8) -> Result<ThreadInfo> {
    let start = c.pos();
    let sub_len = if v >= 9 {
        c.u32("entry length")? as usize
    } else {
        0
    };
    let mut t = ThreadInfo {
        tid: c.u64("tid")?,
        pid: c.u64("pid")?,
        ptid: c.u64("ptid")?,
        ..Default::default()
    };
    if v >= 6 {
        t.sid = c.u64("sid")?;
    }
    if v >= 8 {
        t.vpgid = c.u64("vpgid")?;
    }
    t.comm = c.str16("comm", MAX_PATH)?;
    t.exe = c.str16("exe", MAX_PATH)?;
    if v >= 7 {
        t.exepath = c.str16("exepath", MAX_PATH)?;
    }
    t.args = c.bytes16("args", MAX_ARGS)?;
    t.cwd = c.str16("cwd", MAX_PATH)?;
    t.fdlimit = c.u64("fdlimit")?;
    t.flags = c.u32("flags")?;
    t.uid = c.u32("uid")?;
    t.gid = c.u32("gid")?;
    if v >= 2 {
        t.vmsize_kb = c.u32("vmsize_kb")?;
        t.vmrss_kb = c.u32("vmrss_kb")?;
        t.vmswap_kb = c.u32("vmswap_kb")?;
        t.pfmajor = c.u64("pfmajor")?;
        t.pfminor = c.u64("pfminor")?;
    }
    if v >= 3 {
        t.env = c.bytes16("env", MAX_ENV)?;
    }
    if v >= 4 {
        t.vtid = c.i64("vtid")?;
        t.vpid = c.i64("vpid")?;
        t.cgroups = c.bytes16("cgroups", MAX_CGROUPS)?;
    }
    if v >= 5 {
        t.root = c.str16("root", MAX_PATH)?;
    }
    if sub_len == 0 {
        return Ok(t);
    }
    let end = start + sub_len;
    let fits = |c: &Cursor<'_>, n: usize| c.pos() + n <= end;
    // Writers before libs 0.10 had only loginuid, exe_writable and the three
    // capability sets (29 bytes) here; later ones put pidns_init_start_ts and
    // tty in front of them.
    let pre_0_10 = end.saturating_sub(c.pos()) <= 29;
    if !pre_0_10 {
        if fits(c, 8) {
            t.pidns_init_start_ts = c.u64("pidns_init_start_ts")?;
        }
        if fits(c, 4) {
            t.tty = c.u32("tty")?;
        }
    }
    if fits(c, 4) {
        t.loginuid = c.u32("loginuid")?;
    }
    if fits(c, 1) {
        t.exe_writable = c.u8("exe_writable")? != 0;
    }
    if fits(c, 8) {
        t.cap_inheritable = c.u64("cap_inheritable")?;
    }
    if fits(c, 8) {
        t.cap_permitted = c.u64("cap_permitted")?;
    }
    if fits(c, 8) {
        t.cap_effective = c.u64("cap_effective")?;
    }
    if fits(c, 1) {
        t.exe_upper_layer = c.u8("exe_upper_layer")? != 0;
    }
    if fits(c, 8) {
        t.exe_ino = c.u64("exe_ino")?;
    }
    if fits(c, 8) {
        t.exe_ino_ctime = c.u64("exe_ino_ctime")?;
    }
    if fits(c, 8) {
        t.exe_ino_mtime = c.u64("exe_ino_mtime")?;
    }
    if fits(c, 1) {
        t.exe_from_memfd = c.u8("exe_from_memfd")? != 0;
    }
    if c.pos() > end {
        return Err(c.corrupt(format!(
            "process entry is {sub_len} bytes but its fields need {}",
            c.pos() - start
        )));
    }
    // Fields from newer writers that we do not know yet.
    c.skip(end - c.pos(), "process entry tail")?;
    Ok(t)
}

/// Writes one version-9 entry (with its length) for `t`.
pub fn encode_entry(t: &ThreadInfo, w: &mut Writer) {
    let at = w.reserve_u32();
    let start = w.len();
    w.u64(t.tid).u64(t.pid).u64(t.ptid).u64(t.sid).u64(t.vpgid);
    w.bytes16(t.comm.as_bytes())
        .bytes16(t.exe.as_bytes())
        .bytes16(t.exepath.as_bytes());
    w.bytes16(&t.args).bytes16(t.cwd.as_bytes());
    w.u64(t.fdlimit).u32(t.flags).u32(t.uid).u32(t.gid);
    w.u32(t.vmsize_kb)
        .u32(t.vmrss_kb)
        .u32(t.vmswap_kb)
        .u64(t.pfmajor)
        .u64(t.pfminor);
    w.bytes16(&t.env)
        .u64(t.vtid as u64)
        .u64(t.vpid as u64)
        .bytes16(&t.cgroups)
        .bytes16(t.root.as_bytes());
    w.u64(t.pidns_init_start_ts)
        .u32(t.tty)
        .u32(t.loginuid)
        .u8(t.exe_writable as u8);
    w.u64(t.cap_inheritable)
        .u64(t.cap_permitted)
        .u64(t.cap_effective);
    w.u8(t.exe_upper_layer as u8)
        .u64(t.exe_ino)
        .u64(t.exe_ino_ctime)
        .u64(t.exe_ino_mtime);
    w.u8(t.exe_from_memfd as u8);
    // The entry length counts itself, as upstream's reader expects.
    let len = (w.len() - start + 4) as u32;
    w.patch_u32(at, len);
}
