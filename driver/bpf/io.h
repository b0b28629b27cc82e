/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Data I/O: read, write, sendto, recvfrom (exit events). Buffers are cut to
 * the snaplen; a failed call carries no data.
 */
#ifndef FALCO_BPF_IO_H
#define FALCO_BPF_IO_H

#include "net.h"

#define PPME_SYSCALL_READ_X 7
#define PPME_SYSCALL_WRITE_X 9
#define PPME_SOCKET_SENDTO_X 31
#define PPME_SOCKET_RECVFROM_X 35

/* The bytes the call moved: `ret` of them from `buf`. */
static __always_inline void push_moved(struct aux *a, const void *buf, long ret)
{
	if (ret > 0)
		push_user_buf(a, buf, (u64)ret);
	else
		push_empty(a);
}

/* read and write: res, data, fd, size. */
SEC("tp_btf/sys_exit")
int BPF_PROG(rw_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, a->code, 4);
	push_s64(a, ret);
	push_moved(a, (const void *)sc_arg(regs, 1), ret);
	push_s64(a, (s32)sc_arg(regs, 0));
	push_u32(a, (u32)sc_arg(regs, 2));
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sendto_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	s64 fd = (s32)sc_arg(regs, 0);
	ev_begin(a, PPME_SOCKET_SENDTO_X, 5);
	push_s64(a, ret);
	push_moved(a, (const void *)sc_arg(regs, 1), ret);
	push_s64(a, fd);
	push_u32(a, (u32)sc_arg(regs, 2));
	/* an unconnected socket sends to the address argument */
	push_tuple(a, fd_sock(fd), false, (const void *)sc_arg(regs, 4), sc_arg(regs, 5));
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(recvfrom_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	s64 fd = (s32)sc_arg(regs, 0);
	const void *src = (const void *)sc_arg(regs, 4);
	u32 srclen = 0;
	if (src)
		bpf_probe_read_user(&srclen, sizeof(srclen), (const void *)sc_arg(regs, 5));
	ev_begin(a, PPME_SOCKET_RECVFROM_X, 5);
	push_s64(a, ret);
	push_moved(a, (const void *)sc_arg(regs, 1), ret);
	/* the sender is the source; an unconnected socket learns it from the
	 * address the kernel filled in */
	push_tuple(a, fd_sock(fd), true, src, srclen);
	push_s64(a, fd);
	push_u32(a, (u32)sc_arg(regs, 2));
	ev_submit(a);
	return 0;
}

#endif
