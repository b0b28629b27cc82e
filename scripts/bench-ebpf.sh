#!/usr/bin/env bash
# The modern eBPF engine's cost and capacity on this host, beside upstream
# falcosecurity/libs' own modern eBPF probe, as root:
#
#  1. per-syscall cost: getpid, 1-byte read and open+close loops
#     (libscap-rs/examples/syscall_loop.rs) pinned to CPU 1, timed by the
#     loop thread's CPU time and by wall clock, with
#       - no probe (the reference),
#       - our falco with our default rules (only the syscalls they and
#         state need are captured; getpid and read are dropped in the
#         kernel),
#       - our falco capturing every syscall (base_syscalls.all),
#       - upstream's `scap-open --modern_bpf`, which captures every
#         syscall too,
#     the consumer pinned to CPU 0. Added = with a probe minus no probe.
#  2. capture rate: byte-at-a-time dd floods while our falco, scap-open,
#     and upstream libscap with a consumer that only counts
#     (scripts/lib/scap_drain.c) capture every syscall (see flood_run for
#     what the figure means).
#
# Each of ROUNDS rounds measures everything once, no probe first, ours and
# upstream alternating which goes first: these machines are noisy, so only
# figures of the same round are compared, and the tables show medians
# over rounds. Upstream is built once from ../shared/upstream-modern-bpf
# into the cache (scripts/lib/upstream-modern-bpf.sh; its Debian packages
# are installed on first use). Raw figures and every consumer's log are
# kept in OUT.
#
# Env: N (loop length, 1000000), ROUNDS (5), FLOOD_SECS (5), SETTLE_SECS
# (1, see settle), OUT (default: a new folder under the cache). A default
# run takes about 8 minutes, plus the builds the first time (upstream:
# about 4 minutes, and its Debian packages).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
n="${N:-1000000}"
rounds="${ROUNDS:-5}"
flood_secs="${FLOOD_SECS:-5}"
settle_secs="${SETTLE_SECS:-1}"
cache="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}"
out="${OUT:-$cache/bench-ebpf/$(date +%Y%m%d-%H%M%S)}"
[ "$(id -u)" = 0 ] || { echo "bench-ebpf: needs root" >&2; exit 1; }
cd "$here"
# shellcheck source=lib/upstream-modern-bpf.sh
source "$here/scripts/lib/upstream-modern-bpf.sh"

cargo build -q --release -p falco
cargo build -q --release -p falco-scap --example syscall_loop
target="${CARGO_TARGET_DIR:-$here/target}"
falco="$target/release/falco"
loop="$target/release/examples/syscall_loop"
upstream=$(upstream_modern_bpf_build)
scap_open="$upstream/libs/build/libscap/examples/01-open/scap-open"
scap_drain=$(upstream_scap_drain "$upstream")
# libpman aborts when it cannot raise RLIMIT_MEMLOCK (root without
# CAP_SYS_RESOURCE here); the kit's shim turns only that EPERM into
# success, and is used only when the limit really cannot be raised.
preload=()
(ulimit -l unlimited) 2>/dev/null || preload=("LD_PRELOAD=$upstream/shim/memlock_shim.so")

mkdir -p "$out"
work=$(mktemp -d)
consumer="" # pid of the running falco, scap-open or scap_drain
stats_was=""
cleanup() {
  [ -z "$stats_was" ] || echo "$stats_was" > /proc/sys/kernel/bpf_stats_enabled
  [ -z "$consumer" ] || kill -INT "$consumer" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Ours reports its counters through Falco's `metrics` snapshots, one JSON
# line a second in a file: scap.n_evts (events delivered) and scap.n_drops
# (the kernel's drop counters, every cause), both since the probe opened,
# as scap-open's are.
falco_yaml() {
  printf '%s\n' 'log_stderr: true' 'log_syslog: false' 'stdout_output:' '  enabled: false' \
    'engine:' '  kind: modern_ebpf' 'metrics:' '  enabled: true' '  interval: 1s' \
    '  output_rule: false' "  output_file: $1" '  kernel_event_counters_enabled: true' \
    '  resource_utilization_enabled: false' '  state_counters_enabled: false' \
    '  rules_counters_enabled: false'
}

# wait_for WHAT SECONDS TEST...: polls TEST every 0.1 s while the consumer
# lives; a generous deadline, as loading a probe on a busy machine is slow.
wait_for() {
  local what=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs * 10; i++)); do
    "$@" && return 0
    kill -0 "$consumer" 2>/dev/null || { echo "bench-ebpf: consumer died waiting for $what (logs in $out)" >&2; exit 1; }
    sleep 0.1
  done
  echo "bench-ebpf: no $what after ${secs}s (logs in $out)" >&2
  exit 1
}
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
more_lines() { [ "$(lines "$1")" -gt "$2" ]; }

