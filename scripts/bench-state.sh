#!/usr/bin/env bash
# State tracking + extraction of 10 common fields per event over
# vm_bench_3m, beside sysdig 0.29.3's parse + state + one filter over the
# same file, in the same run. Prints both, the ratio and peak memory.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ref="$here/../shared/reference/scap/vm_bench_3m.scap.gz"
cache="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}"
file="$cache/vm_bench_3m.scap"
runs="${RUNS:-3}"

[ -f "$ref" ] || { echo "bench: $ref not found" >&2; exit 1; }
command -v sysdig >/dev/null || "$here/scripts/setup.sh"
mkdir -p "$cache"
[ -f "$file" ] || gunzip -c "$ref" > "$file"
cat "$file" > /dev/null

cd "$here"
cargo bench -q -p falco-sinsp --bench state --no-run 2>/dev/null
bin=$(ls -t target/release/deps/state-* | grep -v '\.d$' | head -1)
"$bin" "$file" "$runs" | tee /tmp/falco-rs-bench-state.txt
rss_ours=$(/usr/bin/time -f %M "$bin" "$file" 1 2>&1 >/dev/null | tail -1)

best=""
for _ in $(seq "$runs"); do
  t0=$(date +%s.%N); sysdig -r "$file" 'evt.num > 3373000' > /dev/null; t1=$(date +%s.%N)
  t=$(echo "$t1 - $t0" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
rss_sysdig=$(/usr/bin/time -f %M sysdig -r "$file" 'evt.num > 3373000' 2>&1 >/dev/null | tail -1)
printf "%-28s %9s events  %7.3f s  %7.2f M events/s\n" "sysdig 0.29.3 (one filter)" 3373081 "$best" "$(echo "3.373081 / $best" | bc -l)"
while IFS= read -r line; do
  what=$(echo "$line" | sed -E 's/ +[0-9]+ events.*//')
  t=$(echo "$line" | awk '{for (i = 1; i <= NF; i++) if ($i == "s") print $(i-1)}')
  printf "ratio sysdig / %-26s %5.2fx\n" "$what:" "$(echo "$best / $t" | bc -l)"
done < /tmp/falco-rs-bench-state.txt
echo "peak RSS: ours ${rss_ours} KB (one pass with fields), sysdig ${rss_sysdig} KB"
