#!/usr/bin/env bash
# Builds (or finds in the cache) the Rust-enabled test kernel the kernel
# module is built against and boots in qemu, and prints the build
# directory (KDIR) on stdout. Everything else goes to stderr.
#
# Source: Debian's linux-source-6.12; Rust: Debian's rustc-web +
# rust-web-src (the rustup toolchain cannot read the kernel crate's
# metadata); bindgen-cli from crates.io. Config: tinyconfig plus
# scripts/test-kernel.config, plus scripts/test-kernel-btf.config (BTF and
# BPF tracing) or, with KERNEL_FLAVOUR=debug, scripts/test-kernel-debug.config
# (KASAN, lockdep). The build is cached outside the
# repo under $FALCO_RS_CACHE (default ~/.cache/falco-rs)/kernel/<source
# version>-<hash of the fragments and $recipe>[-debug], and rebuilt when
# absent.
#
# make_kernel ARGS... runs make with the variables every kernel and module
# make call needs; scripts/kmod.sh sources this file for it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}"
log() { echo "test-kernel: $*" >&2; }

packages=(rustc-web rust-web-src cargo-web linux-source-6.12 clang-14 lld-14 llvm-14
  libclang-14-dev make gcc libc6-dev flex bison bc libelf-dev libssl-dev dwarves
  xz-utils zstd cpio busybox-static qemu-system-x86)

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

# bindgen-cli, built once into the cache (Debian's bindgen is too old).
bindgen_bin() {
  local root="$cache/bindgen-cli-0.73.2"
  if [ ! -x "$root/bin/bindgen" ]; then
    log "building bindgen-cli into $root"
    cargo install -q --locked --root "$root" bindgen-cli@0.73.2 >&2
  fi
  echo "$root/bin/bindgen"
}

rust_lib_src() {
  local d
  d=$(ls -d /usr/src/rustc-*/library 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] || { log "rust-web-src's library sources not found under /usr/src"; exit 1; }
  echo "$d"
}

make_kernel() {
  make LLVM=-14 RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc \
    RUST_LIB_SRC="$(rust_lib_src)" BINDGEN="$(bindgen_bin)" "$@"
}

# Bump when the build steps below change what gets built: it is part of
# the cache key with the config fragments.
recipe="tinyconfig+fragments+olddefconfig; bzImage modules_prepare modules; v1"

build_kernel() {
  install_packages
  local tarball version key dir
  tarball=$(ls /usr/src/linux-source-6.12.tar.* | head -1)
  version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
  # The default flavour adds BTF and what BPF tracing needs
  # (scripts/test-kernel-btf.config: the eBPF engine runs there too);
  # KERNEL_FLAVOUR=debug adds KASAN, lockdep and the other debug checks of
  # scripts/test-kernel-debug.config instead (a separate cache entry).
  local fragments=("$here/scripts/test-kernel.config")
  local suffix=""
  if [ "${KERNEL_FLAVOUR:-}" = debug ]; then
    fragments+=("$here/scripts/test-kernel-debug.config")
    suffix="-debug"
  else
    fragments+=("$here/scripts/test-kernel-btf.config")
  fi
  key=$( (cat "${fragments[@]}"; echo "$recipe") | sha256sum | cut -c1-16)
  dir="$cache/kernel/linux-$version-$key$suffix"
  if [ -f "$dir/.done" ]; then
    echo "$dir/src"
    return
  fi
  log "building the test kernel in $dir (about 10 minutes on 2 cores)"
  rm -rf "$dir"
  mkdir -p "$dir"
  tar -C "$dir" -xf "$tarball"
  mv "$dir"/linux-source-6.12 "$dir/src"
  (
    cd "$dir/src"
    make_kernel tinyconfig >&2
    scripts/kconfig/merge_config.sh -m .config "${fragments[@]}" >&2
    make_kernel olddefconfig >&2
    # Every option of the fragment must have survived olddefconfig.
    local missing=0
    while read -r line; do
      case "$line" in
        CONFIG_*=y) grep -qx "$line" .config || { log "not enabled: $line"; missing=1; } ;;
        "# CONFIG_"*" is not set") grep -qx "$line" .config || grep -q "^${line#\# }" .config || true ;;
      esac
    done < <(cat "${fragments[@]}")
    [ "$missing" = 0 ] || { log "the config fragment did not apply"; exit 1; }
    make_kernel rustavailable >&2
    make_kernel -j"$(nproc)" bzImage modules_prepare modules >&2
  )
  touch "$dir/.done"
  echo "$dir/src"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  build_kernel
fi
