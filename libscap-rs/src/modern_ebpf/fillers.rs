//! Which probe program fills which exit event. The probe's dispatcher
//! tail-calls `exit_fillers[event code]`; every program named here is loaded
//! and registered under each of its events. A syscall whose event has no
//! filler is sent as Falco's generic event.

use falco_abi::EventCode as E;

/// One filler program of driver/bpf/ and the exit events it writes.
#[derive(Debug, Clone, Copy)]
pub struct Filler {
    /// The program's name in the probe object (its C function name).
    pub program: &'static str,
    pub events: &'static [E],
}

const fn f(program: &'static str, events: &'static [E]) -> Filler {
    Filler { program, events }
}

/// Every filler of the probe, by syscall family (driver/bpf/*.h).
pub const FILLERS: &[Filler] = &[
    // process.h
    f("execve_x", &[E::SYSCALL_EXECVE_19_X]),
    f("execveat_x", &[E::SYSCALL_EXECVEAT_X]),
    f(
        "clone_x",
        &[
            E::SYSCALL_CLONE_20_X,
            E::SYSCALL_CLONE3_X,
            E::SYSCALL_FORK_20_X,
            E::SYSCALL_VFORK_20_X,
        ],
    ),
    f("prctl_x", &[E::SYSCALL_PRCTL_X]),
    f("memfd_create_x", &[E::SYSCALL_MEMFD_CREATE_X]),
    // file.h
    f("open_x", &[E::SYSCALL_OPEN_X]),
    f("openat_x", &[E::SYSCALL_OPENAT_2_X]),
    f("openat2_x", &[E::SYSCALL_OPENAT2_X]),
    f("creat_x", &[E::SYSCALL_CREAT_X]),
    f("close_x", &[E::SYSCALL_CLOSE_X]),
    f(
        "dup_x",
        &[E::SYSCALL_DUP_1_X, E::SYSCALL_DUP2_X, E::SYSCALL_DUP3_X],
    ),
    f("chdir_x", &[E::SYSCALL_CHDIR_X, E::SYSCALL_FCHDIR_X]),
    f(
        "path_x",
        &[
            E::SYSCALL_RENAME_X,
            E::SYSCALL_RENAMEAT_X,
            E::SYSCALL_RENAMEAT2_X,
            E::SYSCALL_LINK_2_X,
            E::SYSCALL_LINKAT_2_X,
            E::SYSCALL_SYMLINK_X,
            E::SYSCALL_SYMLINKAT_X,
            E::SYSCALL_UNLINK_2_X,
            E::SYSCALL_UNLINKAT_2_X,
            E::SYSCALL_RMDIR_2_X,
            E::SYSCALL_MKDIR_2_X,
            E::SYSCALL_MKDIRAT_X,
            E::SYSCALL_CHMOD_X,
            E::SYSCALL_FCHMOD_X,
            E::SYSCALL_FCHMODAT_X,
        ],
    ),
    // net.h
    f("socket_x", &[E::SOCKET_SOCKET_X]),
    f("connect_x", &[E::SOCKET_CONNECT_X]),
    f("bind_x", &[E::SOCKET_BIND_X]),
    f("listen_x", &[E::SOCKET_LISTEN_X]),
    f("accept_x", &[E::SOCKET_ACCEPT_5_X, E::SOCKET_ACCEPT4_6_X]),
    // privilege.h
    f(
        "setid_x",
        &[
            E::SYSCALL_SETUID_X,
            E::SYSCALL_SETGID_X,
            E::SYSCALL_SETREUID_X,
            E::SYSCALL_SETREGID_X,
            E::SYSCALL_SETRESUID_X,
            E::SYSCALL_SETRESGID_X,
        ],
    ),
    f("ptrace_x", &[E::SYSCALL_PTRACE_X]),
    f("mount_x", &[E::SYSCALL_MOUNT_X]),
    f("umount2_x", &[E::SYSCALL_UMOUNT2_X]),
    f("init_module_x", &[E::SYSCALL_INIT_MODULE_X]),
    f("finit_module_x", &[E::SYSCALL_FINIT_MODULE_X]),
    f("setns_x", &[E::SYSCALL_SETNS_X]),
    f("unshare_x", &[E::SYSCALL_UNSHARE_X]),
    f("bpf_x", &[E::SYSCALL_BPF_2_X]),
    // ipc.h
    f("pipe_x", &[E::SYSCALL_PIPE_X, E::SYSCALL_PIPE2_X]),
    f("socketpair_x", &[E::SOCKET_SOCKETPAIR_X]),
    f(
        "fdcreate_x",
        &[
            E::SYSCALL_EVENTFD2_X,
            E::SYSCALL_SIGNALFD4_X,
            E::SYSCALL_INOTIFY_INIT1_X,
            E::SYSCALL_EPOLL_CREATE1_X,
        ],
    ),
    // io.h
    f("rw_x", &[E::SYSCALL_READ_X, E::SYSCALL_WRITE_X]),
    f("sendto_x", &[E::SOCKET_SENDTO_X]),
    f("recvfrom_x", &[E::SOCKET_RECVFROM_X]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use falco_abi::syscalls::X86_64_SYSCALLS;

    #[test]
    fn every_filler_event_is_the_exit_event_of_some_x86_64_syscall() {
        for f in FILLERS {
            for e in f.events {
                let code = *e as u16;
                assert!(
                    X86_64_SYSCALLS.iter().any(|s| s.exit_event == code),
                    "{} fills {:?}, which no x86-64 syscall exits with",
                    f.program,
                    e
                );
            }
        }
    }

    #[test]
    fn no_event_has_two_fillers() {
        let mut seen = std::collections::HashSet::new();
        for f in FILLERS {
            for e in f.events {
                assert!(seen.insert(*e as u16), "{:?} has two fillers", e);
            }
        }
    }
}
