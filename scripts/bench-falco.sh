#!/usr/bin/env bash
# The whole falco binary (replay, all three upstream rules files, alerts to
# a file) over vm_bench_3m, beside sysdig 0.29.3's one-filter pass over the
# same file, in the same run: best-of-N wall time, that run's CPU time (our
# replay reads the capture on a second thread) and peak RSS, and the ratios.
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

# best_of CMD...: the best wall time, that run's CPU time (user + system,
# all threads) and peak RSS (KiB).
best_of() {
  local best="" cpu="" rss=""
  for _ in $(seq "$runs"); do
    rm -f "$work/alerts.txt"
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" > /dev/null 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r t u s m < "$work/time"
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then
      best=$t; cpu=$(echo "$u + $s" | bc -l); rss=$m
    fi
  done
  echo "$best $cpu $rss"
}

read -r ft fc fm < <(best_of "$falco" -c "$work/falco.yaml" \
  -r "$ref/rules/falco_rules.yaml" -r "$ref/rules/falco-incubating_rules.yaml" \
  -r "$ref/rules/falco-sandbox_rules.yaml" \
  -o engine.kind=replay -o engine.replay.capture_file="$file")
alerts=$(wc -l < "$work/alerts.txt")
read -r st sc sm < <(best_of sysdig -r "$file" 'evt.num > 3373000')
printf "%-44s %7.2f s wall  %5.2f s CPU  %7d KiB peak RSS\n" "falco-rs falco, 3 upstream rules files" "$ft" "$fc" "$fm"
printf "%-44s %7.2f s wall  %5.2f s CPU  %7d KiB peak RSS\n" "sysdig 0.29.3, one filter" "$st" "$sc" "$sm"
printf "alerts written (last run): %s\n" "$alerts"
printf "ratio sysdig time / falco-rs time: %.2fx wall, %.2fx CPU\n" \
  "$(echo "$st / $ft" | bc -l)" "$(echo "$sc / $fc" | bc -l)"
