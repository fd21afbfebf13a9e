#!/usr/bin/env bash
# Host benchmark (issue 4 §1): loopfsd and nfs-ganesha side by side on identical tmpfs trees,
# driven by loopfs-bench over loopback, alternately for several rounds; prints the median of
# every metric for each server and the ratio loopfsd/ganesha.
#
# Usage: bench/host-bench.sh [--build DIR] [--rounds N] [--duration S] [--out DIR]
#                            [--only loopfsd|ganesha] [-- extra `loopfs-bench run` options]
# Needs root.  Runs at nice 10 in its own network and mount namespace (see servers.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/servers.sh
source "$here/servers.sh"

args=("$@")
build=/tmp/build-bench
rounds=3
duration=3
out=""
only=""
extra=()
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "host-bench: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
bench=$build/bin/loopfs-bench
loopfsd=$build/bin/loopfsd
[ -x "$bench" ] || { echo "host-bench: no $bench (build the Release tree first)" >&2; exit 1; }
if [ "$only" != ganesha ] && [ ! -x "$loopfsd" ]; then
  echo "host-bench: no $loopfsd (build target loopfsd, or use --only ganesha)" >&2
  exit 1
fi
[ "$only" = loopfsd ] || bench_install_ganesha

bench_enter_namespace "${args[@]}"

BENCH_WORK=$(mktemp -d /tmp/loopfs-host-bench.XXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
[ -n "$out" ] || out=/tmp/loopfs-bench-results/host-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"

servers=()
[ "$only" = ganesha ] || servers+=(loopfsd)
[ "$only" = loopfsd ] || servers+=(ganesha)

declare -A port mport pid export_path
for s in "${servers[@]}"; do
  bench_mount_tmpfs "$BENCH_WORK/$s" 2g
  "$bench" mktree --kind host --dir "$BENCH_WORK/$s/bench-fixture"
done
if [[ " ${servers[*]} " == *" loopfsd "* ]]; then
  bench_start_loopfsd "$loopfsd" "$BENCH_WORK/loopfsd" "$BENCH_WORK/loopfsd-state" \
    "$BENCH_WORK/loopfsd.log"
  port[loopfsd]=$LOOPFSD_NFS_PORT mport[loopfsd]=$LOOPFSD_MOUNT_PORT
  pid[loopfsd]=$LOOPFSD_PID export_path[loopfsd]=/
fi
if [[ " ${servers[*]} " == *" ganesha "* ]]; then
  bench_start_ganesha "$BENCH_WORK/ganesha" "$BENCH_WORK/ganesha-work" 42049 42050
  port[ganesha]=42049 mport[ganesha]=42050
  pid[ganesha]=$GANESHA_PID export_path[ganesha]=$BENCH_WORK/ganesha
fi

echo "# loopfs host benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# machine: $(bench_machine)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the cores are shared)"
echo "# $rounds rounds x ${duration}s per test, servers: ${servers[*]}"
for ((r = 1; r <= rounds; r++)); do
  # Alternate which server goes first, so drift over the run favours neither.
  order=("${servers[@]}")
  if ((r % 2 == 0)); then order=($(printf '%s\n' "${servers[@]}" | tac)); fi
  for s in "${order[@]}"; do
    echo "## round $r: $s"
    "$bench" run --host 127.0.0.1 --nfs-port "${port[$s]}" --mount-port "${mport[$s]}" \
      --export "${export_path[$s]}" --server-pid "${pid[$s]}" --duration "$duration" \
      --tsv "$out/$s.$r.tsv" "${extra[@]}"
  done
done

echo
echo "## medians over $rounds rounds ($(date -u '+%Y-%m-%d %H:%M UTC')," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg))"
if [ ${#servers[@]} -eq 2 ]; then
  "$bench" compare --name-a loopfsd --name-b ganesha --host-targets \
    --a "$out"/loopfsd.*.tsv --b "$out"/ganesha.*.tsv | tee "$out/table.md"
else
  s=${servers[0]}
  "$bench" compare --name-a "$s" --a "$out/$s".*.tsv | tee "$out/table.md"
fi
echo "(ratio = loopfsd/ganesha; raw TSV per run in $out)"