# settle: once a consumer said it is attached, SETTLE_SECS more before
# measuring, for both sides alike. Not a guess at readiness (that is
# waited for): scap-open prints "Live capture in progress" just before
# scap_start_capture, which attaches the programs, and our falco's first
# tenth of a second after its first snapshot still slows the loop's wall
# time (not its CPU time).
settle() { sleep "$settle_secs"; }

# start_ours TAG EXTRA...: falco on CPU 0. Attached once its first metrics
# snapshot is written: the event loop runs, so the probe is loaded and the
# /proc scan done.
start_ours() {
  local tag=$1
  shift
  falco_yaml "$work/metrics.$tag" > "$work/falco.yaml"
  rm -f "$work/metrics.$tag"
  taskset -c 0 "$falco" -c "$work/falco.yaml" -r rules/falco_rules.yaml -v "$@" \
    > "$out/falco.$tag.out" 2> "$out/falco.$tag.err" &
  consumer=$!
  wait_for "metrics snapshot from falco" 120 more_lines "$work/metrics.$tag" 0
  settle
}

# stop_ours TAG: waits for a snapshot taken after the workload ended (so it
# counts every drop of it), stops falco; sets evts and drops.
stop_ours() {
  local m="$work/metrics.$1" had
  had=$(lines "$m")
  wait_for "metrics snapshot from falco" 30 more_lines "$m" "$had"
  kill -INT "$consumer"
  wait "$consumer" || true
  consumer=""
  local last
  last=$(tail -1 "$m")
  evts=$(sed -n 's/.*"scap\.n_evts":\([0-9]*\).*/\1/p' <<<"$last")
  drops=$(sed -n 's/.*"scap\.n_drops":\([0-9]*\).*/\1/p' <<<"$last")
}

# start_upstream TAG [bare]: scap-open --modern_bpf (every syscall) on
# CPU 0, or with "bare" scap_drain (scripts/lib/scap_drain.c: the same
# engine setup, a consumer that only counts); line-buffered so that "Live
# capture in progress" is seen as it comes.
start_upstream() {
  local cmd=("$scap_open" --modern_bpf)
  [ "${2:-}" != bare ] || cmd=("$scap_drain")
  env "${preload[@]}" taskset -c 0 stdbuf -oL -eL "${cmd[@]}" > "$out/upstream.$1.log" 2>&1 &
  consumer=$!
  wait_for "'Live capture in progress' from ${cmd[0]##*/}" 120 grep -q 'Live capture in progress' "$out/upstream.$1.log"
  settle
}

# stop_upstream TAG: SIGINT makes scap-open (or scap_drain) print its
# stats; sets evts (the events it received: SCAP_SUCCESS) and drops (the
# kernel's n_drops, every cause), since capture started.
stop_upstream() {
  local log="$out/upstream.$1.log"
  kill -INT "$consumer"
  wait "$consumer" || true
  consumer=""
  evts=$(sed -n 's/^Number of .SCAP_SUCCESS.*: \([0-9]*\)$/\1/p; s/^events \([0-9]*\)$/\1/p' "$log")
  drops=$(sed -n 's/^\[1\] n_drops: \([0-9]*\)$/\1/p; s/^n_drops \([0-9]*\)$/\1/p' "$log")
}

