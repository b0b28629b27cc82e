#!/usr/bin/env bash
# The kernel module's per-syscall cost, in the test VM (qemu TCG, 2 vCPUs,
# the cached Rust-enabled 6.12 kernel): getpid, 1-byte read and
# open+close loops pinned to CPU 1 with the module not loaded, then with
# the module loaded and falco (pinned to CPU 0) capturing with our default
# rules (getpid and read are not asked for: filtered in the kernel), then
# capturing every syscall (base_syscalls.all). Ratios are to "not loaded",
# all in the same VM boot. Under TCG every instruction is emulated, so
# absolute times are far above a real machine's; the ratios are the
# comparison. N sets the loop length.
#
# Reference, same loops, its own VM boot: the upstream C module of 2022
# (Debian's falcosecurity-scap-dkms, scripts/upstream-kmod.sh) on a Debian
# 6.1 kernel, not loaded vs loaded with sysdig 0.29.3 (CPU 0) consuming
# every syscall through a filter that matches nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test-kernel.sh
source "$here/scripts/test-kernel.sh"
# shellcheck source=vm.sh
source "$here/scripts/vm.sh"
# shellcheck source=upstream-kmod.sh
source "$here/scripts/upstream-kmod.sh"
n="${N:-100000}"
kdir=$(build_kernel)
work=$(mktemp -d)
trap '[ -n "${KEEP_LOG:-}" ] && cp "$work/serial.log" "$work/userial.log" /tmp/; rm -rf "$work"' EXIT

mkdir -p "$work/src"
cp -r "$here/driver-rs" "$here/driver" "$work/src/"
make_kernel -C "$kdir" M="$work/src/driver-rs" modules >&2
target=x86_64-unknown-linux-gnu
(cd "$here" && RUSTFLAGS="-C target-feature=+crt-static" cargo build -q --release --target $target \
  -p falco -p falco-scap --example syscall_loop)

root="$work/root"
vm_root "$root"
cp "$work/src/driver-rs/falco.ko" "$root/falco.ko"
cp "$here/target/$target/release/falco" "$root/usr/bin/falco"
cp "$here/target/$target/release/examples/syscall_loop" "$root/usr/bin/syscall_loop"
mkdir -p "$root/etc/falco"
cp "$here/cli/falco.yaml" "$here/rules/falco_rules.yaml" "$root/etc/falco/"
# The start of both VMs' init: mounts, PATH, the loops (three rounds),
# the pinning.
prologue() {
  cat <<INIT
#!/bin/sh
. /etc/vm-lib.sh
vm_mounts
export PATH=/usr/bin:/bin
loops() {
  for r in 1 2 3; do
    for k in getpid read1 openclose; do echo "bench \$1 \$k \$(taskset -c 1 syscall_loop \$k $n)"; done
  done
}
# This shell and so the consumer on CPU 0, the loops on CPU 1.
taskset -p -c 0 \$\$ > /dev/null
INIT
}
{ prologue; cat <<INIT
loops unloaded
insmod /falco.ko
vm_falco /tmp/alerts.json /tmp/falco.log
loops rules
kill -INT \$falco_pid; wait \$falco_pid
rm -f /tmp/alerts.json
vm_falco /tmp/alerts.json /tmp/falco.log -o base_syscalls.all=true
loops all
kill -INT \$falco_pid; wait \$falco_pid
rmmod falco
echo "bench: done"
reboot -f
INIT
} > "$root/init"
chmod +x "$root/init"
vm_pack "$root" "$work/initrd.gz"
vm_boot "$kdir" "$work/initrd.gz" "$work/serial.log" 1800
grep -q "bench: done" "$work/serial.log" || { cat "$work/serial.log" >&2; echo "bench-kmod: the VM run failed" >&2; exit 1; }

# The upstream module's VM.
up=$(upstream_kmod)
uroot="$work/uroot"
vm_root "$uroot"
vm_add_program "$uroot" /usr/bin/sysdig
cp "$up/scap.ko" "$uroot/scap.ko"
cp "$here/target/$target/release/examples/syscall_loop" "$uroot/usr/bin/syscall_loop"
{ prologue; cat <<INIT
loops upstream-unloaded
insmod /scap.ko
sysdig "proc.name=falco-rs-none" > /dev/null 2>/tmp/sysdig.err &
sysdig_pid=\$!
sleep 5
loops upstream-sysdig
kill -INT \$sysdig_pid; wait \$sysdig_pid
rmmod scap
echo "bench: done"
reboot -f
INIT
} > "$uroot/init"
chmod +x "$uroot/init"
vm_pack "$uroot" "$work/uinitrd.gz"
vm_boot "$up" "$work/uinitrd.gz" "$work/userial.log" 1800
grep -q "bench: done" "$work/userial.log" || { cat "$work/userial.log" >&2; echo "bench-kmod: the upstream VM run failed" >&2; exit 1; }

# The median of the three rounds (TCG timings are noisy).
val() {
  cat "$work/serial.log" "$work/userial.log" | sed -n "s/^bench $1 $2 \([0-9.]*\).*/\1/p" \
    | tr -d '\r' | sort -n | sed -n 2p
}
added() { echo "scale=1; $1 - $2" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo "kmod per-syscall cost in the VM, ns/call, median of 3 (N=$n, TCG, loop on CPU 1, falco on CPU 0):"
printf '  %-10s %11s %30s %30s\n' call "not loaded" "default rules (added)" "all syscalls (added)"
for k in getpid read1 openclose; do
  u=$(val unloaded $k) r=$(val rules $k) a=$(val all $k)
  printf '  %-10s %11s %9s (%5sx, +%7s) %9s (%5sx, +%7s)\n' "$k" "$u" "$r" "$(ratio "$r" "$u")" "$(added "$r" "$u")" \
    "$a" "$(ratio "$a" "$u")" "$(added "$a" "$u")"
done
echo "upstream C module (falcosecurity-scap-dkms 2022, Debian 6.1 kernel) with sysdig 0.29.3 consuming every syscall:"
printf '  %-10s %11s %30s\n' call "not loaded" "sysdig, all syscalls (added)"
for k in getpid read1 openclose; do
  u=$(val upstream-unloaded $k) a=$(val upstream-sysdig $k)
  printf '  %-10s %11s %9s (%5sx, +%7s)\n' "$k" "$u" "$a" "$(ratio "$a" "$u")" "$(added "$a" "$u")"
done
