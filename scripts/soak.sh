#!/usr/bin/env bash
# Soak benchmark (issue 19's bounded memory), as root: falco on the live
# modern eBPF engine with our default rules and the state counters on,
# while short-lived processes are spawned as fast as one core allows
# (each a fork + exec of /bin/true, which also opens, reads and closes
# files), for SECS seconds (default 600). Every 5 s falco's RSS (from
# /proc) and its thread-table size (from the metrics snapshot) are
# sampled; the result is a CSV and an SVG plot of RSS over time in OUT
# (default docs/soak), plus one summary line: RSS at the first sample, at
# the end, its peak, the processes spawned and falco's drops.
#
# SOAK_CONTAINERS=1: short-lived containers instead (podman, from
# scripts/setup.sh): `podman run --rm` of a busybox image imported from
# the static busybox (no registry here), PAR at a time (default 2), while
# falco follows a podman API service of the script's own; the CSV gains
# the container cache's size (falco.n_containers) and the summary the
# containers started; OUT defaults to docs/soak/containers.
# FALCO_ARGS: more falco options, e.g. `-o
# falco_libs.thread_table_auto_purging_interval_s=10`.
#
# Not a test: a measurement for docs/PERFORMANCE.md. RSS is flat when the
# state tables give back what exited processes (and removed containers)
# held.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs="${SECS:-600}"
containers="${SOAK_CONTAINERS:-0}"
par="${PAR:-2}"
if [ "$containers" = 1 ]; then
  out="${OUT:-$here/docs/soak/containers}"
else
  out="${OUT:-$here/docs/soak}"
fi
[ "$(id -u)" = 0 ] || { echo "soak: needs root" >&2; exit 1; }
if [ "$containers" = 1 ]; then
  command -v podman >/dev/null || { echo "soak: podman missing (scripts/setup.sh)" >&2; exit 1; }
