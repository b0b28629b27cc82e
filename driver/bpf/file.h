/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Files and directories: open, openat, openat2, creat, close, the dup
 * family, chdir/fchdir, rename*, unlink*, mkdir*, rmdir, link*, symlink*
 * and the chmod family (exit events).
 */
#ifndef FALCO_BPF_FILE_H
#define FALCO_BPF_FILE_H

#include "task.h"

#define PPME_SYSCALL_OPEN_X 3
#define PPME_SYSCALL_CLOSE_X 5
#define PPME_SYSCALL_CREAT_X 59
#define PPME_SYSCALL_CHDIR_X 95
#define PPME_SYSCALL_FCHDIR_X 97
#define PPME_SYSCALL_RENAME_X 175
#define PPME_SYSCALL_RENAMEAT_X 177
#define PPME_SYSCALL_SYMLINK_X 179
#define PPME_SYSCALL_SYMLINKAT_X 181
#define PPME_SYSCALL_MKDIR_2_X 277
#define PPME_SYSCALL_RMDIR_2_X 279
#define PPME_SYSCALL_UNLINK_2_X 301
#define PPME_SYSCALL_UNLINKAT_2_X 303
#define PPME_SYSCALL_MKDIRAT_X 305
#define PPME_SYSCALL_OPENAT_2_X 307
#define PPME_SYSCALL_LINK_2_X 309
#define PPME_SYSCALL_LINKAT_2_X 311
#define PPME_SYSCALL_FCHMODAT_X 313
#define PPME_SYSCALL_CHMOD_X 315
#define PPME_SYSCALL_FCHMOD_X 317
#define PPME_SYSCALL_RENAMEAT2_X 319
#define PPME_SYSCALL_OPENAT2_X 327
#define PPME_SYSCALL_DUP2_X 363
#define PPME_SYSCALL_DUP3_X 365
#define PPME_SYSCALL_DUP_1_X 367

#define FMODE_CREATED 0x100000

/* Linux O_* (x86-64) -> PPM_O_* (falco_abi::flag_tables::OPEN_FLAGS). */
static __always_inline u32 open_flags_to_ppm(u64 f)
{
	u32 r = 0;
	switch (f & 3) {
	case 0: r |= 0x1; break; /* RDONLY */
	case 1: r |= 0x2; break; /* WRONLY */
	case 2: r |= 0x3; break; /* RDWR */
	}
	if (f & 0100) r |= 0x4;          /* CREAT */
	if (f & 02000) r |= 0x8;         /* APPEND */
	if (f & 010000) r |= 0x10;       /* DSYNC */
	if (f & 0200) r |= 0x20;         /* EXCL */
	if (f & 04000) r |= 0x40;        /* NONBLOCK */
	if (f & 04000000) r |= 0x80;     /* SYNC */
	if (f & 01000) r |= 0x100;       /* TRUNC */
	if (f & 040000) r |= 0x200;      /* DIRECT */
	if (f & 0200000) r |= 0x400;     /* DIRECTORY */
	if (f & 0100000) r |= 0x800;     /* LARGEFILE */
	if (f & 02000000) r |= 0x1000;   /* CLOEXEC */
	if (f & 020000000) r |= 0x2000;  /* TMPFILE */
	return r;
}

/* The mode matters only when the call may create the file. */
static __always_inline u32 open_mode(u64 flags, u64 mode)
{
	return (flags & (0100 | 020000000)) ? (u32)mode : 0;
}

/* PPM_O_F_CREATED when this open created the file. */
static __always_inline u32 created_flag(struct file *f)
{
	return f && (BPF_CORE_READ(f, f_mode) & FMODE_CREATED) ? 0x4000 : 0;
}

