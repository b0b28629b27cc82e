#!/usr/bin/env bash
# Builds the falco-rs OCI image from packaging/container/Containerfile and
# prints its name (localhost/falco-rs:<version>; IMAGE overrides it).
#
# The binary is linked statically so that the image can be FROM scratch:
# glibc's static libc (-C target-feature=+crt-static), since the pinned
# toolchain carries no musl target and none can be fetched here. falco-rs
# resolves no users or host names through NSS (it reads $HOST_ROOT/etc
# itself), so nothing needs glibc's shared NSS modules at run time. The
# binary is stripped; the build context is staged in a temporary directory
# holding only what the image gets.
#
# BUILDER=docker builds with docker instead of podman.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' cli/Cargo.toml | head -1)
image=${IMAGE:-localhost/falco-rs:$version}
builder=${BUILDER:-podman}
target=x86_64-unknown-linux-gnu
command -v "$builder" >/dev/null || { echo "build-image: $builder not found (scripts/setup.sh installs podman and docker.io)" >&2; exit 1; }

echo "build-image: building the static falco ($target, +crt-static)" >&2
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release -q -p falco --target "$target"
bin="target/$target/release/falco"
if ! file -b "$bin" | grep -q 'static'; then
  echo "build-image: $bin is not statically linked: $(file -b "$bin")" >&2
  exit 1
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
strip -o "$ctx/falco" "$bin"
mkdir -p "$ctx/etc/falco/rules.d" "$ctx/etc/falco/config.d"
cp cli/falco.yaml rules/falco_rules.yaml rules/falco_rules.local.yaml "$ctx/etc/falco/"

flags=()
[ "$builder" = podman ] && flags=(--cgroup-manager cgroupfs)
echo "build-image: $builder build -t $image" >&2
"$builder" "${flags[@]}" build -q --build-arg "VERSION=$version" -t "$image" \
  -f packaging/container/Containerfile "$ctx" >&2
echo "$image"
