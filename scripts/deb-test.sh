#!/usr/bin/env bash
# The .deb in a real Debian 12 with systemd, booted in qemu (TCG): the
# recipe of ../shared/recipes/debvm/ builds the root filesystem (debootstrap,
# Debian's 6.1 cloud kernel and headers, DKMS) and boots it; this script
# adds what the guest test needs (jq and sudo, which the CKS course's flow
# uses), builds the package (packaging/deb/build.sh) and runs
# scripts/deb-vm/ebpf.sh in the guest: install, driver choice, systemd,
# alerts in the journal and in file_output, rules.d, reload, upgrade,
# remove and purge. Exits 0 only when the guest reports RESULT: PASS.
#
# The root filesystem is cached under $FALCO_RS_CACHE/debvm-<kernel ABI>-<key>,
# the key hashing the recipe and the extra packages; it is rebuilt when
# absent or incomplete.
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
export WORK="$cache/debvm-$kabi-$key"
if [ ! -f "$WORK/.done" ] || [ ! -f "$WORK/base.ext4" ]; then
  echo "deb-test: building the Debian root filesystem into $WORK" >&2
  # A build that failed may have left the host's /proc, /sys and /dev
  # mounted in the root filesystem: unmount them before deleting anything.
  for m in dev sys proc; do
    if mountpoint -q "$WORK/rootfs/$m" 2>/dev/null; then umount -R "$WORK/rootfs/$m"; fi
  done
  if grep -q " $WORK/" /proc/mounts; then
    echo "deb-test: something is still mounted below $WORK; not deleting it" >&2
    exit 1
  fi
  rm -rf "$WORK"
  "$recipe/build-rootfs.sh" bootstrap kernel >&2
  chroot "$WORK/rootfs" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${extra[@]}" >&2
  "$recipe/build-rootfs.sh" configure initrd image >&2
  touch "$WORK/.done"
fi
deb=$("$here/packaging/deb/build.sh")
echo "deb-test: booting Debian ($kabi) with $(basename "$deb")" >&2
TIMEOUT=${TIMEOUT:-900} "$recipe/run-vm.sh" -t "$here/scripts/deb-vm/ebpf.sh" "$deb"
