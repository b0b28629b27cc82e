#!/bin/bash
# Runs inside the Debian 12 VM of scripts/deb-test.sh (Debian's 6.1 cloud
# kernel: BTF, no Rust), as the recipe's run.sh: the falco-rs .deb from the
# input disk is installed, used and removed the way a host's admin does,
# the CKS course's flow included. Prints "CHECK ok|FAIL ..." per step and
# exits non-zero when any failed.
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

deb=$(ls /tmp/in/falco-rs_*.deb)

# --- install: no Rust in this kernel, so modern eBPF, saying why -------------
out=$(apt-get install -y --no-install-recommends "$deb" 2>&1)
echo "$out"
check "install chooses modern_ebpf" contains "$out" "engine: modern_ebpf (falco-modern-bpf.service"
check "install says the module needs a Rust kernel" contains "$out" "needs a kernel built with Rust support (CONFIG_RUST)"
check "engine.kind written to config.d" grep -q "kind: modern_ebpf" /etc/falco/config.d/engine-kind.yaml
check "falco-modern-bpf enabled as falco.service" test "$(readlink /etc/systemd/system/falco.service)" = /lib/systemd/system/falco-modern-bpf.service
check "falco.service active" until_ok 60 systemctl is-active --quiet falco.service
check "DKMS knows the module's sources" sh -c 'dkms status | grep -q "^falco/"'
doctor() { falco --doctor >/tmp/doctor.txt 2>/dev/null; }
check "falco --doctor: exit 0 for the engine chosen" doctor
check "falco --doctor: this kernel verified the probe" grep -q "\[ok\] probe: verified and attached" /tmp/doctor.txt
check "falco --doctor: kmod cannot run, for want of Rust" grep -q "built without CONFIG_RUST" /tmp/doctor.txt
cat /tmp/doctor.txt

# --- an alert in the journal --------------------------------------------------
check "journalctl -u falco holds the /etc/shadow alert" until_ok 180 alerted
journalctl -u falco --no-pager -o cat | tail -n 40
if [ "$FAILS" != 0 ]; then
  # Everything below needs a working falco.
  systemctl status falco --no-pager
  exit 1
fi

# --- file_output, JSON, read with jq ------------------------------------------
cat >/etc/falco/config.d/50-file-output.yaml <<'EOT'
json_output: true
file_output:
  enabled: true
  keep_alive: false
  filename: /var/log/falco/events.json
EOT
systemctl restart falco
events=/var/log/falco/events.json
in_events() { shadow_read; sleep 1; [ -s $events ] && jq -r .rule $events | grep -qx "$1"; }
check "file_output: jq -r .rule reads the alert" until_ok 180 in_events "Read sensitive file untrusted"

# --- the CKS flow: a rule in rules.d, restart, trigger, grep + jq --------------
# (Below /tmp: with rule_matching first, a write below /etc would go to
# the default "Write Below System Directory", loaded before rules.d.)
cat >/etc/falco/rules.d/cks.yaml <<'EOT'
- rule: CKS marker written
  desc: A file named cks-marker was created below /tmp (test rule).
  condition: evt.type in (open, openat, openat2) and evt.is_open_write = true and fd.name startswith /tmp/cks-marker
  output: CKS marker written (file=%fd.name user=%user.name command=%proc.cmdline)
  priority: WARNING
EOT
systemctl restart falco
marker() { touch "/tmp/cks-marker-$(date +%s%N)"; sleep 1; grep "CKS marker" $events | jq -r .rule | grep -qx "CKS marker written"; }
check "a rule dropped in rules.d fires after restart" until_ok 180 marker

# --- reload (SIGHUP) keeps the service running ----------------------------------
pid=$(systemctl show -p MainPID --value falco)
alerts_before=$(grep -c "CKS marker" $events)
check "systemctl reload falco" systemctl reload falco
check "same process after reload" test "$(systemctl show -p MainPID --value falco)" = "$pid"
more() { touch "/tmp/cks-marker-$(date +%s%N)"; sleep 1; [ "$(grep -c "CKS marker" $events)" -gt "$alerts_before" ]; }
check "alerts still come after reload" until_ok 180 more
check "still active after reload" systemctl is-active --quiet falco
rm -f /tmp/cks-marker-*

# --- upgrade: the admin's falco.yaml stays, our rules are replaced --------------
echo "# edited by the admin" >>/etc/falco/falco.yaml
echo "# edited default rules" >>/etc/falco/falco_rules.yaml
rm -rf /tmp/up && dpkg-deb -R "$deb" /tmp/up
sed -i 's/^Version: .*/&+up1/' /tmp/up/DEBIAN/control
dpkg-deb --root-owner-group -b /tmp/up /tmp/up.deb >/dev/null
out=$(apt-get install -y --no-install-recommends /tmp/up.deb 2>&1)
echo "$out"
check "upgrade installed" sh -c 'dpkg-query -W -f="\${Version}" falco-rs | grep -q "+up1$"'
check "edited falco.yaml survives the upgrade" grep -q "^# edited by the admin" /etc/falco/falco.yaml
check "falco_rules.yaml replaced by the upgrade" sh -c '! grep -q "edited default rules" /etc/falco/falco_rules.yaml'
check "the engine chosen before is kept" contains "$out" "engine: modern_ebpf"
check "active after the upgrade" until_ok 60 systemctl is-active --quiet falco.service

# --- remove, then purge ---------------------------------------------------------
check "apt-get remove" apt-get remove -y falco-rs
check "falco stopped by remove" sh -c '! pgrep -x falco'
check "binary gone, falco.yaml kept" sh -c '[ ! -e /usr/bin/falco ] && [ -e /etc/falco/falco.yaml ]'
# The admin's own files are the admin's to delete.
rm -f /etc/falco/rules.d/cks.yaml /etc/falco/config.d/50-file-output.yaml
check "apt-get purge" apt-get purge -y falco-rs
left=$(find / -xdev \( -path /proc -o -path /tmp/in -o -path /tmp/up -o -path /tmp/up.deb \) -prune -o \
  \( \( -name falco -o -name 'falco[._-]*' \) -print \) 2>/dev/null)
[ -z "$left" ] || echo "left behind: $left"
check "purge leaves no file behind" test -z "$left"

[ "$FAILS" = 0 ]
