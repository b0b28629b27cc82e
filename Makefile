# falco-rs — entry points. `make test` is what CI runs (.ci/run).
CARGO ?= cargo
FILE ?= ../shared/reference/scap/vm_cat_shadow.scap.gz

.PHONY: all setup build image deb deb-test test kmod-test bench fuzz fuzz-all fuzz-diff run replay clean

all: build

setup:
	scripts/setup.sh

build:
	$(CARGO) build --release --workspace

# The OCI image (packaging/container/): a static falco FROM scratch, tagged
# localhost/falco-rs:<version> (scripts/build-image.sh; BUILDER=docker).
image: setup
	scripts/build-image.sh

# The Debian package (packaging/deb/): target/deb/falco-rs_<version>_amd64.deb,
# checked by lintian.
deb: setup
	packaging/deb/build.sh

# The .deb installed, used, upgraded and purged in Debian 12 with systemd,
# booted in qemu on Debian's 6.1 kernel (eBPF), then on the Rust-enabled
# test kernel installed from its own linux-image/linux-headers .debs
# (DKMS builds the module; kmod; reboot; a mismatched rustc falls back to
# eBPF). Root; the root filesystems are cached under $FALCO_RS_CACHE.
# PART=ebpf or PART=kmod runs one half.
deb-test: setup
	scripts/deb-test.sh

# Every test: the Kubernetes manifests validated offline, the image built
# (the DaemonSet tests run it), the workspace (the live eBPF tests need
# root), the .deb in a Debian VM with systemd (scripts/deb-test.sh), then
# every fuzz target for FUZZ_CI_SECONDS on its seed corpus
# (scripts/fuzz-ci.sh: a crash fails the run), then
# the kernel module in a qemu VM. Installs what they need first
# (sysdig, clang, libbpf headers; the test kernel's pinned toolchain, and
# the kernel itself, built and cached under $FALCO_RS_CACHE, default
# ~/.cache/falco-rs, by scripts/test-kernel.sh). scripts/ci-cold.sh runs
# this from a fresh clone with an empty cache; scripts/stress-test.sh runs
# the workspace suite with every core loaded.
test: setup
	scripts/validate-k8s.sh
	image=$$(scripts/build-image.sh) && FALCO_RS_IMAGE=$$image $(CARGO) test --workspace
	FUZZ_SECONDS=$(FUZZ_CI_SECONDS) scripts/fuzz-ci.sh
	scripts/deb-test.sh
	scripts/kmod-test.sh
	KERNEL_FLAVOUR=debug scripts/kmod-test.sh

# The kernel module built against the cached Rust-enabled test kernel and
# loaded, exercised and unloaded in a qemu VM (TCG, 2 vCPUs).
kmod-test:
	scripts/kmod-test.sh
	KERNEL_FLAVOUR=debug scripts/kmod-test.sh

# Benchmarks beside sysdig on vm_bench_3m (docs/PERFORMANCE.md): capture
# decoding, state tracking with field extraction, rules, the whole binary;
# then the live eBPF engine's per-syscall cost and throughput beside
# upstream libs' own modern probe (root; upstream is built into the cache
# on first use, scripts/lib/upstream-modern-bpf.sh), and
# the kernel module's per-syscall cost in the qemu VM beside the upstream
# C module's.
bench: setup
	scripts/bench-decode.sh
	scripts/bench-state.sh
	scripts/bench-rules.sh
	scripts/bench-falco.sh
	@if [ "$$(id -u)" = 0 ]; then scripts/bench-ebpf.sh; else echo "bench: bench-ebpf.sh needs root, skipped"; fi
	scripts/bench-kmod.sh

# Coverage-guided fuzzing on stable (no sanitizers; docs/FUZZING.md).
# `make fuzz`: one target (FUZZ_TARGET) for FUZZ_SECONDS, its corpus growing
# in fuzz/corpus/ (not committed), starting from fuzz/seeds/.
# `make fuzz-all`: every target for FUZZ_SECONDS on a copy of its seeds,
# with exec/s and coverage edges per target (`make test` runs the same for
# FUZZ_CI_SECONDS). `make fuzz-diff`: the capture reader against sysdig on
# a few hundred mutated reference captures (FUZZ_VARIANTS).
FUZZ_TARGET ?= decode_capture
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 10
FUZZ_VARIANTS ?= 300
fuzz:
	cargo_fuzz=$$(scripts/fuzz-ci.sh --install) && mkdir -p fuzz/corpus/$(FUZZ_TARGET) && cd fuzz && \
	  $$cargo_fuzz fuzz run -s none -O $(FUZZ_TARGET) corpus/$(FUZZ_TARGET) seeds/$(FUZZ_TARGET) -- \
	  -max_total_time=$(FUZZ_SECONDS)

fuzz-all:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz-ci.sh

fuzz-diff: setup
	scripts/fuzz-diff.sh $(FUZZ_VARIANTS)

# The main job: falco against the live kernel (modern eBPF engine, the
# default of our falco.yaml) with our default rules, until Ctrl-C. Needs
# root (or CAP_BPF + CAP_PERFMON). Syslog is turned off because these
# machines run no syslog daemon. ARGS adds flags, e.g. ARGS="-M 60 -v".
run: setup
	$(CARGO) build --release -q -p falco
	./target/release/falco -c cli/falco.yaml -r rules/falco_rules.yaml \
	  -o syslog_output.enabled=false -o log_syslog=false $(ARGS)

# The same CLI replaying a capture instead of the live kernel.
replay:
	$(CARGO) run --release -q -p falco -- -c cli/falco.yaml -r rules/falco_rules.yaml \
	  -o engine.kind=replay -o engine.replay.capture_file=$(FILE) \
	  -o syslog_output.enabled=false -o log_syslog=false

clean:
	$(CARGO) clean
