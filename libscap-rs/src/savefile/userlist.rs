//! User list blocks: users and groups.

use super::cursor::{Cursor, Writer};
use crate::error::Result;
use crate::state::{GroupInfo, UserInfo};

/// Upstream's MAX_CREDENTIALS_STR_LEN: names must be shorter.
const MAX_CRED: usize = 255;
const USER: u8 = 0;
const GROUP: u8 = 1;

pub fn parse(
    c: &mut Cursor<'_>,
    v2: bool,
    users: &mut Vec<UserInfo>,
    groups: &mut Vec<GroupInfo>,
) -> Result<()> {
    while c.remaining() >= 4 {
        let start = c.pos();
        let sub_len = if v2 {
            c.u32("entry length")? as usize
        } else {
            0
        };
        let kind = c.u8("entry type")?;
        if kind == USER {
            users.push(UserInfo {
                uid: c.u32("uid")?,
                gid: c.u32("gid")?,
                name: c.str16("user name", MAX_CRED)?,
                homedir: c.str16("home directory", MAX_CRED)?,
                shell: c.str16("shell", MAX_CRED)?,
            });
        } else {
            groups.push(GroupInfo {
                gid: c.u32("gid")?,
                name: c.str16("group name", MAX_CRED)?,
            });
        }
        if sub_len != 0 {
            let read = c.pos() - start;
            if read > sub_len {
                return Err(c.corrupt(format!(
                    "user entry is {sub_len} bytes but its fields need {read}"
                )));
            }
            c.skip(sub_len - read, "user entry tail")?;
        }
    }
    Ok(())
}

pub fn encode(users: &[UserInfo], groups: &[GroupInfo], w: &mut Writer) {
    for u in users {
        let at = w.reserve_u32();
        w.u8(USER).u32(u.uid).u32(u.gid);
        w.bytes16(u.name.as_bytes())
            .bytes16(u.homedir.as_bytes())
            .bytes16(u.shell.as_bytes());
        let len = (w.len() - at) as u32;
        w.patch_u32(at, len);
    }
    for g in groups {
        let at = w.reserve_u32();
        w.u8(GROUP).u32(g.gid).bytes16(g.name.as_bytes());
        let len = (w.len() - at) as u32;
        w.patch_u32(at, len);
    }
}
