#!/usr/bin/env bash
# The .deb in a real Debian 12 with systemd, booted in qemu (TCG), on two
# kernels. The recipe of ../shared/recipes/debvm/ builds the root
# filesystem (debootstrap, Debian's 6.1 cloud kernel and headers, DKMS) and
# boots it; this script adds what the guest tests need, builds the package
# (packaging/deb/build.sh) and runs, from the input disk:
#   1. scripts/deb-vm/ebpf.sh on Debian's 6.1 kernel (BTF, no Rust):
#      install, driver choice, systemd, alerts in the journal and in
#      file_output, rules.d, reload, upgrade, remove and purge;
#   2. scripts/deb-vm/kmod.sh on our Rust-enabled 6.12 test kernel,
#      installed in a copy of that root filesystem from its linux-image and
#      linux-headers .debs (scripts/kernel-debs.sh), with the kernel's Rust
#      toolchain: DKMS builds the module, kmod alerts, stop unloads, a
#      reboot starts it again (a second boot of the same disk), and a
#      mismatched rustc makes the install fall back to eBPF.
# Exits 0 only when both guests report RESULT: PASS. PART=ebpf or
# PART=kmod runs one of them.
#
# The root filesystems are cached under $FALCO_RS_CACHE: debvm-<kernel
# ABI>-<key> (the key hashes the recipe and the extra packages) and
# debvm-rust-<release>-<key> (the key hashes the first one's key, the
# kernel packages, the toolchain's versions and the steps below); each is
# rebuilt when absent or incomplete.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/apt.sh
source "$here/scripts/lib/apt.sh"
recipe=$(cd "$here/../shared/recipes/debvm" 2>/dev/null && pwd) ||
  { echo "deb-test: ../shared/recipes/debvm not found beside the checkout" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "deb-test: needs root (debootstrap, chroot)" >&2; exit 1; }
