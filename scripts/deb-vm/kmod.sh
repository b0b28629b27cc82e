#!/bin/bash
# Runs inside the Debian 12 VM of scripts/deb-test.sh booted on our
# Rust-enabled 6.12 test kernel, installed from its linux-image and
# linux-headers .debs (scripts/kernel-debs.sh), with that kernel's Rust
# toolchain installed the way an admin installs it (rustc-web,
# rust-web-src, clang/lld/llvm 14, bindgen-cli in /usr/local/bin). One
# disk, booted twice; /tmp/in/stage says which boot this is:
#   boot1  the .deb installed: DKMS builds the module, kmod is chosen,
#          `dkms status` says installed; modprobe falco; falco-kmod alerts;
#          `systemctl stop falco` unloads the module; the VM then powers
#          off with falco enabled (the reboot);
#   boot2  falco is active again, on the module, and alerts; then rustc-web
#          is downgraded to a version the kernel was not built with (the
#          .debs in /opt/mismatch), the package purged and installed
#          again: DKMS refuses with its one falco-dkms line, nothing is
#          installed or loaded, modern eBPF is chosen and alerts.
# Prints "CHECK ok|FAIL ..." per step and exits non-zero when any failed.
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

deb=$(ls /tmp/in/falco-rs_*.deb)
kver=$(uname -r)
module_loaded() { grep -q '^falco ' /proc/modules; }
module_installed() { modinfo -k "$kver" falco >/dev/null 2>&1; }
kernel_rustc() {
  sed -n 's/^CONFIG_RUSTC_VERSION_TEXT="\(.*\)"$/\1/p' "/lib/modules/$kver/build/include/config/auto.conf"
}
rustc_mismatched() {
  local v
  v=$(rustc --version) && echo "rustc now: $v" && [ "$v" != "$(kernel_rustc)" ]
}
kmod_opened() { journal_has "Opening 'syscall' source with Kernel module" -b; }

boot1() {
  local out version
  check "the kernel has Rust" grep -q '^CONFIG_RUST=y' "/lib/modules/$kver/build/include/config/auto.conf"
  out=$(apt-get install -y --no-install-recommends "$deb" 2>&1)
  echo "$out"
  version=$(dpkg-query -W -f='${Version}' falco-rs)
  check "install chooses kmod" contains "$out" "engine: kmod (falco-kmod.service"
  check "dkms status: installed for $kver" \
    sh -c "dkms status -m falco -v '$version' -k '$kver' 2>/dev/null | grep -q ': installed'"
  check "falco.ko installed for $kver" module_installed
  check "falco-kmod enabled as falco.service" \
    test "$(readlink /etc/systemd/system/falco.service)" = /lib/systemd/system/falco-kmod.service
  check "falco.service active" until_ok 60 systemctl is-active --quiet falco.service
  check "falco --doctor: kmod will run" sh -c 'falco --doctor | grep -q "engine.kind kmod will run here"'

  # The admin's sequence: modprobe, then the service on the module.
  check "systemctl stop falco" systemctl stop falco
  check "systemctl stop unloads the module" until_ok 30 sh -c '! grep -q "^falco " /proc/modules'
  check "modprobe falco" modprobe falco
  check "the module is loaded" module_loaded
  check "its devices exist" test -c /dev/falco0
  check "systemctl start falco" systemctl start falco
  check "falco opened the kernel module" until_ok 60 kmod_opened
  check "journalctl -u falco holds the /etc/shadow alert (kmod)" until_ok 180 alerted -b
  check "rmmod refused while falco runs" sh -c '! rmmod falco 2>/dev/null'
  check "systemctl stop falco, again" systemctl stop falco
  check "the module unloaded again" until_ok 30 sh -c '! grep -q "^falco " /proc/modules'
  # Left enabled and stopped: the next boot must start it.
  check "falco.service enabled" systemctl is-enabled --quiet falco.service
}

boot2() {
  local out lines since
  check "falco.service active after the reboot" until_ok 120 systemctl is-active --quiet falco.service
  check "the module loaded at boot" module_loaded
  check "falco opened the kernel module at boot" until_ok 60 kmod_opened
  check "the /etc/shadow alert after the reboot" until_ok 180 alerted -b

  # rustc-web downgraded: no longer the kernel's rustc.
  check "rustc-web downgraded" dpkg -i /opt/mismatch/*.deb
  check "rustc is not the kernel's any more" rustc_mismatched
  check "apt-get purge falco-rs" apt-get purge -y falco-rs
  check "purge unloaded and uninstalled the module" sh -c '! grep -q "^falco " /proc/modules && ! modinfo falco >/dev/null 2>&1'
  since=$(date +%s)
  out=$(apt-get install -y --no-install-recommends "$deb" 2>&1)
  echo "$out"
  lines=$(grep -c 'falco-dkms:' <<<"$out")
  check "DKMS refusal said in one line" test "$lines" = 1
  check "the line names the rustc the kernel needs" contains "$out" "falco-dkms: no rustc matches the kernel's \"rustc 1\."
  check "falls back to modern_ebpf" contains "$out" "engine: modern_ebpf (falco-modern-bpf.service"
  check "no module installed" sh -c '! modinfo falco >/dev/null 2>&1'
  check "no module loaded" sh -c '! grep -q "^falco " /proc/modules'
  check "falco.service active on eBPF" until_ok 60 systemctl is-active --quiet falco.service
  check "the /etc/shadow alert through eBPF" until_ok 180 alerted --since "@$since"
  check "that falco opened the eBPF probe" journal_has "Opening 'syscall' source with modern BPF probe" --since "@$since"
}

case "$(cat /tmp/in/stage 2>/dev/null)" in
  boot1) boot1 ;;
  boot2) boot2 ;;
  *) echo "CHECK FAIL /tmp/in/stage names no boot"; FAILS=1 ;;
esac
journalctl -u falco --no-pager -o cat -b | tail -n 30
[ "$FAILS" = 0 ]
