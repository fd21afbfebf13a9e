#!/usr/bin/env bash
# VM benchmark (issue 4 §2): fio through the real Linux NFS client against loopfsd, knfsd and
# nfs-ganesha, all in one qemu guest on its loopback, each exporting its own tmpfs, with a
# local tmpfs as the ceiling.  Boots the VM once (tests/vm/run-vm.sh --stage2), runs every job
# on every configuration in turn, prints one table: job, a column per configuration, and the
# ratios loopfsd/knfsd and loopfsd/ganesha (and, when they run, loopfsd_encrypt/gocryptfs and
# loopfsd_encrypt/loopfsd: issue 5).
#
# Usage: bench/vm-bench.sh [--build-dir DIR] [--servers LIST] [--jobs LIST] [--quick]
#                          [--size MIB] [--runtime S] [--files N]
#                          [--rounds N] [--timeout S] [--out DIR] [--keep]
#   --build-dir DIR  loopfsd is DIR/bin/loopfsd (default: build/ of this tree; --build too)
#   --servers LIST   comma-separated configurations, in start order (default
#                    loopfsd,knfsd,ganesha,tmpfs; the cfg_*_start sets in bench/vm/configs.sh)
#   --jobs LIST      seqwrite,seqread,randread-qd1,randread-qd16,randwrite-qd16,create,stat,
#                    remove (the default: all, in this order; seqread and the random jobs use
#                    the file seqwrite leaves, stat and remove the files create leaves)
#   --quick          smoke check: 16 MiB file, 2 s jobs, 100 files (3-5 minutes)
#   --size MIB (128), --runtime S (10), --files N (1000), --rounds N (1; more rounds print
#                    the median)
#   --timeout S      limit for the whole guest (default 1500)
#   --out DIR        keep the table and the raw RESULT lines there (default
#                    /tmp/loopfs-bench-results/vm-<time>)
#   --keep           keep run-vm's work dir: guest log, server logs, fio JSON per run
# Needs root (qemu, packages, the kernel cache of tests/vm).  Exit 0 when every job ran on
# every configuration, 1 when something failed (the table shows what did run), 2 usage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
run_vm=$repo/tests/vm/run-vm.sh
all_jobs=seqwrite,seqread,randread-qd1,randread-qd16,randwrite-qd16,create,stat,remove

build=$repo/build
servers=loopfsd,knfsd,ganesha,tmpfs
jobs=$all_jobs
size=128 runtime=10 files=1000 rounds=1
limit=1500
out=""
keep=0
quick=0

# The comment block at the top is the help text.
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
die() { echo "vm-bench: $*" >&2; exit 2; }
number() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive whole number, not '$2'"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir|--build|--servers|--jobs|--size|--runtime|--files|--rounds|--timeout|--out)
      [ $# -ge 2 ] || die "$1 needs a value (see --help)" ;;&
    --build-dir|--build) build=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --size) number "$1" "$2"; size=$2; shift 2 ;;
    --runtime) number "$1" "$2"; runtime=$2; shift 2 ;;
    --files) number "$1" "$2"; files=$2; shift 2 ;;
    --rounds) number "$1" "$2"; rounds=$2; shift 2 ;;
    --timeout) number "$1" "$2"; limit=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --quick) quick=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
# --quick means the fixed smoke sizes, whatever else the command line says.
if [ "$quick" = 1 ]; then size=16 runtime=2 files=100; fi

