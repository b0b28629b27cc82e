#!/usr/bin/env bash
# What following container runtimes costs, live, as root (podman from
# scripts/setup.sh), falco on the eBPF engine with our default rules
# following a podman API service of the script's own:
#  1. events/s, drops and falco's CPU over WINDOW seconds while containers
#     start as fast as PAR parallel `podman run --rm` allow (the issue asks
#     for 20/s; the rate reached is printed), against the same window with
#     no containers, and against the same churn with falco following no
#     runtime (the reference for what following costs); ROUNDS rounds,
#     alternating, one falco each.
#  2. falco's RSS while COUNT short-lived containers come and go (the
#     container table forgets removed containers: flat).
#  3. a metadata lookup's latency through the feed (off the event path:
#     the event loop only drains a channel between events).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
window="${WINDOW:-20}" rounds="${ROUNDS:-2}" par="${PAR:-4}" count="${COUNT:-1000}"
[ "$(id -u)" = 0 ] || { echo "bench-containers: needs root" >&2; exit 1; }
command -v podman >/dev/null || { echo "bench-containers: podman missing (scripts/setup.sh)" >&2; exit 1; }
cd "$here"
cargo build -q --release -p falco
cargo build -q --release -p falco-sinsp --example container_lookup
falco="$here/target/release/falco"
work=$(mktemp -d)
pid="" svc=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  [ -n "$svc" ] && kill "$svc" 2>/dev/null
  podman rm -f bench-long >/dev/null 2>&1 || true
  wait 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
pod=(podman --runtime runc --cgroup-manager cgroupfs)
run_flags=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# A busybox image from the static busybox (no registry here).
mkdir -p "$work/root/bin" "$work/root/etc"
cp /bin/busybox "$work/root/bin/"
for a in sh true sleep; do ln -s busybox "$work/root/bin/$a"; done
tar -C "$work/root" -cf "$work/root.tar" .
image=localhost/falco-rs-bench:busybox
"${pod[@]}" import "$work/root.tar" "$image" >/dev/null 2>&1

"${pod[@]}" system service --time=0 "unix://$work/podman.sock" >/dev/null 2>&1 &
svc=$!
for _ in $(seq 100); do [ -S "$work/podman.sock" ] && break; sleep 0.1; done

cat > "$work/falco.yaml" <<YAML
log_stderr: true
log_syslog: false
stdout_output:
  enabled: false
engine:
  kind: modern_ebpf
metrics:
  enabled: true
  interval: 1s
  output_rule: false
  output_file: $work/metrics.jsonl
load_plugins: [container]
plugins:
  - name: container
    library_path: libcontainer.so
    init_config:
      engines:
        docker: {enabled: false}
        podman: {enabled: true, sockets: ['$work/podman.sock']}
YAML

# The same, following no runtime.
sed 's/podman: {enabled: true/podman: {enabled: false/' "$work/falco.yaml" > "$work/falco-off.yaml"

# start_falco [CONFIG]: falco on CPU 0 in the background, once attached.
start_falco() {
  : > "$work/metrics.jsonl"
  taskset -c 0 "$falco" -c "$work/${1:-falco.yaml}" -r rules/falco_rules.yaml > "$work/out" 2> "$work/err" &
  pid=$!
  for _ in $(seq 300); do
    if grep -q 'containers known\|No container runtime' "$work/err" && [ -s "$work/metrics.jsonl" ]; then return; fi
    sleep 0.1
  done
  echo "bench-containers: falco did not start" >&2; cat "$work/err" >&2; exit 1
}
stop_falco() { kill -INT "$pid"; wait "$pid" || true; pid=""; }
# last_metric KEY: the latest value of KEY in the metrics file.
last_metric() {
  python3 -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1]) if x.strip()]; print(l[-1]["sample"][sys.argv[2]])' "$work/metrics.jsonl" "$1"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

# Starts containers until the window ends; prints how many started.
churn() {
  local until=$(( $(date +%s) + window ))
  # xargs stops (non-zero) when the first late command exits 255.
  { seq 100000 | xargs -P "$par" -I{} sh -c \
    "[ \$(date +%s) -lt $until ] || exit 255; ${pod[*]} run --rm ${run_flags[*]} $image true >/dev/null 2>&1 && echo ok" \
    2>/dev/null || true; } | wc -l
}
idle() { sleep "$window"; echo 0; }

# measure WORKLOAD [CONFIG]: one falco, one window; prints started evps
# drops cpu_s
measure() {
  start_falco "${2:-}"
  local e0 d0 c0 e1 d1 c1 started
  e0=$(last_metric falco.num_evts); d0=$(last_metric scap.n_drops); c0=$(cpu_ticks)
  started=$("$1")
  sleep 1.5
  e1=$(last_metric falco.num_evts); d1=$(last_metric scap.n_drops); c1=$(cpu_ticks)
  stop_falco
  local hz; hz=$(getconf CLK_TCK)
  echo "$started $(( (e1 - e0) / window )) $(( d1 - d0 )) $(echo "scale=2; ($c1 - $c0) / $hz" | bc -l)"
}

echo "1. ${window}s windows, falco on CPU 0 (default rules, following podman):"
printf '   %-6s %-32s %12s %10s %8s %10s\n' round workload containers events/s drops "falco cpu s"
for r in $(seq "$rounds"); do
  for w in idle churn churn-unfollowed; do
    case $w in
      idle) read -r started evps drops cpu < <(measure idle); label=none ;;
      churn) read -r started evps drops cpu < <(measure churn); label=containers ;;
      churn-unfollowed) read -r started evps drops cpu < <(measure churn falco-off.yaml); label="containers, no runtime followed" ;;
    esac
    printf '   %-6s %-32s %12s %10s %8s %10s\n' "$r" "$label" "$started ($(echo "scale=1; $started / $window" | bc -l)/s)" "$evps" "$drops" "$cpu"
  done
done

echo "2. RSS while $count short-lived containers come and go:"
start_falco
printf '   %6s containers: %s MB\n' 0 "$(last_metric falco.memory_rss_mb)"
done_n=0
step=$(( count / 4 ))
while [ "$done_n" -lt "$count" ]; do
  seq "$step" | xargs -P "$par" -I{} "${pod[@]}" run --rm "${run_flags[@]}" "$image" true >/dev/null 2>&1 || true
  done_n=$(( done_n + step ))
  sleep 2
  printf '   %6s containers: %s MB\n' "$done_n" "$(last_metric falco.memory_rss_mb)"
done
stop_falco

echo "3. metadata lookup latency (the worker's HTTP round trip and the channel):"
id=$("${pod[@]}" run -d --name bench-long "${run_flags[@]}" "$image" sleep 600)
"$here/target/release/examples/container_lookup" podman "$work/podman.sock" "$id" 200 2>/dev/null | sed 's/^/   /'
