#!/bin/busybox sh
# /init of the guest's initramfs: load the modules that reach the host's root over 9p, put a
# tmpfs overlay on top of it (the host root is read-only) and hand over to stage2.sh.
# If anything here fails the kernel panics (panic=-1 + -no-reboot end qemu), and the host
# reports "no verdict" with the console tail.
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /lower /rw /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# Order matters: virtio_ring before virtio, the transports before 9p.
for m in $(cat /modules.order); do
  insmod "/mods/$m.ko" || { echo "init: insmod $m failed"; exit 1; }
done

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower ||
  { echo "init: cannot mount the host root"; exit 1; }
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
  { echo "init: cannot mount the overlay"; exit 1; }

stage2=""
for arg in $(cat /proc/cmdline); do
  case "$arg" in loopfs_stage2=*) stage2=${arg#loopfs_stage2=} ;; esac
done
[ -n "$stage2" ] || { echo "init: no loopfs_stage2= on the command line"; exit 1; }

mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /bin/bash "$stage2"
