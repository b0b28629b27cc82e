#!/usr/bin/env bash
# The whole falco binary (replay, all three upstream rules files, alerts to
# a file) over vm_bench_3m, beside sysdig 0.29.3's one-filter pass over the
# same file, in the same run: best-of-N wall time, peak RSS, and the ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ref="$here/../shared/reference"
cache="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}"
file="$cache/vm_bench_3m.scap"
runs="${RUNS:-3}"

[ -d "$ref/rules" ] || { echo "bench: $ref/rules not found" >&2; exit 1; }
{ command -v sysdig && [ -x /usr/bin/time ]; } >/dev/null || "$here/scripts/setup.sh"
mkdir -p "$cache"
[ -f "$file" ] || gunzip -c "$ref/scap/vm_bench_3m.scap.gz" > "$file"
cat "$file" > /dev/null

cd "$here"
cargo build -q --release -p falco
falco="$here/target/release/falco"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'log_stderr: false\nlog_syslog: false\nstdout_output:\n  enabled: false\nfile_output:\n  enabled: true\n  keep_alive: true\n  filename: %s/alerts.txt\n' "$work" > "$work/falco.yaml"

# best_of CMD...: the best wall time and that run's peak RSS (KiB).
best_of() {
  local best="" rss=""
  for _ in $(seq "$runs"); do
    rm -f "$work/alerts.txt"
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r t m < "$work/time"
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; rss=$m; fi
  done
  echo "$best $rss"
}

read -r ft fm < <(best_of "$falco" -c "$work/falco.yaml" \
  -r "$ref/rules/falco_rules.yaml" -r "$ref/rules/falco-incubating_rules.yaml" \
  -r "$ref/rules/falco-sandbox_rules.yaml" \
  -o engine.kind=replay -o engine.replay.capture_file="$file")
alerts=$(wc -l < "$work/alerts.txt")
read -r st sm < <(best_of sysdig -r "$file" 'evt.num > 3373000')
printf "%-44s %7.2f s  %7d KiB peak RSS\n" "falco-rs falco, 3 upstream rules files" "$ft" "$fm"
printf "%-44s %7.2f s  %7d KiB peak RSS\n" "sysdig 0.29.3, one filter" "$st" "$sm"
printf "alerts written (last run): %s\n" "$alerts"
printf "ratio sysdig time / falco-rs time: %.2fx\n" "$(echo "$st / $ft" | bc -l)"
