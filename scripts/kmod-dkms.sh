#!/usr/bin/env bash
# Builds the module the way DKMS does it for a user: lays out the DKMS
# source tree (dkms.conf at the top, driver-rs/ and driver/ inside) in a
# private DKMS tree, then `dkms add` + `dkms build` for the cached test
# kernel, with the kernel's Rust toolchain in the environment. Prints the
# built falco.ko on stdout. Needs the dkms package (installed when absent).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test-kernel.sh
source "$here/scripts/test-kernel.sh"
kdir=$(build_kernel)
apt_install dkms
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$here/driver-rs/dkms.conf")
kver=$(make -s -C "$kdir" kernelrelease 2>/dev/null)
work=${DKMS_WORK:-$(mktemp -d)}
src="$work/src/falco-$version"
mkdir -p "$src/driver" "$work/tree"
cp -r "$here/driver-rs" "$src/"
cp -r "$here/driver/src" "$src/driver/"
cp "$here/driver-rs/dkms.conf" "$src/dkms.conf"
# The kernel's toolchain (LLVM, RUSTC, BINDGEN, RUST_LIB_SRC, LIBCLANG_PATH)
# in the environment dkms's make inherits.
toolchain_env
dkms=(dkms --dkmstree "$work/tree" --sourcetree "$work/src" -k "$kver" --kernelsourcedir "$kdir")
"${dkms[@]}" add -m falco -v "$version" >&2
"${dkms[@]}" build -m falco -v "$version" >&2 || {
  cat "$work/tree/falco/$version/build/make.log" >&2 || true
  exit 1
}
ko=$(find "$work/tree/falco/$version/$kver" -name 'falco.ko*' | head -1)
[ -n "$ko" ] || { echo "kmod-dkms: dkms built no falco.ko" >&2; exit 1; }
echo "$ko"
