/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Facts about tasks, files and paths that several event families carry:
 * pids in their namespaces, credentials, memory counters, cgroup paths and
 * file paths rebuilt from dentries (bpf_d_path is not allowed in tp_btf).
 */
#ifndef FALCO_BPF_TASK_H
#define FALCO_BPF_TASK_H

#include "encode.h"

#define PIDTYPE_PGID 2
#define RLIMIT_NOFILE 7
#define PAGE_KB_SHIFT 2 /* 4 KiB pages -> KiB */

/* pid `p` as seen from namespace level `level` (0: the initial one). */
static __always_inline s64 pid_nr_at(struct pid *p, u32 level)
{
	struct upid up = {};
	if (!p || level > 32)
		return 0;
	if (bpf_core_read(&up, sizeof(up), &p->numbers[0]) != 0)
		return 0;
	if (level == 0)
		return up.nr;
	bpf_probe_read_kernel(&up, sizeof(up), (void *)&p->numbers[0] + level * sizeof(struct upid));
	return up.nr;
}

static __always_inline u32 ns_level(struct task_struct *t)
{
	return BPF_CORE_READ(t, thread_pid, level);
}

static __always_inline s64 task_vtid(struct task_struct *t)
{
	return pid_nr_at(BPF_CORE_READ(t, thread_pid), ns_level(t));
}

static __always_inline s64 task_vpid(struct task_struct *t)
{
	struct task_struct *leader = BPF_CORE_READ(t, group_leader);
	return pid_nr_at(BPF_CORE_READ(leader, thread_pid), ns_level(t));
}

static __always_inline struct pid *task_pgrp(struct task_struct *t)
{
	struct pid *p = NULL;
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	bpf_core_read(&p, sizeof(p), &sig->pids[PIDTYPE_PGID]);
	return p;
}

static __always_inline u32 task_tty(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty)
		return 0;
	int index = BPF_CORE_READ(tty, index);
	int major = BPF_CORE_READ(tty, driver, major);
	int minor = BPF_CORE_READ(tty, driver, minor_start);
	return encode_dev(((u32)major << 20) | (u32)(minor + index));
}

/* The pieces of a path collected leaf first, written root first. */
#define PATH_DEPTH 24

struct path_parts {
	const unsigned char *name[PATH_DEPTH];
	u32 n;
};

/* Writes "/a/b/c" (or "/" when there are no parts) and a NUL at `*pos`;
 * returns false when the scratch space ran out. */
static __always_inline bool write_parts(struct aux *a, u32 *pos, struct path_parts *pp)
{
	u32 p = *pos;
	if (pp->n == 0) {
		if (p + 2 > EVENT_MAX - FIXED_RESERVE)
			return false;
		a->data[OFF(p)] = '/';
		p++;
	}
	for (int i = PATH_DEPTH - 1; i >= 0; i--) {
		if (i >= pp->n)
			continue;
		if (p + 256 > EVENT_MAX - FIXED_RESERVE)
			return false;
		a->data[OFF(p)] = '/';
		p++;
		long got = bpf_probe_read_kernel_str(&a->data[OFF(p)], 256, pp->name[i & (PATH_DEPTH - 1)]);
		if (got > 1)
			p += got - 1; /* drop the NUL: the next '/' or the end follows */
	}
	a->data[OFF(p)] = 0;
	*pos = p + 1;
	return true;
}

/* The dentry chain of `path`, crossing mount points, as the kernel's d_path
 * would print it from the task's root. */
static __always_inline void collect_dentries(const struct path *path, struct path_parts *pp)
{
	struct dentry *d = BPF_CORE_READ(path, dentry);
	struct vfsmount *vmnt = BPF_CORE_READ(path, mnt);
	struct mount *mnt = container_of(vmnt, struct mount, mnt);
	pp->n = 0;
	for (int i = 0; i < PATH_DEPTH * 2 && pp->n < PATH_DEPTH; i++) {
		struct dentry *root = BPF_CORE_READ(vmnt, mnt_root);
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		if (d == root || d == parent) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
			if (d != root || up == mnt || !up)
				break; /* the real root */
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vmnt = &up->mnt;
			continue;
		}
		pp->name[pp->n & (PATH_DEPTH - 1)] = BPF_CORE_READ(d, d_name.name);
		pp->n++;
		d = parent;
	}
}

/* Scratch for path parts: too big for the 512-byte BPF stack next to the
 * rest, so one per CPU in a map. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct path_parts);
} path_scratch SEC(".maps");

static __always_inline struct path_parts *parts_get(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&path_scratch, &zero);
}

/* The absolute path of an open file. */
static __always_inline void push_file_path(struct aux *a, struct file *f)
{
	struct path_parts *pp = parts_get();
	u32 pos = a->payload;
	if (!f || !pp) {
		push_empty(a);
		return;
	}
	struct path fp = BPF_CORE_READ(f, f_path);
	collect_dentries(&fp, pp);
	if (!write_parts(a, &pos, pp)) {
		push_empty(a);
		return;
	}
	ev_len(a, (u16)(pos - a->payload));
}

