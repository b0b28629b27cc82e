#!/usr/bin/env bash
# Builds the falco binary linked statically and prints its path: the one
# binary both the OCI image (scripts/build-image.sh) and the .deb
# (packaging/deb/build.sh) ship, built once per change.
#
# glibc's static libc (-C target-feature=+crt-static): the pinned toolchain
# carries no musl target and none can be fetched here. falco-rs resolves no
# users through NSS (it reads $HOST_ROOT/etc itself), and host names go
# through glibc's built-in files and DNS backends, so nothing needs glibc's
# shared NSS modules at run time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
target=x86_64-unknown-linux-gnu
echo "build-static: building falco ($target, +crt-static)" >&2
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release -q -p falco --target "$target"
bin="$here/target/$target/release/falco"
if ! file -b "$bin" | grep -q 'static'; then
  echo "build-static: $bin is not statically linked: $(file -b "$bin")" >&2
  exit 1
fi
echo "$bin"
