# shellcheck shell=bash
# Sourced by scripts/bench-ebpf.sh: upstream falcosecurity/libs' own modern
# eBPF probe and its `scap-open` example, the side-by-side reference for the
# live engine's cost and capture rate. Nothing of upstream is in this repo:
# the kit in ../shared/upstream-modern-bpf/ (source tarballs, the patch that
# lets the probe load on 6.18, the memlock shim, build.sh) builds it into
# the cache. Benchmarks only: `make test` never needs it (not in setup.sh).
#
#   upstream_modern_bpf_deps   installs the kit's Debian build dependencies
#                              (its README) and checks clang-19's version
#   upstream_modern_bpf_build  prints the build tree, building it first when
#                              absent or when the kit's inputs changed
#   upstream_scap_drain DIR    prints the path of scap_drain (scap_drain.c
#                              beside this file: upstream libscap with a
#                              consumer that only counts) built against
#                              the build tree DIR
#
# The build tree is $FALCO_RS_CACHE/upstream-modern-bpf-<key> (default cache
# ~/.cache/falco-rs), key = a hash of the kit's inputs and of the clang
# that compiles the probe, so a changed tarball, patch, shim or build.sh
# (or compiler) builds a new tree instead of reusing a stale one. About 4
# minutes on 2 cores; afterwards the tree is reused as is.
# shellcheck source=lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

upstream_kit="${UPSTREAM_KIT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared/upstream-modern-bpf}"

# The kit's README lists these; libtbb/jsoncpp/re2/valijson only because
# upstream's top-level CMake configures libsinsp (never compiled here).
# clang-19: with clang-14 the probe exceeds the verifier's 1M-instruction
# limit on this kernel. coreutils: stdbuf, to read scap-open's stdout live.
upstream_build_deps=(build-essential cmake pkg-config git clang-19 bpftool libelf-dev zlib1g-dev
  uthash-dev libtbb-dev libjsoncpp-dev libre2-dev libvalijson-dev coreutils)
# The clang major the kit was made to load with (its README); a different
# one may produce a probe the verifier rejects, or one that costs otherwise.
upstream_clang_major=19

upstream_modern_bpf_deps() {
  [ -f "$upstream_kit/build.sh" ] ||
    { echo "upstream-modern-bpf: kit not found at $upstream_kit (set UPSTREAM_KIT)" >&2; return 1; }
  apt_install "${upstream_build_deps[@]}" || return 1
  local v
  v=$(clang-19 --version 2>/dev/null | sed -n 's/.*clang version \([0-9][0-9.]*\).*/\1/p' | head -1)
  if [ "${v%%.*}" != "$upstream_clang_major" ]; then
    echo "upstream-modern-bpf: clang-19 reports version '${v:-none}', want $upstream_clang_major.x" >&2
    return 1
  fi
  echo "upstream-modern-bpf: clang $v" >&2
}

# The cache key: the kit's inputs (not its bench/ or README) and the full
# clang version line.
upstream_modern_bpf_key() {
  (
    cd "$upstream_kit" &&
      find src patches shim build.sh -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum &&
      clang-19 --version | head -1
  ) | sha256sum | cut -c1-12
}

# Prints the build tree (WORKDIR of the kit's build.sh); scap-open is at
# libs/build/libscap/examples/01-open/scap-open in it, the memlock shim at
# shim/memlock_shim.so. The `built` stamp is written only once build.sh
# succeeded, so an interrupted build is resumed (build.sh is idempotent).
upstream_modern_bpf_build() {
  upstream_modern_bpf_deps || return 1
  local key dir
  key=$(upstream_modern_bpf_key) || return 1
  dir="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}/upstream-modern-bpf-$key"
  if [ ! -f "$dir/built" ] || [ ! -x "$dir/libs/build/libscap/examples/01-open/scap-open" ]; then
    echo "upstream-modern-bpf: building into $dir (about 4 minutes on 2 cores; log: $dir/build.log)" >&2
    mkdir -p "$dir"
    WORKDIR="$dir" BPF_CLANG="$(command -v clang-19)" bash "$upstream_kit/build.sh" > "$dir/build.log" 2>&1 ||
      { tail -30 "$dir/build.log" >&2; echo "upstream-modern-bpf: build failed, see $dir/build.log" >&2; return 1; }
    touch "$dir/built"
  fi
  echo "$dir"
}

# scap_drain is compiled with the flags and linked with the libraries of
# the tree's own scap-open target (CMake's flags.make and link.txt), so it
# links exactly what scap-open does. Named after its source's hash: an
# edited scap_drain.c builds anew.
upstream_scap_drain() {
  local dir=$1 src bin
  src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/scap_drain.c"
  bin="$dir/scap_drain-$(sha256sum "$src" | cut -c1-12)"
  if [ ! -x "$bin" ]; then
    local ex="$dir/libs/build/libscap/examples/01-open" flags link defs inc
    flags="$ex/CMakeFiles/scap-open.dir/flags.make"
    defs=$(sed -n 's/^C_DEFINES = //p' "$flags")
    inc=$(sed -n 's/^C_INCLUDES = //p' "$flags")
    link=$(cat "$ex/CMakeFiles/scap-open.dir/link.txt")
    link=${link/\"CMakeFiles\/scap-open.dir\/scap_open.c.o\"/\"$bin.o\"}
    link=${link/-o scap-open/-o \"$bin\"}
    # flags.make and link.txt are shell-quoted command-line fragments
    (cd "$ex" && eval "cc -O2 -Wall $defs $inc -c \"$src\" -o \"$bin.o\"" && eval "$link") >&2 ||
      { echo "upstream-modern-bpf: building scap_drain failed" >&2; return 1; }
  fi
  echo "$bin"
}
