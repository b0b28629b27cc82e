//! `fs.path.*`: paths named by filesystem syscalls (rename, link, unlink...).

use crate::field::{ArgKind, Ctx, FieldRow};
use crate::state::paths;
use crate::value::{FieldType, Value};
use falco_abi::schema::AT_FDCWD;

pub const CLASS: super::FieldClass = super::FieldClass {
    name: "fs.path",
    desc: "Every syscall that has a filesystem path in its arguments has these fields set with information related to the path arguments.",
    fields: FIELDS,
    unlisted: &[],
};

/// (name, source, target) parameter names of path-carrying events, with
/// the directory-fd parameter of each when relative.
fn path_params(
    ev: &str,
) -> (
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
) {
    match ev {
        "mkdir" | "mkdirat" | "rmdir" | "unlink" | "mknod" | "mknodat" => {
            (Some("path"), None, None)
        }
        "unlinkat" => (Some("name"), None, None),
        "open" | "openat" | "openat2" | "creat" => (Some("name"), None, None),
        "rename" | "renameat" | "renameat2" | "link" | "linkat" => {
            (None, Some("oldpath"), Some("newpath"))
        }
        "symlink" | "symlinkat" => (None, Some("target"), Some("linkpath")),
        "chmod" | "fchmodat" => (Some("filename"), None, None),
        "chown" | "lchown" | "fchownat" => (Some("pathname"), None, None),
        _ => (None, None, None),
    }
}

fn dirfd_param(name: &str) -> &'static str {
    match name {
        "oldpath" => "olddirfd",
        "newpath" | "linkpath" => "newdirfd",
        _ => "dirfd",
    }
}

fn path<'a>(c: &Ctx<'a>, which: usize, raw: bool, out: &mut Vec<Value<'a>>) {
    let params = path_params(c.ev.name());
    let Some(name) = [params.0, params.1, params.2][which] else {
        return;
    };
    let Some(p) = c.ev.param_by_name(name).filter(|p| !p.is_empty()) else {
        return;
    };
    let s = String::from_utf8_lossy(p.as_str_bytes()).into_owned();
    if raw || s.starts_with('/') {
        out.push(Value::str(if raw { s } else { paths::normalize(&s) }));
        return;
    }
    // Relative: against the directory fd when the event has one, else cwd.
    let dirfd =
        c.ev.param_by_name(dirfd_param(name))
            .or_else(|| c.ev.param_by_name("linkdirfd"))
            .and_then(|p| p.as_i64());
    let base = match dirfd {
        Some(fd) if fd != AT_FDCWD => c
            .insp
            .threads
            .fds(c.ev.tid as i64)
            .and_then(|t| t.get(fd))
            .map(|f| f.name.clone()),
        _ => c.process().map(|t| t.cwd.clone()),
    };
    if let Some(b) = base {
        out.push(Value::str(paths::resolve(&b, &s)));
    }
}

pub const FIELDS: &[FieldRow] = &[
    FieldRow {
        name: "fs.path.name",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "For any event type that deals with a filesystem path, the path the file syscall is operating on. This path is always fully resolved, prepending the thread cwd when needed.",
        extract: |c, _, out| path(c, 0, false, out),
    },
    FieldRow {
        name: "fs.path.nameraw",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "For any event type that deals with a filesystem path, the path the file syscall is operating on. This path is always the path provided to the syscall and may not be fully resolved.",
        extract: |c, _, out| path(c, 0, true, out),
    },
    FieldRow {
        name: "fs.path.source",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "For any event type that deals with a filesystem path, and specifically for a source and target like mv, cp, etc, the source path the file syscall is operating on. This path is always fully resolved, prepending the thread cwd when needed.",
        extract: |c, _, out| path(c, 1, false, out),
    },
    FieldRow {
        name: "fs.path.sourceraw",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "The source path as the syscall was given it.",
        extract: |c, _, out| path(c, 1, true, out),
    },
    FieldRow {
        name: "fs.path.target",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "For any event type that deals with a filesystem path, and specifically for a target and target like mv, cp, etc, the target path the file syscall is operating on. This path is always fully resolved, prepending the thread cwd when needed.",
        extract: |c, _, out| path(c, 2, false, out),
    },
    FieldRow {
        name: "fs.path.targetraw",
        ftype: FieldType::CharBuf,
        arg: ArgKind::None,
        desc: "The target path as the syscall was given it.",
        extract: |c, _, out| path(c, 2, true, out),
    },
];
