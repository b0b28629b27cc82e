/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Process lifecycle: execve, execveat, clone, clone3, fork, vfork, prctl,
 * memfd_create (exit events) and procexit (sched_process_exit).
 */
#ifndef FALCO_BPF_PROCESS_H
#define FALCO_BPF_PROCESS_H

#include "task.h"

#define PPME_SYSCALL_CLONE_20_X 223
#define PPME_SYSCALL_FORK_20_X 225
#define PPME_SYSCALL_VFORK_20_X 227
#define PPME_SYSCALL_EXECVE_19_X 293
#define PPME_SYSCALL_EXECVEAT_X 331
#define PPME_SYSCALL_CLONE3_X 335
#define PPME_PROCEXIT_1_E 186
#define PPME_SYSCALL_PRCTL_X 401
#define PPME_SYSCALL_MEMFD_CREATE_X 405
#define PR_SET_NAME 15
#define PR_GET_NAME 16

#define ENV_MAX 4096u
#define FILENAME_MAX_LEN 4096

/* The file a successful exec ran, from sched_process_exec, for the
 * execve/execveat exit event of the same thread: by sys_exit the caller's
 * filename argument lived in the old address space. */
struct exec_filename {
	char name[FILENAME_MAX_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, u32);
	__type(value, struct exec_filename);
} exec_filenames SEC(".maps");

/* Where the name is read before it goes into the hash map (too big for
 * the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct exec_filename);
} exec_filename_scratch SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, int old_pid, struct linux_binprm *bprm)
{
	u32 tid = bpf_get_current_pid_tgid() & 0xffffffff;
	u32 zero = 0;
	if (own_tgid && BPF_CORE_READ(p, tgid) == own_tgid)
		return 0;
	struct exec_filename *buf = bpf_map_lookup_elem(&exec_filename_scratch, &zero);
	if (!buf)
		return 0;
	if (bpf_probe_read_kernel_str(buf->name, sizeof(buf->name), BPF_CORE_READ(bprm, filename)) > 0)
		bpf_map_update_elem(&exec_filenames, &tid, buf, BPF_ANY);
	return 0;
}

/* Pushes the exec'd file name recorded for this thread, and forgets it. */
static __always_inline void push_exec_filename(struct aux *a)
{
	u32 tid = bpf_get_current_pid_tgid() & 0xffffffff;
	struct exec_filename *slot = bpf_map_lookup_elem(&exec_filenames, &tid);
	if (!slot) {
		push_empty(a);
		return;
	}
	push_kernel_str(a, slot->name);
	bpf_map_delete_elem(&exec_filenames, &tid);
}

/* Linux CLONE_* -> PPM_CL_* (falco_abi::flag_tables::CLONE_FLAGS). */
static __always_inline u32 clone_flags_to_ppm(u64 f)
{
	u32 r = 0;
	if (f & 0x400) r |= 0x1;            /* FILES */
	if (f & 0x200) r |= 0x2;            /* FS */
	if (f & 0x80000000ull) r |= 0x4;    /* IO */
	if (f & 0x08000000) r |= 0x8;       /* NEWIPC */
	if (f & 0x40000000) r |= 0x10;      /* NEWNET */
	if (f & 0x00020000) r |= 0x20;      /* NEWNS */
	if (f & 0x20000000) r |= 0x40;      /* NEWPID */
	if (f & 0x04000000) r |= 0x80;      /* NEWUTS */
	if (f & 0x8000) r |= 0x100;         /* PARENT */
	if (f & 0x00100000) r |= 0x200;     /* PARENT_SETTID */
	if (f & 0x2000) r |= 0x400;         /* PTRACE */
	if (f & 0x800) r |= 0x800;          /* SIGHAND */
	if (f & 0x00040000) r |= 0x1000;    /* SYSVSEM */
	if (f & 0x00010000) r |= 0x2000;    /* THREAD */
	if (f & 0x00800000) r |= 0x4000;    /* UNTRACED */
	if (f & 0x100) r |= 0x8000;         /* VM */
	if (f & 0x10000000) r |= 0x100000;  /* NEWUSER */
	if (f & 0x00200000) r |= 0x800000;  /* CHILD_CLEARTID */
	if (f & 0x01000000) r |= 0x1000000; /* CHILD_SETTID */
	if (f & 0x00080000) r |= 0x2000000; /* SETTLS */
	if (f & 0x4000) r |= 0x8000000;     /* VFORK */
	if (f & 0x02000000) r |= 0x10000000; /* NEWCGROUP */
	return r;
}

static __always_inline u64 inode_time_ns(s64 sec, u32 nsec)
{
	return (u64)sec * 1000000000ull + nsec;
}

static __always_inline u64 timespec_ns(struct timespec64 t)
{
	return inode_time_ns(t.tv_sec, (u32)t.tv_nsec);
}

/* An inode's change and modification times, wherever the running kernel
 * keeps them (split fields since 6.11, __i_ctime/__i_mtime in 6.6-6.10,
 * i_ctime/i_mtime before). */
