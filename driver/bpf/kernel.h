/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel structures the probe reads, reduced to the members it uses.
 *
 * Every record here carries preserve_access_index, so clang emits CO-RE
 * relocations by member NAME: the loader (aya) resolves each access against
 * the running kernel's BTF (/sys/kernel/btf/vmlinux) and patches the real
 * offsets in. Order, padding and size in this file therefore do not matter;
 * names and types do. No vmlinux.h is generated at build time, so the build
 * does not depend on the build machine's kernel.
 */
#ifndef FALCO_BPF_KERNEL_H
#define FALCO_BPF_KERNEL_H

/* Map types, flags, helper ids and the __u* types: the UAPI header. */
#include <linux/bpf.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
typedef _Bool bool;
#define true 1
#define false 0

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

typedef struct { u32 val; } kuid_t;
typedef struct { u32 val; } kgid_t;
typedef struct { u64 val; } kernel_cap_t;

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t euid;
	kgid_t egid;
	kuid_t suid;
	kgid_t sgid;
	kernel_cap_t cap_inheritable;
	kernel_cap_t cap_permitted;
	kernel_cap_t cap_effective;
};

struct qstr {
	u32 len;
	const unsigned char *name;
};

struct super_block {
	u32 s_dev;
	unsigned long s_magic;
	unsigned long s_flags;
};

struct inode {
	unsigned short i_mode;
	kuid_t i_uid;
	kgid_t i_gid;
	unsigned long i_ino;
	struct super_block *i_sb;
	s64 i_ctime_sec;
	u32 i_ctime_nsec;
	s64 i_mtime_sec;
	u32 i_mtime_nsec;
};

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
};

struct vfsmount {
	struct dentry *mnt_root;
};

struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct file {
	struct path f_path;
	struct inode *f_inode;
	unsigned int f_flags;
	unsigned int f_mode;
	void *private_data;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct fs_struct {
	struct path root;
	struct path pwd;
};

struct percpu_counter {
	s64 count;
};

struct mm_struct {
	unsigned long total_vm;
	unsigned long arg_start;
	unsigned long arg_end;
	unsigned long env_start;
	unsigned long env_end;
	struct file *exe_file;
	struct percpu_counter rss_stat[4];
};

struct rlimit {
	unsigned long rlim_cur;
	unsigned long rlim_max;
};

struct upid {
	int nr;
	void *ns;
};

struct pid {
	unsigned int level;
	struct upid numbers[1];
};

struct tty_driver {
	int major;
	int minor_start;
};

struct tty_struct {
	struct tty_driver *driver;
	int index;
};

struct signal_struct {
	struct rlimit rlim[16];
	struct pid *pids[4];
	struct tty_struct *tty;
};

struct kernfs_node {
	struct kernfs_node *__parent;
	const char *name;
};

struct cgroup {
	struct kernfs_node *kn;
};

struct cgroup_subsys {
	const char *name;
};

struct cgroup_subsys_state {
	struct cgroup *cgroup;
	struct cgroup_subsys *ss;
};

struct css_set {
	struct cgroup_subsys_state *subsys[12];
};

struct task_struct {
	unsigned int flags;
	int pid;
	int tgid;
	int exit_code;
	int exit_signal;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct pid *thread_pid;
	unsigned long min_flt;
	unsigned long maj_flt;
	struct mm_struct *mm;
	const struct cred *cred;
	struct fs_struct *fs;
	struct files_struct *files;
	struct signal_struct *signal;
	struct css_set *cgroups;
	kuid_t loginuid;
	char comm[16];
	u64 start_time;
};

struct linux_binprm {
	const char *filename;
};

struct sock_common {
	unsigned short skc_family;
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	u16 skc_num;
	struct { u8 in6_u[16]; } skc_v6_daddr;
	struct { u8 in6_u[16]; } skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
	u32 sk_ack_backlog;
	u32 sk_max_ack_backlog;
};

struct inet_sock {
	struct sock sk;
	__be32 inet_saddr;
	__be16 inet_sport;
};

struct sockaddr_un {
	unsigned short sun_family;
	char sun_path[108];
};

struct unix_address {
	int len;
	struct sockaddr_un name[0];
};

struct unix_sock {
	struct sock sk;
	struct unix_address *addr;
	struct sock *peer;
};

struct socket {
	short type;
	struct file *file;
	struct sock *sk;
};

/*
 * Flavours: the same kernel structs as older kernels lay them out. CO-RE
 * matches `name___suffix` against the kernel's `name`; each read of a
 * flavour is guarded by bpf_core_field_exists / bpf_core_type_exists, and
 * the loader turns the reads a kernel cannot satisfy into dead code.
 */
struct timespec64 {
	s64 tv_sec;
	long tv_nsec;
};

/* 6.6 to 6.10: ctime behind accessors; mtime follows in 6.7. */
struct inode___v66 {
	struct timespec64 __i_ctime;
	struct timespec64 __i_mtime;
};

/* Before 6.6. */
struct inode___old {
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
};

/* Before 6.15 the parent link was plain `parent`. */
struct kernfs_node___old {
	struct kernfs_node___old *parent;
};

/* Before 6.2, mm counters were atomics in struct mm_rss_stat. The member
 * types must match the kernel's (a struct, not a long) or the CO-RE
 * relocation fails and the loader poisons the read (seen on 6.1). */
typedef struct {
	s64 counter;
} atomic64_t;
typedef atomic64_t atomic_long_t;

struct mm_rss_stat {
	atomic_long_t count[4];
};

struct mm_struct___old {
	struct mm_rss_stat rss_stat;
};

/* Before 6.3, capabilities were two 32-bit words. */
typedef struct {
	u32 cap[2];
} kernel_cap_t___old;

struct cred___old {
	kernel_cap_t___old cap_inheritable;
	kernel_cap_t___old cap_permitted;
	kernel_cap_t___old cap_effective;
};

#pragma clang attribute pop

#endif
