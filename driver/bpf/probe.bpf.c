// SPDX-License-Identifier: GPL-2.0-only
/*
 * falco-rs modern eBPF probe: one object, embedded in the falco binary.
 *
 * sys_exit (tp_btf) is the only syscall hook: the current schema is
 * exit-only, and at sys_exit the arguments are still in pt_regs. The
 * dispatcher drops falco's own threads and the syscalls nobody asked for,
 * then tail-calls the filler registered for the syscall's exit event; a
 * syscall without one becomes Falco's generic event. Fillers live in one
 * header per syscall family, included below; userspace maps each filler
 * program to its event codes.
 */
#include "encode.h"
#include "process.h"
#include "file.h"
#include "net.h"
#include "io.h"
#include "ipc.h"
#include "privilege.h"

#define PPME_GENERIC_X 1

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct counters *c = counters_get();
	if (c)
		c->n_hits++;
	if (own_tgid && (bpf_get_current_pid_tgid() >> 32) == own_tgid)
		return 0;
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (nr < 0 || nr >= SYSCALL_SLOTS)
		return 0;
	u32 key = (u32)nr;
	u64 *row = bpf_map_lookup_elem(&syscall_table, &key);
	if (!row || !(*row & ROW_INTERESTING))
		return 0;
	if (drop_failed && ret < 0)
		return 0;
	struct aux *a = aux_get();
	if (!a)
		return 0;
	a->code = (u16)*row;
	a->ppm_sc = (u16)(*row >> 16);
	a->nr = key;
	if (a->code)
		bpf_tail_call(ctx, &exit_fillers, a->code);
	/* No filler for this event (or none loaded): the generic event. */
	ev_begin(a, PPME_GENERIC_X, 2);
	push_u16(a, a->ppm_sc);
	push_u16(a, (u16)key);
	ev_submit(a);
	return 0;
}
