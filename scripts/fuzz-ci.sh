#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for FUZZ_SECONDS each (default 10) on a
# temporary copy of its committed seed corpus (fuzz/seeds/<target>/), one
# after the other, and fails if any of them crashed, hung or ran out of
# memory. Prints one line per target: executions, exec/s, coverage edges,
# features, corpus size, peak RSS (libFuzzer's final stats).
#
#   scripts/fuzz-ci.sh                  every target, FUZZ_SECONDS each
#   scripts/fuzz-ci.sh decode_capture   only these targets
#   FUZZ_SECONDS=60 scripts/fuzz-ci.sh  longer (`make fuzz-all`)
#   scripts/fuzz-ci.sh --install        only install the pinned cargo-fuzz
#
# The build is `cargo fuzz build -s none -O` (stable rustc: no sanitizers;
# overflow checks on, fuzz/Cargo.toml) into $CARGO_TARGET_DIR (default the
# workspace's target/). A crashing input is kept in fuzz/artifacts/<target>/
# (not committed) and its path printed; reproduce it with
#   <target-dir>/<triple>/release/<target> fuzz/artifacts/<target>/crash-...
# then, with the fix, add it to fuzz/seeds/<target>/ as regress-<what>.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/cargo-fuzz.sh
source "$here/scripts/lib/cargo-fuzz.sh"

cargo_fuzz=$(cargo_fuzz_bin)
[ "${1:-}" = --install ] && { echo "$cargo_fuzz"; exit 0; }

seconds=${FUZZ_SECONDS:-10}
target_dir=${CARGO_TARGET_DIR:-$here/target}
triple=$(rustc -vV | sed -n 's/^host: //p')
bin_dir="$target_dir/$triple/release"

cd "$here/fuzz"
mapfile -t all < <("$cargo_fuzz" fuzz list)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

t0=$(date +%s)
"$cargo_fuzz" fuzz build -s none -O --target-dir "$target_dir" >&2
echo "fuzz: built ${#all[@]} targets in $(($(date +%s) - t0)) s; ${seconds} s each" >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
printf "%-20s %10s %9s %7s %7s %6s %7s\n" target execs exec/s edges ft corpus rss_mb
for t in "${targets[@]}"; do
  seeds="$here/fuzz/seeds/$t"
  [ -d "$seeds" ] || { echo "fuzz: no seed directory $seeds" >&2; failed+=("$t"); continue; }
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  cp -r "$seeds/." "$work/$t/corpus/"
  # -timeout: one input running this long is a hang (a bug); -rss_limit_mb:
  # libFuzzer's default, said out loud.
  if ! "$bin_dir/$t" "$work/$t/corpus" -max_total_time="$seconds" -print_final_stats=1 \
      -timeout=25 -rss_limit_mb=2048 -artifact_prefix="$work/$t/artifacts/" \
      >"$work/$t/log" 2>&1; then
    failed+=("$t")
    mkdir -p "$here/fuzz/artifacts/$t"
    cp "$work/$t/artifacts/"* "$here/fuzz/artifacts/$t/" 2>/dev/null || true
    echo "fuzz: $t FAILED; its log:" >&2
    grep -v '^#[0-9]' "$work/$t/log" | tail -40 >&2
    echo "fuzz: inputs kept in fuzz/artifacts/$t/: $(ls "$here/fuzz/artifacts/$t" 2>/dev/null | tr '\n' ' ')" >&2
  fi
  # The last status line (DONE, or the last pulse before a crash) and the
  # final stats.
  last=$(grep -E '^#[0-9]+' "$work/$t/log" | tail -1 || true)
  stat() { sed -n "s/^stat::$1: *//p" "$work/$t/log" | tail -1; }
  field() { sed -n "s/.* $1: \([0-9]*\).*/\1/p" <<<"$last"; }
  printf "%-20s %10s %9s %7s %7s %6s %7s\n" "$t" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "$(field cov)" "$(field ft)" "$(field corp | cut -d/ -f1)" \
    "$(stat peak_rss_mb)"
done
echo "fuzz: build and runs took $(($(date +%s) - t0)) s"
echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ] || { echo "fuzz: failed: ${failed[*]}" >&2; exit 1; }
