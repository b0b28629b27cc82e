#!/usr/bin/env bash
# The Rust-enabled test kernel (scripts/test-kernel.sh, default flavour)
# packaged the way a distribution ships a kernel: `make bindeb-pkg` makes
# linux-image-<release> and linux-headers-<release> .debs. Prints the two
# paths, image first, on stdout; everything else goes to stderr.
#
# The headers package of 6.12 (scripts/package/install-extmod-build)
# carries what an out-of-tree C module needs but none of the Rust
# artefacts an out-of-tree Rust module is compiled against: the kernel
# crates' metadata (rust/*.rmeta) and the `macros` proc-macro
# (rust/libmacros.so). Before packaging, the build tree's copy of that
# script is made to add them when CONFIG_RUST is set, and the headers
# package is checked for them afterwards.
#
# Cached beside the kernel build it packages ($FALCO_RS_CACHE/kernel/
# linux-<version>-<key>/debs-<recipe>/), so a rebuilt kernel gets new
# packages; the marker (.done) is written once both .debs are there.
set -euo pipefail
shopt -s inherit_errexit
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=test-kernel.sh
source "$here/scripts/test-kernel.sh"
log() { echo "kernel-debs: $*" >&2; }

# Bump when the packaging steps below change.
debs_recipe=v1

# The lines added to install-extmod-build: the files it copies are listed
# on its standard input of `tar -T -`, relative to the object tree.
rust_hook='	if is_enabled CONFIG_RUST; then
		find rust -maxdepth 1 \\( -name "*.rmeta" -o -name "*.so" \\)
	fi
'

# Adds the Rust artefacts to the list install-extmod-build packs, once.
patch_extmod_build() {
  local script=$1/scripts/package/install-extmod-build
  grep -q 'find rust -maxdepth 1' "$script" && return 0
  grep -q '^	echo include/config/kernel.release$' "$script" ||
    { log "$script no longer has the line the Rust hook goes after"; return 1; }
  awk -v hook="$rust_hook" '{ print } /^\techo include\/config\/kernel.release$/ { printf "%s", hook }' \
    "$script" >"$script.new"
  chmod +x "$script.new"
  mv "$script.new" "$script"
}

kernel_debs() {
  # The build dependencies mkdebian declares (dpkg-buildpackage checks them).
  apt_install dpkg-dev debhelper kmod rsync >&2
  local kdir out kver image headers
  kdir=$(build_kernel)
  kver=$(make -s -C "$kdir" kernelrelease 2>/dev/null)
  out="$(dirname "$kdir")/debs-$debs_recipe"
  if [ -f "$out/.done" ]; then
    image=$(ls "$out"/linux-image-"$kver"_*.deb 2>/dev/null | head -1)
    headers=$(ls "$out"/linux-headers-"$kver"_*.deb 2>/dev/null | head -1)
    if [ -f "$image" ] && [ -f "$headers" ]; then
      echo "$image"
      echo "$headers"
      return
    fi
  fi
  log "packaging $kver with make bindeb-pkg into $out"
  rm -rf "$out"
  mkdir -p "$out"
  patch_extmod_build "$kdir"
  # dpkg-buildpackage writes the packages beside the source tree.
  rm -f "$(dirname "$kdir")"/*.deb "$(dirname "$kdir")"/*.buildinfo "$(dirname "$kdir")"/*.changes
  (cd "$kdir" && make_kernel -j"$(nproc)" bindeb-pkg >&2) ||
    { log "make bindeb-pkg failed"; return 1; }
  mv "$(dirname "$kdir")"/*.deb "$out/"
  rm -f "$(dirname "$kdir")"/*.buildinfo "$(dirname "$kdir")"/*.changes
  image=$(ls "$out"/linux-image-"$kver"_*.deb | head -1)
  headers=$(ls "$out"/linux-headers-"$kver"_*.deb | head -1)
  local want listing
  listing=$(dpkg-deb -c "$headers")
  for want in rust/libkernel.rmeta rust/libcore.rmeta rust/libmacros.so scripts/target.json \
    include/config/auto.conf; do
    grep -q "/usr/src/linux-headers-$kver/$want\$" <<<"$listing" ||
      { log "$headers lacks $want"; return 1; }
  done
  touch "$out/.done"
  echo "$image"
  echo "$headers"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  kernel_debs
fi
