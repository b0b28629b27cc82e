/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Privilege and system changes: the setuid/setgid family, ptrace, mount,
 * umount2, init_module, finit_module, setns, unshare and bpf (exit events).
 */
#ifndef FALCO_BPF_PRIVILEGE_H
#define FALCO_BPF_PRIVILEGE_H

#include "process.h" /* clone_flags_to_ppm */

#define PPME_SYSCALL_PTRACE_X 169
#define PPME_SYSCALL_SETRESUID_X 193
#define PPME_SYSCALL_SETRESGID_X 195
#define PPME_SYSCALL_SETUID_X 199
#define PPME_SYSCALL_SETGID_X 201
#define PPME_SYSCALL_MOUNT_X 257
#define PPME_SYSCALL_UMOUNT2_X 391
#define PPME_SYSCALL_INIT_MODULE_X 411
#define PPME_SYSCALL_FINIT_MODULE_X 413
#define PPME_SYSCALL_SETREUID_X 427
#define PPME_SYSCALL_SETREGID_X 429
#define PPME_SYSCALL_SETNS_X 241
#define PPME_SYSCALL_UNSHARE_X 285
#define PPME_SYSCALL_BPF_2_X 369

/* setuid, setgid (one id), setreuid, setregid (two), setresuid, setresgid
 * (three): res then the ids as passed. */
SEC("tp_btf/sys_exit")
int BPF_PROG(setid_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	u16 code = a->code;
	u32 ids = 1;
	if (code == PPME_SYSCALL_SETREUID_X || code == PPME_SYSCALL_SETREGID_X)
		ids = 2;
	else if (code == PPME_SYSCALL_SETRESUID_X || code == PPME_SYSCALL_SETRESGID_X)
		ids = 3;
	ev_begin(a, code, ids + 1);
	push_s64(a, ret);
	for (u32 i = 0; i < 3; i++)
		if (i < ids)
			push_u32(a, (u32)sc_arg(regs, i));
	ev_submit(a);
	return 0;
}

/* Linux PTRACE_* -> PPM_PTRACE_* (falco_abi::flag_tables::PTRACE_REQUESTS). */
static __always_inline u16 ptrace_request_to_ppm(u64 r)
{
	if (r <= 9)
		return (u16)r + 1; /* TRACEME .. SINGLESTEP */
	switch (r) {
	case 12: return 0x1a; /* GETREGS */
	case 13: return 0x1b;
	case 14: return 0x1c;
	case 15: return 0x1d;
	case 16: return 0xb;  /* ATTACH */
	case 17: return 0xc;  /* DETACH */
	case 18: return 0x1e;
	case 19: return 0x1f;
	case 21: return 0x20;
	case 24: return 0xd;  /* SYSCALL */
	case 25: return 0x21;
	case 26: return 0x22;
	case 30: return 0x23;
	case 31: return 0x24;
	case 32: return 0x25;
	case 33: return 0x26;
	case 0x4200: return 0xe; /* SETOPTIONS */
	case 0x4201: return 0xf;
	case 0x4202: return 0x10;
	case 0x4203: return 0x11;
	case 0x4204: return 0x12;
	case 0x4205: return 0x13;
	case 0x4206: return 0x14; /* SEIZE */
	case 0x4207: return 0x15;
	case 0x4208: return 0x16;
	case 0x4209: return 0x17;
	case 0x420a: return 0x18;
	case 0x420b: return 0x19;
	default: return 0;
	}
}

/* A PT_DYN value: the index of its type (0: a plain u64), then the value. */
static __always_inline void push_dyn_u64(struct aux *a, u64 v)
{
	a->data[OFF(a->payload)] = 0;
	__builtin_memcpy(&a->data[OFF(a->payload + 1)], &v, 8);
	ev_len(a, 9);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ptrace_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, PPME_SYSCALL_PTRACE_X, 5);
	push_s64(a, ret);
	push_dyn_u64(a, sc_arg(regs, 2));
	push_dyn_u64(a, sc_arg(regs, 3));
	push_u16(a, ptrace_request_to_ppm(sc_arg(regs, 0)));
	push_s64(a, (s32)sc_arg(regs, 1));
	ev_submit(a);
	return 0;
}

#define MS_MGC_VAL 0xC0ED0000u
#define MS_MGC_MSK 0xffff0000u

SEC("tp_btf/sys_exit")
int BPF_PROG(mount_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	u32 flags = (u32)sc_arg(regs, 3);
	if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MSK; /* the old magic number is not a flag */
	ev_begin(a, PPME_SYSCALL_MOUNT_X, 5);
	push_s64(a, ret);
	push_user_str(a, (void *)sc_arg(regs, 0));
	push_user_str(a, (void *)sc_arg(regs, 1));
	push_user_str(a, (void *)sc_arg(regs, 2));
	push_u32(a, flags);
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(umount2_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, PPME_SYSCALL_UMOUNT2_X, 3);
	push_s64(a, ret);
	push_user_str(a, (void *)sc_arg(regs, 0));
	push_u32(a, (u32)sc_arg(regs, 1)); /* MNT_* values are PPM's */
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(init_module_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	u64 len = sc_arg(regs, 1);
	ev_begin(a, PPME_SYSCALL_INIT_MODULE_X, 4);
	push_s64(a, ret);
	push_user_buf(a, (void *)sc_arg(regs, 0), len);
	push_u64(a, len);
	push_user_str(a, (void *)sc_arg(regs, 2));
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(finit_module_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, PPME_SYSCALL_FINIT_MODULE_X, 4);
	push_s64(a, ret);
	push_s64(a, (s32)sc_arg(regs, 0));
	push_user_str(a, (void *)sc_arg(regs, 1));
	push_u32(a, (u32)sc_arg(regs, 2)); /* MODULE_INIT_* values are PPM's */
	ev_submit(a);
	return 0;
}

/* setns: res, fd, nstype (CLONE_NEW* as PPM_CL_*). */
SEC("tp_btf/sys_exit")
int BPF_PROG(setns_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, PPME_SYSCALL_SETNS_X, 3);
	push_s64(a, ret);
	push_s64(a, (s32)sc_arg(regs, 0));
	push_u32(a, clone_flags_to_ppm(sc_arg(regs, 1)));
	ev_submit(a);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(unshare_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, PPME_SYSCALL_UNSHARE_X, 2);
	push_s64(a, ret);
	push_u32(a, clone_flags_to_ppm(sc_arg(regs, 0)));
	ev_submit(a);
	return 0;
}

/* bpf: the fd (or error) it returned and the command (BPF_* values are
 * PPM's). */
SEC("tp_btf/sys_exit")
int BPF_PROG(bpf_x, struct pt_regs *regs, long ret)
{
	struct aux *a = aux_get();
	if (!a)
		return 0;
	ev_begin(a, PPME_SYSCALL_BPF_2_X, 2);
	push_s64(a, ret);
	push_u32(a, (u32)sc_arg(regs, 0));
	ev_submit(a);
	return 0;
}

#endif
