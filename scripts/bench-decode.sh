#!/usr/bin/env bash
# Decode throughput of falco-scap on vm_bench_3m (3.37 M events, 248 MB
# unpacked) beside sysdig 0.29.3's full parse + one filter over the same
# file, in the same run. Prints both and the ratio.
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
cat "$file" > /dev/null   # page cache warm for both sides

cd "$here"
cargo bench -q -p falco-scap --bench decode -- "$file" "$runs" | tee /tmp/falco-rs-bench-decode.txt

best=""
for _ in $(seq "$runs"); do
  t0=$(date +%s.%N)
  sysdig -r "$file" 'evt.num > 3373000' > /dev/null
  t1=$(date +%s.%N)
  t=$(echo "$t1 - $t0" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
printf "%-28s %9s events  %7.3f s  %7.2f M events/s\n" "sysdig 0.29.3 (one filter)" 3373081 "$best" "$(echo "3.373081 / $best" | bc -l)"
# Ratios: sysdig's time over ours (above 1 means we are faster).
while IFS= read -r line; do
  what=$(echo "$line" | sed -E 's/ +[0-9]+ events.*//')
  t=$(echo "$line" | awk '{for (i = 1; i <= NF; i++) if ($i == "s") print $(i-1)}')
  printf "ratio sysdig / %-26s %5.1fx\n" "$what:" "$(echo "$best / $t" | bc -l)"
done < /tmp/falco-rs-bench-decode.txt