static __always_inline u64 inode_ctime_ns(struct inode *ino)
{
	if (bpf_core_field_exists(ino->i_ctime_sec))
		return inode_time_ns(BPF_CORE_READ(ino, i_ctime_sec), BPF_CORE_READ(ino, i_ctime_nsec));
	if (bpf_core_field_exists(((struct inode___v66 *)ino)->__i_ctime))
		return timespec_ns(BPF_CORE_READ((struct inode___v66 *)ino, __i_ctime));
	return timespec_ns(BPF_CORE_READ((struct inode___old *)ino, i_ctime));
}

static __always_inline u64 inode_mtime_ns(struct inode *ino)
{
	if (bpf_core_field_exists(ino->i_mtime_sec))
		return inode_time_ns(BPF_CORE_READ(ino, i_mtime_sec), BPF_CORE_READ(ino, i_mtime_nsec));
	if (bpf_core_field_exists(((struct inode___v66 *)ino)->__i_mtime))
		return timespec_ns(BPF_CORE_READ((struct inode___v66 *)ino, __i_mtime));
	return timespec_ns(BPF_CORE_READ((struct inode___old *)ino, i_mtime));
}

#define CAP_INHERITABLE 0
#define CAP_PERMITTED 1
#define CAP_EFFECTIVE 2

/* One of the three capability sets as 64 bits: one u64 since 6.3, two
 * u32 words before. */
static __always_inline u64 cred_caps(const struct cred *cred, int which)
{
	if (bpf_core_field_exists(cred->cap_effective.val)) {
		switch (which) {
		case CAP_INHERITABLE: return BPF_CORE_READ(cred, cap_inheritable.val);
		case CAP_PERMITTED: return BPF_CORE_READ(cred, cap_permitted.val);
		default: return BPF_CORE_READ(cred, cap_effective.val);
		}
	}
	const struct cred___old *old = (const struct cred___old *)cred;
	kernel_cap_t___old c;
	switch (which) {
	case CAP_INHERITABLE: c = BPF_CORE_READ(old, cap_inheritable); break;
	case CAP_PERMITTED: c = BPF_CORE_READ(old, cap_permitted); break;
	default: c = BPF_CORE_READ(old, cap_effective); break;
	}
	return (u64)c.cap[0] | ((u64)c.cap[1] << 32);
}

#define PPM_EXE_WRITABLE 0x1
#define PPM_EXE_FROM_MEMFD 0x4
#define SB_RDONLY 0x1
#define CAP_DAC_OVERRIDE 1

/* execve's flags: whether the process could write its own executable (by
 * the mode bits, or by CAP_DAC_OVERRIDE, on a writable filesystem), and
 * whether that executable is a memfd. Overlay layers are not computed. */
static __always_inline u32 exe_flags(struct file *exe, const struct cred *cred)
{
	struct inode *ino = BPF_CORE_READ(exe, f_inode);
	u32 flags = 0;
	if (!ino)
		return 0;
	u16 mode = BPF_CORE_READ(ino, i_mode);
	u32 uid = BPF_CORE_READ(ino, i_uid.val);
	u32 gid = BPF_CORE_READ(ino, i_gid.val);
	u64 caps = cred_caps(cred, CAP_EFFECTIVE);
	bool rdonly = BPF_CORE_READ(ino, i_sb, s_flags) & SB_RDONLY;
	bool by_mode = (uid == BPF_CORE_READ(cred, euid.val) && (mode & 0200)) ||
		       (gid == BPF_CORE_READ(cred, egid.val) && (mode & 0020)) || (mode & 0002);
	if (!rdonly && (by_mode || (caps & (1ull << CAP_DAC_OVERRIDE))))
		flags |= PPM_EXE_WRITABLE;
	char prefix[6] = {};
	bpf_probe_read_kernel(prefix, sizeof(prefix), BPF_CORE_READ(exe, f_path.dentry, d_name.name));
	if (prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' && prefix[4] == 'd' &&
	    prefix[5] == ':')
		flags |= PPM_EXE_FROM_MEMFD;
	return flags;
}

