#!/bin/bash
# Runs as PID 1 in the guest, on the overlay of the host's root: sets the guest up, runs the
# requested scenario groups and leaves summary.txt, verdict and guest.log in /results.
# It must end in poweroff: if PID 1 exits, the kernel panics and qemu stops with no verdict.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C LC_ALL=C
here=$(dirname "$0")

finish() {
  sync
  /bin/busybox poweroff -f
  echo o > /proc/sysrq-trigger
  sleep 60
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
# devtmpfs has no /dev/fd; bash's process substitution needs it.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /results
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results /results; then
  echo "loopfs-vm: cannot mount the results share" > /dev/console
  finish
fi
# shellcheck source=/dev/null
. /results/config.env
. "$here/lib.sh"
: > "$LOG"
: > "$SUMMARY"
say "guest up: $(uname -r), server $LOOPFS_VM_SERVER, groups $LOOPFS_VM_GROUPS"

setup_guest() {
  [ "$(uname -r)" = "$LOOPFS_VM_KVER" ] || { say "kernel $(uname -r) is not $LOOPFS_VM_KVER"; return 1; }
  # The unpacked modules of the booted kernel, where modprobe (and the kernel's
  # request_module, which runs /sbin/modprobe) look for them.
  mkdir -p "/lib/modules/$LOOPFS_VM_KVER"
  mount --bind "$LOOPFS_VM_KMODS" "/lib/modules/$LOOPFS_VM_KVER" || return 1
  hostname loopfs-vm
  ip link set lo up || return 1
  local m
  for m in virtio_blk ext4 nfsv3; do modprobe "$m" || { say "modprobe $m failed"; return 1; }; done
  sysctl -qw kernel.panic_on_oops=1 kernel.hung_task_timeout_secs=60
  mkdir -p "$DISK"
  mount -t ext4 /dev/vda "$DISK" || { say "cannot mount the data disk"; return 1; }
  mkdir -p "$EXPORT" "$SCRATCH" "$MNT"
  # tmpfs only to show what KNOWN_DIFFERENCES.md says about its readdir cookies.
  if [ "${LOOPFS_VM_EXPORT_FS:-ext4}" = tmpfs ]; then
    mount -t tmpfs -o size=1200m,mode=0755 tmpfs "$EXPORT" || return 1
  fi
  chmod 0755 "$DISK" "$EXPORT"
  mkdir -p /var/lib/nfs /run/rpcbind /var/run
  return 0
}

if setup_guest >> "$LOG" 2>&1; then
  . "$here/server-$LOOPFS_VM_SERVER.sh"
  for group in $LOOPFS_VM_GROUPS; do
    say "group $group"
    . "$here/group-$group.sh"
  done
  server_stop_final() { nfs_umount; server_stop; }
  SCEN_FAILS=$RESULTS/fails.teardown
  : > "$SCEN_FAILS"
  server_stop_final >> "$LOG" 2>&1
  [ -s "$SCEN_FAILS" ] && record FAIL teardown "$(head -n 3 "$SCEN_FAILS" | paste -sd '|')"
else
  record FAIL guest-setup "see the guest log"
fi
# Scenarios run in subshells and record into the summary file, which is the truth.
OVERALL=PASS
grep -q '^FAIL ' "$SUMMARY" && OVERALL=FAIL
if [ ! -s "$SUMMARY" ]; then
  record FAIL no-scenario "no scenario matched '$LOOPFS_VM_ONLY'"
  OVERALL=FAIL
fi
echo "$OVERALL" > "$RESULTS/verdict"
say "verdict $OVERALL after ${SECONDS}s"
finish
