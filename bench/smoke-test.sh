#!/usr/bin/env bash
# ctest bench.smoke: keeps the load generator working against a live loopfsd.  A few hundred
# calls of every kind and a small tree walk; it checks that nothing fails, never how fast.
# Usage: smoke-test.sh LOOPFS_BENCH LOOPFSD
set -euo pipefail
bench=$1
loopfsd=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/servers.sh
source "$here/servers.sh"

BENCH_WORK=$(mktemp -d /tmp/loopfs-bench-smoke.XXXXXX)
trap bench_cleanup EXIT
export_dir=$BENCH_WORK/export
mkdir -p "$export_dir"
"$bench" mktree --kind host --small --dir "$export_dir/bench-fixture"
"$bench" mktree --kind walk --dirs 3 --files 20 --dir "$export_dir/tree" >/dev/null

bench_start_loopfsd "$loopfsd" "$export_dir" "$BENCH_WORK/state" "$BENCH_WORK/loopfsd.log"
common=(--host 127.0.0.1 --nfs-port "$LOOPFSD_NFS_PORT" --mount-port "$LOOPFSD_MOUNT_PORT"
        --export / --server-pid "$LOOPFSD_PID")

"$bench" run "${common[@]}" --duration 20 --warmup 0 --max-calls 100 --connections 2 \
  --depth 4 --large-depth 2 --write-region 4 --tsv "$BENCH_WORK/run.tsv"
# Every test reported, and no server errors.
for t in getattr lookup access read4k read1m write1m create_remove readdirplus; do
  grep -q "^$t	" "$BENCH_WORK/run.tsv" || { echo "smoke: no result for $t" >&2; exit 1; }
done
if awk -F'\t' '$2 == "errors" && $3 != 0 { bad = 1 } END { exit !bad }' "$BENCH_WORK/run.tsv"; then
  echo "smoke: the server failed calls:" >&2
  grep 'errors' "$BENCH_WORK/run.tsv" >&2
  exit 1
fi

"$bench" walk "${common[@]}" --path tree --passes 2 --time-limit 60 --tsv "$BENCH_WORK/walk.tsv"
# 3 directories + 60 files in each pass.
grep -q "^walk	pass 2 entries	63	" "$BENCH_WORK/walk.tsv" ||
  { echo "smoke: walk did not see 63 entries" >&2; cat "$BENCH_WORK/walk.tsv" >&2; exit 1; }
"$bench" compare --a "$BENCH_WORK/run.tsv" >/dev/null
echo "smoke: ok"
