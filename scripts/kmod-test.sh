#!/usr/bin/env bash
# Builds driver-rs/ against the cached test kernel (scripts/test-kernel.sh),
# boots that kernel in qemu (TCG, 2 vCPUs) with a busybox initramfs holding
# the module and a test script, and checks the serial log: the module
# loads, sees syscalls, unloads, and the kernel reports no warning, oops
# or leak. The VM reboots itself at the end (qemu -no-reboot exits then); a hung VM
# is killed by a timeout.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test-kernel.sh
source "$here/scripts/test-kernel.sh"
kdir=$(build_kernel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The module, built out of tree in a copy (Kbuild writes next to sources);
# it compiles the ABI from driver/ beside it.
mkdir -p "$work/src"
cp -r "$here/driver-rs" "$here/driver" "$work/src/"
make_kernel -C "$kdir" M="$work/src/driver-rs" modules >&2
ko="$work/src/driver-rs/falco.ko"
[ -f "$ko" ] || { echo "kmod-test: falco.ko was not built" >&2; exit 1; }

# initramfs: busybox, the module, /init.
root="$work/root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp}
cp /bin/busybox "$root/bin/busybox"
for app in sh mount insmod rmmod lsmod cat ls echo sleep dmesg reboot grep true; do
  ln -s busybox "$root/bin/$app"
done
cp "$ko" "$root/falco.ko"
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "kmod-test: cpus $(grep -c ^processor /proc/cpuinfo)"
insmod /falco.ko && echo "kmod-test: insmod ok" || echo "kmod-test: insmod FAILED"
lsmod | grep -q '^falco' && echo "kmod-test: loaded"
# Work for the probes: processes, files, pipes on both CPUs.
for i in 1 2 3 4 5; do ls / > /dev/null; cat /proc/version > /dev/null; done &
for i in 1 2 3 4 5; do echo x | grep -q x; done
wait
insmod /falco.ko 2>/dev/null && echo "kmod-test: second insmod ACCEPTED" || echo "kmod-test: second insmod refused"
rmmod falco && echo "kmod-test: rmmod ok" || echo "kmod-test: rmmod FAILED"
echo "kmod-test: done"
reboot -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$work/initrd.gz"

log="$work/serial.log"
timeout 300 qemu-system-x86_64 -accel tcg -m 512M -smp 2 \
  -kernel "$kdir/arch/x86/boot/bzImage" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 panic=-1 oops=panic" \
  -display none -serial "file:$log" -no-reboot || true
cp "$log" "${KMOD_TEST_LOG:-/tmp/falco-kmod-test.log}"

fail=0
need() { grep -q "$1" "$log" || { echo "kmod-test: missing: $1" >&2; fail=1; }; }
need "kmod-test: cpus 2"
need "kmod-test: insmod ok"
need "falco: attached to sys_enter and sys_exit"
need "kmod-test: second insmod refused"
need "kmod-test: rmmod ok"
need "kmod-test: done"
# Syscalls were seen: a non-zero count of entries and exits.
grep -Eq "falco: detaching; [1-9][0-9]* syscall entries and [1-9][0-9]* exits seen, [1-9][0-9]* entries of syscalls with an event of their own" "$log" \
  || { echo "kmod-test: the probes counted nothing" >&2; fail=1; }
# Every entry was encoded as a 34-byte generic event (26 header + 2 u16
# lengths + 2 u16 values) by falco-abi's encoder, without a failure.
enc=$(sed -n 's/.*falco: encoded \([0-9]*\) generic events, \([0-9]*\) bytes, \([0-9]*\) failures.*/\1 \2 \3/p' "$log")
read -r n bytes failures <<< "${enc:-0 0 1}"
if [ "$n" -le 0 ] || [ "$bytes" != $((n * 34)) ] || [ "$failures" != 0 ]; then
  echo "kmod-test: encoding: $n events, $bytes bytes, $failures failures" >&2
  fail=1
fi
if grep -Eq "BUG:|WARNING:|Oops|Call Trace|kmemleak|general protection" "$log"; then
  echo "kmod-test: the kernel log reports a problem:" >&2
  grep -E -A5 "BUG:|WARNING:|Oops|Call Trace|kmemleak|general protection" "$log" >&2
  fail=1
fi
if [ "$fail" != 0 ]; then
  echo "kmod-test: FAILED; serial log:" >&2
  cat "$log" >&2
  exit 1
fi
echo "kmod-test: ok ($(grep -o 'falco: detaching.*' "$log"))"
