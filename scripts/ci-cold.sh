#!/usr/bin/env bash
# The cold path, as CI meets it on a new machine: a fresh clone of this
# checkout's HEAD (or of REV, the first argument) beside ../shared, an
# empty cache directory (FALCO_RS_CACHE: no test kernel, no bindgen), a
# fresh cargo target directory, and `bash .ci/run` as CI runs it (CI=true,
# no standard input). Prints the wall time and the disk the run used, and
# exits with the run's status. The clone and the cache are removed after a
# passing run (KEEP=1 keeps them) and kept after a failing one.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rev=$(git -C "$here" rev-parse "${1:-HEAD}")
parent=$(dirname "$here")
[ -d "$parent/shared" ] || echo "ci-cold: no ../shared beside $here: its reference tests will skip" >&2
clone=$(mktemp -d "$parent/cold-XXXXXX")
cache=$(mktemp -d /tmp/falco-rs-cache-XXXXXX)
log="$clone.log"
git clone -q "$here" "$clone"
git -C "$clone" checkout -q "$rev"
echo "ci-cold: $rev in $clone, cache $cache, log $log" >&2
start=$(date +%s)
status=0
(cd "$clone" && CI=true FALCO_RS_CACHE="$cache" bash .ci/run </dev/null) >"$log" 2>&1 || status=$?
secs=$(( $(date +%s) - start ))
disk_cache=$(du -sh "$cache" | cut -f1)
disk_target=$(du -sh "$clone/target" 2>/dev/null | cut -f1 || echo 0)
tail -n 30 "$log"
echo "ci-cold: exit $status after $((secs / 60)) min $((secs % 60)) s; disk: cache $disk_cache, target $disk_target"
if [ "$status" = 0 ] && [ -z "${KEEP:-}" ]; then
  rm -rf "$clone" "$cache"
fi
exit "$status"
