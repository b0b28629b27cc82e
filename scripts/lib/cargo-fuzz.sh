# Sourced by scripts/setup.sh and scripts/fuzz-ci.sh: cargo_fuzz_bin prints
# the path of the pinned cargo-fuzz, built once into the cache
# ($FALCO_RS_CACHE, default ~/.cache/falco-rs) from the crates registry
# with its lock file. 0.13.2 is the newest release and builds with rustc
# 1.95; the fuzz targets run on stable with `-s none` (no sanitizers, which
# need nightly). cargo install puts the binary in place only when it built.
cargo_fuzz_version=0.13.2

cargo_fuzz_bin() {
  local root="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}/cargo-fuzz-$cargo_fuzz_version"
  if [ ! -x "$root/bin/cargo-fuzz" ]; then
    echo "cargo-fuzz: building $cargo_fuzz_version into $root" >&2
    cargo install -q --locked --root "$root" "cargo-fuzz@$cargo_fuzz_version" >&2 ||
      { echo "cargo install cargo-fuzz@$cargo_fuzz_version failed" >&2; return 1; }
  fi
  echo "$root/bin/cargo-fuzz"
}
