/* scap_drain: the least a consumer of upstream libscap's modern eBPF engine
 * can do, for scripts/bench-ebpf.sh's capture-rate rows. Built by
 * scripts/lib/upstream-modern-bpf.sh against the upstream build tree.
 *
 * Upstream's scap-open example keeps per-syscall statistics of every event
 * it reads (count_syscalls: two arrays cleared and the event table scanned,
 * per event); profiled under a byte-at-a-time dd flood, that bookkeeping
 * is ~90% of its CPU, libscap's reading ~6%. So scap-open's drops measure
 * its statistics, not libscap. This reads events and counts them, nothing
 * else: the capacity of libscap + the modern probe.
 *
 * Same engine setup as `scap-open --modern_bpf`: every ppm_sc, one 8 MiB
 * ring per online CPU. Prints "Live capture in progress" once the capture
 * has started (the programs attached), then on SIGINT or SIGTERM the
 * events it received and the kernel's n_evts and n_drops, one per line:
 * "events N", "n_evts N", "n_drops N". */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <libscap/scap.h>
#include <libscap/scap_engines.h>
#include <libscap/engine/modern_bpf/modern_bpf_public.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
	(void)sig;
	stop = 1;
}

/* libscap's messages up to warnings (scap-open's default level); without
 * a log function libbpf's debug output would go to stderr as well. */
static void log_fn(const char *component, const char *msg, const enum falcosecurity_log_severity sev) {
	if(sev <= FALCOSECURITY_LOG_SEV_WARNING) {
		fprintf(stderr, "%s: %s\n", component ? component : "libbpf", msg);
	}
}

/* A kernel-side counter by name, 0 when absent. */
static unsigned long long counter(scap_t *h, const char *name) {
	uint32_t n = 0;
	int32_t rc = 0;
	const struct metrics_v2 *m = scap_get_stats_v2(h, METRICS_V2_KERNEL_COUNTERS, &n, &rc);
	for(uint32_t i = 0; m && i < n; i++) {
		if(strcmp(m[i].name, name) == 0 && m[i].type == METRIC_VALUE_TYPE_U64) {
			return m[i].value.u64;
		}
	}
	return 0;
}

int main(void) {
	struct scap_modern_bpf_engine_params params = {
	        .cpus_for_each_buffer = DEFAULT_CPU_FOR_EACH_BUFFER,
	        .allocate_online_only = true,
	        .buffer_bytes_dim = DEFAULT_DRIVER_BUFFER_BYTES_DIM,
	        .disable_iterators = false,
	};
	scap_open_args args = {0};
	args.engine_params = &params;
	args.log_fn = log_fn;
	for(int i = 0; i < PPM_SC_MAX; i++) {
		args.ppm_sc_of_interest.ppm_sc[i] = true;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	char err[SCAP_LASTERR_SIZE] = {0};
	int32_t rc = 0;
	scap_t *h = scap_open(&args, &scap_modern_bpf_engine, err, &rc);
	if(h == NULL || rc != SCAP_SUCCESS) {
		fprintf(stderr, "scap_open: %s (%d)\n", err, rc);
		return 1;
	}
	if(scap_start_capture(h) != SCAP_SUCCESS) {
		fprintf(stderr, "scap_start_capture: %s\n", scap_getlasterr(h));
		return 1;
	}
	printf("Live capture in progress\n");
	fflush(stdout);

	unsigned long long events = 0;
	while(!stop) {
		scap_evt *ev;
		uint16_t cpu;
		uint32_t flags;
		int32_t res = scap_next(h, &ev, &cpu, &flags);
		if(res == SCAP_SUCCESS) {
			events++;
		} else if(res != SCAP_TIMEOUT && res != SCAP_FILTERED_EVENT) {
			fprintf(stderr, "scap_next: %s (%d)\n", scap_getlasterr(h), res);
			break;
		}
	}
	scap_stop_capture(h);
	printf("events %llu\nn_evts %llu\nn_drops %llu\n", events, counter(h, "n_evts"),
	       counter(h, "n_drops"));
	scap_close(h);
	return 0;
}