/* A kernfs node's parent, under its name of before or after 6.15. */
static __always_inline struct kernfs_node *kernfs_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return (struct kernfs_node *)BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/* "subsys=/path\0" for each cgroup subsystem of the task. */
static __always_inline void push_cgroups(struct aux *a, struct task_struct *t)
{
	struct path_parts *pp = parts_get();
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	u32 start = a->payload, pos = start;
	u32 nsubsys = bpf_core_field_size(cs->subsys) / sizeof(void *);
	if (!pp || !cs) {
		push_empty(a);
		return;
	}
	for (u32 i = 0; i < 16; i++) {
		struct cgroup_subsys_state *css = NULL;
		if (i >= nsubsys)
			break;
		bpf_core_read(&css, sizeof(css), &cs->subsys[i]);
		if (!css)
			continue;
		const char *ssname = BPF_CORE_READ(css, ss, name);
		if (pos + 64 > EVENT_MAX - FIXED_RESERVE)
			break;
		long got = bpf_probe_read_kernel_str(&a->data[OFF(pos)], 32, ssname);
		if (got <= 1)
			continue;
		pos += got - 1;
		a->data[OFF(pos)] = '=';
		pos++;
		struct kernfs_node *kn = BPF_CORE_READ(css, cgroup, kn);
		pp->n = 0;
		for (int j = 0; j < PATH_DEPTH; j++) {
			struct kernfs_node *parent = kernfs_parent(kn);
			if (!kn || !parent)
				break; /* the root's own name is not part of the path */
			pp->name[pp->n & (PATH_DEPTH - 1)] = (const unsigned char *)BPF_CORE_READ(kn, name);
			pp->n++;
			kn = parent;
		}
		if (!write_parts(a, &pos, pp))
			break;
	}
	ev_len(a, (u16)(pos - start));
}

/* A user memory area [start, end) such as the argument or environment
 * strings of a process, cut at `max` bytes. */
static __always_inline void push_user_area(struct aux *a, unsigned long start, unsigned long end, u32 max)
{
	u64 len = end > start ? end - start : 0;
	u32 n = bounded(room(a, len < max ? (u32)len : max));
	if (!n || bpf_probe_read_user(&a->data[OFF(a->payload)], n, (void *)start) != 0) {
		push_empty(a);
		return;
	}
	ev_len(a, (u16)n);
}

#define ARGS_MAX 4096u

/* exe (argv[0]) and args (the rest, NUL-separated) from the process's own
 * argument area: after a successful execve the caller's argv is gone. */
static __always_inline void push_exe_args(struct aux *a, struct task_struct *t)
{
	unsigned long as = BPF_CORE_READ(t, mm, arg_start);
	unsigned long ae = BPF_CORE_READ(t, mm, arg_end);
	u32 before = a->payload;
	push_user_str(a, (void *)as);
	u32 exe_len = a->payload - before;
	if (exe_len == 0 || as + exe_len >= ae) {
		push_empty(a);
		return;
	}
	push_user_area(a, as + exe_len, ae, ARGS_MAX);
}

/* One of the mm's page counters (0 file, 1 anon, 2 swap entries, 3 shmem):
 * a percpu_counter since 6.2, an atomic in struct mm_rss_stat before.
 * The index must be a constant: with a variable one clang would scale it
 * by this file's size of percpu_counter, not the kernel's. */
#define rss_pages(mm, i)                                                                 \
	({                                                                               \
		s64 __v;                                                                 \
		if (bpf_core_type_exists(struct mm_rss_stat))                            \
			__v = BPF_CORE_READ((struct mm_struct___old *)(mm), rss_stat.count[i].counter); \
		else                                                                     \
			__v = BPF_CORE_READ(mm, rss_stat[i].count);                      \
		__v > 0 ? (u64)__v : 0;                                                  \
	})

/* tid, pid, ptid, cwd, fdlimit, pgft_maj, pgft_min, vm_size, vm_rss,
 * vm_swap, comm, cgroups: the run of parameters clone and execve share. */
static __always_inline void push_task_info(struct aux *a, struct task_struct *t)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	struct rlimit rl = {};
	char comm[16] = {};
	push_s64(a, BPF_CORE_READ(t, pid));
	push_s64(a, BPF_CORE_READ(t, tgid));
	push_s64(a, BPF_CORE_READ(t, real_parent, pid));
	push_empty(a); /* cwd: empty, as upstream drivers send it; userspace keeps it */
	bpf_core_read(&rl, sizeof(rl), &t->signal->rlim[RLIMIT_NOFILE]);
	push_s64(a, (s64)rl.rlim_cur);
	push_u64(a, BPF_CORE_READ(t, maj_flt));
	push_u64(a, BPF_CORE_READ(t, min_flt));
	if (mm) {
		push_u32(a, (u32)(BPF_CORE_READ(mm, total_vm) << PAGE_KB_SHIFT));
		u64 rss = rss_pages(mm, 0) + rss_pages(mm, 1) + rss_pages(mm, 3);
		push_u32(a, (u32)(rss << PAGE_KB_SHIFT));
		push_u32(a, (u32)(rss_pages(mm, 2) << PAGE_KB_SHIFT));
	} else {
		push_u32(a, 0);
		push_u32(a, 0);
		push_u32(a, 0);
	}
	BPF_CORE_READ_STR_INTO(&comm, t, comm);
	push_kernel_str(a, comm);
	push_cgroups(a, t);
}

#endif
