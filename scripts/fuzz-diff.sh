#!/usr/bin/env bash
# Differential fuzzing of the capture reader against sysdig 0.29: a few
# hundred mutants of the reference captures read by both (scapcat --raw and
# sinspcat beside sysdig -r / -p), disagreements listed by mutation kind
# (scripts/fuzz-diff.py says what is compared). Results and the variants
# that disagree go to $OUT (default target/fuzz-diff/); docs/FUZZING.md
# explains the findings. Not part of `make test` (about a minute).
#
#   scripts/fuzz-diff.sh [VARIANTS [SEED]]      default 300 variants, seed 22
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
command -v sysdig >/dev/null || "$here/scripts/setup.sh"
target_dir=${CARGO_TARGET_DIR:-$here/target}
out=${OUT:-$target_dir/fuzz-diff}
cd "$here"
cargo build --release -q -p falco-scap --bin scapcat -p falco-sinsp --bin sinspcat
rm -rf "$out"
python3 scripts/fuzz-diff.py --scapcat "$target_dir/release/scapcat" \
  --sinspcat "$target_dir/release/sinspcat" --out "$out" \
  --variants "${1:-300}" --seed "${2:-22}"