# A configuration exists when configs.sh defines its start function.
known=$(sed -n 's/^cfg_\([a-z0-9_]*\)_start() {.*/\1/p' "$here/vm/configs.sh" | xargs)
IFS=, read -ra cfgs <<< "$servers"
[ ${#cfgs[@]} -gt 0 ] || die "--servers is empty"
for c in "${cfgs[@]}"; do
  [[ " $known " == *" $c "* ]] || die "unknown configuration '$c' (known: $known)"
done
[ "$(printf '%s\n' "${cfgs[@]}" | sort | uniq -d)" = "" ] || die "--servers names one twice"
IFS=, read -ra job_list <<< "$jobs"
[ ${#job_list[@]} -gt 0 ] || die "--jobs is empty"
for j in "${job_list[@]}"; do
  [[ ",$all_jobs," == *",$j,"* ]] || die "unknown job '$j' (known: $all_jobs)"
done

has_cfg() { [[ " ${cfgs[*]} " == *" $1 "* ]]; }

loopfsd=$build/bin/loopfsd
if has_cfg loopfsd; then
  if [ ! -x "$loopfsd" ]; then
    echo "vm-bench: no $loopfsd. Build a Release loopfsd first:" >&2
    echo "  cmake -S $repo -B $build -DCMAKE_BUILD_TYPE=Release" >&2
    echo "  nice cmake --build $build -j2 --target loopfsd" >&2
    echo "or name another build with --build-dir DIR." >&2
    exit 2
  fi
  btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
  sanitize=$(sed -n 's/^LOOPFS_SANITIZE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
  if [ "$btype" != Release ] || [ "$sanitize" = ON ]; then
    echo "vm-bench: WARNING: $build is a '${btype:-unknown}' build (sanitizers: ${sanitize:-?});" \
      "benchmark a Release build" >&2
  fi
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "vm-bench: needs root (qemu, packages, tests/vm's kernel cache)" >&2
  exit 2
fi

# run-vm.sh installs qemu, nfs-kernel-server, fio and the rest; ganesha and jq (the guest
# reads fio's JSON with it) are ours to add.
need=(jq)
has_cfg ganesha && need+=(nfs-ganesha nfs-ganesha-vfs)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "vm-bench: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
    --no-install-recommends "${missing[@]}" > /dev/null
fi

[ -n "$out" ] || out=/tmp/loopfs-bench-results/vm-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
work=$(mktemp -d /tmp/loopfs-vm-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The small-file jobs' program, for the guest to run from the shared root.
g++ -std=c++20 -O2 -Wall -Wextra -Werror -o "$work/smallfiles" "$here/vm/smallfiles.cc" ||
  { echo "vm-bench: cannot build bench/vm/smallfiles.cc" >&2; exit 1; }

# The guest's PID 1: the settings, then guest-main.sh (the guest sees this file through the
# shared host root).
{
  echo '#!/bin/bash'
  printf 'export BENCH_%s=%q\n' CONFIGS "${cfgs[*]}" JOBS "${job_list[*]}" SIZE_MB "$size" \
    RUNTIME "$runtime" FILES "$files" ROUNDS "$rounds" SMALLFILES "$work/smallfiles"
  printf 'exec /bin/bash %q\n' "$here/vm/guest-main.sh"
} > "$work/stage2.sh"
chmod 0755 "$work/stage2.sh"

# run-vm.sh wants a server and a checker; the benchmark uses neither beyond the loopfsd path.
vm_args=(--stage2 "$work/stage2.sh" --checker /bin/true --timeout "$limit")
if [ -x "$loopfsd" ]; then
  vm_args+=(--server loopfsd --loopfsd "$loopfsd")
else
  vm_args+=(--server knfsd)
fi
[ "$keep" = 1 ] && vm_args+=(--keep)

echo "vm-bench: booting the VM (run-vm.sh, limit ${limit} s): ${cfgs[*]}; jobs ${job_list[*]}; ${size} MiB, ${runtime} s, ${files} files, ${rounds} round(s)"
start=$(date +%s)
set +e
"$run_vm" "${vm_args[@]}" 2>&1 | tee "$out/run.log" | grep -v '^RESULT \|^INFO \|^run-vm: booting\|^run-vm: PASS (\|^run-vm: FAIL ('
vm_rc=${PIPESTATUS[0]}
set -e
echo "vm-bench: the VM run took $(( $(date +%s) - start )) s (run-vm exit $vm_rc)"

grep '^RESULT ' "$out/run.log" > "$out/results.txt" || true
grep '^INFO ' "$out/run.log" | sed 's/^INFO /# /' > "$out/table.txt" || true
# The table: median over rounds per job and configuration; ratios of loopfsd to the other
# NFS servers and of the encrypted export to gocryptfs (tmpfs is the ceiling, not a
# competitor).
awk -v cfgs="${cfgs[*]}" -v jobs="${job_list[*]}" '
  function median(key,   n, i, j, t, v) {
    n = cnt[key]
    if (n == 0) return ""
    for (i = 1; i <= n; i++) v[i] = val[key, i]
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j] < v[j-1]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  function fmt(x) { return x == "" ? "-" : (x >= 100 ? sprintf("%.0f", x) : sprintf("%.1f", x)) }
  { key = $3 SUBSEP $4; val[key, ++cnt[key]] = $5 }
  END {
    nc = split(cfgs, c, " "); nj = split(jobs, jb, " ")
    for (i = 1; i <= nc; i++) present[c[i]] = 1
    # The comparisons that mean something, when both sides ran: loopfsd against the other
    # servers, the encrypted export against gocryptfs (FUSE) and against plain loopfsd.
    np = split("loopfsd:knfsd loopfsd:ganesha loopfsd_encrypt:gocryptfs loopfsd_encrypt:loopfsd", cand, " ")
    nr = 0
    for (i = 1; i <= np; i++) {
      split(cand[i], ab, ":")
      if (present[ab[1]] && present[ab[2]]) { ra[++nr] = ab[1]; r[nr] = ab[2] }
    }
    line = "| job | unit |"; sep = "| --- | --- |"
    for (i = 1; i <= nc; i++) { line = line " " c[i] " |"; sep = sep " ---: |" }
    for (i = 1; i <= nr; i++) { line = line " " ra[i] "/" r[i] " |"; sep = sep " ---: |" }
    print line; print sep
    for (k = 1; k <= nj; k++) {
      unit = jb[k] ~ /^seq/ ? "MB/s" : (jb[k] ~ /^rand/ ? "IOPS" : "files/s")
      line = "| " jb[k] " | " unit " |"
      for (i = 1; i <= nc; i++) { m[c[i]] = median(jb[k] SUBSEP c[i]); line = line " " fmt(m[c[i]]) " |" }
      for (i = 1; i <= nr; i++) {
        a = m[ra[i]]; b = m[r[i]]
        line = line " " ((a == "" || b == "" || b == 0) ? "-" : sprintf("%.2f", a / b)) " |"
      }
      print line
    }
  }' "$out/results.txt" >> "$out/table.txt"

echo
cat "$out/table.txt"
echo
echo "vm-bench: table and raw figures in $out"
if [ "$vm_rc" -ne 0 ]; then
  echo "vm-bench: FAILED (run-vm exit $vm_rc): see the FAIL lines and log tails above" >&2
  exit 1
fi
