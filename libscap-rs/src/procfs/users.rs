//! Users and groups from `etc/passwd` and `etc/group` under the host root.
//!
//! libscap reads these files with `fgetpwent`/`fgetgrent` when `HOST_ROOT`
//! is set and asks NSS (`getpwent`) otherwise; we always read the files, so
//! users known only to NSS (LDAP, sssd, systemd's dynamic users) are not
//! listed. Malformed lines, comments and NIS `+`/`-` entries are skipped, as
//! glibc's parser skips them. Without a passwd file the lists are empty.

use super::ScanOptions;
use crate::state::{GroupInfo, UserInfo};

/// Parses `/etc/passwd` content: `name:passwd:uid:gid:gecos:dir:shell`.
pub fn parse_passwd(content: &str) -> Vec<UserInfo> {
    content
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('+') && !l.starts_with('-'))
        .filter_map(|l| {
            let f: Vec<&str> = l.splitn(7, ':').collect();
            if f.len() < 7 || f[0].is_empty() {
                return None;
            }
            Some(UserInfo {
                uid: f[2].trim().parse().ok()?,
                gid: f[3].trim().parse().ok()?,
                name: f[0].to_string(),
                homedir: f[5].to_string(),
                shell: f[6].to_string(),
            })
        })
        .collect()
}

/// Parses `/etc/group` content: `name:passwd:gid:members`.
pub fn parse_group(content: &str) -> Vec<GroupInfo> {
    content
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('+') && !l.starts_with('-'))
        .filter_map(|l| {
            let f: Vec<&str> = l.splitn(4, ':').collect();
            if f.len() < 3 || f[0].is_empty() {
                return None;
            }
            Some(GroupInfo {
                gid: f[2].trim().parse().ok()?,
                name: f[0].to_string(),
            })
        })
        .collect()
}

/// Reads both files under `opts.host_root`.
pub fn read_users_groups(opts: &ScanOptions) -> (Vec<UserInfo>, Vec<GroupInfo>) {
    let Ok(passwd) = std::fs::read_to_string(opts.host_path("etc/passwd")) else {
        return (Vec::new(), Vec::new());
    };
    let groups = std::fs::read_to_string(opts.host_path("etc/group"))
        .map(|g| parse_group(&g))
        .unwrap_or_default();
    (parse_passwd(&passwd), groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_lines() {
        let p = "root:x:0:0:root:/root:/bin/bash\n\
                 # comment\n\
                 \n\
                 +nisuser::::::\n\
                 bad:x:notanumber:0::/:/bin/sh\n\
                 short:x:1\n\
                 nobody:x:65534:65534:nobody,,,:/nonexistent:/usr/sbin/nologin\n\
                 noshell:x:5:60:::\n";
        let u = parse_passwd(p);
        assert_eq!(u.len(), 3);
        assert_eq!(
            u[0],
            UserInfo {
                uid: 0,
                gid: 0,
                name: "root".into(),
                homedir: "/root".into(),
                shell: "/bin/bash".into()
            }
        );
        assert_eq!(u[1].uid, 65534);
        assert_eq!(u[1].homedir, "/nonexistent");
        assert_eq!(u[2].shell, "");
    }

    #[test]
    fn group_lines() {
        let g = "root:x:0:\nsudo:x:27:alice,bob\nbroken\nx::y:\nshadow:x:42\n";
        let g = parse_group(g);
        assert_eq!(
            g,
            [
                GroupInfo {
                    gid: 0,
                    name: "root".into()
                },
                GroupInfo {
                    gid: 27,
                    name: "sudo".into()
                },
                GroupInfo {
                    gid: 42,
                    name: "shadow".into()
                },
            ]
        );
    }
}
