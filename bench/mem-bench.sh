#!/usr/bin/env bash
# Memory benchmark (issue 4 §3): a server's RSS idle, and after walking a tree of
# DIRS × FILES entries (1000 × 1000 by default: a million files) twice with READDIRPLUS,
# LOOKUP and GETATTR of everything.  Targets for loopfsd: ≤ 32 MiB idle, ≤ 256 MiB after the
# walk, no growth on the second walk.
#
# Usage: bench/mem-bench.sh [--build DIR] [--server loopfsd|ganesha] [--dirs N] [--files N]
#                           [--time-limit SECONDS_PER_WALK] [--out DIR]
# Needs root.  Runs at nice 10 in its own network and mount namespace (see servers.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/servers.sh
source "$here/servers.sh"

args=("$@")
build=/tmp/build-bench
server=loopfsd
dirs=1000
files=1000
time_limit=600
out=""
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    --dirs) dirs=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --time-limit) time_limit=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "mem-bench: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
bench=$build/bin/loopfs-bench
[ -x "$bench" ] || { echo "mem-bench: no $bench (build the Release tree first)" >&2; exit 1; }
case "$server" in
  loopfsd)
    [ -x "$build/bin/loopfsd" ] || { echo "mem-bench: no $build/bin/loopfsd" >&2; exit 1; } ;;
  ganesha) bench_install_ganesha ;;
  *) echo "mem-bench: --server is loopfsd or ganesha" >&2; exit 2 ;;
esac

bench_enter_namespace "${args[@]}"

BENCH_WORK=$(mktemp -d /tmp/loopfs-mem-bench.XXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
[ -n "$out" ] || out=/tmp/loopfs-bench-results/mem-$server-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"

echo "# loopfs memory benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), server: $server"
echo "# machine: $(bench_machine)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the cores are shared)"
tree_root=$BENCH_WORK/export
bench_mount_tmpfs "$tree_root" 256m
start=$(date +%s.%N)
"$bench" mktree --kind walk --dirs "$dirs" --files "$files" --dir "$tree_root/tree" |
  sed 's/^/# tree: /'
echo "# tree built in $(echo "$(date +%s.%N) - $start" | bc) s on tmpfs"

if [ "$server" = loopfsd ]; then
  bench_start_loopfsd "$build/bin/loopfsd" "$tree_root" "$BENCH_WORK/state" \
    "$BENCH_WORK/loopfsd.log"
  pid=$LOOPFSD_PID nfs_port=$LOOPFSD_NFS_PORT mount_port=$LOOPFSD_MOUNT_PORT export_path=/
else
  bench_start_ganesha "$tree_root" "$BENCH_WORK/ganesha-work" 42049 42050
  pid=$GANESHA_PID nfs_port=42049 mount_port=42050 export_path=$tree_root
fi
sleep 2
idle_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
echo "idle             RSS $(awk -v k="$idle_rss" 'BEGIN {printf "%8.1f", k/1024}') MiB"
printf 'memory\tRSS MiB idle\t%s\tlower\n' "$(awk -v k="$idle_rss" 'BEGIN {print k/1024}')" \
  >"$out/idle.tsv"

"$bench" walk --host 127.0.0.1 --nfs-port "$nfs_port" --mount-port "$mount_port" \
  --export "$export_path" --server-pid "$pid" --path tree --passes 2 \
  --time-limit "$time_limit" --tsv "$out/walk.tsv"
echo
echo "## $server memory ($(date -u '+%Y-%m-%d %H:%M UTC'))"
"$bench" compare --name-a "$server" --a "$out/idle.tsv" "$out/walk.tsv" | tee "$out/table.md"
echo "(raw TSV in $out)"
