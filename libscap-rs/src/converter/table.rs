//! The conversion rules: one row per (event code, parameter count) that an
//! old capture can contain, saying how to bring it one step closer to the
//! current schema. Rows are sorted by code then parameter count (checked by
//! a test) so lookups can binary-search. Facts from upstream libscap's
//! savefile converter; the form is ours.

use super::{rule, Action::*, Instr::*, Rule};

use falco_abi::EventCode;

pub const RULES: &[Rule] = &[
    rule(EventCode::GENERIC_E, 2, Store),
    rule(
        EventCode::GENERIC_X,
        1,
        Add(&[EnterOrEmpty(1) /* nativeID */]),
    ),
    rule(
        EventCode::SYSCALL_OPEN_E,
        0,
        Add(&[
            Empty, /* name */
            Empty, /* flags */
            Empty, /* mode */
        ]),
    ),
    rule(EventCode::SYSCALL_OPEN_E, 3, Pass),
    rule(EventCode::SYSCALL_OPEN_X, 4, Add(&[Empty /* dev */])),
    rule(EventCode::SYSCALL_OPEN_X, 5, Add(&[Empty /* ino */])),
    rule(EventCode::SYSCALL_CLOSE_E, 1, Store),
    rule(
        EventCode::SYSCALL_CLOSE_X,
        1,
        Add(&[EnterOrDefault(0) /* fd */]),
    ),
    rule(EventCode::SYSCALL_READ_E, 2, Store),
    rule(
        EventCode::SYSCALL_READ_X,
        2,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* size */
        ]),
    ),
    rule(EventCode::SYSCALL_WRITE_E, 2, Store),
    rule(
        EventCode::SYSCALL_WRITE_X,
        2,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* size */
        ]),
    ),
    rule(EventCode::SYSCALL_BRK_1_E, 1, Store),
    rule(
        EventCode::SYSCALL_BRK_1_X,
        1,
        ChangeType(
            EventCode::SYSCALL_BRK_4_X,
            &[
                Old(0),          /* res */
                EnterOrEmpty(0), /* vm_size */
                Empty,           /* vm_rss */
                Empty,           /* vm_swap */
                Empty,           /* addr */
            ],
        ),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_8_E,
        0,
        ChangeType(EventCode::SYSCALL_EXECVE_13_E, &[]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_8_X,
        8,
        ChangeType(
            EventCode::SYSCALL_EXECVE_13_X,
            &[
                Old(0), /* res */
                Old(1), /* exe */
                Old(2), /* args */
                Old(3), /* tid */
                Old(4), /* pid */
                Old(5), /* ptid */
                Old(6), /* cwd */
                Old(7), /* fdlimit */
                Empty,  /* pgft_maj */
                Empty,  /* pgft_min */
                Empty,  /* vm_size */
                Empty,  /* vm_rss */
                Empty,  /* vm_swap */
            ],
        ),
    ),
    rule(
        EventCode::SYSCALL_CLONE_11_X,
        11,
        ChangeType(
            EventCode::SYSCALL_CLONE_16_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Empty,   /* pgft_maj */
                Empty,   /* pgft_min */
                Empty,   /* vm_size */
                Empty,   /* vm_rss */
                Empty,   /* vm_swap */
                Old(8),  /* flags */
                Old(9),  /* uid */
                Old(10), /* gid */
            ],
        ),
    ),
    rule(
        EventCode::PROCEXIT_E,
        0,
        ChangeType(
            EventCode::PROCEXIT_1_E,
            &[
                Empty, /* status */
                Empty, /* ret */
                Empty, /* sig */
                Empty, /* core */
                Empty, /* reaper_tid */
            ],
        ),
    ),
    rule(EventCode::SOCKET_SOCKET_E, 3, Store),
    rule(
        EventCode::SOCKET_SOCKET_X,
        1,
        Add(&[
            EnterOrDefault(0), /* domain */
            EnterOrDefault(1), /* type */
            EnterOrDefault(2), /* proto */
        ]),
    ),
    rule(EventCode::SOCKET_SOCKET_X, 4, Add(&[Empty /* flags */])),
    rule(EventCode::SOCKET_BIND_E, 1, Store),
    rule(
        EventCode::SOCKET_BIND_X,
        2,
        Add(&[EnterOrDefault(0) /* fd */]),
    ),
    rule(EventCode::SOCKET_CONNECT_E, 1, Add(&[Default /* addr */])),
    rule(EventCode::SOCKET_CONNECT_E, 2, StoreAndPass),
    rule(
        EventCode::SOCKET_CONNECT_X,
        2,
        Add(&[EnterOrDefault(0) /* fd */]),
    ),
    rule(
        EventCode::SOCKET_CONNECT_X,
        3,
        Add(&[EnterOrDefault(1) /* addr */]),
    ),
    rule(EventCode::SOCKET_LISTEN_E, 2, Store),
    rule(
        EventCode::SOCKET_LISTEN_X,
        1,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* backlog */
        ]),
    ),
    rule(
        EventCode::SOCKET_ACCEPT_X,
        3,
        ChangeType(
            EventCode::SOCKET_ACCEPT_5_X,
            &[
                Old(0),  /* fd */
                Old(1),  /* tuple */
                Old(2),  /* queuepct */
                Default, /* queuelen */
                Default, /* queuemax */
            ],
        ),
    ),
    rule(EventCode::SOCKET_SEND_E, 2, Store),
    rule(
        EventCode::SOCKET_SEND_X,
        2,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* size */
            Default,           /* tuple */
        ]),
    ),
    rule(EventCode::SOCKET_SENDTO_E, 3, Store),
    rule(
        EventCode::SOCKET_SENDTO_X,
        2,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* size */
            EnterOrDefault(2), /* tuple */
        ]),
    ),
    rule(EventCode::SOCKET_RECV_E, 2, Store),
    rule(
        EventCode::SOCKET_RECV_X,
        2,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* size */
            Default,           /* tuple */
        ]),
    ),
    rule(EventCode::SOCKET_RECVFROM_E, 2, Store),
    rule(
        EventCode::SOCKET_RECVFROM_X,
        3,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* size */
        ]),
    ),
    rule(EventCode::SOCKET_SHUTDOWN_E, 2, Store),
    rule(
        EventCode::SOCKET_SHUTDOWN_X,
        1,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* how */
        ]),
    ),
    rule(EventCode::SOCKET_SOCKETPAIR_E, 3, Store),
    rule(
        EventCode::SOCKET_SOCKETPAIR_X,
        5,
        Add(&[
            EnterOrDefault(0), /* domain */
            EnterOrDefault(1), /* type */
            EnterOrDefault(2), /* proto */
        ]),
    ),
    rule(EventCode::SOCKET_SENDMSG_E, 3, Store),
    rule(
        EventCode::SOCKET_SENDMSG_X,
        2,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* size */
            EnterOrDefault(2), /* tuple */
        ]),
    ),
    rule(
        EventCode::SOCKET_SENDMMSG_X,
        0,
        Add(&[
            Default, /* res */
            Empty,   /* fd */
            Empty,   /* size */
            Empty,   /* data */
            Empty,   /* tuple */
        ]),
    ),
    rule(EventCode::SOCKET_RECVMSG_E, 1, Store),
    rule(
        EventCode::SOCKET_RECVMSG_X,
        4,
        Add(&[Default /* msgcontrol */]),
    ),
    rule(
        EventCode::SOCKET_RECVMSG_X,
        5,
        Add(&[EnterOrDefault(0) /* fd */]),
    ),
    rule(
        EventCode::SOCKET_RECVMMSG_X,
        0,
        Add(&[
            Default, /* res */
            Empty,   /* fd */
            Empty,   /* size */
            Empty,   /* data */
            Empty,   /* tuple */
            Empty,   /* msgcontrol */
        ]),
    ),
    rule(EventCode::SOCKET_ACCEPT4_E, 1, Store),
    rule(
        EventCode::SOCKET_ACCEPT4_X,
        3,
        ChangeType(
            EventCode::SOCKET_ACCEPT4_6_X,
            &[
                Old(0),            /* fd */
                Old(1),            /* tuple */
                Old(2),            /* queuepct */
                Default,           /* queuelen */
                Default,           /* queuemax */
                EnterOrDefault(0), /* flags */
            ],
        ),
    ),
    rule(
        EventCode::SYSCALL_CREAT_E,
        0,
        Add(&[Empty /* name */, Empty /* mode */]),
    ),
    rule(EventCode::SYSCALL_CREAT_E, 2, Pass),
    rule(EventCode::SYSCALL_CREAT_X, 3, Add(&[Empty /* dev */])),
    rule(EventCode::SYSCALL_CREAT_X, 4, Add(&[Empty /* ino */])),
    rule(
        EventCode::SYSCALL_CREAT_X,
        5,
        Add(&[Empty /* creat_flags */]),
    ),
    rule(EventCode::SYSCALL_EVENTFD_E, 2, Store),
    rule(
        EventCode::SYSCALL_EVENTFD_X,
        1,
        Add(&[
            EnterOrDefault(0), /* initval */
            EnterOrDefault(1), /* flags */
        ]),
    ),
    rule(EventCode::SYSCALL_FUTEX_E, 3, Store),
    rule(
        EventCode::SYSCALL_FUTEX_X,
        1,
        Add(&[
            EnterOrDefault(0), /* addr */
            EnterOrDefault(1), /* op */
            EnterOrDefault(2), /* val */
        ]),
    ),
    rule(EventCode::SYSCALL_FSTAT_E, 1, Store),
    rule(
        EventCode::SYSCALL_FSTAT_X,
        1,
        Add(&[EnterOrDefault(0) /* fd */]),
    ),
    rule(EventCode::SYSCALL_EPOLLWAIT_E, 1, Store),
    rule(
        EventCode::SYSCALL_EPOLLWAIT_X,
        1,
        Add(&[EnterOrDefault(0) /* maxevents */]),
    ),
    rule(EventCode::SYSCALL_POLL_E, 2, Store),
    rule(
        EventCode::SYSCALL_POLL_X,
        2,
        Add(&[EnterOrDefault(1) /* timeout */]),
    ),
    rule(
        EventCode::SYSCALL_NEWSELECT_X,
        1,
        ChangeType(EventCode::SYSCALL_SELECT_X, &[Old(0) /* res */]),
    ),
    rule(EventCode::SYSCALL_LSEEK_E, 3, Store),
    rule(
        EventCode::SYSCALL_LSEEK_X,
        1,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* offset */
            EnterOrDefault(2), /* whence */
        ]),
    ),
    rule(EventCode::SYSCALL_LLSEEK_E, 3, Store),
    rule(
        EventCode::SYSCALL_LLSEEK_X,
        1,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* offset */
            EnterOrDefault(2), /* whence */
        ]),
    ),
    rule(EventCode::SYSCALL_IOCTL_2_E, 2, Store),
    rule(
        EventCode::SYSCALL_IOCTL_2_X,
        1,
        ChangeType(
            EventCode::SYSCALL_IOCTL_3_X,
            &[
                Old(0),          /* res */
                EnterOrEmpty(0), /* fd */
                EnterOrEmpty(1), /* request */
                Empty,           /* argument */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_FCHDIR_E, 1, Store),
    rule(
        EventCode::SYSCALL_FCHDIR_X,
        1,
        Add(&[EnterOrEmpty(0) /* fd */]),
    ),
    rule(EventCode::SYSCALL_MKDIR_E, 2, Store),
    rule(
        EventCode::SYSCALL_MKDIR_X,
        1,
        ChangeType(
            EventCode::SYSCALL_MKDIR_2_X,
            &[
                Old(0),          /* res */
                EnterOrEmpty(0), /* path */
                EnterOrEmpty(1), /* mode */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_RMDIR_E, 1, Store),
    rule(
        EventCode::SYSCALL_RMDIR_X,
        1,
        ChangeType(
            EventCode::SYSCALL_RMDIR_2_X,
            &[Old(0) /* res */, EnterOrEmpty(0) /* path */],
        ),
    ),
    rule(EventCode::SYSCALL_OPENAT_E, 4, Store),
    rule(
        EventCode::SYSCALL_OPENAT_X,
        1,
        ChangeType(
            EventCode::SYSCALL_OPENAT_2_X,
            &[
                Old(0),          /* fd */
                EnterOrEmpty(0), /* dirfd */
                EnterOrEmpty(1), /* name */
                EnterOrEmpty(2), /* flags */
                EnterOrEmpty(3), /* mode */
                Empty,           /* dev */
                Empty,           /* ino */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_LINK_E, 2, Store),
    rule(
        EventCode::SYSCALL_LINK_X,
        1,
        ChangeType(
            EventCode::SYSCALL_LINK_2_X,
            &[
                Old(0),          /* res */
                EnterOrEmpty(0), /* oldpath */
                EnterOrEmpty(1), /* newpath */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_LINKAT_E, 4, Store),
    rule(
        EventCode::SYSCALL_LINKAT_X,
        1,
        ChangeType(
            EventCode::SYSCALL_LINKAT_2_X,
            &[
                Old(0),          /* res */
                EnterOrEmpty(0), /* olddir */
                EnterOrEmpty(1), /* oldpath */
                EnterOrEmpty(2), /* newdir */
                EnterOrEmpty(3), /* newpath */
                Empty,           /* flags */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_UNLINK_E, 1, Store),
    rule(
        EventCode::SYSCALL_UNLINK_X,
        1,
        ChangeType(
            EventCode::SYSCALL_UNLINK_2_X,
            &[Old(0) /* res */, EnterOrEmpty(0) /* path */],
        ),
    ),
    rule(EventCode::SYSCALL_UNLINKAT_E, 2, Store),
    rule(
        EventCode::SYSCALL_UNLINKAT_X,
        1,
        ChangeType(
            EventCode::SYSCALL_UNLINKAT_2_X,
            &[
                Old(0),          /* res */
                EnterOrEmpty(0), /* dirfd */
                EnterOrEmpty(1), /* name */
                Empty,           /* flags */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_PREAD_E, 3, Store),
    rule(
        EventCode::SYSCALL_PREAD_X,
        2,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* size */
            EnterOrDefault(2), /* pos */
        ]),
    ),
    rule(EventCode::SYSCALL_PWRITE_E, 3, Store),
    rule(
        EventCode::SYSCALL_PWRITE_X,
        2,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* size */
            EnterOrDefault(2), /* pos */
        ]),
    ),
    rule(EventCode::SYSCALL_READV_E, 1, Store),
    rule(
        EventCode::SYSCALL_READV_X,
        3,
        Add(&[EnterOrDefault(0) /* fd */]),
    ),
    rule(EventCode::SYSCALL_WRITEV_E, 2, Store),
    rule(
        EventCode::SYSCALL_WRITEV_X,
        2,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* size */
        ]),
    ),
    rule(EventCode::SYSCALL_PREADV_E, 2, Store),
    rule(
        EventCode::SYSCALL_PREADV_X,
        3,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* pos */
        ]),
    ),
    rule(EventCode::SYSCALL_PWRITEV_E, 3, Store),
    rule(
        EventCode::SYSCALL_PWRITEV_X,
        2,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* size */
            EnterOrDefault(2), /* pos */
        ]),
    ),
    rule(EventCode::SYSCALL_DUP_E, 1, Store),
    rule(
        EventCode::SYSCALL_DUP_X,
        1,
        ChangeType(
            EventCode::SYSCALL_DUP_1_X,
            &[Old(0) /* res */, EnterOrEmpty(0) /* oldfd */],
        ),
    ),
    rule(EventCode::SYSCALL_SIGNALFD_E, 3, Store),
    rule(
        EventCode::SYSCALL_SIGNALFD_X,
        1,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* mask */
            EnterOrDefault(2), /* flags */
        ]),
    ),
    rule(EventCode::SYSCALL_KILL_E, 2, Store),
    rule(
        EventCode::SYSCALL_KILL_X,
        1,
        Add(&[
            EnterOrDefault(0), /* pid */
            EnterOrDefault(1), /* sig */
        ]),
    ),
    rule(EventCode::SYSCALL_TKILL_E, 2, Store),
    rule(
        EventCode::SYSCALL_TKILL_X,
        1,
        Add(&[
            EnterOrDefault(0), /* tid */
            EnterOrDefault(1), /* sig */
        ]),
    ),
    rule(EventCode::SYSCALL_TGKILL_E, 3, Store),
    rule(
        EventCode::SYSCALL_TGKILL_X,
        1,
        Add(&[
            EnterOrDefault(0), /* pid */
            EnterOrDefault(1), /* tid */
            EnterOrDefault(2), /* sig */
        ]),
    ),
    rule(EventCode::SYSCALL_NANOSLEEP_E, 1, Store),
    rule(
        EventCode::SYSCALL_NANOSLEEP_X,
        1,
        Add(&[EnterOrDefault(0) /* interval */]),
    ),
    rule(EventCode::SYSCALL_TIMERFD_CREATE_E, 2, Store),
    rule(
        EventCode::SYSCALL_TIMERFD_CREATE_X,
        1,
        Add(&[
            EnterOrDefault(0), /* clockid */
            EnterOrDefault(1), /* flags */
        ]),
    ),
    rule(EventCode::SYSCALL_INOTIFY_INIT_E, 1, Store),
    rule(
        EventCode::SYSCALL_INOTIFY_INIT_X,
        1,
        Add(&[EnterOrDefault(0) /* flags */]),
    ),
    rule(EventCode::SYSCALL_GETRLIMIT_E, 1, Store),
    rule(
        EventCode::SYSCALL_GETRLIMIT_X,
        3,
        Add(&[EnterOrDefault(0) /* resource */]),
    ),
    rule(EventCode::SYSCALL_SETRLIMIT_E, 1, Store),
    rule(
        EventCode::SYSCALL_SETRLIMIT_X,
        3,
        Add(&[EnterOrDefault(0) /* resource */]),
    ),
    rule(EventCode::SYSCALL_PRLIMIT_E, 2, Store),
    rule(
        EventCode::SYSCALL_PRLIMIT_X,
        5,
        Add(&[
            EnterOrEmpty(0), /* pid */
            EnterOrEmpty(1), /* resource */
        ]),
    ),
    rule(
        EventCode::SCHEDSWITCH_1_E,
        1,
        ChangeType(
            EventCode::SCHEDSWITCH_6_E,
            &[
                Old(0), /* next */
                Empty,  /* pgft_maj */
                Empty,  /* pgft_min */
                Empty,  /* vm_size */
                Empty,  /* vm_rss */
                Empty,  /* vm_swap */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_FCNTL_E, 2, Store),
    rule(
        EventCode::SYSCALL_FCNTL_X,
        1,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* cmd */
        ]),
    ),
    rule(EventCode::SYSCALL_FCNTL_X, 3, Add(&[Empty /* arg */])),
    rule(
        EventCode::SYSCALL_EXECVE_13_E,
        0,
        ChangeType(EventCode::SYSCALL_EXECVE_14_E, &[]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_13_X,
        13,
        ChangeType(
            EventCode::SYSCALL_EXECVE_14_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Empty,   /* env */
            ],
        ),
    ),
    rule(
        EventCode::SYSCALL_CLONE_16_X,
        16,
        ChangeType(
            EventCode::SYSCALL_CLONE_17_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Empty,   /* comm */
                Old(13), /* flags */
                Old(14), /* uid */
                Old(15), /* gid */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_BRK_4_E, 1, Store),
    rule(
        EventCode::SYSCALL_BRK_4_X,
        4,
        Add(&[EnterOrEmpty(0) /* addr */]),
    ),
    rule(EventCode::SYSCALL_MMAP_E, 6, Store),
    rule(
        EventCode::SYSCALL_MMAP_X,
        4,
        Add(&[
            EnterOrDefault(0), /* addr */
            EnterOrDefault(1), /* length */
            EnterOrDefault(2), /* prot */
            EnterOrDefault(3), /* flags */
            EnterOrDefault(4), /* fd */
            EnterOrDefault(5), /* offset */
        ]),
    ),
    rule(EventCode::SYSCALL_MMAP2_E, 6, Store),
    rule(
        EventCode::SYSCALL_MMAP2_X,
        4,
        Add(&[
            EnterOrDefault(0), /* addr */
            EnterOrDefault(1), /* length */
            EnterOrDefault(2), /* prot */
            EnterOrDefault(3), /* flags */
            EnterOrDefault(4), /* fd */
            EnterOrDefault(5), /* pgoffset */
        ]),
    ),
    rule(EventCode::SYSCALL_MUNMAP_E, 2, Store),
    rule(
        EventCode::SYSCALL_MUNMAP_X,
        4,
        Add(&[
            EnterOrDefault(0), /* addr */
            EnterOrDefault(1), /* length */
        ]),
    ),
    rule(EventCode::SYSCALL_SPLICE_E, 4, Store),
    rule(
        EventCode::SYSCALL_SPLICE_X,
        1,
        Add(&[
            EnterOrDefault(0), /* fd_in */
            EnterOrDefault(1), /* fd_out */
            EnterOrDefault(2), /* size */
            EnterOrDefault(3), /* flags */
        ]),
    ),
    rule(EventCode::SYSCALL_PTRACE_E, 2, Store),
    rule(
        EventCode::SYSCALL_PTRACE_X,
        0,
        Add(&[
            Empty, /* res */
            Empty, /* addr */
            Empty, /* data */
        ]),
    ),
    rule(
        EventCode::SYSCALL_PTRACE_X,
        3,
        Add(&[
            EnterOrEmpty(0), /* request */
            EnterOrEmpty(1), /* pid */
        ]),
    ),
    rule(EventCode::SYSCALL_IOCTL_3_E, 3, Store),
    rule(
        EventCode::SYSCALL_IOCTL_3_X,
        1,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* request */
            EnterOrDefault(2), /* argument */
        ]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_14_E,
        0,
        ChangeType(EventCode::SYSCALL_EXECVE_15_E, &[]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_14_X,
        14,
        ChangeType(
            EventCode::SYSCALL_EXECVE_15_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Empty,   /* comm */
                Old(13), /* env */
            ],
        ),
    ),
    rule(
        EventCode::SYSCALL_FORK_X,
        16,
        ChangeType(
            EventCode::SYSCALL_FORK_17_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Empty,   /* comm */
                Old(13), /* flags */
                Old(14), /* uid */
                Old(15), /* gid */
            ],
        ),
    ),
    rule(
        EventCode::SYSCALL_VFORK_X,
        16,
        ChangeType(
            EventCode::SYSCALL_VFORK_17_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Empty,   /* comm */
                Old(13), /* flags */
                Old(14), /* uid */
                Old(15), /* gid */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_SENDFILE_E, 4, Store),
    rule(
        EventCode::SYSCALL_SENDFILE_X,
        2,
        Add(&[
            EnterOrDefault(0), /* out_fd */
            EnterOrDefault(1), /* in_fd */
            EnterOrDefault(3), /* size */
        ]),
    ),
    rule(EventCode::SYSCALL_QUOTACTL_E, 4, Store),
    rule(
        EventCode::SYSCALL_QUOTACTL_X,
        14,
        Add(&[
            EnterOrDefault(0), /* cmd */
            EnterOrDefault(1), /* type */
            EnterOrDefault(2), /* id */
            EnterOrDefault(3), /* quota_fmt */
        ]),
    ),
    rule(EventCode::SYSCALL_SETRESUID_E, 3, Store),
    rule(
        EventCode::SYSCALL_SETRESUID_X,
        1,
        Add(&[
            EnterOrEmpty(0), /* ruid */
            EnterOrEmpty(1), /* euid */
            EnterOrEmpty(2), /* suid */
        ]),
    ),
    rule(EventCode::SYSCALL_SETRESGID_E, 3, Store),
    rule(
        EventCode::SYSCALL_SETRESGID_X,
        1,
        Add(&[
            EnterOrEmpty(0), /* rgid */
            EnterOrEmpty(1), /* egid */
            EnterOrEmpty(2), /* sgid */
        ]),
    ),
    rule(EventCode::SYSCALL_SETUID_E, 1, Store),
    rule(
        EventCode::SYSCALL_SETUID_X,
        1,
        Add(&[EnterOrEmpty(0) /* uid */]),
    ),
    rule(EventCode::SYSCALL_SETGID_E, 1, Store),
    rule(
        EventCode::SYSCALL_SETGID_X,
        1,
        Add(&[EnterOrEmpty(0) /* gid */]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_15_E,
        0,
        ChangeType(EventCode::SYSCALL_EXECVE_16_E, &[]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_15_X,
        15,
        ChangeType(
            EventCode::SYSCALL_EXECVE_16_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Old(13), /* comm */
                Empty,   /* cgroups */
                Old(14), /* env */
            ],
        ),
    ),
    rule(
        EventCode::SYSCALL_CLONE_17_X,
        17,
        ChangeType(
            EventCode::SYSCALL_CLONE_20_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Old(13), /* comm */
                Empty,   /* cgroups */
                Old(14), /* flags */
                Old(15), /* uid */
                Old(16), /* gid */
                Empty,   /* vtid */
                Empty,   /* vpid */
            ],
        ),
    ),
    rule(
        EventCode::SYSCALL_FORK_17_X,
        17,
        ChangeType(
            EventCode::SYSCALL_FORK_20_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Old(13), /* comm */
                Empty,   /* cgroups */
                Old(14), /* flags */
                Old(15), /* uid */
                Old(16), /* gid */
                Empty,   /* vtid */
                Empty,   /* vpid */
            ],
        ),
    ),
    rule(
        EventCode::SYSCALL_VFORK_17_X,
        17,
        ChangeType(
            EventCode::SYSCALL_VFORK_20_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Old(13), /* comm */
                Empty,   /* cgroups */
                Old(14), /* flags */
                Old(15), /* uid */
                Old(16), /* gid */
                Empty,   /* vtid */
                Empty,   /* vpid */
            ],
        ),
    ),
    rule(
        EventCode::SYSCALL_CLONE_20_X,
        20,
        Add(&[Empty /* pidns_init_start_ts */]),
    ),
    rule(
        EventCode::SYSCALL_FORK_20_X,
        20,
        Add(&[Empty /* pidns_init_start_ts */]),
    ),
    rule(
        EventCode::SYSCALL_VFORK_20_X,
        20,
        Add(&[Empty /* pidns_init_start_ts */]),
    ),
    rule(
        EventCode::CONTAINER_E,
        4,
        ChangeType(EventCode::CONTAINER_JSON_E, &[ContainerJson /* json */]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_16_E,
        0,
        ChangeType(EventCode::SYSCALL_EXECVE_17_E, &[]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_16_X,
        16,
        ChangeType(
            EventCode::SYSCALL_EXECVE_17_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Old(13), /* comm */
                Old(14), /* cgroups */
                Old(15), /* env */
                Empty,   /* tty */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_GETDENTS_E, 1, Store),
    rule(
        EventCode::SYSCALL_GETDENTS_X,
        1,
        Add(&[EnterOrDefault(0) /* fd */]),
    ),
    rule(EventCode::SYSCALL_GETDENTS64_E, 1, Store),
    rule(
        EventCode::SYSCALL_GETDENTS64_X,
        1,
        Add(&[EnterOrDefault(0) /* fd */]),
    ),
    rule(EventCode::SYSCALL_SETNS_E, 2, Store),
    rule(
        EventCode::SYSCALL_SETNS_X,
        1,
        Add(&[
            EnterOrEmpty(0), /* fd */
            EnterOrEmpty(1), /* nstype */
        ]),
    ),
    rule(EventCode::SYSCALL_FLOCK_E, 2, Store),
    rule(
        EventCode::SYSCALL_FLOCK_X,
        1,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* operation */
        ]),
    ),
    rule(EventCode::SOCKET_ACCEPT4_5_E, 1, Store),
    rule(
        EventCode::SOCKET_ACCEPT4_5_X,
        5,
        ChangeType(
            EventCode::SOCKET_ACCEPT4_6_X,
            &[
                Old(0),            /* fd */
                Old(1),            /* tuple */
                Old(2),            /* queuepct */
                Old(3),            /* queuelen */
                Old(4),            /* queuemax */
                EnterOrDefault(0), /* flags */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_SEMOP_E, 1, Store),
    rule(
        EventCode::SYSCALL_SEMOP_X,
        8,
        Add(&[EnterOrDefault(0) /* semid */]),
    ),
    rule(EventCode::SYSCALL_SEMCTL_E, 4, Store),
    rule(
        EventCode::SYSCALL_SEMCTL_X,
        1,
        Add(&[
            EnterOrDefault(0), /* semid */
            EnterOrDefault(1), /* semnum */
            EnterOrDefault(2), /* cmd */
            EnterOrDefault(3), /* val */
        ]),
    ),
    rule(EventCode::SYSCALL_PPOLL_E, 3, Store),
    rule(
        EventCode::SYSCALL_PPOLL_X,
        2,
        Add(&[
            EnterOrDefault(1), /* timeout */
            EnterOrDefault(2), /* sigmask */
        ]),
    ),
    rule(EventCode::SYSCALL_MOUNT_E, 1, Store),
    rule(
        EventCode::SYSCALL_MOUNT_X,
        4,
        Add(&[EnterOrDefault(0) /* flags */]),
    ),
    rule(
        EventCode::SYSCALL_UMOUNT_X,
        2,
        ChangeType(
            EventCode::SYSCALL_UMOUNT_1_X,
            &[Old(0) /* res */, Old(1) /* name */],
        ),
    ),
    rule(EventCode::SYSCALL_SEMGET_E, 3, Store),
    rule(
        EventCode::SYSCALL_SEMGET_X,
        1,
        Add(&[
            EnterOrDefault(0), /* key */
            EnterOrDefault(1), /* nsems */
            EnterOrDefault(2), /* semflg */
        ]),
    ),
    rule(EventCode::SYSCALL_ACCESS_E, 1, Store),
    rule(
        EventCode::SYSCALL_ACCESS_X,
        2,
        Add(&[EnterOrDefault(0) /* mode */]),
    ),
    rule(
        EventCode::CONTAINER_JSON_E,
        1,
        ChangeType(EventCode::CONTAINER_JSON_2_E, &[Old(0) /* json */]),
    ),
    rule(EventCode::SYSCALL_MKDIR_2_E, 1, Store),
    rule(
        EventCode::SYSCALL_MKDIR_2_X,
        2,
        Add(&[EnterOrEmpty(0) /* mode */]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_17_E,
        0,
        ChangeType(EventCode::SYSCALL_EXECVE_18_E, &[Empty /* filename */]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_17_X,
        17,
        ChangeType(
            EventCode::SYSCALL_EXECVE_18_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Old(13), /* comm */
                Old(14), /* cgroups */
                Old(15), /* env */
                Old(16), /* tty */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_UNSHARE_E, 1, Store),
    rule(
        EventCode::SYSCALL_UNSHARE_X,
        1,
        Add(&[EnterOrDefault(0) /* flags */]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_18_E,
        1,
        ChangeType(EventCode::SYSCALL_EXECVE_19_E, &[Old(0) /* filename */]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_18_X,
        17,
        ChangeType(
            EventCode::SYSCALL_EXECVE_19_X,
            &[
                Old(0),  /* res */
                Old(1),  /* exe */
                Old(2),  /* args */
                Old(3),  /* tid */
                Old(4),  /* pid */
                Old(5),  /* ptid */
                Old(6),  /* cwd */
                Old(7),  /* fdlimit */
                Old(8),  /* pgft_maj */
                Old(9),  /* pgft_min */
                Old(10), /* vm_size */
                Old(11), /* vm_rss */
                Old(12), /* vm_swap */
                Old(13), /* comm */
                Old(14), /* cgroups */
                Old(15), /* env */
                Old(16), /* tty */
                Empty,   /* vpgid */
            ],
        ),
    ),
    rule(EventCode::SYSCALL_EXECVE_19_E, 1, StoreAndPass),
    rule(
        EventCode::SYSCALL_EXECVE_19_X,
        18,
        Add(&[Empty /* loginuid */]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_19_X,
        19,
        Add(&[Empty /* flags */]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_19_X,
        20,
        Add(&[
            Empty, /* cap_inheritable */
            Empty, /* cap_permitted */
            Empty, /* cap_effective */
        ]),
    ),
    rule(
        EventCode::SYSCALL_EXECVE_19_X,
        23,
        Add(&[
            Empty, /* exe_ino */
            Empty, /* exe_ino_ctime */
            Empty, /* exe_ino_mtime */
        ]),
    ),
    rule(EventCode::SYSCALL_EXECVE_19_X, 26, Add(&[Empty /* uid */])),
    rule(
        EventCode::SYSCALL_EXECVE_19_X,
        27,
        Add(&[Empty /* trusted_exepath */]),
    ),
    rule(EventCode::SYSCALL_EXECVE_19_X, 28, Add(&[Empty /* pgid */])),
    rule(EventCode::SYSCALL_EXECVE_19_X, 29, Add(&[Empty /* gid */])),
    rule(
        EventCode::SYSCALL_EXECVE_19_X,
        30,
        Add(&[EnterOrEmpty(0) /* filename */]),
    ),
    rule(EventCode::SYSCALL_SETPGID_E, 2, Store),
    rule(
        EventCode::SYSCALL_SETPGID_X,
        1,
        Add(&[
            EnterOrEmpty(0), /* pid */
            EnterOrEmpty(1), /* pgid */
        ]),
    ),
    rule(EventCode::SYSCALL_BPF_E, 1, Store),
    rule(
        EventCode::SYSCALL_BPF_X,
        1,
        ChangeType(
            EventCode::SYSCALL_BPF_2_X,
            &[OldDyn(0) /* fd */, EnterOrEmpty(0) /* cmd */],
        ),
    ),
    rule(EventCode::SYSCALL_SECCOMP_E, 1, Add(&[Default /* flags */])),
    rule(EventCode::SYSCALL_SECCOMP_E, 2, Store),
    rule(
        EventCode::SYSCALL_SECCOMP_X,
        1,
        Add(&[
            EnterOrDefault(0), /* op */
            EnterOrDefault(1), /* flags */
        ]),
    ),
    rule(
        EventCode::SYSCALL_OPENAT_2_E,
        0,
        Add(&[
            Empty, /* dirfd */
            Empty, /* name */
            Empty, /* flags */
            Empty, /* mode */
        ]),
    ),
    rule(EventCode::SYSCALL_OPENAT_2_E, 4, Pass),
    rule(EventCode::SYSCALL_OPENAT_2_X, 5, Add(&[Empty /* dev */])),
    rule(EventCode::SYSCALL_OPENAT_2_X, 6, Add(&[Empty /* ino */])),
    rule(
        EventCode::SYSCALL_OPENAT2_E,
        0,
        Add(&[
            Empty, /* dirfd */
            Empty, /* name */
            Empty, /* flags */
            Empty, /* mode */
            Empty, /* resolve */
        ]),
    ),
    rule(EventCode::SYSCALL_OPENAT2_E, 5, Pass),
    rule(
        EventCode::SYSCALL_OPENAT2_X,
        6,
        Add(&[Empty /* dev */, Empty /* ino */]),
    ),
    rule(EventCode::SYSCALL_MPROTECT_E, 3, Store),
    rule(
        EventCode::SYSCALL_MPROTECT_X,
        1,
        Add(&[
            EnterOrDefault(0), /* addr */
            EnterOrDefault(1), /* length */
            EnterOrDefault(2), /* prot */
        ]),
    ),
    rule(EventCode::SYSCALL_EXECVEAT_E, 3, Pass),
    rule(EventCode::SYSCALL_EXECVEAT_X, 19, Add(&[Empty /* flags */])),
    rule(
        EventCode::SYSCALL_EXECVEAT_X,
        20,
        Add(&[
            Empty, /* cap_inheritable */
            Empty, /* cap_permitted */
            Empty, /* cap_effective */
        ]),
    ),
    rule(
        EventCode::SYSCALL_EXECVEAT_X,
        23,
        Add(&[
            Empty, /* exe_ino */
            Empty, /* exe_ino_ctime */
            Empty, /* exe_ino_mtime */
        ]),
    ),
    rule(EventCode::SYSCALL_EXECVEAT_X, 26, Add(&[Empty /* uid */])),
    rule(
        EventCode::SYSCALL_EXECVEAT_X,
        27,
        Add(&[Empty /* trusted_exepath */]),
    ),
    rule(EventCode::SYSCALL_EXECVEAT_X, 28, Add(&[Empty /* pgid */])),
    rule(EventCode::SYSCALL_EXECVEAT_X, 29, Add(&[Empty /* gid */])),
    rule(EventCode::SYSCALL_COPY_FILE_RANGE_E, 3, Store),
    rule(
        EventCode::SYSCALL_COPY_FILE_RANGE_X,
        3,
        Add(&[
            EnterOrDefault(0), /* fdin */
            EnterOrDefault(1), /* offin */
            EnterOrDefault(2), /* len */
        ]),
    ),
    rule(
        EventCode::SYSCALL_CLONE3_X,
        20,
        Add(&[Empty /* pidns_init_start_ts */]),
    ),
    rule(EventCode::SYSCALL_EPOLL_CREATE_E, 1, Store),
    rule(
        EventCode::SYSCALL_EPOLL_CREATE_X,
        1,
        Add(&[EnterOrDefault(0) /* size */]),
    ),
    rule(EventCode::SYSCALL_EPOLL_CREATE1_E, 1, Store),
    rule(
        EventCode::SYSCALL_EPOLL_CREATE1_X,
        1,
        Add(&[EnterOrDefault(0) /* flags */]),
    ),
    rule(EventCode::SOCKET_ACCEPT4_6_E, 1, Store),
    rule(
        EventCode::SOCKET_ACCEPT4_6_X,
        5,
        Add(&[EnterOrDefault(0) /* flags */]),
    ),
    rule(EventCode::SYSCALL_UMOUNT2_E, 1, Store),
    rule(
        EventCode::SYSCALL_UMOUNT2_X,
        2,
        Add(&[EnterOrDefault(0) /* flags */]),
    ),
    rule(EventCode::SYSCALL_EVENTFD2_E, 1, Store),
    rule(
        EventCode::SYSCALL_EVENTFD2_X,
        2,
        Add(&[EnterOrDefault(0) /* initval */]),
    ),
    rule(EventCode::SYSCALL_SIGNALFD4_E, 2, Store),
    rule(
        EventCode::SYSCALL_SIGNALFD4_X,
        2,
        Add(&[
            EnterOrDefault(0), /* fd */
            EnterOrDefault(1), /* mask */
        ]),
    ),
];
