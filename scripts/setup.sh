#!/usr/bin/env bash
# Installs what the build, the tests and the benchmarks need on a fresh
# Debian machine of this kind. Idempotent: installs only what is missing,
# and waits for the dpkg lock rather than failing (scripts/lib/apt.sh).
#
#   sysdig  the test oracle (reads .scap files, same filter language); not
#           a runtime dependency of falco-rs
#   bc      arithmetic in the benchmark scripts
#   time    /usr/bin/time for peak memory in the benchmark scripts
#   clang-14, libbpf-dev
#           build the eBPF probe (driver/bpf/) that falco-scap embeds;
#           libbpf-dev gives bpf_helpers.h and friends. clang-14 is the
#           pinned compiler (libscap-rs/build.rs tries it first); $CLANG
#           overrides it
#   perl, python3
#           the live eBPF tests' workloads (Debian's /usr/bin/python3: a
#           pyenv shim would exec the interpreter under another name)
#   iproute2
#           `ip` sets up the network namespace in which the live CKS test's
#           outbound SSH connection reaches a routable address locally
#   podman, docker.io, containerd, runc, busybox-static
#           the live container tests run real runtimes (podman with its API
#           service, a dockerd and a CRI containerd of their own) on images
#           made from the static busybox
#   file, binutils
#           scripts/build-image.sh checks that the image's falco is static
#           and strips it
#   python3-venv
#           scripts/validate-k8s.sh installs kubernetes-validate (the
#           Kubernetes schemas, offline) into a virtualenv
#   lintian
#           packaging/deb/build.sh (`make deb`) checks the package with it:
#           no error allowed
#   cargo-fuzz (pinned, scripts/lib/cargo-fuzz.sh; from the crates
#           registry, built into the cache)
#           scripts/fuzz-ci.sh runs the fuzz targets in `make test`
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/apt.sh
source "$here/scripts/lib/apt.sh"
# shellcheck source=lib/cargo-fuzz.sh
source "$here/scripts/lib/cargo-fuzz.sh"

command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found (rustup toolchain expected)" >&2; exit 1; }
need=(sysdig bc time libbpf-dev perl python3 iproute2 podman docker.io containerd runc busybox-static
  file binutils python3-venv lintian)
[ -n "${CLANG:-}" ] || need+=(clang-14)
apt_install "${need[@]}"
cargo_fuzz_bin >/dev/null
