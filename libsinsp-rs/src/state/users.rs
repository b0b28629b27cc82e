//! Users and groups: from the capture's user-list block, or live from
//! /etc/passwd and /etc/group.

use falco_scap::state::{GroupInfo, UserInfo};
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct Users {
    users: HashMap<u32, UserInfo>,
    groups: HashMap<u32, GroupInfo>,
}

impl Users {
    pub fn new(users: Vec<UserInfo>, groups: Vec<GroupInfo>) -> Users {
        Users {
            users: users.into_iter().map(|u| (u.uid, u)).collect(),
            groups: groups.into_iter().map(|g| (g.gid, g)).collect(),
        }
    }

    pub fn user(&self, uid: u32) -> Option<&UserInfo> {
        self.users.get(&uid)
    }

    pub fn group(&self, gid: u32) -> Option<&GroupInfo> {
        self.groups.get(&gid)
    }

    /// Every user, in no particular order (one per uid).
    pub fn users(&self) -> impl Iterator<Item = &UserInfo> {
        self.users.values()
    }

    /// Every group, in no particular order (one per gid).
    pub fn groups(&self) -> impl Iterator<Item = &GroupInfo> {
        self.groups.values()
    }

    /// Reads `passwd` and `group` files (the /etc ones on a live system).
    pub fn from_files(passwd: &str, group: &str) -> Users {
        let users = passwd
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                Some(UserInfo {
                    name: f.first()?.to_string(),
                    uid: f.get(2)?.parse().ok()?,
                    gid: f.get(3)?.parse().ok()?,
                    homedir: f.get(5).unwrap_or(&"").to_string(),
                    shell: f.get(6).unwrap_or(&"").to_string(),
                })
            })
            .collect();
        let groups = group
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                Some(GroupInfo {
                    name: f.first()?.to_string(),
                    gid: f.get(2)?.parse().ok()?,
                })
            })
            .collect();
        Users::new(users, groups)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_passwd_and_group_lines() {
        let u = Users::from_files(
            "root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\nalice:x:1000:1001::/home/alice:/bin/sh\n",
            "root:x:0:\nstaff:x:1001:alice\n",
        );
        assert_eq!(u.user(1000).unwrap().name, "alice");
        assert_eq!(u.user(1000).unwrap().shell, "/bin/sh");
        assert_eq!(u.user(0).unwrap().homedir, "/root");
        assert_eq!(u.group(1001).unwrap().name, "staff");
        assert!(u.user(5).is_none());
    }
}
