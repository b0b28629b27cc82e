#!/usr/bin/env bash
# Builds the falco-rs OCI image from packaging/container/Containerfile and
# prints its name (localhost/falco-rs:<version>; IMAGE overrides it).
#
# The binary is scripts/build-static.sh's (static, so that the image can
# be FROM scratch), stripped; the build context is staged in a temporary
# directory holding only what the image gets.
#
# BUILDER=docker builds with docker instead of podman.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' cli/Cargo.toml | head -1)
image=${IMAGE:-localhost/falco-rs:$version}
builder=${BUILDER:-podman}
command -v "$builder" >/dev/null || { echo "build-image: $builder not found (scripts/setup.sh installs podman and docker.io)" >&2; exit 1; }

bin=$(scripts/build-static.sh)

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
