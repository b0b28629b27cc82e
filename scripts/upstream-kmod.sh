#!/usr/bin/env bash
# The upstream C kernel module of the same era as our reference sysdig,
# for side-by-side measurements: Debian's falcosecurity-scap-dkms (the
# falcosecurity/libs driver of 2022-03) built against a Debian 6.1 kernel
# whose image the VM boots. Packages are downloaded and unpacked, not
# installed (DKMS would build for the running kernel). Cached under
# $FALCO_RS_CACHE/upstream-kmod/<kernel ABI>-<scap version>; prints that
# directory (bzImage at arch/x86/boot/bzImage, scap.ko) on stdout.
set -euo pipefail
cache="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}"
log() { echo "upstream-kmod: $*" >&2; }

upstream_kmod() {
  local abi scap dir
  abi=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' \
    | cut -d' ' -f1 | sed 's/^linux-image-\(.*\)-unsigned$/\1/' | sort -V | tail -1)
  [ -n "$abi" ] || { log "no linux-image-6.1.0-*-amd64-unsigned in the apt sources"; exit 1; }
  scap=$(apt-cache show falcosecurity-scap-dkms | sed -n 's/^Version: //p' | head -1)
  [ -n "$scap" ] || { log "no falcosecurity-scap-dkms in the apt sources"; exit 1; }
  dir="$cache/upstream-kmod/$abi-$scap"
  if [ -f "$dir/.done" ]; then
    echo "$dir"
    return
  fi
  log "building the upstream module (scap $scap) for $abi in $dir"
  rm -rf "$dir"
  mkdir -p "$dir/debs" "$dir/root" "$dir/arch/x86/boot"
  local common="${abi%-amd64}-common"
  (cd "$dir/debs" && apt-get download -q "linux-image-$abi-unsigned" "linux-headers-$abi" \
    "linux-headers-$common" linux-kbuild-6.1 falcosecurity-scap-dkms >&2)
  local d
  for d in "$dir"/debs/*.deb; do dpkg -x "$d" "$dir/root"; done
  local headers="$dir/root/usr/src/linux-headers-$abi"
  # The headers include their common part by absolute path.
  sed -i "s|include /usr/src/|include $dir/root/usr/src/|" "$headers/Makefile"
  cp -r "$dir"/root/usr/src/scap-* "$dir/scap-src"
  make -C "$headers" M="$dir/scap-src" modules >&2
  cp "$dir/scap-src/scap.ko" "$dir/scap.ko"
  cp "$dir/root/boot/vmlinuz-$abi" "$dir/arch/x86/boot/bzImage"
  rm -rf "$dir/debs"
  touch "$dir/.done"
  echo "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  upstream_kmod
fi
