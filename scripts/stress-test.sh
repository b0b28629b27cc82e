#!/usr/bin/env bash
# The workspace test suite under load: `stress-ng --cpu N` (default: one
# worker per core) keeps every core busy while `cargo test --workspace`
# runs RUNS times (default 3). Tests must wait on conditions, not race the
# clock; this is how that is checked. Prints each run's result and exits
# non-zero when any run failed. As root, so that the live tests run too.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/apt.sh
source "$here/scripts/lib/apt.sh"
"$here/scripts/setup.sh"
apt_install stress-ng
runs=${RUNS:-3}
cd "$here"
cargo test --workspace --no-run -q 2>/dev/null
stress-ng --cpu "${STRESS_CPUS:-$(nproc)}" --quiet &
stress=$!
trap 'kill $stress 2>/dev/null || true; wait $stress 2>/dev/null || true' EXIT
failed=0
for i in $(seq 1 "$runs"); do
  log=$(mktemp /tmp/falco-rs-stress-XXXXXX.log)
  if cargo test --workspace >"$log" 2>&1; then
    echo "stress-test: run $i passed ($(grep -c '^test .* ok$' "$log") tests ok; log $log)"
  else
    failed=$((failed + 1))
    echo "stress-test: run $i FAILED (log $log):"
    grep -E '^test .* FAILED$|panicked' "$log" | head -20
  fi
done
echo "stress-test: $((runs - failed)) passed, $failed failed"
[ "$failed" = 0 ]
