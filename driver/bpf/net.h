/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sockets: socket, bind, connect, listen, accept, accept4 (exit events),
 * with Falco's sockaddr and socket-tuple encodings:
 *   sockaddr  inet: family u8, addr 4, port u16 (host order)
 *             inet6: family u8, addr 16, port u16; unix: family u8, path\0
 *   tuple     inet: family u8, saddr 4, sport u16, daddr 4, dport u16
 *             inet6: family u8, saddr 16, sport, daddr 16, dport
 *             unix: family u8, source u64, dest u64, path\0
 * The tuple's source is the side that connected: the local end for
 * connect, the peer for accept.
 */
#ifndef FALCO_BPF_NET_H
#define FALCO_BPF_NET_H

#include "task.h"

#define PPME_SOCKET_SOCKET_X 19
#define PPME_SOCKET_BIND_X 21
#define PPME_SOCKET_CONNECT_X 23
#define PPME_SOCKET_LISTEN_X 25
#define PPME_SOCKET_ACCEPT_5_X 247
#define PPME_SOCKET_ACCEPT4_6_X 389

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

static __always_inline u16 ntohs16(u16 v)
{
	return (v >> 8) | (v << 8);
}

static __always_inline void put_bytes(struct aux *a, u32 *pos, const void *src, u32 n)
{
	bpf_probe_read_kernel(&a->data[OFF(*pos)], n & 31, src);
	*pos += n & 31;
}

/* Ends a unix path that a string read of `got` bytes put at `*pos`: an
 * unreadable one becomes the empty string. */
static __always_inline void end_unix_path(struct aux *a, u32 *pos, long got)
{
	if (got <= 0) {
		a->data[OFF(*pos)] = 0;
		got = 1;
	}
	*pos += got;
}

/* The two ends of a tuple, source first: `len`-byte address and port each. */
static __always_inline void put_ends(struct aux *a, u32 *pos, const void *saddr, const u16 *sport,
				     const void *daddr, const u16 *dport, u32 len)
{
	put_bytes(a, pos, saddr, len);
	put_bytes(a, pos, sport, 2);
	put_bytes(a, pos, daddr, len);
	put_bytes(a, pos, dport, 2);
}

/* A sockaddr the caller passed (connect, bind). */
static __always_inline void push_user_sockaddr(struct aux *a, const void *uaddr, u64 ulen)
{
	u8 buf[28] = {};
	u32 pos = a->payload;
	if (!uaddr || ulen < 2 || bpf_probe_read_user(buf, ulen < sizeof(buf) ? (ulen & 31) : sizeof(buf), uaddr) != 0) {
		push_empty(a);
		return;
	}
	u16 fam = buf[0] | (u16)buf[1] << 8;
	if (fam == AF_INET) {
		u16 port = ntohs16(buf[2] | (u16)buf[3] << 8);
		a->data[OFF(pos)] = AF_INET;
		pos++;
		put_bytes(a, &pos, &buf[4], 4);
		put_bytes(a, &pos, &port, 2);
	} else if (fam == AF_INET6) {
		u16 port = ntohs16(buf[2] | (u16)buf[3] << 8);
		a->data[OFF(pos)] = AF_INET6;
		pos++;
		put_bytes(a, &pos, &buf[8], 16);
		put_bytes(a, &pos, &port, 2);
	} else if (fam == AF_UNIX) {
		a->data[OFF(pos)] = AF_UNIX;
		pos++;
		end_unix_path(a, &pos, bpf_probe_read_user_str(&a->data[OFF(pos)], 108, uaddr + 2));
	} else {
		push_empty(a);
		return;
	}
	ev_len(a, (u16)(pos - a->payload));
}

#define S_IFMT 0170000
#define S_IFSOCK 0140000

/* The sock behind descriptor `fd`, only when it is a socket: other files
 * keep other things in private_data. */
static __always_inline struct sock *fd_sock(s64 fd)
{
	struct file *f = fd_file(fd);
	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *s = BPF_CORE_READ(f, private_data);
	return s ? BPF_CORE_READ(s, sk) : NULL;
}

/* The tuple of a connected socket; `peer_is_source` for accepted ones.
 * `uaddr` fills a remote end the socket does not know (a failed connect). */
