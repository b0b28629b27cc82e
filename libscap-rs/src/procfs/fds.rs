//! The fd table of a thread group leader, as libscap's `scap_fd_scan_fd_dir`
//! classifies it: `stat` of `/proc/<pid>/fd/<n>` (which follows the link)
//! gives the file type and inode, `readlink` the name.
//!
//! - FIFO: `Named{Fifo}` with the link name (`pipe:[ino]`, or a path);
//! - regular files, devices: `File` with the PPM open flags of
//!   `fdinfo/<n>` and the device of its `mnt_id` in `mountinfo` (the file's
//!   `st_dev` when the mount is not found); `/memfd:` names are `Memfd`;
//! - directories: `Named{Directory}`;
//! - sockets: looked up by inode in the tables of the process's network
//!   namespace (`/proc/<pid>/net/`, read once per namespace); sockets in no
//!   table are left out and counted, as libscap leaves them out;
//! - anything else (anon inodes): typed by the link name (`eventfd`,
//!   `signalfd`, `eventpoll`, `inotify`, `timerfd`, `io_uring`,
//!   `userfaultfd`, `bpf*`, `pidfd`), else `Unsupported`, name empty.
//!   `anon_inode:` links are typed by name whatever their mode says (pidfs
//!   gives pidfds a regular-file mode on recent kernels).

use super::flags::fdinfo_flags_to_ppm;
use super::net::{read_socket_table, SocketTable};
use super::parse;
use super::Scanner;
use crate::state::{FdInfo, FdTarget, FdType};
use std::collections::{HashMap, HashSet};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

/// Caches shared by every process of one scan.
#[derive(Debug, Default)]
pub(crate) struct FdCaches {
    /// Mount id to device. Mount ids are unique system-wide.
    mount_devs: HashMap<u64, u32>,
    /// Processes whose mountinfo was read already.
    mountinfo_read: HashSet<u64>,
    /// Network namespace inode to its socket table.
    sockets: HashMap<u64, SocketTable>,
}

/// The fd type of an anonymous inode link name, if one is known.
pub fn anon_inode_type(link: &str) -> Option<FdType> {
    Some(match link {
        "anon_inode:[eventfd]" => FdType::Event,
        "anon_inode:[signalfd]" => FdType::Signalfd,
        "anon_inode:[eventpoll]" => FdType::Eventpoll,
        "anon_inode:inotify" => FdType::Inotify,
        "anon_inode:[timerfd]" => FdType::Timerfd,
        "anon_inode:[io_uring]" => FdType::IoUring,
        "anon_inode:[userfaultfd]" => FdType::Userfaultfd,
        "anon_inode:[pidfd]" => FdType::Pidfd,
        l if l.starts_with("anon_inode:[bpf") || l.starts_with("anon_inode:bpf") => FdType::Bpf,
        _ => return None,
    })
}

