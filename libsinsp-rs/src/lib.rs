//! falco-sinsp: the state events build up (threads, fds, users,
//! containers) and the fields rules and outputs read from it.
//!
//! - [`inspector`] keeps the state up to date; [`parsers`] hold one file per
//!   syscall family; [`Inspector::snapshot`] gives the state back in the
//!   form of a capture's state blocks.
//! - [`state`] is the thread table, fd tables, users, container ids.
//! - [`fields`] has one file per field class; [`field`] the trait the rules
//!   engine compiles against.
//! - [`runtimes`] are the container runtime clients (docker, podman)
//!   whose metadata the inspector applies between events.
//! - [`render`] renders parameters and times as Falco prints them.

#![forbid(unsafe_code)]

pub mod caps;
pub mod field;
pub mod fields;
pub mod format;
pub mod inspector;
mod parsers;
pub mod render;
pub mod runtimes;
mod snapshot;
pub mod state;
pub mod value;

pub use field::{Ctx, FieldArg, FieldError, FieldSource};
pub use fields::SyscallFields;
pub use inspector::{Inspector, Purging};

/// The syscalls the state needs whatever the rules ask for (Falco's
/// state set): process lifecycle, fd creation and removal, working
/// directory, credentials and namespaces. Live engines capture these plus
/// the rules' own.
pub const STATE_SYSCALLS: &[&str] = &[
    "accept",
    "accept4",
    "bind",
    "bpf",
    "capset",
    "chdir",
    "chroot",
    "clone",
    "clone3",
    "close",
    "connect",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "fchdir",
    "fcntl",
    "fork",
    "inotify_init",
    "inotify_init1",
    "io_uring_setup",
    "listen",
    "memfd_create",
    "mount",
    "open",
    "open_by_handle_at",
    "openat",
    "openat2",
    "pidfd_getfd",
    "pidfd_open",
    "pipe",
    "pipe2",
    "prctl",
    "recvmsg",
    "setgid",
    "setns",
    "setpgid",
    "setregid",
    "setresgid",
    "setresuid",
    "setreuid",
    "setsid",
    "setuid",
    "shutdown",
    "signalfd",
    "signalfd4",
    "socket",
    "socketpair",
    "timerfd_create",
    "umount2",
    "unshare",
    "userfaultfd",
    "vfork",
];
pub use value::{FieldType, Value};