# bpf_snap PID: "prog_id run_time_ns run_cnt" of each BPF program PID
# holds, from its fds' fdinfo (counted by the kernel while
# kernel.bpf_stats_enabled is 1). A tail call runs inside the program that
# made it: a dispatcher's time includes its fillers'.
bpf_snap() {
  local f
  for f in /proc/"$1"/fdinfo/*; do
    awk '/^prog_id:/ { id = $2 } /^run_time_ns:/ { t = $2 } /^run_cnt:/ { c = $2 }
      END { if (id != "") print id, t + 0, c + 0 }' "$f" 2>/dev/null || true
  done
}

# bpf_ns BEFORE AFTER N: "HOOKS NS": the programs that ran at least N
# times between the two snapshots (the syscall hooks the loop went
# through, not the scheduler or page-fault hooks of the whole machine),
# how many, and the sum of their mean run time per run: the time in BPF
# per syscall of the loop. Per run, not per loop iteration: the consumer's
# own syscalls on CPU 0 go through the same hooks.
bpf_ns() {
  awk -v n="$3" 'FILENAME == ARGV[1] { t[$1] = $2; c[$1] = $3; next }
    ($3 - c[$1]) >= n { k++; sum += ($2 - t[$1]) / ($3 - c[$1]) } END { printf "%d %.1f", k, sum }' "$1" "$2"
}

# config_run ROUND CONFIG: each loop on CPU 1 under CONFIG's consumer,
# attached afresh for each loop so that its drops are that loop's (upstream
# reports its counters only when it stops); rows "round config loop wall_ns
# cpu_ns events drops" into $out/loops.tsv (events: what the consumer had
# received when stopped, for information only; bpf_ns: the consumer's BPF
# programs' run time during the loop, per iteration).
config_run() {
  local round=$1 config=$2 k wall cpu tag
  for k in getpid read1 openclose; do
    tag="$config.$k.$round"
    evts="-" drops="-"
    case $config in
      ours_rules) start_ours "$tag" ;;
      ours_all) start_ours "$tag" -o base_syscalls.all=true ;;
      upstream) start_upstream "$tag" ;;
    esac
    : > "$work/bpf0"
    : > "$work/bpf1"
    [ "$round" != stats ] || bpf_snap "$consumer" > "$work/bpf0"
    read -r wall cpu <<<"$(taskset -c 1 "$loop" "$k" "$n")"
    [ "$round" != stats ] || bpf_snap "$consumer" > "$work/bpf1"
    case $config in
      ours_*) stop_ours "$tag" ;;
      upstream) stop_upstream "$tag" ;;
    esac
    if [ "$round" = stats ]; then
      printf '%s\t%s\t%s\n' "$config" "$k" "$(bpf_ns "$work/bpf0" "$work/bpf1" "$n")" >> "$out/bpf.tsv"
    else
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$config" "$k" "$wall" "$cpu" "${evts:-?}" "${drops:-?}" >> "$out/loops.tsv"
    fi
  done
}

# dd_flood CPU NICE FILE: copies /dev/zero to /dev/null a byte at a time
# for FLOOD_SECS, then writes "BYTES SECONDS" to FILE as dd itself measured
# them (on SIGINT dd prints its totals). --foreground: otherwise timeout
# sends the signal to dd and then again to its whole process group, and
# the second SIGINT kills dd before it has printed.
dd_flood() {
  timeout --foreground -s INT "$flood_secs" nice -n "$2" taskset -c "$1" dd if=/dev/zero of=/dev/null bs=1 2>&1 >/dev/null |
    sed -n 's/^\([0-9]*\) bytes .* copied, \([0-9.]*\) s,.*/\1 \2/p' > "$3" || true # timeout: 124
  [ -s "$3" ] || { echo "bench-ebpf: dd printed no totals" >&2; exit 1; }
}

# flood_run ROUND SIDE FLOODS: what one side carries while capturing every
# syscall, into $out/flood.tsv.
#
# Each byte dd copies is a read and a write, one event each (exit events
# only, in both probes): dd's own count and time give the events offered
# exactly, unlike a consumer's count, which includes the rest of the
# machine. The kernel's drop counters say how many of them were lost, so
# events delivered/s = (offered - drops) / seconds; the consumer's own
# count, taken after a 1 s drain, is kept beside it as a check (it must
# not be below offered - drops).
#  - 1 flood: one dd on CPU 1, the consumer alone on CPU 0. The rate is
#    what a thread flat out on one CPU makes under this probe (the probe's
#    cost in the syscall path slows it: a cheaper probe offers more); with
#    0 drops, the side carries at least that.
#  - 2 floods: plus a second dd on CPU 0 at nice 19, which runs only in
#    the time the consumer (nice 0) leaves idle, so the offered rate climbs
#    until the consumer has no time to spare: with drops, the delivered
#    rate is about the most this side's consumer can take on one CPU; with
#    0 drops, the machine could not offer more than it took.
# Sides: ours is the whole falco (state, our default rules, outputs);
# upstream is scap-open, libscap without libsinsp or rules, whose own
# per-event statistics are most of its CPU (see scripts/lib/scap_drain.c),
# so its drops here are its bookkeeping's; upstream_bare is scap_drain,
# libscap with a consumer that only counts: the capacity of upstream's
# probe and ring reader, the fairest reference for a drop-free rate.
flood_run() {
  local round=$1 side=$2 floods=$3 tag="flood$3.$2.$1" b1 s1 b2=0 s2=0 second=""
  case $side in
    ours) start_ours "$tag" -o base_syscalls.all=true ;;
    upstream) start_upstream "$tag" ;;
    upstream_bare) start_upstream "$tag" bare ;;
  esac
  if [ "$floods" = 2 ]; then
    dd_flood 0 19 "$work/dd2" &
    second=$!
  fi
  dd_flood 1 0 "$work/dd1"
  read -r b1 s1 < "$work/dd1"
  if [ -n "$second" ]; then
    wait "$second"
    read -r b2 s2 < "$work/dd2"
  fi
  sleep 1 # drain: the consumer's count is only a check, see above
  if [ "$side" = ours ]; then stop_ours "$tag"; else stop_upstream "$tag"; fi
  # events offered = 2 calls per byte; seconds = the longer dd's
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$side" "$floods" \
    "$(awk -v a="$s1" -v b="$s2" 'BEGIN { print (a > b ? a : b) }')" $((2 * (b1 + b2))) "${evts:-?}" "${drops:-?}" \
    $((2 * b1)) $((2 * b2)) >> "$out/flood.tsv"
}

