#!/usr/bin/env bash
# The README's first command: installs what loopfs needs, builds it (Release,
# in build/), creates a small demo tree and starts loopfsd on it in the
# background, then prints how to mount it and look at it.
#   examples/demo.sh [--port N] [--mount-port M] [--dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

port=2049
mount_port=20048
demo=/var/tmp/loopfs-demo
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --mount-port) mount_port=$2; shift 2 ;;
    --dir) demo=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

echo "== installing dependencies"
tests/install-deps.sh build test
echo "== building (Release) in build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOOPFS_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target loopfsd loopfs

echo "== demo tree in $demo/export"
mkdir -p "$demo/export/docs" "$demo/export/photos" "$demo/state"
echo "Hello from loopfs. This file lives in $demo/export." > "$demo/export/README.txt"
printf 'line %d\n' $(seq 1 1000) > "$demo/export/docs/lines.txt"
head -c 1048576 /dev/urandom > "$demo/export/photos/random.bin"
ln -sf ../README.txt "$demo/export/docs/link-to-readme"

# rpcbind lets a plain `mount localhost:/ /mnt` find our ports.
if command -v rpcbind >/dev/null && ! pgrep -x rpcbind >/dev/null; then
  rpcbind -w 2>/dev/null || rpcbind || true
fi

if [ -f "$demo/loopfsd.pid" ] && kill -0 "$(cat "$demo/loopfsd.pid")" 2>/dev/null; then
  echo "== stopping the previous demo loopfsd (pid $(cat "$demo/loopfsd.pid"))"
  kill "$(cat "$demo/loopfsd.pid")"
  sleep 1
fi

echo "== starting loopfsd"
rm -f "$demo/ready"
build/bin/loopfsd --export "/=$demo/export" --option no_root_squash --option insecure \
  --port "$port" --mount-port "$mount_port" --state-dir "$demo/state" \
  >"$demo/ready" 2>"$demo/loopfsd.log" &
pid=$!
echo $pid > "$demo/loopfsd.pid"
for _ in $(seq 50); do
  grep -q '^loopfsd ready' "$demo/ready" 2>/dev/null && break
  if ! kill -0 $pid 2>/dev/null; then
    echo "loopfsd did not start; its log ($demo/loopfsd.log) says:" >&2
    cat "$demo/loopfsd.log" >&2
    exit 1
  fi
  sleep 0.2
done
cat "$demo/ready"

url="nfs://127.0.0.1/?version=3&nfsport=$port&mountport=$mount_port"
echo "== listing it with libnfs: nfs-ls '$url'"
nfs-ls "$url" || echo "(nfs-ls failed; see $demo/loopfsd.log)"

cat <<MSG

loopfsd is running (pid $pid), serving $demo/export as localhost:/
  log:     $demo/loopfsd.log
  status:  $top/build/bin/loopfs --state-dir $demo/state status
  stop:    kill $pid

Mount it with the kernel's NFS client (needs an NFS-capable kernel, as root):
  with rpcbind running:   mount -t nfs -o nolock localhost:/ /mnt
  without rpcbind:        mount -t nfs -o vers=3,proto=tcp,port=$port,mountport=$mount_port,mountproto=tcp,nolock localhost:/ /mnt
Or look at it from user space with libnfs:
  nfs-ls '$url'
  nfs-cat 'nfs://127.0.0.1//README.txt?version=3&nfsport=$port&mountport=$mount_port'   (export "/", then the file: two slashes)
MSG
