// SPDX-License-Identifier: GPL-2.0
/*
 * Logic-free C accessors for sockets: what the network events need to know
 * about the socket behind one of the current task's descriptors. The
 * struct sock / unix_sock layouts and the unix socket lock are not in the
 * 6.12 Rust bindings. Every encoding decision stays in Rust (sys/net.rs
 * declares this and wraps it safely; fillers/net.rs encodes).
 */
#include <linux/build_bug.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/string.h>
#include <linux/un.h>
#include <net/af_unix.h>
#include <net/sock.h>

/* Mirrored field for field by sys/net.rs's SockFacts. */
struct falco_sock_facts {
	u64 sk;			/* the struct sock, as an address */
	u64 peer;		/* unix: the peer's struct sock (0: none) */
	u32 family;		/* sk_family */
	u32 ack_backlog;	/* sk_ack_backlog */
	u32 max_ack_backlog;	/* sk_max_ack_backlog */
	u32 has_path;		/* unix: the socket asked for has an address */
	u32 path_len;		/* unix: bytes of path */
	u16 lport;		/* skc_num (host order) */
	__be16 dport;		/* skc_dport (network order) */
	u8 laddr4[4];		/* skc_rcv_saddr */
	u8 raddr4[4];		/* skc_daddr */
	u8 laddr6[16];		/* skc_v6_rcv_saddr */
	u8 raddr6[16];		/* skc_v6_daddr */
	char path[UNIX_PATH_MAX]; /* unix: sun_path of that address */
};
static_assert(sizeof(struct falco_sock_facts) == 192);

/* The peer of unix socket `sk` and the sun_path bytes of the address of
 * `sk` itself or (peer_path) of its peer. The state lock keeps the peer
 * (which `sk` holds a reference on) and so its address alive. */
static void falco_unix_facts(struct sock *sk, int peer_path, struct falco_sock_facts *out)
{
	struct sock *peer, *named;
	struct unix_address *addr;
	int n;

	unix_state_lock(sk);
	peer = unix_peer(sk);
	out->peer = (unsigned long)peer;
	named = peer_path ? peer : sk;
	addr = named ? smp_load_acquire(&unix_sk(named)->addr) : NULL;
	if (addr) {
		n = addr->len - (int)offsetof(struct sockaddr_un, sun_path);
		n = clamp(n, 0, (int)sizeof(out->path));
		memcpy(out->path, addr->name->sun_path, n);
		out->path_len = n;
		out->has_path = 1;
	}
	unix_state_unlock(sk);
}

/* The facts of the socket behind the current task's descriptor `fd`:
 * 0, -EBADF (no such descriptor) or -ENOTSOCK. Does not sleep. */
int falco_fd_sock_facts(int fd, int peer_path, struct falco_sock_facts *out);
int falco_fd_sock_facts(int fd, int peer_path, struct falco_sock_facts *out)
{
	struct file *f;
	struct socket *sock;
	struct sock *sk;
	int err = -ENOTSOCK;

	memset(out, 0, sizeof(*out));
	f = fget_raw(fd);
	if (!f)
		return -EBADF;
	sock = sock_from_file(f);
	sk = sock ? READ_ONCE(sock->sk) : NULL;
	if (sk) {
		out->sk = (unsigned long)sk;
		out->family = READ_ONCE(sk->sk_family);
		out->ack_backlog = READ_ONCE(sk->sk_ack_backlog);
		out->max_ack_backlog = READ_ONCE(sk->sk_max_ack_backlog);
		out->lport = READ_ONCE(sk->sk_num);
		out->dport = READ_ONCE(sk->sk_dport);
		memcpy(out->laddr4, &sk->sk_rcv_saddr, sizeof(out->laddr4));
		memcpy(out->raddr4, &sk->sk_daddr, sizeof(out->raddr4));
#if IS_ENABLED(CONFIG_IPV6)
		memcpy(out->laddr6, &sk->sk_v6_rcv_saddr, sizeof(out->laddr6));
		memcpy(out->raddr6, &sk->sk_v6_daddr, sizeof(out->raddr6));
#endif
		/* unix_sock fields exist only behind unix sockets */
		if (out->family == AF_UNIX)
			falco_unix_facts(sk, peer_path, out);
		err = 0;
	}
	fput(f);
	return err;
}
