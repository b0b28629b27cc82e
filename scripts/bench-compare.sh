#!/usr/bin/env bash
# Two falco builds side by side: both replay vm_bench_3m with the three
# upstream rules files, alternately, RUNS times each (runs on these
# machines vary ~5 % between rounds: compare in one run, never across).
# Prints each build's best wall time with that run's CPU time and peak RSS,
# the ratio, and whether both wrote byte-identical JSON alerts.
#
#   scripts/bench-compare.sh OLD_FALCO NEW_FALCO [RUNS]
#
# OLD_RULES / NEW_RULES (space-separated rules files) replace the upstream
# files for that build, e.g. each commit's own rules/falco_rules.yaml; when
# the two differ the alerts are counted per rule, not byte-compared.
#
# e.g. the previous commit against the working tree:
#   git worktree add /tmp/prev HEAD~1 && (cd /tmp/prev && CARGO_TARGET_DIR=/tmp/prev-target \
#     cargo build --release -p falco) && cargo build --release -p falco && \
#   scripts/bench-compare.sh /tmp/prev-target/release/falco target/release/falco
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ref="$here/../shared/reference"
cache="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}"
file="$cache/vm_bench_3m.scap"
[ $# -ge 2 ] || { echo "usage: $0 OLD_FALCO NEW_FALCO [RUNS]" >&2; exit 2; }
old=$1 new=$2 runs=${3:-5}
[ -d "$ref/rules" ] || { echo "bench: $ref/rules not found" >&2; exit 1; }
[ -x /usr/bin/time ] || "$here/scripts/setup.sh"
mkdir -p "$cache"
[ -f "$file" ] || gunzip -c "$ref/scap/vm_bench_3m.scap.gz" > "$file"
cat "$file" > /dev/null
upstream="$ref/rules/falco_rules.yaml $ref/rules/falco-incubating_rules.yaml $ref/rules/falco-sandbox_rules.yaml"
old_rules=${OLD_RULES:-$upstream} new_rules=${NEW_RULES:-$upstream}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# one BIN OUT RULES: one replay, JSON alerts to OUT; prints "wall cpu rss".
one() {
  local r rules=()
  for r in $3; do rules+=(-r "$r"); done
  printf 'log_stderr: false\nlog_syslog: false\njson_output: true\njson_include_uuid_property: false\nstdout_output:\n  enabled: false\nfile_output:\n  enabled: true\n  keep_alive: true\n  filename: %s\n' "$2" > "$work/falco.yaml"
  rm -f "$2"
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$1" -c "$work/falco.yaml" "${rules[@]}" \
    -o engine.kind=replay -o engine.replay.capture_file="$file" > /dev/null 2> "$work/err" \
    || { cat "$work/err" >&2; exit 1; }
  read -r t u s m < "$work/time"
  echo "$t $(echo "$u + $s" | bc -l) $m"
}

for _ in $(seq "$runs"); do
  echo "old $(one "$old" "$work/old.json" "$old_rules")"
  echo "new $(one "$new" "$work/new.json" "$new_rules")"
done > "$work/runs"
awk '{ if (!($1 in w) || $2 < w[$1]) { w[$1] = $2; c[$1] = $3; m[$1] = $4 } }
  END {
    printf "%-4s %7.2f s wall  %5.2f s CPU  %7d KiB peak RSS\n", "old", w["old"], c["old"], m["old"]
    printf "%-4s %7.2f s wall  %5.2f s CPU  %7d KiB peak RSS\n", "new", w["new"], c["new"], m["new"]
    printf "ratio old / new: %.2fx wall, %.2fx CPU\n", w["old"] / w["new"], c["old"] / c["new"]
  }' "$work/runs"
if [ "$old_rules" != "$new_rules" ]; then
  for b in old new; do
    echo "alerts $b: $(wc -l < "$work/$b.json"):" \
      "$(grep -o '"rule":"[^"]*"' "$work/$b.json" | sort | uniq -c | sort -rn | head -5 | awk '{$1=$1};1' | paste -sd';')"
  done
elif cmp -s "$work/old.json" "$work/new.json"; then
  echo "alerts: identical ($(wc -l < "$work/new.json"))"
else
  echo "alerts: DIFFER"; diff "$work/old.json" "$work/new.json" | head -5; exit 1
fi
