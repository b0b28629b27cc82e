#!/usr/bin/env bash
# The modern eBPF engine's cost and capacity on this host, as root:
#  1. per-syscall overhead: getpid, 1-byte read and open+close loops pinned
#     to CPU 1, with no probe, then with falco (pinned to CPU 0) attached
#     with our default rules (only the syscalls they and state need are
#     captured; getpid and read are filtered in the kernel), then attached
#     capturing every syscall (base_syscalls.all). Ratios are to no probe.
#  2. capture throughput: two byte-at-a-time dd on CPU 1 while falco
#     (CPU 0) captures every syscall; events/s delivered and drops.
# Same run, same machine, alternating nothing else. N sets the loop length.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
n="${N:-2000000}"
[ "$(id -u)" = 0 ] || { echo "bench-ebpf: needs root" >&2; exit 1; }
cd "$here"
cargo build -q --release -p falco
cargo build -q --release -p falco-scap --example syscall_loop
falco="$here/target/release/falco"
loop="$here/target/release/examples/syscall_loop"
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
printf 'log_stderr: true\nlog_syslog: false\nstdout_output:\n  enabled: false\nengine:\n  kind: modern_ebpf\n' > "$work/falco.yaml"

# start_falco EXTRA...: falco on CPU 0 in the background, once attached.
start_falco() {
  taskset -c 0 "$falco" -c "$work/falco.yaml" -r rules/falco_rules.yaml -v "$@" > "$work/out" 2> "$work/err" &
  pid=$!
  # attached once the /proc scan is done and events flow: wait for the probe
  for _ in $(seq 100); do
    if grep -q 'Opening' "$work/err" && sleep 1; then return; fi
    sleep 0.1
  done
  echo "bench-ebpf: falco did not start" >&2; cat "$work/err" >&2; exit 1
}
stop_falco() { kill -INT "$pid"; wait "$pid" || true; pid=""; }

loops() { for k in getpid read1 openclose; do printf "%s " "$(taskset -c 1 "$loop" "$k" "$n")"; done; echo; }

read -r g0 r0 o0 < <(loops)
start_falco
read -r g1 r1 o1 < <(loops)
stop_falco
start_falco -o base_syscalls.all=true
read -r g2 r2 o2 < <(loops)
stop_falco

ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo "per-syscall cost, ns/call (N=$n, loop on CPU 1, falco on CPU 0):"
printf '  %-10s %10s %22s %22s\n' call "no probe" "default rules" "all syscalls"
printf '  %-10s %10s %14s (%sx) %14s (%sx)\n' getpid "$g0" "$g1" "$(ratio "$g1" "$g0")" "$g2" "$(ratio "$g2" "$g0")"
printf '  %-10s %10s %14s (%sx) %14s (%sx)\n' read1 "$r0" "$r1" "$(ratio "$r1" "$r0")" "$r2" "$(ratio "$r2" "$r0")"
printf '  %-10s %10s %14s (%sx) %14s (%sx)\n' openclose "$o0" "$o1" "$(ratio "$o1" "$o0")" "$o2" "$(ratio "$o2" "$o0")"

# Throughput: every syscall captured, the flood on CPU 1.
bytes="${BYTES:-3000000}"
start_falco -o base_syscalls.all=true
t0=$(date +%s.%N)
taskset -c 1 dd if=/dev/zero of=/dev/null bs=1 count="$bytes" 2>/dev/null
t1=$(date +%s.%N)
sleep 1
stop_falco
secs=$(echo "$t1 - $t0" | bc -l)
events=$((2 * bytes))
drops=$(sed -n 's/.*event drop detected: \([0-9]*\) occurrences.*/\1/p' "$work/out")
captured=$(sed -n 's/.*Captured Events: \([0-9]*\),.*/\1/p' "$work/out")
printf 'throughput: dd made %d read+write calls in %.2f s = %.0f events/s; falco delivered %s events in the run, drop seconds: %s\n' \
  "$events" "$secs" "$(echo "$events / $secs" | bc -l)" "$captured" "$drops"