/* execve and execveat share all but the last parameter. */
static __always_inline void fill_exec(struct aux *a, struct pt_regs *regs, long ret, bool is_execveat)
{
	struct task_struct *t = current_task();
	const struct cred *cred = BPF_CORE_READ(t, cred);
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	struct file *exe = BPF_CORE_READ(mm, exe_file);
	struct inode *ino = BPF_CORE_READ(exe, f_inode);
	u32 level = ns_level(t);
	struct pid *pgrp = task_pgrp(t);

	ev_begin(a, is_execveat ? PPME_SYSCALL_EXECVEAT_X : PPME_SYSCALL_EXECVE_19_X, is_execveat ? 30 : 31);
	push_s64(a, ret);
	if (ret == 0) {
		push_exe_args(a, t);
	} else {
		/* the old image still runs: name the file the caller asked for */
		push_user_str(a, (void *)sc_arg(regs, is_execveat ? 1 : 0));
		push_empty(a);
	}
	push_task_info(a, t);
	push_user_area(a, BPF_CORE_READ(mm, env_start), BPF_CORE_READ(mm, env_end), ENV_MAX);
	push_u32(a, task_tty(t));
	push_s64(a, pid_nr_at(pgrp, level));
	push_u32(a, BPF_CORE_READ(t, loginuid.val));
	push_u32(a, ret == 0 ? exe_flags(exe, cred) : 0);
	push_u64(a, cred_caps(cred, CAP_INHERITABLE));
	push_u64(a, cred_caps(cred, CAP_PERMITTED));
	push_u64(a, cred_caps(cred, CAP_EFFECTIVE));
	push_u64(a, BPF_CORE_READ(ino, i_ino));
	push_u64(a, ino ? inode_ctime_ns(ino) : 0);
	push_u64(a, ino ? inode_mtime_ns(ino) : 0);
	push_u32(a, BPF_CORE_READ(cred, euid.val));
	if (ret == 0)
		push_file_path(a, exe);
	else
		push_empty(a);
	push_s64(a, pid_nr_at(pgrp, 0));
	push_u32(a, BPF_CORE_READ(cred, egid.val));
	if (!is_execveat) {
		if (ret == 0)
			push_exec_filename(a);
		else
			push_user_str(a, (void *)sc_arg(regs, 0));
	} else if (ret == 0) {
		/* execveat has no filename parameter: drop what was recorded */
		u32 tid = bpf_get_current_pid_tgid() & 0xffffffff;
		bpf_map_delete_elem(&exec_filenames, &tid);
	}
	ev_submit(a);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(execve_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (a)
		fill_exec(a, regs, ret, false);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(execveat_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (a)
		fill_exec(a, regs, ret, true);
	return 0;
}

/* clone, clone3, fork and vfork: one event shape, sent by the parent (res =
 * the child's tid) and by the child (res = 0) on their way back to user. */
SEC("tp_btf/sys_exit")
int BPF_PROG(clone_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	struct task_struct *t = current_task();
	const struct cred *cred = BPF_CORE_READ(t, cred);
	u16 code = a->code;
	u64 raw = 0;
	if (code == PPME_SYSCALL_CLONE_20_X)
		raw = sc_arg(regs, 0);
	else if (code == PPME_SYSCALL_CLONE3_X)
		bpf_probe_read_user(&raw, sizeof(raw), (void *)sc_arg(regs, 0)); /* clone_args.flags */
	else if (code == PPME_SYSCALL_VFORK_20_X)
		raw = 0x4000 | 0x100; /* CLONE_VFORK | CLONE_VM */
	u32 flags = clone_flags_to_ppm(raw);
	if (ns_level(t) > 0)
		flags |= 0x20000000; /* CHILD_IN_PIDNS */

	ev_begin(a, code, 21);
	push_s64(a, ret);
	push_exe_args(a, t);
	push_task_info(a, t);
	push_u32(a, flags);
	push_u32(a, BPF_CORE_READ(cred, euid.val));
	push_u32(a, BPF_CORE_READ(cred, egid.val));
	push_s64(a, task_vtid(t));
	push_s64(a, task_vpid(t));
	push_u64(a, 0); /* pidns_init_start_ts: not computed yet */
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p)
{
	if (own_tgid && BPF_CORE_READ(p, tgid) == own_tgid)
		return 0;
	struct aux *a = aux_get();
	if (!a)
		return 0;
	s64 code = BPF_CORE_READ(p, exit_code);
	ev_begin(a, PPME_PROCEXIT_1_E, 5);
	push_s64(a, code);
	push_s64(a, (code >> 8) & 0xff);
	push_u8(a, code & 0x7f);
	push_u8(a, (code & 0x80) ? 1 : 0);
	push_s64(a, 0); /* reaper_tid: userspace reparents to the init of the namespace */
	ev_submit(a);
	return 0;
}

/* prctl: res, option (PR_* values are PPM's), arg2 as a string for the
 * name options, as an integer otherwise. */
SEC("tp_btf/sys_exit")
int BPF_PROG(prctl_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	u64 option = sc_arg(regs, 0);
	u64 arg2 = sc_arg(regs, 1);
	ev_begin(a, PPME_SYSCALL_PRCTL_X, 4);
	push_s64(a, ret);
	push_u32(a, (u32)option);
	if (option == PR_SET_NAME || option == PR_GET_NAME) {
		push_user_str(a, (void *)arg2);
		push_s64(a, 0);
	} else {
		push_empty(a);
		push_s64(a, (s64)arg2);
	}
	ev_submit(a);
	return 0;
}

/* memfd_create: fd, name, flags (MFD_* values are PPM's). */
SEC("tp_btf/sys_exit")
int BPF_PROG(memfd_create_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, PPME_SYSCALL_MEMFD_CREATE_X, 3);
	push_s64(a, ret);
	push_user_str(a, (void *)sc_arg(regs, 0));
	push_u32(a, (u32)sc_arg(regs, 1));
	ev_submit(a);
	return 0;
}

#endif
