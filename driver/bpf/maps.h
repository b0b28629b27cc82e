/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Maps and load-time settings shared by every program of the probe.
 * Userspace (falco-scap's modern_ebpf engine) sizes and fills them; the
 * names here are the names it looks up.
 */
#ifndef FALCO_BPF_MAPS_H
#define FALCO_BPF_MAPS_H

#include "kernel.h"
#include <bpf/bpf_helpers.h>

/* Per-CPU scratch where one event is assembled before it is copied into the
 * ring in one piece. An event never grows beyond EVENT_MAX bytes; the other
 * half of the buffer is headroom that lets the verifier prove that a write
 * of at most EVENT_MAX bytes at an offset below EVENT_MAX stays inside. */
#define AUX_SIZE (1u << 16)
#define EVENT_MAX (AUX_SIZE / 2)
/* Bytes kept free for the fixed-size parameters that follow a variable one. */
#define FIXED_RESERVE 512u

struct aux {
	u8 data[AUX_SIZE];
	u32 payload; /* offset of the next parameter value */
	u32 lens;    /* offset of the next parameter length */
	u32 nparams; /* parameters the current event declares */
	u32 pushed;  /* parameters written so far */
	u16 code;    /* event code the dispatcher chose */
	u16 ppm_sc;  /* PPM_SC code of the syscall */
	u32 nr;      /* native syscall number */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* userspace sets one per possible CPU */
	__type(key, u32);
	__type(value, struct aux);
} aux_maps SEC(".maps");

/* The ring every CPU submits to; userspace sets its size. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Counters, one set per CPU. The order is falco_abi::ring::RingStats. */
struct counters {
	u64 n_evts;
	u64 n_drops_buffer;
	u64 n_drops_pf;
	u64 n_drops_bug;
	u64 n_drops_scratch;
	u64 n_hits;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct counters);
} counters SEC(".maps");

/* One row per native syscall number, filled from falco-abi's x86-64 table:
 * bits 0-15 the exit event code (0: the generic event), bits 16-31 the
 * PPM_SC code, bit 32 set when the loaded rules (or state) need it. */
#define SYSCALL_SLOTS 512
#define ROW_INTERESTING (1ull << 32)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYSCALL_SLOTS);
	__type(key, u32);
	__type(value, u64);
} syscall_table SEC(".maps");

/* Exit-event fillers, indexed by event code (tail calls). */
#define EVENT_SLOTS 512

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, EVENT_SLOTS);
	__type(key, u32);
	__type(value, u32);
} exit_fillers SEC(".maps");

/* Set by the loader before the programs load (aya override_global). */
volatile const u32 own_tgid = 0;         /* falco itself: never captured */
volatile const u64 boot_to_epoch_ns = 0; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
volatile const u32 snaplen = 80;         /* bytes of I/O buffers kept */
volatile const u64 wakeup_above = 1 << 18; /* unread bytes that force a wake-up */
volatile const u32 drop_failed = 0;      /* drop exits of failed syscalls */

#endif
