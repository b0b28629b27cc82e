#!/usr/bin/env bash
# Installs what the build, the tests and the benchmarks need on a fresh
# Debian machine of this kind. Idempotent: installs only what is missing.
#
#   sysdig  the test oracle (reads .scap files, same filter language); not
#           a runtime dependency of falco-rs
#   bc      arithmetic in the benchmark scripts
#   time    /usr/bin/time for peak memory in the benchmark scripts
#   clang-14, libbpf-dev
#           build the eBPF probe (driver/bpf/) that falco-scap embeds;
#           libbpf-dev gives bpf_helpers.h and friends
#   perl, python3
#           the live eBPF tests' workloads (Debian's /usr/bin/python3: a
#           pyenv shim would exec the interpreter under another name)
set -euo pipefail

need=()
command -v sysdig >/dev/null 2>&1 || need+=(sysdig)
command -v bc >/dev/null 2>&1 || need+=(bc)
[ -x /usr/bin/time ] || need+=(time)
command -v clang-14 >/dev/null 2>&1 || command -v "${CLANG:-clang}" >/dev/null 2>&1 || need+=(clang-14)
[ -f /usr/include/bpf/bpf_helpers.h ] || need+=(libbpf-dev)
command -v perl >/dev/null 2>&1 || need+=(perl)
[ -x /usr/bin/python3 ] || need+=(python3)
command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found (rustup toolchain expected)" >&2; exit 1; }

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
