# falco-rs — entry points. `make test` is what CI runs (.ci/run).
CARGO ?= cargo
FILE ?= ../shared/reference/scap/vm_cat_shadow.scap.gz

.PHONY: all setup build test bench fuzz replay clean

all: build

setup:
	scripts/setup.sh

build:
	$(CARGO) build --release --workspace

# Every test of the workspace; installs the test oracle (sysdig) first.
test: setup
	$(CARGO) test --workspace

# Benchmarks beside sysdig on vm_bench_3m (docs/PERFORMANCE.md): capture
# decoding, then state tracking with field extraction.
bench: setup
	scripts/bench-decode.sh
	scripts/bench-state.sh
	scripts/bench-rules.sh
	scripts/bench-falco.sh

# Coverage-guided fuzzing on stable (no sanitizers): FUZZ_TARGET, FUZZ_SECONDS.
FUZZ_TARGET ?= decode_capture
FUZZ_SECONDS ?= 60
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install --locked cargo-fuzz
	cd fuzz && $(CARGO) fuzz run -s none -O $(FUZZ_TARGET) -- -max_total_time=$(FUZZ_SECONDS)

# The falco CLI with our falco.yaml and default rules, replaying a capture
# (the main job until the live eBPF engine lands; syslog is turned off
# because these machines run no syslog daemon).
replay:
	$(CARGO) run --release -q -p falco -- -c cli/falco.yaml -r rules/falco_rules.yaml \
	  -o engine.kind=replay -o engine.replay.capture_file=$(FILE) \
	  -o syslog_output.enabled=false -o log_syslog=false

clean:
	$(CARGO) clean