static __always_inline void push_dev_ino(struct aux *a, struct file *f)
{
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	push_u32(a, f ? encode_dev(BPF_CORE_READ(ino, i_sb, s_dev)) : 0);
	push_u64(a, f ? BPF_CORE_READ(ino, i_ino) : 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(open_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	u64 flags = sc_arg(regs, 1);
	struct file *f = ret >= 0 ? fd_file(ret) : NULL;
	ev_begin(a, PPME_SYSCALL_OPEN_X, 6);
	push_s64(a, ret);
	push_user_str(a, (void *)sc_arg(regs, 0));
	push_u32(a, open_flags_to_ppm(flags) | created_flag(f));
	push_u32(a, open_mode(flags, sc_arg(regs, 2)));
	push_dev_ino(a, f);
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(openat_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	u64 flags = sc_arg(regs, 2);
	struct file *f = ret >= 0 ? fd_file(ret) : NULL;
	ev_begin(a, PPME_SYSCALL_OPENAT_2_X, 7);
	push_s64(a, ret);
	push_s64(a, (s32)sc_arg(regs, 0));
	push_user_str(a, (void *)sc_arg(regs, 1));
	push_u32(a, open_flags_to_ppm(flags) | created_flag(f));
	push_u32(a, open_mode(flags, sc_arg(regs, 3)));
	push_dev_ino(a, f);
	ev_submit(a);
	return 0;
}

struct open_how_user {
	u64 flags;
	u64 mode;
	u64 resolve;
};

SEC("tp_btf/sys_exit")
int BPF_PROG(openat2_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	struct open_how_user how = {};
	bpf_probe_read_user(&how, sizeof(how), (void *)sc_arg(regs, 2));
	struct file *f = ret >= 0 ? fd_file(ret) : NULL;
	ev_begin(a, PPME_SYSCALL_OPENAT2_X, 8);
	push_s64(a, ret);
	push_s64(a, (s32)sc_arg(regs, 0));
	push_user_str(a, (void *)sc_arg(regs, 1));
	push_u32(a, open_flags_to_ppm(how.flags) | created_flag(f));
	push_u32(a, open_mode(how.flags, how.mode));
	push_u32(a, (u32)how.resolve); /* RESOLVE_* values are PPM's */
	push_dev_ino(a, f);
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(creat_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	struct file *f = ret >= 0 ? fd_file(ret) : NULL;
	ev_begin(a, PPME_SYSCALL_CREAT_X, 6);
	push_s64(a, ret);
	push_user_str(a, (void *)sc_arg(regs, 0));
	push_u32(a, (u32)sc_arg(regs, 1));
	push_dev_ino(a, f);
	push_u16(a, 0); /* creat_flags: overlay layers not computed yet */
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(close_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, PPME_SYSCALL_CLOSE_X, 2);
	push_s64(a, ret);
	push_s64(a, (s32)sc_arg(regs, 0));
	ev_submit(a);
	return 0;
}

/* dup, dup2, dup3: res, oldfd[, newfd[, flags]]. */
SEC("tp_btf/sys_exit")
int BPF_PROG(dup_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	u16 code = a->code;
	u32 n = code == PPME_SYSCALL_DUP_1_X ? 2 : code == PPME_SYSCALL_DUP2_X ? 3 : 4;
	ev_begin(a, code, n);
	push_s64(a, ret);
	push_s64(a, (s32)sc_arg(regs, 0));
	if (n >= 3)
		push_s64(a, (s32)sc_arg(regs, 1));
	if (n == 4)
		push_u32(a, (sc_arg(regs, 2) & 02000000) ? 0x1000 : 0); /* O_CLOEXEC */
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(chdir_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, a->code, 2);
	push_s64(a, ret);
	if (a->code == PPME_SYSCALL_CHDIR_X)
		push_user_str(a, (void *)sc_arg(regs, 0));
	else
		push_s64(a, (s32)sc_arg(regs, 0));
	ev_submit(a);
	return 0;
}

/* Calls whose parameters are res followed by the syscall's own path (and
 * dirfd) arguments in order: rename, link, symlink, unlink, rmdir, mkdir
 * and their *at forms. Each argument is one of these kinds. */
#define K_END 0
#define K_STR 1   /* user string */
#define K_FD 2    /* int dirfd/fd */
#define K_U32 3   /* flags or mode, unconverted */

static __always_inline void push_arg(struct aux *a, struct pt_regs *regs, int i, u8 kind)
{
	if (kind == K_STR)
		push_user_str(a, (void *)sc_arg(regs, i));
	else if (kind == K_FD)
		push_s64(a, (s32)sc_arg(regs, i));
	else if (kind == K_U32)
		push_u32(a, (u32)sc_arg(regs, i));
}

/* One shape per event: the kinds of syscall arguments 0..4 in order. */
static __always_inline u64 path_shape(u16 code)
{
#define SHAPE(k0, k1, k2, k3, k4) ((u64)(k0) | (u64)(k1) << 8 | (u64)(k2) << 16 | (u64)(k3) << 24 | (u64)(k4) << 32)
	switch (code) {
	case PPME_SYSCALL_RENAME_X: return SHAPE(K_STR, K_STR, 0, 0, 0);
	case PPME_SYSCALL_RENAMEAT_X: return SHAPE(K_FD, K_STR, K_FD, K_STR, 0);
	case PPME_SYSCALL_RENAMEAT2_X: return SHAPE(K_FD, K_STR, K_FD, K_STR, K_U32);
	case PPME_SYSCALL_LINK_2_X: return SHAPE(K_STR, K_STR, 0, 0, 0);
	case PPME_SYSCALL_LINKAT_2_X: return SHAPE(K_FD, K_STR, K_FD, K_STR, K_U32);
	case PPME_SYSCALL_SYMLINK_X: return SHAPE(K_STR, K_STR, 0, 0, 0);
	case PPME_SYSCALL_SYMLINKAT_X: return SHAPE(K_STR, K_FD, K_STR, 0, 0);
	case PPME_SYSCALL_UNLINK_2_X: return SHAPE(K_STR, 0, 0, 0, 0);
	case PPME_SYSCALL_UNLINKAT_2_X: return SHAPE(K_FD, K_STR, K_U32, 0, 0);
	case PPME_SYSCALL_RMDIR_2_X: return SHAPE(K_STR, 0, 0, 0, 0);
	case PPME_SYSCALL_MKDIR_2_X: return SHAPE(K_STR, K_U32, 0, 0, 0);
	case PPME_SYSCALL_MKDIRAT_X: return SHAPE(K_FD, K_STR, K_U32, 0, 0);
	case PPME_SYSCALL_CHMOD_X: return SHAPE(K_STR, K_U32, 0, 0, 0);
	case PPME_SYSCALL_FCHMOD_X: return SHAPE(K_FD, K_U32, 0, 0, 0);
	case PPME_SYSCALL_FCHMODAT_X: return SHAPE(K_FD, K_STR, K_U32, 0, 0);
	default: return 0;
	}
#undef SHAPE
}

SEC("tp_btf/sys_exit")
int BPF_PROG(path_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	u64 shape = path_shape(a->code);
	u32 n = 1;
	for (int i = 0; i < 5; i++)
		if ((shape >> (8 * i)) & 0xff)
			n++;
	ev_begin(a, a->code, n);
	push_s64(a, ret);
	for (int i = 0; i < 5; i++)
		push_arg(a, regs, i, (shape >> (8 * i)) & 0xff);
	ev_submit(a);
	return 0;
}

#endif
