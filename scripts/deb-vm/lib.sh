#!/bin/bash
# What the guest tests of scripts/deb-test.sh share (sourced from the input
# disk, /tmp/in/lib.sh): checks that count failures, polling with a
# deadline, and the /etc/shadow read of the CKS course by an unprivileged
# user through sudo.
FAILS=0
check() { # check DESCRIPTION CMD...
  local d=$1
  shift
  if "$@"; then echo "CHECK ok   $d"; else echo "CHECK FAIL $d"; FAILS=$((FAILS + 1)); fi
}
# until_ok SECONDS CMD...: CMD succeeds within SECONDS (polled every second).
until_ok() {
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 1
  done
}
contains() { grep -q -- "$2" <<<"$1"; }

# An unprivileged user who may sudo, made once per disk.
id alice >/dev/null 2>&1 || {
  useradd -m alice
  echo 'alice ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/alice
}
shadow_read() { runuser -u alice -- sudo cat /etc/shadow >/dev/null; }
# journal_has PATTERN [journalctl options...]: falco's journal holds PATTERN.
journal_has() {
  local pattern=$1
  shift
  journalctl -u falco --no-pager -o cat "$@" | grep -q -- "$pattern"
}
shadow_alert="Sensitive file opened for reading by an untrusted program.*command=cat /etc/shadow"
# alerted [journalctl options...]: reads /etc/shadow, then finds the alert.
alerted() { shadow_read; sleep 1; journal_has "$shadow_alert" "$@"; }
