#!/usr/bin/env bash
# Rule evaluation with the three upstream rules files over vm_bench_3m,
# against the same replay with no rules, beside sysdig 0.29.3's one-filter
# pass over the same file, in the same run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ref="$here/../shared/reference"
cache="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}"
file="$cache/vm_bench_3m.scap"
runs="${RUNS:-3}"

[ -d "$ref/rules" ] || { echo "bench: $ref/rules not found" >&2; exit 1; }
command -v sysdig >/dev/null || "$here/scripts/setup.sh"
mkdir -p "$cache"
[ -f "$file" ] || gunzip -c "$ref/scap/vm_bench_3m.scap.gz" > "$file"
cat "$file" > /dev/null

cd "$here"
cargo bench -q -p falco-engine --bench rules -- "$file" "$(cd "$ref/rules" && pwd)" "$runs" | tee /tmp/falco-rs-bench-rules.txt
best=""
for _ in $(seq "$runs"); do
  t0=$(date +%s.%N); sysdig -r "$file" 'evt.num > 3373000' > /dev/null; t1=$(date +%s.%N)
  t=$(echo "$t1 - $t0" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
printf "%-28s %9s events  %7.3f s\n" "sysdig 0.29.3 (one filter)" 3373081 "$best"
while IFS= read -r line; do
  what=$(echo "$line" | sed -E 's/ +[0-9]+ events.*//')
  t=$(echo "$line" | awk '{for (i = 1; i <= NF; i++) if ($i == "s") print $(i-1)}')
  printf "ratio sysdig / %-26s %5.2fx\n" "$what:" "$(echo "$best / $t" | bc -l)"
done < /tmp/falco-rs-bench-rules.txt
