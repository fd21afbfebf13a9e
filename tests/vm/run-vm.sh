#!/usr/bin/env bash
# Boots Debian's own kernel under qemu (TCG) with the host's / shared read-only over 9p and
# runs one group of kernel-mount scenarios against loopfsd or knfsd inside the guest.
#
# The host kernel has no NFS client and cannot load modules, so the real Linux client only
# exists inside this VM.  Everything the guest runs (loopfsd, mount.nfs, fio, the POSIX
# checker) is the host's own binary seen through the 9p share; the guest writes its log and
# verdict to a second, writable 9p share (a host temp dir), which survives a guest panic.
#
# Usage: run-vm.sh [--server loopfsd|loopfsd-encrypt|knfsd] [--loopfsd PATH] [--checker PATH]
#                  [--group basic|load|restart]... [--only GLOB[,GLOB...]] [--timeout SEC]
#                  [--keep] [--export-fs ext4|tmpfs] [--stage2 FILE]
# --stage2: a guest script to run instead of guest/stage2.sh (bench/vm-bench.sh uses it).
# Exit: 0 all scenarios passed (or failed only where KNOWN_DIFFERENCES.md says knfsd fails
# too), 1 a scenario failed, 2 usage or set-up error, 124 the guest hit the time limit,
# 77 not root (ctest: skipped).
# See tests/vm/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${LOOPFS_VM_CACHE:-/var/cache/loopfs-vm}
server=loopfsd
loopfsd=""
checker=""
groups=()
only="*"
limit=${LOOPFS_VM_TIMEOUT:-900}
keep=${LOOPFS_VM_KEEP:-0}
export_fs=ext4
stage2=$here/guest/stage2.sh

die() { echo "run-vm: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --server|--loopfsd|--checker|--group|--only|--timeout|--export-fs|--stage2)
      [ $# -ge 2 ] || die "$1 needs a value" ;;&
    --server) server=$2; shift 2 ;;
    --loopfsd) loopfsd=$2; shift 2 ;;
    --checker) checker=$2; shift 2 ;;
    --group) groups+=("$2"); shift 2 ;;
    --only) only=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --export-fs) export_fs=$2; shift 2 ;;
    --stage2) stage2=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ ${#groups[@]} -gt 0 ] || groups=(basic)
for g in "${groups[@]}"; do
  [[ "$g" =~ ^[a-z0-9_-]+$ ]] && [ -f "$here/guest/group-$g.sh" ] || die "unknown group '$g'"
done
# Globs over scenario ids; the guest reads this back, so nothing else may pass.
[[ "$only" =~ ^[][A-Za-z0-9_.*?,-]+$ ]] || die "--only takes comma-separated globs of [A-Za-z0-9_.*?-]"
case "$server" in
  loopfsd|loopfsd-encrypt)
    [ -n "$loopfsd" ] || die "--server $server needs --loopfsd PATH"
    [ -x "$loopfsd" ] || die "loopfsd '$loopfsd' is not executable"
    loopfsd=$(realpath "$loopfsd")
    # The guest makes its vault with the loopfs tool built next to loopfsd.
    [ "$server" = loopfsd ] || [ -x "$(dirname "$loopfsd")/loopfs" ] ||
      die "--server $server needs the loopfs tool next to loopfsd ($(dirname "$loopfsd")/loopfs)" ;;
  knfsd) ;;
  *) die "--server must be loopfsd, loopfsd-encrypt or knfsd" ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  # ctest counts 77 as skipped: the suite needs root (packages, the kernel cache, qemu).
  echo "run-vm: SKIP: must run as root (installs packages and fills $cache)" >&2
  exit 77
