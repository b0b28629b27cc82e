#!/usr/bin/env bash
# Builds (or finds in the cache) the Rust-enabled test kernel the kernel
# module is built against and boots in qemu, and prints the build
# directory (KDIR) on stdout. Everything else goes to stderr.
#
# Source: Debian's linux-source-6.12; Rust: Debian's rustc-web +
# rust-web-src (the rustup toolchain cannot read the kernel crate's
# metadata); bindgen-cli from the crates registry; clang, lld and libclang
# 14. Config: tinyconfig plus scripts/test-kernel.config, plus
# scripts/test-kernel-btf.config (BTF and BPF tracing) and
# scripts/test-kernel-debian.config (what Debian 12 with systemd needs to
# boot from an NVMe ext4 root without an initrd: scripts/deb-test.sh runs
# the .deb on this kernel) or, with KERNEL_FLAVOUR=debug,
# scripts/test-kernel-debug.config (KASAN, lockdep).
#
# The toolchain is pinned, not taken from whatever the machine has: the
# versions below are checked before a build starts (check_toolchain), and
# bindgen is pointed at libclang 14 (LIBCLANG_PATH): left alone it loads
# the newest libclang installed (the image carries 19), which rejects the
# flags the kernel chose for clang 14.
#
# The build is cached outside the repo under $FALCO_RS_CACHE (default
# ~/.cache/falco-rs)/kernel/linux-<source version>-<key>[-debug], where
# the key hashes the config fragments, $recipe and the exact versions of
# every tool that shapes the result (toolchain_id). The entry's marker
# (.done) is written only after the build succeeded and its outputs are
# there, and an entry is trusted only while those outputs (bzImage,
# rust/*.rmeta, Module.symvers) still are.
#
# make_kernel ARGS... runs make with the variables every kernel and module
# make call needs; kmod-dkms.sh and bench-kmod.sh source this file for it.
set -euo pipefail
# Command substitutions ($(build_kernel)) keep `set -e`.
shopt -s inherit_errexit
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}"
log() { echo "test-kernel: $*" >&2; }
# shellcheck source=lib/apt.sh
source "$here/scripts/lib/apt.sh"

# The pinned toolchain.
clang_major=14
rustc_minor=1.96
bindgen_version=0.73.2
libclang_dir=/usr/lib/llvm-$clang_major/lib

packages=(rustc-web rust-web-src cargo-web linux-source-6.12 "clang-$clang_major"
  "lld-$clang_major" "llvm-$clang_major" "libclang-$clang_major-dev" make gcc libc6-dev
  flex bison bc libelf-dev libssl-dev dwarves xz-utils zstd cpio busybox-static
  qemu-system-x86)

install_packages() {
  apt_install "${packages[@]}"
}

# bindgen-cli, built once into the cache (Debian's bindgen is too old).
# cargo install puts the binary in place only when it built.
bindgen_bin() {
  local root="$cache/bindgen-cli-$bindgen_version"
  if [ ! -x "$root/bin/bindgen" ]; then
    log "building bindgen-cli $bindgen_version into $root"
    cargo install -q --locked --root "$root" "bindgen-cli@$bindgen_version" >&2 ||
      { log "cargo install bindgen-cli@$bindgen_version failed"; return 1; }
  fi
  echo "$root/bin/bindgen"
}

rust_lib_src() {
  local d
  d=$(ls -d /usr/src/rustc-*/library 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] || { log "rust-web-src's library sources not found under /usr/src"; return 1; }
  echo "$d"
}

# The environment of every kernel and module build: the make variables
# (driver-rs/Makefile passes them on to the kernel's make command line)
# and LIBCLANG_PATH, which bindgen reads.
toolchain_env() {
  LLVM=-$clang_major
  RUSTC=/usr/bin/rustc
  HOSTRUSTC=/usr/bin/rustc
  RUST_LIB_SRC=$(rust_lib_src) || return 1
  BINDGEN=$(bindgen_bin) || return 1
  LIBCLANG_PATH=$libclang_dir
  export LLVM RUSTC HOSTRUSTC RUST_LIB_SRC BINDGEN LIBCLANG_PATH
}

make_kernel() {
  toolchain_env || return 1
  make LLVM="$LLVM" RUSTC="$RUSTC" HOSTRUSTC="$HOSTRUSTC" RUST_LIB_SRC="$RUST_LIB_SRC" \
    BINDGEN="$BINDGEN" "$@"
}

# The first "major.minor.patch" in a version text.
version_of() { grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1; }