fi
cd "$here"
cargo build -q --release -p falco
falco="${CARGO_TARGET_DIR:-$here/target}/release/falco"
work=$(mktemp -d)
mkdir -p "$out"
pid="" spawner="" svc=""
pod=(podman --runtime runc --cgroup-manager cgroupfs)
cleanup() {
  [ -n "$spawner" ] && kill "$spawner" 2>/dev/null
  [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null
  [ -n "$svc" ] && kill "$svc" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
plugin=""
if [ "$containers" = 1 ]; then
  # A busybox image from the static busybox, and a podman API service.
  mkdir -p "$work/root/bin" "$work/root/etc"
  cp /bin/busybox "$work/root/bin/"
  for a in sh true sleep; do ln -s busybox "$work/root/bin/$a"; done
  tar -C "$work/root" -cf "$work/root.tar" .
  image=localhost/falco-rs-soak:busybox
  "${pod[@]}" import "$work/root.tar" "$image" >/dev/null
  "${pod[@]}" system service --time=0 "unix://$work/podman.sock" >/dev/null 2>&1 &
  svc=$!
  for _ in $(seq 100); do [ -S "$work/podman.sock" ] && break; sleep 0.1; done
  [ -S "$work/podman.sock" ] || { echo "soak: podman service did not start" >&2; exit 1; }
  plugin="load_plugins: [container]
plugins:
  - name: container
    library_path: libcontainer.so
    init_config:
      engines:
        docker: {enabled: false}
        podman: {enabled: true, sockets: ['$work/podman.sock']}"
fi
cat > "$work/falco.yaml" <<EOF
log_stderr: true
log_syslog: false
stdout_output:
  enabled: false
engine:
  kind: modern_ebpf
metrics:
  enabled: true
  interval: 5s
  output_rule: false
  output_file: $work/metrics.jsonl
  state_counters_enabled: true
  resource_utilization_enabled: true
$plugin
EOF
# shellcheck disable=SC2086 # FALCO_ARGS: more options, split on spaces
taskset -c 0 "$falco" -c "$work/falco.yaml" -r rules/falco_rules.yaml ${FALCO_ARGS:-} > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 300); do
  grep -q 'Opening' "$work/err" 2>/dev/null && break
  sleep 0.1
done
grep -q 'Opening' "$work/err" || { echo "soak: falco did not start" >&2; cat "$work/err" >&2; exit 1; }

if [ "$containers" = 1 ]; then
  # The workload: PAR loops of `podman run --rm`, each counting the
  # containers it ran to completion.
  (
    for i in $(seq "$par"); do
      ( n=0; while :; do
          "${pod[@]}" run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$image" true >/dev/null 2>&1 \
            && n=$((n + 1)) && echo "$n" > "$work/spawned.$i"
        done ) &
    done
    wait
  ) &
  spawner=$!
else
  # The workload: fork+exec in a loop on CPU 1, counted.
  ( n=0; while :; do /bin/true; n=$((n + 1)); [ $((n % 1000)) -eq 0 ] && echo "$n" > "$work/spawned"; done ) &
  spawner=$!
  taskset -p -c 1 "$spawner" > /dev/null
fi

# metric KEY: KEY's value in the latest metrics snapshot ("" before one).
metric() {
  tail -n 1 "$work/metrics.jsonl" 2>/dev/null | grep -o "\"$1\":[0-9]*" | cut -d: -f2 || true
}

csv="$out/soak.csv"
echo "seconds,rss_kb,threads,containers" > "$csv"
start=$(date +%s)
while :; do
  now=$(date +%s)
  t=$((now - start))
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  echo "$t,$rss,$(metric falco.n_threads),$(metric falco.n_containers)" >> "$csv"
  [ "$t" -ge "$secs" ] && break
  sleep 5
done
if [ "$containers" = 1 ]; then
  # The loops and the podman runs they started.
  pkill -P "$spawner" 2>/dev/null || true
  kill "$spawner" 2>/dev/null || true
  wait "$spawner" 2>/dev/null || true; spawner=""
  sleep 2
  spawned=$(cat "$work"/spawned.* 2>/dev/null | awk '{s += $1} END {print s + 0}')
  what="containers run"
  extra="; container metrics at the end: $(tail -n 1 "$work/metrics.jsonl" | grep -o '"falco.n_\(containers\|evicted_containers\|auto_purged_containers\|auto_purged_threads\|removed_threads\)":[0-9]*' | tr '\n' ' ')"
else
  kill "$spawner"; wait "$spawner" 2>/dev/null || true; spawner=""
  spawned=$(cat "$work/spawned" 2>/dev/null || echo 0)
  what="processes spawned"
  extra=""
fi
kill -INT "$pid"; wait "$pid" || true; pid=""
drops=$(grep -o 'event drop detected: [0-9]*' "$work/err" | grep -o '[0-9]*$' || echo "?")

if [ "$containers" = 1 ]; then
  title="falco RSS while short-lived containers come and go"
else
  title="falco RSS while short-lived processes are spawned"
fi
python3 - "$csv" "$out/soak-rss.svg" "$title" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
xs = [int(r["seconds"]) for r in rows]
ys = [int(r["rss_kb"]) / 1024 for r in rows]
w, h, pad = 640, 320, 50
xmax = max(xs) or 1
ymax = max(ys) * 1.2 or 1
pt = lambda x, y: (pad + x / xmax * (w - 2 * pad), h - pad - y / ymax * (h - 2 * pad))
path = " ".join("%s%.1f,%.1f" % ("M" if i == 0 else "L", *pt(x, y)) for i, (x, y) in enumerate(zip(xs, ys)))
ticks = "".join(
    '<text x="%d" y="%.1f" font-size="11" text-anchor="end">%.0f</text>' % (pad - 6, pt(0, v)[1] + 4, v)
    for v in [ymax * k / 4 for k in range(5)]
)
svg = f'''<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif">
<rect width="{w}" height="{h}" fill="white"/>
<line x1="{pad}" y1="{h-pad}" x2="{w-pad}" y2="{h-pad}" stroke="black"/>
<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h-pad}" stroke="black"/>
{ticks}
<text x="{w/2}" y="{h-12}" font-size="12" text-anchor="middle">seconds (0 to {xmax})</text>
<text x="14" y="{h/2}" font-size="12" transform="rotate(-90 14 {h/2})" text-anchor="middle">falco RSS (MiB)</text>
<text x="{w/2}" y="24" font-size="13" text-anchor="middle">{sys.argv[3]}</text>
<path d="{path}" fill="none" stroke="#1f77b4" stroke-width="2"/>
</svg>
'''
open(sys.argv[2], "w").write(svg)
PY
awk -F, -v spawned="$spawned" -v drops="$drops" -v what="$what" -v extra="$extra" \
  'NR == 2 {first = $2} NR > 1 {last = $2; if ($2 > peak) peak = $2; th = $3; ct = $4; if ($4 > cpeak) cpeak = $4}
  END {printf "soak: %d s, RSS first %.1f MiB, last %.1f MiB, peak %.1f MiB; threads at the end %s; containers cached at the end %s (peak %d); %s %d; drop checks with drops %s%s\n",
       $1, first / 1024, last / 1024, peak / 1024, th, ct, cpeak, what, spawned, drops, extra}' "$csv"