/// The inode of a `socket:[ino]` (or `pipe:[ino]`) link.
pub fn bracket_inode(link: &str, prefix: &str) -> Option<u64> {
    link.strip_prefix(prefix)?
        .strip_prefix(":[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Reads the fds of the process whose directory is `dir`.
pub(crate) fn read_fds(sc: &mut Scanner<'_>, dir: &Path, pid: u64) -> Vec<FdInfo> {
    let fd_dir = dir.join("fd");
    let Ok(fds) = super::list_numeric_dir(&fd_dir) else {
        // Unreadable (permissions) or gone: no fds, as in libscap.
        return Vec::new();
    };
    let mut out = Vec::with_capacity(fds.len());
    for fd in fds {
        let link_path = fd_dir.join(fd.to_string());
        let (Ok(meta), Ok(link)) = (
            std::fs::metadata(&link_path),
            std::fs::read_link(&link_path),
        ) else {
            sc.report.skipped_fds += 1;
            continue;
        };
        let link = link.to_string_lossy().into_owned();
        let ino = meta.ino();
        let fd = fd as i64;
        let ft = meta.file_type();

        if link.starts_with("anon_inode:") {
            let fd_type = anon_inode_type(&link).unwrap_or(FdType::Unsupported);
            out.push(FdInfo {
                fd,
                ino,
                target: FdTarget::Named {
                    fd_type,
                    name: String::new(),
                },
            });
        } else if ft.is_fifo() {
            out.push(FdInfo {
                fd,
                ino,
                target: FdTarget::Named {
                    fd_type: FdType::Fifo,
                    name: link,
                },
            });
        } else if ft.is_dir() {
            out.push(FdInfo {
                fd,
                ino,
                target: FdTarget::Named {
                    fd_type: FdType::Directory,
                    name: link,
                },
            });
        } else if ft.is_socket() {
            if !sc.opts.include_sockets {
                continue;
            }
            let Some(sock_ino) = bracket_inode(&link, "socket") else {
                // A socket-like file with another name: unsupported, named.
                out.push(FdInfo {
                    fd,
                    ino,
                    target: FdTarget::Named {
                        fd_type: FdType::Unsupported,
                        name: link,
                    },
                });
                continue;
            };
            let table = sc.socket_table(dir);
            match table.get(&sock_ino) {
                Some(target) => out.push(FdInfo {
                    fd,
                    ino: sock_ino,
                    target: target.clone(),
                }),
                None => sc.report.unmatched_sockets += 1,
            }
        } else if ft.is_file() || ft.is_block_device() || ft.is_char_device() || ft.is_symlink() {
            if link.starts_with("/memfd:") {
                out.push(FdInfo {
                    fd,
                    ino,
                    target: FdTarget::Named {
                        fd_type: FdType::Memfd,
                        name: link,
                    },
                });
                continue;
            }
            let info = std::fs::read_to_string(dir.join("fdinfo").join(fd.to_string()))
                .map(|s| parse::parse_fdinfo(&s))
                .unwrap_or_default();
            let dev = info
                .mnt_id
                .and_then(|m| sc.mount_dev(dir, pid, m))
                .unwrap_or(meta.dev() as u32);
            out.push(FdInfo {
                fd,
                ino,
                target: FdTarget::File {
                    open_flags: fdinfo_flags_to_ppm(info.flags),
                    name: link,
                    dev: Some(dev),
                },
            });
        } else {
            out.push(FdInfo {
                fd,
                ino,
                target: FdTarget::Named {
                    fd_type: FdType::Unsupported,
                    name: String::new(),
                },
            });
        }
    }
    out
}

impl Scanner<'_> {
    /// The device of a mount id, reading the process's mountinfo on a miss.
    fn mount_dev(&mut self, dir: &Path, pid: u64, mnt_id: u64) -> Option<u32> {
        if let Some(d) = self.fds.mount_devs.get(&mnt_id) {
            return Some(*d);
        }
        if self.fds.mountinfo_read.insert(pid) {
            if let Ok(s) = std::fs::read_to_string(dir.join("mountinfo")) {
                for (id, dev) in s.lines().filter_map(parse::parse_mountinfo_line) {
                    self.fds.mount_devs.entry(id).or_insert(dev);
                }
            }
        }
        self.fds.mount_devs.get(&mnt_id).copied()
    }

    /// The socket table of the process's network namespace.
    fn socket_table(&mut self, dir: &Path) -> &SocketTable {
        // Without a readable ns/net link, the host's tables (libscap's
        // "no namespace support" case).
        let (ns, net_dir) = match std::fs::metadata(dir.join("ns").join("net")) {
            Ok(m) => (m.ino(), dir.join("net")),
            Err(_) => (0, self.opts.proc_root.join("net")),
        };
        self.fds
            .sockets
            .entry(ns)
            .or_insert_with(|| read_socket_table(&net_dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anon_inode_names() {
        assert_eq!(anon_inode_type("anon_inode:[eventfd]"), Some(FdType::Event));
        assert_eq!(
            anon_inode_type("anon_inode:[signalfd]"),
            Some(FdType::Signalfd)
        );
        assert_eq!(
            anon_inode_type("anon_inode:[eventpoll]"),
            Some(FdType::Eventpoll)
        );
        assert_eq!(anon_inode_type("anon_inode:inotify"), Some(FdType::Inotify));
        assert_eq!(
            anon_inode_type("anon_inode:[timerfd]"),
            Some(FdType::Timerfd)
        );
        assert_eq!(
            anon_inode_type("anon_inode:[io_uring]"),
            Some(FdType::IoUring)
        );
        assert_eq!(
            anon_inode_type("anon_inode:[userfaultfd]"),
            Some(FdType::Userfaultfd)
        );
        assert_eq!(anon_inode_type("anon_inode:[pidfd]"), Some(FdType::Pidfd));
        assert_eq!(anon_inode_type("anon_inode:bpf-map"), Some(FdType::Bpf));
        assert_eq!(anon_inode_type("anon_inode:bpf-prog"), Some(FdType::Bpf));
        assert_eq!(anon_inode_type("anon_inode:[bpf_link]"), Some(FdType::Bpf));
        assert_eq!(anon_inode_type("anon_inode:[perf_event]"), None);
        assert_eq!(anon_inode_type("anon_inode:[eventfd"), None);
        assert_eq!(anon_inode_type("/tmp/x"), None);
    }

    #[test]
    fn bracket_inodes() {
        assert_eq!(bracket_inode("socket:[12345]", "socket"), Some(12345));
        assert_eq!(bracket_inode("pipe:[7]", "pipe"), Some(7));
        assert_eq!(bracket_inode("socket:[12345]", "pipe"), None);
        assert_eq!(bracket_inode("socket:[x]", "socket"), None);
        assert_eq!(bracket_inode("socket:[12345", "socket"), None);
        assert_eq!(bracket_inode("socket:12345]", "socket"), None);
    }
}
