#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Builds falco.ko for one kernel: dkms.conf's MAKE, run from the top of the
# DKMS source tree (driver-rs/ and driver/ side by side).
#
#   sh driver-rs/dkms-make.sh KERNEL_BUILD_DIR [IGNORED...]
#
# (DKMS appends CC=clang LD=ld.lld for a clang-built kernel; the kernel's
# own clang and lld are chosen here by version, through LLVM=-<major>.)
#
# A Rust module must be compiled with the very toolchain its kernel was
# built with: the same rustc, the same bindgen, bindgen loading the
# libclang of the clang that built the kernel, and the same Rust library
# sources. The kernel's build tree says which (include/config/auto.conf:
# CONFIG_RUSTC_VERSION_TEXT, CONFIG_BINDGEN_VERSION_TEXT,
# CONFIG_CLANG_VERSION); this script finds matching tools and passes them
# to driver-rs/Makefile. Candidates, first match wins:
#   rustc    $FALCO_RUSTC, $RUSTC, rustc on PATH, /usr/bin/rustc-1.*
#            (Debian's rustc-web installs /usr/bin/rustc),
#            /usr/local/bin/rustc, ~/.cargo/bin/rustc
#   bindgen  $FALCO_BINDGEN, $BINDGEN, bindgen on PATH,
#            /usr/local/bin/bindgen, ~/.cargo/bin/bindgen
# (apt runs dpkg, and so this script, with PATH=/usr/sbin:/usr/bin:/sbin:/bin:
# where `cargo install` puts a tool is searched by name.)
#   library  $RUST_LIB_SRC, the rustc's sysroot (rust-src), /usr/src/rustc-<version>/library
#            (Debian's rust-web-src)
# When something needed is missing or none matches, it refuses before
# compiling anything, with one line starting "falco-dkms:" that names what
# is needed and where to get it (the package's postinst repeats that line),
# and exits 1, so DKMS installs nothing.
set -eu
kdir=${1:?usage: dkms-make.sh KERNEL_BUILD_DIR}
conf="$kdir/include/config/auto.conf"

refuse() {
  echo "falco-dkms: $*" >&2
  exit 1
}

[ -r "$conf" ] || refuse "$conf not found: install the headers of this kernel (linux-headers-<release>)"

# A value of auto.conf, without its quotes.
value() {
  sed -n "s/^$1=//p" "$conf" | sed 's/^"\(.*\)"$/\1/' | head -n 1
}

[ "$(value CONFIG_RUST)" = y ] ||
  refuse "the kernel is built without Rust support (CONFIG_RUST), which the falco module needs; use the modern eBPF engine (engine.kind: modern_ebpf)"

want_rustc=$(value CONFIG_RUSTC_VERSION_TEXT)
want_bindgen=$(value CONFIG_BINDGEN_VERSION_TEXT)
clang=$(value CONFIG_CLANG_VERSION)
[ -n "$want_rustc" ] || refuse "$conf names no rustc (CONFIG_RUSTC_VERSION_TEXT)"

# The first executable candidate whose `--version` prints exactly $1.
matching() {
  want=$1
  shift
  for c in "$@"; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    if [ "$("$c" --version 2>/dev/null | head -n 1)" = "$want" ]; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

on_path() { command -v "$1" 2>/dev/null || true; }
# Where `cargo install` puts tools for the user running this (DKMS: root).
cargo_bin=${CARGO_HOME:-${HOME:-/root}/.cargo}/bin

# shellcheck disable=SC2046 # the glob's words are the candidates
rustc=$(matching "$want_rustc" "${FALCO_RUSTC:-}" "${RUSTC:-}" "$(on_path rustc)" \
  $(ls /usr/bin/rustc-1.* 2>/dev/null) /usr/local/bin/rustc "$cargo_bin/rustc") ||
  refuse "no rustc matches the kernel's \"$want_rustc\": install it (Debian: rustc-web) or set FALCO_RUSTC"

if [ -n "$want_bindgen" ]; then
  bindgen=$(matching "$want_bindgen" "${FALCO_BINDGEN:-}" "${BINDGEN:-}" "$(on_path bindgen)" \
    /usr/local/bin/bindgen "$cargo_bin/bindgen") ||
    refuse "no bindgen matches the kernel's \"$want_bindgen\": install it (cargo install --locked bindgen-cli@${want_bindgen#bindgen }) or set FALCO_BINDGEN"
else
  bindgen=$(on_path bindgen)
fi

# The Rust library sources of exactly that rustc.
version=$(echo "$want_rustc" | sed -n 's/^rustc \([0-9][0-9.]*\).*/\1/p')
sysroot=$("$rustc" --print sysroot 2>/dev/null || true)
lib=
for c in "${RUST_LIB_SRC:-}" "$sysroot/lib/rustlib/src/rust/library" "/usr/src/rustc-$version/library"; do
  if [ -n "$c" ] && [ -d "$c/core" ]; then
    lib=$c
    break
  fi
done
[ -n "$lib" ] ||
  refuse "the Rust library sources of rustc $version are not installed (Debian: rust-web-src; rustup: rust-src) or set RUST_LIB_SRC"

# A clang-built kernel: its clang, lld and libclang by version suffix.
set --
if [ -n "$clang" ] && [ "$clang" -gt 0 ]; then
  major=$((clang / 10000))
  command -v "clang-$major" >/dev/null 2>&1 ||
    refuse "the kernel is built with clang $major: install clang-$major, lld-$major and llvm-$major"
  [ -d "/usr/lib/llvm-$major/lib" ] && export LIBCLANG_PATH="/usr/lib/llvm-$major/lib"
  set -- "LLVM=-$major"
fi

echo "falco-dkms: building with $rustc ($want_rustc), ${bindgen:-no bindgen}, library $lib" >&2
exec make -j"$(nproc)" -C driver-rs KDIR="$kdir" RUSTC="$rustc" HOSTRUSTC="$rustc" \
  BINDGEN="$bindgen" RUST_LIB_SRC="$lib" "$@"