apt_install debootstrap qemu-system-x86 qemu-utils
extra=(jq sudo)
cache="${FALCO_RS_CACHE:-$HOME/.cache/falco-rs}"
# The recipe's env.sh finds the mirror and the kernel ABI through
# pipelines that fail under its own `set -o pipefail` on a machine without
# /etc/apt/sources.list (deb822 sources only): read them here, without
# pipefail, and pass them in.
read -r MIRROR KABI < <(bash -c ". '$recipe/env.sh'; echo \$MIRROR \$KABI")
export MIRROR KABI
kabi=$KABI
key=$( (cat "$recipe"/*.sh "$recipe"/guest/*; echo "${extra[*]}") | sha256sum | cut -c1-12)
base="$cache/debvm-$kabi-$key"

# unmount_below DIR: what a failed build left mounted in DIR/rootfs is
# unmounted; fails when something else is still mounted below DIR.
unmount_below() {
  local m
  for m in dev sys proc; do
    if mountpoint -q "$1/rootfs/$m" 2>/dev/null; then umount -R "$1/rootfs/$m"; fi
  done
  if grep -q " $1/" /proc/mounts; then
    echo "deb-test: something is still mounted below $1; not deleting it" >&2
    return 1
  fi
}

# The Debian 12 root filesystem with Debian's 6.1 cloud kernel.
base_rootfs() {
  [ -f "$base/.done" ] && [ -f "$base/base.ext4" ] && return 0
  echo "deb-test: building the Debian root filesystem into $base" >&2
  unmount_below "$base"
  rm -rf "$base"
  WORK=$base "$recipe/build-rootfs.sh" bootstrap kernel >&2
  chroot "$base/rootfs" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${extra[@]}" >&2
  WORK=$base "$recipe/build-rootfs.sh" configure initrd image >&2
  touch "$base/.done"
}

# The kernel's Rust toolchain, at the versions the kernel was built with
# (the host's, scripts/test-kernel.sh): what an admin installs for DKMS.
toolchain=(rustc-web rust-web-src libstd-rust-web-dev clang-14 lld-14 llvm-14 libclang-14-dev)
pinned() {
  local p
  for p in "${toolchain[@]}"; do echo "$p=$(dpkg-query -W -f='${Version}' "$p")"; done
}

# A copy of the base root filesystem on the Rust-enabled test kernel:
# the kernel's .debs, its toolchain, bindgen-cli, and in /opt/mismatch the
# .debs of a rustc-web the kernel was not built with (the archive's other
# version), for kmod.sh's fallback check. Sets rust_work.
rust_rootfs() {
  local debs image headers kver bindgen rkey r want rustc_version other
  debs=$("$here/scripts/kernel-debs.sh")
  mapfile -t debs <<<"$debs"
  image=${debs[0]}
  headers=${debs[1]}
  kver=$(dpkg-deb -f "$image" Package)
  kver=${kver#linux-image-}
  # shellcheck source=test-kernel.sh
  bindgen=$(source "$here/scripts/test-kernel.sh" && bindgen_bin)
  rkey=$( (echo "$key"; sha256sum "$image" "$headers" | cut -d' ' -f1; pinned
    "$bindgen" --version; declare -f rust_rootfs) | sha256sum | cut -c1-12)
  rust_work="$cache/debvm-rust-$kver-$rkey"
  [ -f "$rust_work/.done" ] && [ -f "$rust_work/base.ext4" ] && return 0
  echo "deb-test: building the root filesystem for $kver into $rust_work" >&2
  unmount_below "$rust_work"
  rm -rf "$rust_work"
  mkdir -p "$rust_work/boot"
  r="$rust_work/rootfs"
  cp -a "$base/rootfs" "$r"
  # A failure below ends the script: its trap unmounts what was mounted.
  trap 'unmount_below "$rust_work"' EXIT
  mount -t proc proc "$r/proc"
  mount -t sysfs sys "$r/sys"
  mount --rbind /dev "$r/dev"
  in_root() { chroot "$r" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@" >&2; }
  printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
  chmod 755 "$r/usr/sbin/policy-rc.d"
  in_root apt-get update -q
  want=$(pinned)
  mapfile -t want <<<"$want"
  in_root apt-get install -y -q --no-install-recommends "${want[@]}"
  rustc_version=$(dpkg-query -W -f='${Version}' rustc-web)
  other=$(chroot "$r" apt-cache madison rustc-web | awk '{print $3}' | grep -vxF "$rustc_version" | head -n 1)
  [ -n "$other" ] || { echo "deb-test: the archive has no rustc-web but $rustc_version" >&2; exit 1; }
  # What installing that version would take (its own libstd, its LLVM),
  # alone in apt's cache.
  in_root apt-get clean
  in_root apt-get install -d -y -q --no-install-recommends --allow-downgrades \
    "rustc-web=$other" "libstd-rust-web-dev=$other"
  mkdir -p "$r/opt/mismatch"
  mv "$r"/var/cache/apt/archives/*.deb "$r/opt/mismatch/"
  install -m 755 "$bindgen" "$r/usr/local/bin/bindgen"
  cp "$image" "$headers" "$r/tmp/"
  in_root dpkg -i "/tmp/$(basename "$image")" "/tmp/$(basename "$headers")"
  rm -f "$r/tmp/"*.deb "$r/usr/sbin/policy-rc.d"
  in_root apt-get clean
  rm -rf "$r/var/lib/apt/lists/"*
  mkdir -p "$r/var/lib/apt/lists/partial"
  unmount_below "$rust_work"
  trap - EXIT
  cp "$r/boot/vmlinuz-$kver" "$rust_work/boot/"
  echo "$kver" >"$rust_work/boot/KVER"
  WORK=$rust_work IMGSIZE=5G "$recipe/build-rootfs.sh" image >&2
  touch "$rust_work/.done"
}

deb=$("$here/packaging/deb/build.sh")
guest="$here/scripts/deb-vm"
part=${PART:-all}
base_rootfs
if [ "$part" = all ] || [ "$part" = ebpf ]; then
  echo "deb-test: booting Debian ($kabi) with $(basename "$deb")" >&2
  WORK=$base TIMEOUT=${TIMEOUT:-900} "$recipe/run-vm.sh" -t "$guest/ebpf.sh" "$deb" "$guest/lib.sh"
fi
if [ "$part" = all ] || [ "$part" = kmod ]; then
  rust_rootfs
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  # Two boots of one disk: the second run keeps the first one's overlay.
  for boot in boot1 boot2; do
    echo "$boot" >"$stage/stage"
    keep=()
    [ "$boot" = boot2 ] && keep=(-n)
    echo "deb-test: booting Debian on $(cat "$rust_work/boot/KVER") ($boot) with $(basename "$deb")" >&2
    WORK=$rust_work TIMEOUT=${TIMEOUT:-1500} "$recipe/run-vm.sh" "${keep[@]}" -m 3G \
      -t "$guest/kmod.sh" "$deb" "$guest/lib.sh" "$stage/stage"
  done
fi
