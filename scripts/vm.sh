#!/usr/bin/env bash
# The qemu VM the kernel-module tests run in: a busybox initramfs plus the
# dynamic loader and libraries of the glibc programs copied in (python3
# for the syscall workloads), booted with the cached test kernel under TCG
# with 2 vCPUs. Sourced by scripts/kmod-test.sh.
#
#   vm_root DIR            busybox, /proc /sys /dev /tmp, /etc files
#   vm_add_program DIR BIN [DEST]   a binary and the libraries ldd names
#   vm_add_python DIR      /usr/bin/python3 and the stdlib the workloads use
#   vm_pack DIR OUT        gzip'd cpio initramfs
#   vm_boot KDIR INITRD LOG SECONDS [MEM]
#                          boots, waits for the VM to power off (the init
#                          script ends with `reboot -f`; qemu -no-reboot
#                          exits then), kills it after SECONDS
#   vm_extract LOG NAME OUT   a file the VM printed between base64 markers
#                          (vm_emit in the VM's shell library) back to OUT

vm_root() {
  local root=$1
  mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,etc,root,lib,lib64,usr/bin,usr/lib,usr/sbin,mnt}
  cp /bin/busybox "$root/bin/busybox"
  local app
  for app in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
  done
  echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
  echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/false" >> "$root/etc/passwd"
  echo "root:x:0:" > "$root/etc/group"
  echo "root:*:19000:0:99999:7:::" > "$root/etc/shadow"
  chmod 640 "$root/etc/shadow"
  echo "falco-vm" > "$root/etc/hostname"
  # The shell library the VM's scripts use to send files back.
  cat > "$root/etc/vm-lib.sh" <<'LIB'
vm_mounts() { # what every VM init mounts first
  mount -t proc proc /proc
  mount -t sysfs sys /sys
  mount -t devtmpfs dev /dev 2>/dev/null
  mount -t tmpfs tmp /tmp
}
vm_emit() { # NAME FILE: prints FILE base64-encoded between markers
  echo "==vm-file-begin $1=="
  base64 "$2"
  echo "==vm-file-end $1=="
}
# vm_falco ALERTS LOG [FALCO ARGS...]: falco with the kmod engine and the
# default rules in the background ($falco_pid), JSON alerts to ALERTS;
# returns once it alerts on `cat /etc/shadow` (workloads go unseen until
# it has attached), with $falco_ready yes or no (after 120 s).
vm_falco() {
  alerts=$1 log=$2
  shift 2
  falco -c /etc/falco/falco.yaml -r /etc/falco/falco_rules.yaml -o engine.kind=kmod \
    -o json_output=true -o stdout_output.enabled=false -o syslog_output.enabled=false \
    -o log_syslog=false -o file_output.enabled=true -o file_output.filename="$alerts" \
    "$@" > "$log" 2>&1 &
  falco_pid=$!
  falco_ready=no
  for i in $(seq 1 120); do
    cat /etc/shadow > /dev/null
    if grep -q "Read sensitive file untrusted" "$alerts" 2>/dev/null; then falco_ready=yes; return; fi
    sleep 1
  done
}
LIB
}

# Copies BIN to DEST (default: the same path) and every library ldd lists.
vm_add_program() {
  local root=$1 bin=$2 dest=${3:-$2}
  mkdir -p "$root/$(dirname "$dest")"
  cp -L "$bin" "$root/$dest"
  local lib
  for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
    [ -e "$root/$lib" ] && continue
    mkdir -p "$root/$(dirname "$lib")"
    cp -L "$lib" "$root/$lib"
  done
}

vm_add_python() {
  local root=$1
  local py
  py=$(readlink -f /usr/bin/python3)
  # The interpreter under its real name and python3 as a symlink, as on
  # the host (the tests check the exe path is resolved).
  vm_add_program "$root" "$py"
  ln -sf "$(basename "$py")" "$root/usr/bin/python3"
  local ver
  ver=$(/usr/bin/python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  local lib=/usr/lib/python$ver
  mkdir -p "$root$lib"
  # The stdlib without tests, tools and GUI parts; compiled files are
  # rebuilt on import if needed.
  tar -C "$lib" --exclude=test --exclude=tests --exclude=idlelib --exclude=tkinter \
    --exclude=ensurepip --exclude=lib2to3 --exclude=pydoc_data --exclude=__pycache__ \
    --exclude=turtledemo --exclude=unittest --exclude=distutils --exclude=site-packages \
    --exclude=dist-packages --exclude=config-* -cf - . | tar -C "$root$lib" -xf -
  local so
  for so in "$lib"/lib-dynload/*.so; do
    vm_add_program "$root" "$so"
  done
}

vm_pack() {
  local root=$1 out=$2
  (cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$out"
}

vm_boot() {
  local kdir=$1 initrd=$2 log=$3 seconds=$4 mem=${5:-1024M}
  timeout "$seconds" qemu-system-x86_64 -accel tcg -m "$mem" -smp 2 \
    -kernel "$kdir/arch/x86/boot/bzImage" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 oops=panic" \
    -display none -serial "file:$log" -no-reboot || true
}

vm_extract() {
  local log=$1 name=$2 out=$3
  sed -n "/^==vm-file-begin $name==/,/^==vm-file-end $name==/p" "$log" \
    | sed '1d;$d' | tr -d '\r' | base64 -d > "$out"
}