fi
[[ "$limit" =~ ^[0-9]+$ ]] || die "--timeout wants seconds"
case "$export_fs" in ext4|tmpfs) ;; *) die "--export-fs must be ext4 or tmpfs" ;; esac
# The guest finds it through the shared root, by a path on the kernel command line.
[ -f "$stage2" ] || die "--stage2 '$stage2' is not a file"
stage2=$(realpath "$stage2")
case "$stage2" in *[[:space:]\"\']*) die "--stage2 path must not hold spaces or quotes" ;; esac

# --- host packages --------------------------------------------------------------------------
# nfs-common, rpcbind, fio, dbench and nfs-kernel-server are never run on the host: the guest
# runs them from the shared root.
pkgs=(qemu-system-x86 busybox-static cpio kmod nfs-common rpcbind fio dbench
      nfs-kernel-server e2fsprogs iproute2 util-linux g++)
# The encrypted export's plaintext view in the guest is the real gocryptfs (FUSE).
[ "$server" = loopfsd-encrypt ] && pkgs+=(gocryptfs fuse3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run-vm: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Other jobs may hold the dpkg lock; wait for it rather than fail.
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null
fi

# --- kernel, modules and headers in the cache -----------------------------------------------
# The exact package linux-image-amd64 depends on; never a wildcard (that pulls every kernel).
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
resolve_kernel() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
kpkg=$(resolve_kernel)
if [ -z "$kpkg" ]; then
  # A fresh container may have no package lists (they are needed for the download too).
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  kpkg=$(resolve_kernel)
fi
[ -n "$kpkg" ] || die "cannot resolve the kernel linux-image-amd64 depends on"
kver=${kpkg#linux-image-}
kroot="$cache/$kver"
if [ ! -f "$kroot/.complete" ]; then
  echo "run-vm: fetching $kpkg and its headers into $cache"
  rm -rf "$kroot" && mkdir -p "$kroot/debs"
  hdr="linux-headers-$kver"
  # The headers for out-of-tree modules also need the -common headers and kbuild; take the
  # ones this package names, one by one.
  hdr_deps=$(apt-cache depends "$hdr" | awk '/Depends: linux-(headers|kbuild)-/ { print $2 }')
  (cd "$kroot/debs" && apt-get -o APT::Sandbox::User=root download "$kpkg" "$hdr" $hdr_deps \
    >/dev/null)
  for deb in "$kroot"/debs/*.deb; do dpkg -x "$deb" "$kroot/root"; done
  # The .deb ships no modules.dep; modprobe in the guest needs it.
  depmod -b "$kroot/root" "$kver"
  rm -rf "$kroot/debs"
  touch "$kroot/.complete"
fi
flock -u 9
kimage="$kroot/root/boot/vmlinuz-$kver"
kmods="$kroot/root/lib/modules/$kver"
[ -f "$kimage" ] || die "no kernel image at $kimage"

# --- per-run work dir -----------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/loopfs-vm.XXXXXX")
qpid=""
cleanup() {
  [ -n "$qpid" ] && kill -9 "$qpid" 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "run-vm: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/results" "$work/initrd/bin" "$work/initrd/mods"

# POSIX checker: a host binary the guest runs from the shared root.
if [ -z "$checker" ]; then
  checker="$work/posix_check"
  g++ -std=c++20 -O1 -Wall -Wextra -o "$checker" "$here/posix_check.cc" ||
    die "cannot build the POSIX checker"
fi
checker=$(realpath "$checker")

# --- initramfs: busybox plus the modules needed to reach the 9p root ------------------------
cp /bin/busybox "$work/initrd/bin/busybox"
: > "$work/initrd/modules.order"
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache \
         9pnet 9pnet_virtio 9p overlay; do
  path=$(modinfo -b "$kroot/root" -k "$kver" -n "$m" 2>/dev/null) ||
    die "module $m not found in $kmods"
  case "$path" in /*) ;; *) die "module $m is not a loadable module ($path)" ;; esac
  cp "$path" "$work/initrd/mods/$m.ko"
  echo "$m" >> "$work/initrd/modules.order"
done
install -m 0755 "$here/guest/initramfs-init.sh" "$work/initrd/init"
(cd "$work/initrd" && find . | cpio -o -H newc --quiet | gzip -1 > "$work/initrd.gz")

# --- data disk: ext4 for the exports (tmpfs readdir cookies are positional on 6.1) ----------
truncate -s 6G "$work/disk.img"
mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 "$work/disk.img"

# Read by the guest's stage2.sh; %q keeps every value one shell word.
{
  printf 'LOOPFS_VM_%s=%q\n' SERVER "$server" LOOPFSD "$loopfsd" CHECKER "$checker" \
    GROUPS "${groups[*]}" ONLY "$only" KVER "$kver" KMODS "$kmods" SRC "$here" \
    EXPORT_FS "$export_fs"
} > "$work/results/config.env"

# --- boot -----------------------------------------------------------------------------------
echo "run-vm: booting $kver for '${groups[*]}' against $server (limit ${limit}s)"
start=$(date +%s)
set +e
timeout --kill-after=15 "$limit" qemu-system-x86_64 \
  -accel tcg -m 2048 -smp 2 -display none -no-reboot -net none -monitor none \
  -serial "file:$work/console.log" \
  -kernel "$kimage" -initrd "$work/initrd.gz" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$work/results,mount_tag=results,security_model=none,multidevs=remap" \
  -drive "file=$work/disk.img,if=virtio,format=raw,cache=unsafe" \
  -append "console=ttyS0 quiet panic=-1 loopfs_stage2=$stage2" &
qpid=$!
wait "$qpid"
qrc=$?
qpid=""
set -e
elapsed=$(( $(date +%s) - start ))

# --- verdict --------------------------------------------------------------------------------
summary="$work/results/summary.txt"
[ -f "$summary" ] && cat "$summary"
verdict=$(cat "$work/results/verdict" 2>/dev/null || true)
show_tails() {
  echo "---- guest log (tail) ----"
  tail -n 60 "$work/results/guest.log" 2>/dev/null || echo "(no guest log)"
  echo "---- console (tail) ----"
  tail -n 30 "$work/console.log" 2>/dev/null || echo "(no console output)"
}
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
  echo "run-vm: TIMEOUT after ${elapsed}s: the guest did not finish within ${limit}s"
  show_tails
  exit 124
fi
case "$verdict" in
  PASS) echo "run-vm: PASS ($server: ${groups[*]}, ${elapsed}s)"; exit 0 ;;
  FAIL) show_tails
        echo "---- failed scenarios ----"
        grep '^FAIL ' "$summary"
        echo "run-vm: FAIL ($server: ${groups[*]}, ${elapsed}s)"; exit 1 ;;
  *) echo "run-vm: FAIL: the guest gave no verdict (qemu exit $qrc, ${elapsed}s)"; show_tails
     exit 1 ;;
esac