# Fails, with one line naming both sides, when a tool is not the pinned
# version, or when the libclang bindgen loads is not the clang the kernel
# is built with.
check_toolchain() {
  toolchain_env || return 1
  local clang rustc bindgen libclang
  clang=$("clang-$clang_major" --version | version_of)
  rustc=$("$RUSTC" --version | version_of)
  bindgen=$("$BINDGEN" --version | version_of)
  # bindgen's verbose version line names the libclang it loaded.
  libclang=$("$BINDGEN" --version --verbose 2>&1 | grep -i '^clang' | version_of || true)
  [ "${clang%%.*}" = "$clang_major" ] ||
    { log "clang-$clang_major reports version $clang, not $clang_major.x"; return 1; }
  case "$rustc" in
    "$rustc_minor".*) ;;
    *) log "$RUSTC is rustc $rustc, the kernel is pinned to rustc $rustc_minor.x (rustc-web)"; return 1 ;;
  esac
  [ "$bindgen" = "$bindgen_version" ] ||
    { log "$BINDGEN is bindgen $bindgen, pinned: $bindgen_version"; return 1; }
  [ "$libclang" = "$clang" ] ||
    { log "bindgen loads libclang ${libclang:-(unknown)} but the kernel is built with clang $clang (LIBCLANG_PATH=$LIBCLANG_PATH)"; return 1; }
}

# Every input of the build besides the source and the fragments: the exact
# package versions of the toolchain and of the tools whose output lands in
# the kernel (pahole writes BTF), and the bindgen binary's version and
# libclang.
toolchain_id() {
  toolchain_env || return 1
  dpkg-query -W -f='${Package}=${Version}\n' rustc-web rust-web-src "clang-$clang_major" \
    "lld-$clang_major" "llvm-$clang_major" "libclang-$clang_major-dev" dwarves gcc
  "$BINDGEN" --version --verbose 2>&1
}

# A build directory whose outputs are all there.
kernel_complete() {
  local src=$1
  [ -f "$src/arch/x86/boot/bzImage" ] && [ -f "$src/Module.symvers" ] &&
    [ -f "$src/rust/libkernel.rmeta" ] && [ -f "$src/rust/libcore.rmeta" ]
}

# Configures and builds the kernel in $1 with the fragments $2...; every
# step's failure fails the function (it runs where `set -e` does not).
configure_and_build() {
  local src=$1
  shift
  cd "$src" || return 1
  make_kernel tinyconfig >&2 || return 1
  scripts/kconfig/merge_config.sh -m .config "$@" >&2 || return 1
  make_kernel olddefconfig >&2 || return 1
  # Every option of the fragment must have survived olddefconfig.
  local missing=0 line
  while read -r line; do
    case "$line" in
      CONFIG_*=y) grep -qx "$line" .config || { log "not enabled: $line"; missing=1; } ;;
    esac
  done < <(cat "$@")
  [ "$missing" = 0 ] || { log "the config fragment did not apply"; return 1; }
  make_kernel rustavailable >&2 || return 1
  make_kernel -j"$(nproc)" bzImage modules_prepare modules >&2 || return 1
}

# Bump when the build steps below change what gets built: it is part of
# the cache key with the config fragments and the toolchain.
recipe="tinyconfig+fragments+olddefconfig; bzImage modules_prepare modules; v2"

build_kernel() {
  install_packages || return 1
  check_toolchain || return 1
  local tarball version key dir
  tarball=$(ls /usr/src/linux-source-6.12.tar.* | head -1)
  version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
  # The default flavour adds BTF and what BPF tracing needs
  # (scripts/test-kernel-btf.config: the eBPF engine runs there too) and
  # what a Debian root filesystem with systemd needs
  # (scripts/test-kernel-debian.config);
  # KERNEL_FLAVOUR=debug adds KASAN, lockdep and the other debug checks of
  # scripts/test-kernel-debug.config instead (a separate cache entry).
  local fragments=("$here/scripts/test-kernel.config")
  local suffix=""
  if [ "${KERNEL_FLAVOUR:-}" = debug ]; then
    fragments+=("$here/scripts/test-kernel-debug.config")
    suffix="-debug"
  else
    fragments+=("$here/scripts/test-kernel-btf.config" "$here/scripts/test-kernel-debian.config")
  fi
  key=$( (cat "${fragments[@]}"; echo "$recipe"; toolchain_id) | sha256sum | cut -c1-16)
  dir="$cache/kernel/linux-$version-$key$suffix"
  if [ -f "$dir/.done" ]; then
    if kernel_complete "$dir/src"; then
      echo "$dir/src"
      return
    fi
    log "the cached kernel in $dir lacks some of its outputs: rebuilding it"
  fi
  log "building the test kernel in $dir (about 13 minutes on 2 cores)"
  # Built where it is used (the tree records its own path); the marker
  # is written only once the build succeeded and its outputs are there.
  rm -rf "$dir"
  mkdir -p "$dir"
  tar -C "$dir" -xf "$tarball"
  mv "$dir"/linux-source-6.12 "$dir/src"
  if ! (configure_and_build "$dir/src" "${fragments[@]}"); then
    log "the test kernel build failed; nothing was cached (the tree is left in $dir)"
    return 1
  fi
  kernel_complete "$dir/src" ||
    { log "the build finished without bzImage, rust/*.rmeta or Module.symvers (in $dir)"; return 1; }
  touch "$dir/.done"
  echo "$dir/src"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  build_kernel
fi
