/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Descriptors for communication and notification: pipe, pipe2 and
 * socketpair (the pair comes back through a user array the call filled
 * in), eventfd2, signalfd4, inotify_init1 and epoll_create1 (exit events).
 */
#ifndef FALCO_BPF_IPC_H
#define FALCO_BPF_IPC_H

#include "file.h"
#include "net.h"

#define PPME_SOCKET_SOCKETPAIR_X 43
#define PPME_SYSCALL_PIPE_X 61
#define PPME_SYSCALL_PIPE2_X 393
#define PPME_SYSCALL_EPOLL_CREATE1_X 377
#define PPME_SYSCALL_INOTIFY_INIT1_X 395
#define PPME_SYSCALL_EVENTFD2_X 397
#define PPME_SYSCALL_SIGNALFD4_X 399

/* O_NONBLOCK and O_CLOEXEC (the values EFD_/SFD_/IN_ flags share with
 * open) as PPM open flags. */
static __always_inline u16 fd_flags_to_ppm(u64 f)
{
	return (u16)(open_flags_to_ppm(f) & (0x40 | 0x1000));
}

/* The two descriptors the call wrote to the int[2] at `ufds` (-1, -1 when
 * it failed or the array cannot be read). */
static __always_inline void read_fd_pair(long ret, const void *ufds, s32 fds[2])
{
	if (ret < 0 || !ufds || bpf_probe_read_user(fds, 2 * sizeof(s32), ufds) != 0) {
		fds[0] = -1;
		fds[1] = -1;
	}
}

/* pipe and pipe2: res, fd1, fd2, ino (of the pipe), and pipe2's flags. */
SEC("tp_btf/sys_exit")
int BPF_PROG(pipe_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	bool two = a->code == PPME_SYSCALL_PIPE2_X;
	s32 fds[2];
	read_fd_pair(ret, (const void *)sc_arg(regs, 0), fds);
	struct file *f = fds[0] >= 0 ? fd_file(fds[0]) : NULL;
	struct inode *ino = f ? BPF_CORE_READ(f, f_inode) : NULL;
	ev_begin(a, a->code, two ? 5 : 4);
	push_s64(a, ret);
	push_s64(a, fds[0]);
	push_s64(a, fds[1]);
	push_u64(a, ino ? BPF_CORE_READ(ino, i_ino) : 0);
	if (two) {
		/* O_CLOEXEC, O_NONBLOCK, O_DIRECT as PPM open flags; the
		 * access-mode bits of open_flags_to_ppm do not apply here */
		u64 fl = sc_arg(regs, 1);
		push_u32(a, open_flags_to_ppm(fl) & (0x1000 | 0x40 | 0x200));
	}
	ev_submit(a);
	return 0;
}

/* socketpair: res, fd1, fd2, source and peer (the two sockets' kernel
 * addresses, as unix tuples name them), domain, type, proto. */
SEC("tp_btf/sys_exit")
int BPF_PROG(socketpair_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	s32 fds[2];
	read_fd_pair(ret, (const void *)sc_arg(regs, 3), fds);
	struct sock *sk = fds[0] >= 0 ? fd_sock(fds[0]) : NULL;
	u64 source = (u64)sk;
	u64 peer = 0;
	if (sk && BPF_CORE_READ(sk, __sk_common.skc_family) == AF_UNIX)
		peer = (u64)BPF_CORE_READ((struct unix_sock *)sk, peer);
	ev_begin(a, PPME_SOCKET_SOCKETPAIR_X, 8);
	push_s64(a, ret);
	push_s64(a, fds[0]);
	push_s64(a, fds[1]);
	push_u64(a, source);
	push_u64(a, peer);
	push_u32(a, (u32)sc_arg(regs, 0));
	push_u32(a, (u32)sc_arg(regs, 1));
	push_u32(a, (u32)sc_arg(regs, 2));
	ev_submit(a);
	return 0;
}

/* eventfd2, signalfd4, inotify_init1, epoll_create1: the new fd and the
 * flags, and what else each event carries. */
SEC("tp_btf/sys_exit")
int BPF_PROG(fdcreate_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	u16 code = a->code;
	switch (code) {
	case PPME_SYSCALL_EVENTFD2_X:
		ev_begin(a, code, 3);
		push_s64(a, ret);
		push_u16(a, fd_flags_to_ppm(sc_arg(regs, 1)));
		push_u64(a, (u32)sc_arg(regs, 0));
		break;
	case PPME_SYSCALL_SIGNALFD4_X: {
		u32 mask = 0;
		bpf_probe_read_user(&mask, sizeof(mask), (const void *)sc_arg(regs, 1));
		ev_begin(a, code, 4);
		push_s64(a, ret);
		push_u16(a, fd_flags_to_ppm(sc_arg(regs, 3)));
		push_s64(a, (s32)sc_arg(regs, 0));
		push_u32(a, mask);
		break;
	}
	case PPME_SYSCALL_INOTIFY_INIT1_X:
		ev_begin(a, code, 2);
		push_s64(a, ret);
		push_u16(a, fd_flags_to_ppm(sc_arg(regs, 0)));
		break;
	default: /* epoll_create1: EPOLL_CLOEXEC is PPM's 0x1 */
		ev_begin(a, PPME_SYSCALL_EPOLL_CREATE1_X, 2);
		push_s64(a, ret);
		push_u32(a, (sc_arg(regs, 0) & 02000000) ? 0x1 : 0);
		break;
	}
	ev_submit(a);
	return 0;
}

#endif
