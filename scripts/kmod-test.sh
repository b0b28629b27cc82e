#!/usr/bin/env bash
# The kernel module, proven in a VM: builds driver-rs/ with DKMS against
# the cached test kernel (scripts/kmod-dkms.sh, scripts/test-kernel.sh),
# builds static falco and the VM's test binaries, boots the kernel in qemu
# (TCG, 2 vCPUs) with a busybox initramfs holding them (plus python3 for
# the syscall workloads), and
# checks what comes back on the serial console:
#   - the module loads, a second load is refused, /dev/falco0 and
#     /dev/falco1 exist, bad ioctls are refused, unload works;
#   - libscap-rs/tests/modern_ebpf_events.rs passes inside the VM (the
#     eBPF engine on this kernel; the default flavour has BTF);
#   - libscap-rs/tests/kmod_events.rs passes inside the VM (every
#     parameter of every supported syscall's event, through the kmod
#     engine; a second consumer refused);
#   - falco -o engine.kind=kmod with our default rules raises the expected
#     alerts for workloads run in the VM, rmmod is refused meanwhile, a
#     rule added by a reload (SIGHUP) on a syscall not captured before
#     fires (the module's mask changed in place), and its rule-triggered
#     capture replays (our falco) and reads (sysdig) on the host;
#   - stress on a 64 KiB ring: bad ioctls/mmaps refused, a flood on both
#     CPUs with the consumer stalled (drops counted and reported, alerts
#     still raised afterwards), falco SIGKILLed, unload;
#   - the kernel log has no BUG, WARNING, oops or leak report.
# KERNEL_FLAVOUR=debug runs it all on the KASAN + lockdep build of the
# kernel (make test runs both). The VM powers itself off at the end; a
# hung VM is killed by a timeout.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test-kernel.sh
source "$here/scripts/test-kernel.sh"
# shellcheck source=vm.sh
source "$here/scripts/vm.sh"
kdir=$(build_kernel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log() { echo "kmod-test: $*" >&2; }

# The module, built the way a user's DKMS builds it (dkms.conf, through
# driver-rs/Makefile with KDIR) in a private DKMS tree.
ko=$(DKMS_WORK="$work/dkms" "$here/scripts/kmod-dkms.sh")
[ -f "$ko" ] || { log "falco.ko was not built"; exit 1; }

# Static binaries (glibc static-pie): they run in the initramfs as they are.
log "building static falco and the kmod event test"
export RUSTFLAGS="-C target-feature=+crt-static"
target=x86_64-unknown-linux-gnu
(cd "$here" && cargo build -q --release --target $target -p falco)
(cd "$here" && cargo test -q --release --target $target -p falco-scap --test kmod_events \
  --test modern_ebpf_events --no-run --message-format=json 2>/dev/null) > "$work/tests.json"
unset RUSTFLAGS
test_bin() { # NAME: the path of that test binary
  python3 - "$work/tests.json" "$1" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == sys.argv[2]:
        print(m["executable"])
PY
}
events_bin=$(test_bin kmod_events)
ebpf_bin=$(test_bin modern_ebpf_events)
[ -x "$events_bin" ] && [ -x "$ebpf_bin" ] || { log "the VM's test binaries were not built"; exit 1; }

root="$work/root"
vm_root "$root"
vm_add_python "$root"
cp "$ko" "$root/falco.ko"
cp "$here/target/$target/release/falco" "$root/usr/bin/falco"
cp "$events_bin" "$root/usr/bin/kmod_events"
cp "$ebpf_bin" "$root/usr/bin/modern_ebpf_events"
cat > "$root/ioctl_check.py" <<'PY'
# Bad requests to /dev/falco0 are refused with an errno, never accepted.
import errno, fcntl, mmap, os, struct
fd = os.open("/dev/falco0", os.O_RDWR)
def check(name, call):
    try:
        call()
        print(f"kmod-test: {name} ACCEPTED", flush=True)
    except OSError as e:
        print(f"kmod-test: {name} refused {errno.errorcode.get(e.errno)}", flush=True)
SET_SNAPLEN = 0x40044603
check("unknown ioctl", lambda: fcntl.ioctl(fd, 0x467F, 0))
check("snaplen too big", lambda: fcntl.ioctl(fd, SET_SNAPLEN, struct.pack("I", 10**6)))
check("snaplen bad pointer", lambda: fcntl.ioctl(fd, SET_SNAPLEN, 8))
check("mmap past the start", lambda: mmap.mmap(fd, 4096, offset=4096))
check("mmap too long", lambda: mmap.mmap(fd, 1 << 24))
check("second open", lambda: os.open("/dev/falco0", os.O_RDWR))
v = fcntl.ioctl(fd, 0x80084600, b"\0" * 8)
print(f"kmod-test: api version {struct.unpack('<Q', v)[0] >> 32}", flush=True)
os.close(fd)
PY
mkdir -p "$root/etc/falco"
cp "$here/cli/falco.yaml" "$here/rules/falco_rules.yaml" "$root/etc/falco/"
cat > "$root/init" <<'INIT'
#!/bin/sh
. /etc/vm-lib.sh
vm_mounts
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
# Loopback up: the workloads connect to 127.0.0.1.
ip link set lo up
echo "kmod-test: cpus $(grep -c ^processor /proc/cpuinfo)"
# The eBPF engine's event tests on this kernel too, where it has BTF.
if [ -e /sys/kernel/btf/vmlinux ]; then
  timeout 300 modern_ebpf_events --test-threads=1 2>&1
  echo "kmod-test: ebpf test ended with $?"
else
  echo "kmod-test: ebpf test skipped: no BTF"
fi
insmod /falco.ko && echo "kmod-test: insmod ok" || echo "kmod-test: insmod FAILED"
insmod /falco.ko 2>/dev/null && echo "kmod-test: second insmod ACCEPTED" || echo "kmod-test: second insmod refused"
ls /dev/falco* | tr '\n' ' ' | sed 's/^/kmod-test: devices /'; echo
echo "kmod-test: events test begins"
timeout 300 kmod_events --test-threads=1 2>&1
echo "kmod-test: events test ended with $?"

# falco with the kmod engine and our default rules, workloads that must
# alert, a rule-triggered capture of them.
echo "kmod-test: falco begins"
vm_falco /tmp/alerts.json /tmp/falco.log -o capture.enabled=true -o capture.mode=all_rules \
  -o capture.path_prefix=/tmp/cap -o capture.default_duration=30000
echo "kmod-test: falco ready: $falco_ready"
rmmod falco 2>/dev/null && echo "kmod-test: rmmod while open ACCEPTED" || echo "kmod-test: rmmod while open refused"
ln -s python3 /usr/bin/nginx
nginx -c 'import os; os.system("true")'
touch /etc/falco-kmod-test
python3 -c 'import socket
try:
    socket.create_connection(("127.0.0.1", 22), timeout=2)
except OSError:
    pass'
cp /bin/busybox /tmp/xmrig && /tmp/xmrig true 2>/dev/null
touch /tmp/suid && chmod u+s /tmp/suid
# A mount from inside a "container": a process moved into a docker-style
# cgroup (the pids controller enabled down to it) execs mount.
mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup
cid=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
echo +pids > /sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/docker/$cid
echo +pids > /sys/fs/cgroup/docker/cgroup.subtree_control
sh -c "echo \$\$ > /sys/fs/cgroup/docker/$cid/cgroup.procs; exec mount -t tmpfs none /mnt"
# A reload in place: a rule on a syscall nothing captured before is added
# to the rules file, then SIGHUP: the module's syscall mask follows, with
# the device open and capture on.
cat >> /etc/falco/falco_rules.yaml <<'RULE'

- rule: Kmod Reload Marker
  desc: added while falco runs
  condition: evt.type = getppid and evt.dir = < and proc.name = python3
  output: getppid after a reload (proc.name=%proc.name)
  priority: NOTICE
RULE
kill -HUP $falco_pid
for i in $(seq 1 120); do grep -q "Reloaded without reopening the engine" /tmp/falco.log && break; sleep 1; done
grep -q "The engine now captures" /tmp/falco.log && echo "kmod-test: syscall selection changed in place"
python3 -c 'import os; os.getppid()'
sleep 3
kill -INT $falco_pid
wait $falco_pid
echo "kmod-test: falco exited with $?"
dmesg -n 1
vm_emit alerts /tmp/alerts.json
vm_emit falco-log /tmp/falco.log
for f in /tmp/cap*; do [ -f "$f" ] && vm_emit capture "$f" && break; done
dmesg -n 7
rmmod falco && echo "kmod-test: rmmod ok" || echo "kmod-test: rmmod FAILED"

# Stress: a small ring (context switches captured too), bad ioctls, a
# syscall flood on both CPUs with everything captured, then falco killed
# mid-capture and the module unloaded.
echo "kmod-test: stress begins"
insmod /falco.ko buffer_bytes=65536 sched_switch=1 && echo "kmod-test: small-ring insmod ok"
timeout 120 kmod_events --test-threads=1 context_switches 2>&1
echo "kmod-test: switch test ended with $?"
python3 /ioctl_check.py
vm_falco /tmp/stress.json /tmp/falco-stress.log -A
echo "kmod-test: stress falco ready: $falco_ready"
# The consumer stalled while both CPUs flood: the ring must fill.
kill -STOP $falco_pid
dd if=/dev/zero of=/dev/null bs=1 count=200000 2>/dev/null &
dd_pid=$!
dd if=/dev/zero of=/dev/null bs=1 count=200000 2>/dev/null
wait $dd_pid
kill -CONT $falco_pid
# and flooding on while it catches up
dd if=/dev/zero of=/dev/null bs=1 count=200000 2>/dev/null &
dd_pid=$!
dd if=/dev/zero of=/dev/null bs=1 count=200000 2>/dev/null
wait $dd_pid
sleep 3
grep -q "syscall event drop" /tmp/stress.json && echo "kmod-test: drops reported"
# The consumer keeps up afterwards: a fresh workload still alerts.
before=$(grep -c "Read sensitive file untrusted" /tmp/stress.json)
after=$before
for i in $(seq 1 30); do
  cat /etc/shadow > /dev/null
  sleep 1
  after=$(grep -c "Read sensitive file untrusted" /tmp/stress.json)
  [ "$after" -gt "$before" ] && break
done
[ "$after" -gt "$before" ] && echo "kmod-test: alerts after the flood"
kill -9 $falco_pid
wait $falco_pid 2>/dev/null
rmmod falco && echo "kmod-test: rmmod after kill ok" || echo "kmod-test: rmmod after kill FAILED"
dmesg -n 1
vm_emit stress-log /tmp/falco-stress.log
dmesg -n 7
echo "kmod-test: done"
reboot -f
INIT
chmod +x "$root/init"
vm_pack "$root" "$work/initrd.gz"

log "booting the VM"
serial="$work/serial.log"
vm_boot "$kdir" "$work/initrd.gz" "$serial" 600
cp "$serial" "${KMOD_TEST_LOG:-/tmp/falco-kmod-test.log}"

fail=0
need() { grep -q "$1" "$serial" || { log "missing: $1"; fail=1; }; }
need "kmod-test: cpus 2"
if [ "${KERNEL_FLAVOUR:-}" = debug ]; then
  need "kmod-test: ebpf test skipped: no BTF"
else
  need "kmod-test: ebpf test ended with 0"
fi
need "kmod-test: insmod ok"
need "falco: 2 devices, 8388608 bytes per ring; attached to sys_exit, sched_process_exit, sched_process_exec"
need "kmod-test: second insmod refused"
need "kmod-test: devices /dev/falco0 /dev/falco1"
need "kmod-test: events test ended with 0"
need "kmod-test: rmmod ok"
need "kmod-test: done"
need "kmod-test: small-ring insmod ok"
need "falco: 2 devices, 65536 bytes per ring; attached to sys_exit, sched_process_exit, sched_process_exec, sched_switch"
need "kmod-test: switch test ended with 0"
need "kmod-test: unknown ioctl refused ENOTTY"
need "kmod-test: snaplen too big refused EINVAL"
need "kmod-test: snaplen bad pointer refused EFAULT"
need "kmod-test: mmap past the start refused EINVAL"
need "kmod-test: mmap too long refused EINVAL"
need "kmod-test: second open refused EBUSY"
need "kmod-test: api version 1"
need "kmod-test: stress falco ready: yes"
need "kmod-test: drops reported"
need "kmod-test: alerts after the flood"
need "kmod-test: rmmod after kill ok"
need "kmod-test: falco ready: yes"
need "kmod-test: rmmod while open refused"
need "kmod-test: falco exited with 0"
need "kmod-test: syscall selection changed in place"

# The alerts falco raised inside the VM, and its capture replayed here.
vm_extract "$serial" alerts "$work/alerts.json" || true
vm_extract "$serial" capture "$work/capture.scap" || true
alert() { # RULE FIELD VALUE: an alert of RULE whose output_fields FIELD is VALUE
  python3 - "$work/alerts.json" "$1" "$2" "$3" <<'PY' || { log "no '$1' alert with $2=$3"; fail=1; }
import json, sys
path, rule, field, value = sys.argv[1:]
for line in open(path):
    a = json.loads(line)
    if a["rule"] == rule and str(a["output_fields"].get(field)) == value:
        sys.exit(0)
sys.exit(1)
PY
}
alert "Read sensitive file untrusted" fd.name /etc/shadow
alert "Run shell untrusted" proc.pname nginx
alert "Write Below System Directory" fd.name /etc/falco-kmod-test
alert "Outbound Remote Admin Connection" fd.sport 22
alert "Crypto Miner Started" proc.name xmrig
alert "Setuid or Setgid Bit Set" evt.arg.filename /tmp/suid
alert "Mount Attempted in Container" container.id 0123456789ab
alert "Kmod Reload Marker" proc.name python3
if [ -s "$work/capture.scap" ]; then
  "$here/target/$target/release/falco" -c "$here/cli/falco.yaml" -r "$here/rules/falco_rules.yaml" \
    -o engine.kind=replay -o engine.replay.capture_file="$work/capture.scap" -o json_output=true \
    -o syslog_output.enabled=false -o log_syslog=false 2>/dev/null > "$work/replayed.json" || true
  grep -q '"rule":"Read sensitive file untrusted"' "$work/replayed.json" \
    || { log "replaying falco's VM capture gives no Read sensitive file untrusted alert"; fail=1; }
  if command -v sysdig >/dev/null; then
    seen=$(sysdig -r "$work/capture.scap" "evt.type=openat and fd.name=/etc/shadow" 2>/dev/null || true)
    grep -q "< openat fd=3(<f>/etc/shadow)" <<< "$seen" \
      || { log "sysdig does not show the openat of /etc/shadow in falco's VM capture"; fail=1; }
  fi
else
  log "falco wrote no capture in the VM"
  fail=1
fi
if grep -Eq "BUG:|WARNING:|Oops|Call Trace|kmemleak|general protection" "$serial"; then
  log "the kernel log reports a problem:"
  grep -E -A5 "BUG:|WARNING:|Oops|Call Trace|kmemleak|general protection" "$serial" >&2
  fail=1
fi
if [ "$fail" != 0 ]; then
  log "FAILED; serial log:"
  cat "$serial" >&2
  exit 1
fi
log "ok ($(grep -o 'falco: unloading.*' "$serial"))"
