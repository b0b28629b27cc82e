//! The open prefilter's contract: which successful opens a driver may hold
//! back instead of delivering, and what it must then do so that nothing a
//! consumer sees changes (the same alerts, the same thread and fd tables).
//!
//! An open is held back ("parked") when its path is absolute and already
//! in normal form (so the path is the `fd.name` the state would give it),
//! matches none of the paths the loaded rules can care about, and the
//! thread's name is none of those whose every open a rule may care about
//! ([`OpenInterest`], built by the engine from the rules). A parked open is
//! kept, keyed by process and fd, and:
//! - its `close` (successful) is dropped with it: neither is delivered;
//! - any other event of the process that names the fd (a parameter of fd
//!   type, an fd list, an outline's fd) releases it first: the open is
//!   delivered just before that event, as it was recorded;
//! - a new process (a clone without `CLONE_THREAD`) releases every open of
//!   its parent first, since the child starts with a copy of the table;
//! - when the last thread of the process exits, its parked opens are
//!   forgotten (the state forgets that table too);
//! - at the end of the stream the ones still parked are delivered.
//!
//! No rule can match a parked open or its close (their path interests no
//! rule), and the state ends up with the tables it would have had, since
//! every fd a later event looks at is there when it looks.
//!
//! [`HoldBack`] applies the contract to any engine's stream, the oracle
//! for a driver's in-kernel version and for the contract itself.

mod holdback;

pub use holdback::{HoldBack, HoldBackStats};

use std::collections::BTreeSet;

/// Bytes of a thread name the kernel keeps (TASK_COMM_LEN less its NUL).
pub const COMM_LEN: usize = 15;

/// What some loaded rule may look at on an open or a close: an open whose
/// path matches none of the path tests, by a thread whose name is none of
/// `comms`, can be held back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenInterest {
    /// Thread names (`proc.name`, the kernel's comm) whose every open
    /// some rule may care about. Compared on their first
    /// [`COMM_LEN`] bytes, as the kernel keeps them.
    pub comms: BTreeSet<String>,
    /// Whole paths.
    pub exact: BTreeSet<String>,
    /// Directories: a path directly inside one (its part before the last
    /// `/`, or `/` for a top-level name), or the directory itself.
    pub dirs: BTreeSet<String>,
    /// Path beginnings (a directory's own name ends with `/`).
    pub prefixes: BTreeSet<String>,
    /// Path endings (a file name with its `/`).
    pub suffixes: BTreeSet<String>,
    /// Text anywhere in the path.
    pub contains: BTreeSet<String>,
}

impl OpenInterest {
    /// Whether some rule may care about an open of `path` by a thread
    /// called `comm`.
    pub fn matches(&self, path: &[u8], comm: &[u8]) -> bool {
        fn short(b: &[u8]) -> &[u8] {
            &b[..b.len().min(COMM_LEN)]
        }
        self.comms
            .iter()
            .any(|c| short(c.as_bytes()) == short(comm))
            || self.matches_path(path)
    }

    /// Whether some rule's path tests pass `path`.
    pub fn matches_path(&self, path: &[u8]) -> bool {
        let has = |set: &BTreeSet<String>, test: &dyn Fn(&[u8]) -> bool| {
            set.iter().any(|s| test(s.as_bytes()))
        };
        let text = std::str::from_utf8(path).unwrap_or("\u{fffd}");
        let dir = match text.rfind('/') {
            Some(0) => "/",
            Some(i) => &text[..i],
            None => "",
        };
        self.exact.contains(text)
            || self.dirs.contains(dir)
            || self.dirs.contains(text)
            || has(&self.prefixes, &|p| path.starts_with(p))
            || has(&self.suffixes, &|s| path.ends_with(s))
            || has(&self.contains, &|c| {
                c.is_empty() || path.windows(c.len()).any(|w| w == c)
            })
    }

    /// Every absolute path interests some rule: nothing can be held back.
    pub fn is_everything(&self) -> bool {
        let any = |set: &BTreeSet<String>| set.contains("") || set.contains("/");
        any(&self.prefixes) || any(&self.contains) || self.suffixes.contains("")
    }

    /// Adds what `other` names.
    pub fn extend(&mut self, other: OpenInterest) {
        self.comms.extend(other.comms);
        self.exact.extend(other.exact);
        self.dirs.extend(other.dirs);
        self.prefixes.extend(other.prefixes);
        self.suffixes.extend(other.suffixes);
        self.contains.extend(other.contains);
    }

    /// How many tests a path goes through.
    pub fn len(&self) -> usize {
        self.comms.len()
            + self.exact.len()
            + self.dirs.len()
            + self.prefixes.len()
            + self.suffixes.len()
            + self.contains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether `path` is absolute and in normal form: no empty, `.` or `..`
/// component, no trailing `/` (but for `/` itself), no NUL, valid UTF-8.
/// Such a path is the `fd.name` the state resolves it to, whatever the
/// working directory or the dirfd.
pub fn plain_absolute(path: &[u8]) -> bool {
    if path == b"/" {
        return true;
    }
    let Some(rest) = path.strip_prefix(b"/") else {
        return false;
    };
    std::str::from_utf8(path).is_ok()
        && !path.contains(&0)
        && rest
            .split(|b| *b == b'/')
            .all(|c| !c.is_empty() && c != b"." && c != b"..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_absolute_paths_are_their_own_normal_form() {
        for p in ["/", "/etc", "/etc/hostname", "/a/.b/c..d/..e"] {
            assert!(plain_absolute(p.as_bytes()), "{p}");
        }
        for p in [
            "",
            "etc/x",
            "./x",
            "/etc/",
            "//etc",
            "/etc//x",
            "/etc/./x",
            "/etc/../x",
            "/etc/.",
            "/etc/..",
            "/a\0b",
        ] {
            assert!(!plain_absolute(p.as_bytes()), "{p:?}");
        }
        assert!(!plain_absolute(b"/a/\xff"));
    }

    #[test]
    fn interest_matches_by_each_kind_of_test() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        let i = OpenInterest {
            comms: set(&["tar", "a-very-long-name-indeed"]),
            exact: set(&["/etc/shadow"]),
            dirs: set(&["/", "/var/log"]),
            prefixes: set(&["/root/.ssh/"]),
            suffixes: set(&["/release_agent"]),
            contains: set(&["id_rsa"]),
        };
        for p in [
            "/etc/shadow",
            "/root/.ssh/known_hosts",
            "/sys/fs/cgroup/x/release_agent",
            "/home/u/id_rsa.pub",
        ] {
            assert!(i.matches(p.as_bytes(), b"cat"), "{p}");
        }
        for p in ["/top", "/var/log", "/var/log/syslog"] {
            assert!(i.matches(p.as_bytes(), b"cat"), "{p}");
        }
        for p in [
            "/etc/shadow-",
            "/root/.sshx",
            "/x/release_agent.bak",
            "/etc/hostname",
            "/var/log/x/y",
        ] {
            assert!(!i.matches(p.as_bytes(), b"cat"), "{p}");
            assert!(i.matches(p.as_bytes(), b"tar"), "{p}");
        }
        // Names are compared as the kernel keeps them: 15 bytes.
        assert!(i.matches(b"/x/y", b"a-very-long-nam"));
        assert!(i.matches(b"/x/y", b"a-very-long-name-too"));
        assert!(!i.matches(b"/x/y", b"a-very-long-na"));
        assert!(!i.is_everything());
        let mut all = i.clone();
        all.extend(OpenInterest {
            prefixes: set(&[""]),
            ..Default::default()
        });
        assert!(all.is_everything() && all.matches(b"/anything", b"cat"));
    }
}