static __always_inline void push_tuple(struct aux *a, struct sock *sk, bool peer_is_source, const void *uaddr,
				       u64 ulen)
{
	u32 pos = a->payload;
	if (!sk) {
		push_empty(a);
		return;
	}
	u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (fam == AF_INET) {
		u32 laddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		u32 raddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		u16 rport = ntohs16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (raddr == 0 && uaddr && ulen >= 8) {
			u8 ua[8] = {};
			bpf_probe_read_user(ua, sizeof(ua), uaddr);
			rport = ntohs16(ua[2] | (u16)ua[3] << 8);
			__builtin_memcpy(&raddr, &ua[4], 4);
		}
		a->data[OFF(pos)] = AF_INET;
		pos++;
		if (peer_is_source)
			put_ends(a, &pos, &raddr, &rport, &laddr, &lport, 4);
		else
			put_ends(a, &pos, &laddr, &lport, &raddr, &rport, 4);
	} else if (fam == AF_INET6) {
		u8 l6[16], r6[16];
		BPF_CORE_READ_INTO(&l6, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&r6, sk, __sk_common.skc_v6_daddr);
		u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		u16 rport = ntohs16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		a->data[OFF(pos)] = AF_INET6;
		pos++;
		if (peer_is_source)
			put_ends(a, &pos, r6, &rport, l6, &lport, 16);
		else
			put_ends(a, &pos, l6, &lport, r6, &rport, 16);
	} else if (fam == AF_UNIX) {
		struct unix_sock *us = (struct unix_sock *)sk;
		u64 self = (u64)sk;
		u64 peer = (u64)BPF_CORE_READ(us, peer);
		a->data[OFF(pos)] = AF_UNIX;
		pos++;
		put_bytes(a, &pos, peer_is_source ? &peer : &self, 8);
		put_bytes(a, &pos, peer_is_source ? &self : &peer, 8);
		struct unix_sock *named = peer_is_source ? us : (struct unix_sock *)peer;
		struct unix_address *ua = named ? BPF_CORE_READ(named, addr) : NULL;
		long got = 0;
		if (ua)
			/* name is a flexible sockaddr_un array: sun_path follows the
			 * 2-byte family of its first element */
			got = bpf_probe_read_kernel_str(&a->data[OFF(pos)], 108,
							(void *)ua + bpf_core_field_offset(ua->name) + 2);
		else if (uaddr && ulen > 2)
			got = bpf_probe_read_user_str(&a->data[OFF(pos)], 108, uaddr + 2);
		end_unix_path(a, &pos, got);
	} else {
		push_empty(a);
		return;
	}
	ev_len(a, (u16)(pos - a->payload));
}

SEC("tp_btf/sys_exit")
int BPF_PROG(socket_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	u64 type = sc_arg(regs, 1);
	u32 flags = 0;
	if (type & 04000) flags |= 0x40;     /* SOCK_NONBLOCK -> PPM_O_NONBLOCK */
	if (type & 02000000) flags |= 0x1000; /* SOCK_CLOEXEC -> PPM_O_CLOEXEC */
	ev_begin(a, PPME_SOCKET_SOCKET_X, 5);
	push_s64(a, ret);
	push_u32(a, (u32)sc_arg(regs, 0)); /* PPM_AF_* equal the Linux values */
	push_u32(a, (u32)(type & 0xf));
	push_u32(a, (u32)sc_arg(regs, 2));
	push_u32(a, flags);
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(connect_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	s64 fd = (s32)sc_arg(regs, 0);
	const void *uaddr = (const void *)sc_arg(regs, 1);
	u64 ulen = sc_arg(regs, 2);
	ev_begin(a, PPME_SOCKET_CONNECT_X, 4);
	push_s64(a, ret);
	push_tuple(a, fd_sock(fd), false, uaddr, ulen);
	push_s64(a, fd);
	push_user_sockaddr(a, uaddr, ulen);
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(bind_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, PPME_SOCKET_BIND_X, 3);
	push_s64(a, ret);
	push_user_sockaddr(a, (const void *)sc_arg(regs, 1), sc_arg(regs, 2));
	push_s64(a, (s32)sc_arg(regs, 0));
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(listen_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, PPME_SOCKET_LISTEN_X, 3);
	push_s64(a, ret);
	push_s64(a, (s32)sc_arg(regs, 0));
	push_u32(a, (u32)sc_arg(regs, 1));
	ev_submit(a);
	return 0;
}

/* accept and accept4: the new fd, its tuple, and the listening socket's
 * queue fill. */
SEC("tp_btf/sys_exit")
int BPF_PROG(accept_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	bool four = a->code == PPME_SOCKET_ACCEPT4_6_X;
	struct sock *lsk = fd_sock((s32)sc_arg(regs, 0));
	u32 qlen = lsk ? BPF_CORE_READ(lsk, sk_ack_backlog) : 0;
	u32 qmax = lsk ? BPF_CORE_READ(lsk, sk_max_ack_backlog) : 0;
	ev_begin(a, a->code, four ? 6 : 5);
	push_s64(a, ret);
	if (ret >= 0)
		push_tuple(a, fd_sock(ret), true, NULL, 0);
	else
		push_empty(a);
	push_u8(a, qmax ? (u8)(qlen * 100 / qmax) : 0);
	push_u32(a, qlen);
	push_u32(a, qmax);
	if (four)
		push_u32(a, (u32)sc_arg(regs, 3));
	ev_submit(a);
	return 0;
}

#endif