printf 'round\tconfig\tloop\twall_ns\tcpu_ns\tevents\tdrops\n' > "$out/loops.tsv"
printf 'config\tloop\thooks ns\n' > "$out/bpf.tsv"
printf 'round\tside\tfloods\tsecs\toffered\tdelivered\tdrops\toffered_cpu1\toffered_cpu0\n' > "$out/flood.tsv"
{
  echo "kernel $(uname -r), $(nproc) CPUs; N=$n ROUNDS=$rounds FLOOD_SECS=$flood_secs; loop on CPU 1, consumer on CPU 0"
  echo "ours: $falco ($(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$here" diff --quiet HEAD 2>/dev/null || echo +changes))"
  echo "upstream: $scap_open --modern_bpf, and $scap_drain${preload:+ (${preload[*]})}"
} | tee "$out/meta.txt"
for ((r = 1; r <= rounds; r++)); do
  # odd rounds ours first, even rounds upstream first
  if ((r % 2)); then
    order=(ours_rules ours_all upstream) sides=(ours upstream upstream_bare)
  else
    order=(upstream ours_all ours_rules) sides=(upstream_bare upstream ours)
  fi
  echo "round $r/$rounds: loops (none ${order[*]}), floods (${sides[*]})" >&2
  config_run "$r" none
  for c in "${order[@]}"; do config_run "$r" "$c"; done
  for f in 1 2; do for s in "${sides[@]}"; do flood_run "$r" "$s" "$f"; done; done
done
# Where the time goes: one more pass with the kernel counting each BPF
# program's run time (kernel.bpf_stats_enabled: two clock reads per
# program run, so never during the timed rounds above).
echo "stats pass: BPF run time per hook" >&2
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
echo 1 > /proc/sys/kernel/bpf_stats_enabled
for c in ours_rules ours_all upstream; do config_run stats "$c"; done
echo "$stats_was" > /proc/sys/kernel/bpf_stats_enabled
stats_was=""

