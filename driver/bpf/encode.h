/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Encoding one event in Falco's schema into the per-CPU scratch:
 *   header: ts u64 | tid u64 | len u32 | type u16 | nparams u32  (26 bytes)
 *   then one u16 length per parameter, then the parameter values.
 * The same layout as falco_abi::header; every syscall event uses u16 lengths.
 *
 * Every write offset is masked below EVENT_MAX and every length is capped
 * so that offset + length stays below EVENT_MAX: that is what lets the
 * verifier accept writes into the 64 KiB map value.
 */
#ifndef FALCO_BPF_ENCODE_H
#define FALCO_BPF_ENCODE_H

#include "maps.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#define HEADER_SIZE 26
#define OFF(x) ((x) & (EVENT_MAX - 1))

static __always_inline struct aux *aux_get(void)
{
	u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&aux_maps, &cpu);
}

static __always_inline struct counters *counters_get(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline void ev_begin(struct aux *a, u16 code, u32 nparams)
{
	u64 ts = bpf_ktime_get_boot_ns() + boot_to_epoch_ns;
	u64 tid = bpf_get_current_pid_tgid() & 0xffffffff;
	__builtin_memcpy(&a->data[0], &ts, 8);
	__builtin_memcpy(&a->data[8], &tid, 8);
	__builtin_memcpy(&a->data[20], &code, 2);
	__builtin_memcpy(&a->data[22], &nparams, 4);
	a->nparams = nparams;
	a->pushed = 0;
	a->lens = HEADER_SIZE;
	a->payload = HEADER_SIZE + 2 * (nparams & 63);
}

/* Records the length of the parameter just written. */
static __always_inline void ev_len(struct aux *a, u16 len)
{
	__builtin_memcpy(&a->data[OFF(a->lens)], &len, 2);
	a->lens += 2;
	a->pushed += 1;
	a->payload += len;
}

static __always_inline void push_empty(struct aux *a)
{
	ev_len(a, 0);
}

static __always_inline void push_u8(struct aux *a, u8 v)
{
	a->data[OFF(a->payload)] = v;
	ev_len(a, 1);
}

static __always_inline void push_u16(struct aux *a, u16 v)
{
	__builtin_memcpy(&a->data[OFF(a->payload)], &v, 2);
	ev_len(a, 2);
}

static __always_inline void push_u32(struct aux *a, u32 v)
{
	__builtin_memcpy(&a->data[OFF(a->payload)], &v, 4);
	ev_len(a, 4);
}

static __always_inline void push_u64(struct aux *a, u64 v)
{
	__builtin_memcpy(&a->data[OFF(a->payload)], &v, 8);
	ev_len(a, 8);
}

static __always_inline void push_s64(struct aux *a, s64 v)
{
	push_u64(a, (u64)v);
}

/* Room for a variable-length parameter of at most `want` bytes. */
static __always_inline u32 room(struct aux *a, u32 want)
{
	u32 used = a->payload + FIXED_RESERVE;
	if (used >= EVENT_MAX)
		return 0;
	u32 left = EVENT_MAX - used;
	return want < left ? want : left;
}

/* A size below EVENT_MAX that every verifier can see is bounded: the mask
 * is applied after a barrier, so clang cannot fold it into the min() of
 * room() (6.1's verifier lost the bound of the folded form and refused
 * the helper call as an unbounded access). */
static __always_inline u32 bounded(u32 n)
{
	barrier_var(n);
	return n & (EVENT_MAX - 1);
}

#define STR_MAX 4096u

/* A NUL-terminated string from user memory; an unreadable or NULL pointer
 * gives an empty parameter. */
static __always_inline void push_user_str(struct aux *a, const void *p)
{
	u32 n = room(a, STR_MAX);
	long got = 0;
	if (p && n)
		got = bpf_probe_read_user_str(&a->data[OFF(a->payload)], bounded(n), p);
	ev_len(a, got > 0 ? (u16)got : 0);
}

static __always_inline void push_kernel_str(struct aux *a, const void *p)
{
	u32 n = room(a, STR_MAX);
	long got = 0;
	if (p && n)
		got = bpf_probe_read_kernel_str(&a->data[OFF(a->payload)], bounded(n), p);
	ev_len(a, got > 0 ? (u16)got : 0);
}

/* Up to `len` bytes of user memory, cut to the snaplen. */
static __always_inline void push_user_buf(struct aux *a, const void *p, u64 len)
{
	u32 want = len < snaplen ? (u32)len : snaplen;
	u32 n = bounded(room(a, want));
	if (!p || !n || bpf_probe_read_user(&a->data[OFF(a->payload)], n, p) != 0) {
		push_empty(a);
		return;
	}
	ev_len(a, (u16)n);
}

/* Copies the finished event into the ring. NO_WAKEUP unless the reader is
 * falling behind: userspace drains on a short timer instead. */
static __always_inline void ev_submit(struct aux *a)
{
	struct counters *c = counters_get();
	u32 size = a->payload;
	if (a->pushed != a->nparams || size > EVENT_MAX || size <= HEADER_SIZE) {
		if (c)
			c->n_drops_bug++;
		return;
	}
	__builtin_memcpy(&a->data[16], &size, 4);
	u64 flags = BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wakeup_above)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, a->data, size & (EVENT_MAX * 2 - 1), flags) != 0) {
		if (c)
			c->n_drops_buffer++;
		return;
	}
	if (c)
		c->n_evts++;
}

/* Syscall argument `i` (x86-64 calling convention) at sys_exit. */
static __always_inline unsigned long sc_arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 0: return BPF_CORE_READ(regs, di);
	case 1: return BPF_CORE_READ(regs, si);
	case 2: return BPF_CORE_READ(regs, dx);
	case 3: return BPF_CORE_READ(regs, r10);
	case 4: return BPF_CORE_READ(regs, r8);
	default: return BPF_CORE_READ(regs, r9);
	}
}

static __always_inline struct task_struct *current_task(void)
{
	return (struct task_struct *)bpf_get_current_task_btf();
}

/* The file behind descriptor `fd` of the current task, or NULL. */
static __always_inline struct file *fd_file(s64 fd)
{
	struct task_struct *t = current_task();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	struct file *f = NULL;
	if (fd < 0 || fd >= max)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* Device numbers as userspace sees them (the kernel's new_encode_dev). */
static __always_inline u32 encode_dev(u32 dev)
{
	u32 major = dev >> 20;
	u32 minor = dev & ((1u << 20) - 1);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

#endif
