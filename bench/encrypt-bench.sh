#!/usr/bin/env bash
# Encrypted against plain exports (issue 5): two loopfsd instances side by side on identical
# tmpfs trees, one serving the tree as is, the other serving a gocryptfs-format vault of the
# same tree through the encrypt layer; loopfs-bench drives both alternately and the table
# gives the ratio encrypted/plain (target: >= 0.8 on 1 MiB READ and WRITE).
#
# Usage: bench/encrypt-bench.sh [--build DIR] [--rounds N] [--duration S] [--out DIR]
#                               [-- extra `loopfs-bench run` options]
# Needs root and gocryptfs (FUSE) to write the vault's fixture.  Private namespaces as
# host-bench.sh (see servers.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/servers.sh
source "$here/servers.sh"

args=("$@")
build=/tmp/build-bench
rounds=3
duration=3
out=""
extra=()
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "encrypt-bench: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
bench=$build/bin/loopfs-bench
loopfsd=$build/bin/loopfsd
loopfs=$build/bin/loopfs
for b in "$bench" "$loopfsd" "$loopfs"; do
  [ -x "$b" ] || { echo "encrypt-bench: no $b (build the Release tree first)" >&2; exit 1; }
done
command -v gocryptfs >/dev/null ||
  { echo "encrypt-bench: needs gocryptfs (apt-get install gocryptfs)" >&2; exit 1; }

bench_enter_namespace "${args[@]}"

BENCH_WORK=$(mktemp -d /tmp/loopfs-encrypt-bench.XXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
[ -n "$out" ] || out=/tmp/loopfs-bench-results/encrypt-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"

# The plain tree.
bench_mount_tmpfs "$BENCH_WORK/plain" 2g
"$bench" mktree --kind host --dir "$BENCH_WORK/plain/bench-fixture" >/dev/null

# The same tree in a vault, written through the real gocryptfs.
bench_mount_tmpfs "$BENCH_WORK/enc" 2g
pass=$BENCH_WORK/passphrase
echo "encrypt-bench passphrase" >"$pass"
mkdir -p "$BENCH_WORK/enc/vault" "$BENCH_WORK/view"
"$loopfs" encrypt init "$BENCH_WORK/enc/vault" --passfile "$pass" --scrypt-logn 12 >/dev/null
gocryptfs -q -nosyslog -passfile "$pass" "$BENCH_WORK/enc/vault" "$BENCH_WORK/view"
"$bench" mktree --kind host --dir "$BENCH_WORK/view/bench-fixture" >/dev/null
fusermount -u "$BENCH_WORK/view"
cat >"$BENCH_WORK/encrypted.toml" <<CONF
[[export]]
path = "/"
options = ["rw", "no_root_squash", "insecure"]
layers = [ { type = "encrypt", passfile = "$pass" },
           { type = "posix", root = "$BENCH_WORK/enc/vault" } ]
CONF

declare -A port mport pid
bench_start_loopfsd "$loopfsd" "$BENCH_WORK/plain" "$BENCH_WORK/plain-state" \
  "$BENCH_WORK/plain.log"
port[plain]=$LOOPFSD_NFS_PORT mport[plain]=$LOOPFSD_MOUNT_PORT pid[plain]=$LOOPFSD_PID
bench_launch_loopfsd "$loopfsd" "$BENCH_WORK/enc-state" "$BENCH_WORK/encrypted.log" \
  --config "$BENCH_WORK/encrypted.toml"
port[encrypted]=$LOOPFSD_NFS_PORT mport[encrypted]=$LOOPFSD_MOUNT_PORT
pid[encrypted]=$LOOPFSD_PID

servers=(encrypted plain)
echo "# loopfs encrypted vs plain exports, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# machine: $(bench_machine)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the cores are shared)"
echo "# $rounds rounds x ${duration}s per test"
for ((r = 1; r <= rounds; r++)); do
  order=("${servers[@]}")
  if ((r % 2 == 0)); then order=(plain encrypted); fi
  for s in "${order[@]}"; do
    echo "## round $r: $s"
    "$bench" run --host 127.0.0.1 --nfs-port "${port[$s]}" --mount-port "${mport[$s]}" \
      --export / --server-pid "${pid[$s]}" --duration "$duration" \
      --tsv "$out/$s.$r.tsv" "${extra[@]}"
  done
done

echo
echo "## medians over $rounds rounds ($(date -u '+%Y-%m-%d %H:%M UTC')," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$bench" compare --name-a encrypted --name-b plain \
  --a "$out"/encrypted.*.tsv --b "$out"/plain.*.tsv | tee "$out/table.md"
echo "(ratio = encrypted/plain; target >= 0.8 on read1m and write1m; raw TSV in $out)"