# The tables: medians over rounds. Added = CONFIG minus no probe of the
# same round; ours/upstream = the median of each round's ratio of added
# costs. Drops: summed over rounds.
awk -F'\t' -v rounds="$rounds" -v n="$n" -v fsecs="$flood_secs" '
function med(s,   a, k, i, j, t) {
  k = split(s, a, " ")
  for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return k == 0 ? "nan" : (k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2)
}
function f(x, d) { return x == "nan" ? "-" : sprintf("%." d "f", x) }
function fa(x) { return x == "nan" ? "-" : sprintf("%+.1f", x) }
# table(m): the per-call table for metric m ("cpu" or "wall").
# With drops, a last column of the drops (the same runs for both metrics).
function table(m, with_drops,   i, l, r, b, ar, ao, au, ratio, o, u, d) {
  printf "| call | no probe | ours, default rules: added | ours, all syscalls: added | upstream, all syscalls: added | ours/upstream, all syscalls |%s\n", with_drops ? " drops: ours rules, ours all / upstream |" : ""
  printf "| --- | ---: | ---: | ---: | ---: | ---: |%s\n", with_drops ? " ---: |" : ""
  for (i = 1; i <= 3; i++) {
    l = loops[i]; b = ar = ao = au = ratio = ""
    for (r = 1; r <= rounds; r++) {
      b = b " " v[m, r, "none", l]
      ar = ar " " (v[m, r, "ours_rules", l] - v[m, r, "none", l])
      o = v[m, r, "ours_all", l] - v[m, r, "none", l]; u = v[m, r, "upstream", l] - v[m, r, "none", l]
      ao = ao " " o; au = au " " u
      if (u > 0) ratio = ratio " " o / u
    }
    d = with_drops ? sprintf(" %d, %d / %d |", drops["ours_rules", l], drops["ours_all", l], drops["upstream", l]) : ""
    printf "| %s | %s | %s | %s | %s | %sx |%s\n", name[l], f(med(b), 1), fa(med(ar)), fa(med(ao)), fa(med(au)), f(med(ratio), 2), d
  }
}
FNR == 1 { file++; next }
file == 1 { v["wall", $1, $2, $3] = $4; v["cpu", $1, $2, $3] = $5; if ($7 != "-") drops[$2, $3] += $7 }
file == 3 { split($3, hb, " "); hooks[$1, $2] = hb[1]; bpf[$1, $2] = hb[2] }
file == 2 { fl[$2, $3] = fl[$2, $3] " " ($5 / $4 / 1e6); dv[$2, $3] = dv[$2, $3] " " (($5 - $7) / $4 / 1e6); fdrops[$2, $3] += $7
  if ($6 + 0 < $5 - $7) short = short "\n  round " $1 ", " $2 ", " $3 " flood(s): counted " $6 " < offered - drops = " $5 - $7 }
END {
  split("getpid read1 openclose", loops, " ")
  split("ours_rules ours_all upstream", cfgs, " ")
  name["getpid"] = "getpid"; name["read1"] = "1-byte read of /dev/zero"; name["openclose"] = "open + close of /etc/hostname"
  print "Per call, thread CPU time of the loop (ns; median of " rounds " rounds of N=" n "; added = with the probe minus no probe, same round):"
  print ""
  table("cpu", 1)
  print ""
  print "Upstream here is scap-open, whose own per-event statistics take most of its CPU: its drops are theirs (the capture-rate table has libscap alone too)."
  print ""
  print ""
  print "Time inside the probes'"'"' BPF programs per syscall of the loop (a pass of its own with kernel.bpf_stats_enabled; ns per run of each syscall hook the loop went through, summed over those hooks; tail-called fillers included; the stats'"'"' own two clock reads per run included):"
  print ""
  print "| call | ours, default rules: hooks, ns | ours, all syscalls: hooks, ns | upstream, all syscalls: hooks, ns | ours/upstream, all syscalls |"
  print "| --- | ---: | ---: | ---: | ---: |"
  for (i = 1; i <= 3; i++) {
    l = loops[i]
    printf "| %s |", name[l]
    for (c = 1; c <= 3; c++) printf " %s, %s |", hooks[cfgs[c], l] + 0, f(bpf[cfgs[c], l], 1)
    printf " %sx |\n", (bpf["upstream", l] > 0 ? f(bpf["ours_all", l] / bpf["upstream", l], 2) : "-")
  }
  print ""
  print "Wall clock, same runs:"
  print ""
  table("wall", 0)
  print ""
  print "Capture rate, every syscall captured: byte-at-a-time dd for " fsecs " s (a read and a write per byte, one event each); delivered = offered - drops; median of " rounds " rounds:"
  print ""
  print "| floods | side | offered, M events/s | delivered, M events/s | drops (all rounds) |"
  print "| --- | --- | ---: | ---: | ---: |"
  split("ours upstream upstream_bare", sides, " ")
  label["ours"] = "ours (falco)"; label["upstream"] = "upstream (scap-open)"; label["upstream_bare"] = "upstream (libscap, counting only)"
  for (k = 1; k <= 2; k++) for (s = 1; s <= 3; s++) {
    side = sides[s]
    printf "| %s | %s | %s | %s | %d |\n", k == 1 ? "1 (CPU 1)" : "2 (CPU 1; CPU 0 at nice 19)", label[side], f(med(fl[side, k]), 2), f(med(dv[side, k]), 2), fdrops[side, k]
  }
  if (short != "") print "\nWARNING: a consumer received fewer events than dd made minus the drops counted (events lost uncounted):" short
}' "$out/loops.tsv" "$out/flood.tsv" "$out/bpf.tsv" | tee "$out/summary.md"
echo "raw results and logs: $out"
