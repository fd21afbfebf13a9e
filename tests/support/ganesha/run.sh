#!/usr/bin/env bash
# Runs a command with LOOPFS_TEST_SERVER=ganesha inside a private network and
# mount namespace with its own rpcbind: nfs-ganesha refuses to start without
# rpcbind, and a private one keeps it from touching the machine's.
#
#   tests/support/ganesha/run.sh build/tests/integration/loopfs_integration_tests
#
# Needs root, nfs-ganesha and nfs-ganesha-vfs (tests/support/ganesha/install.sh).
set -euo pipefail
if [[ "${1:-}" != "--inside" ]]; then
  exec unshare --net --mount --propagation private "$0" --inside "$@"
fi
shift
ip link set lo up
# A private /run: rpcbind keeps its lock and socket there.
mount -t tmpfs tmpfs /run
mkdir -p /run/rpcbind
rpcbind -f &
rpcbind_pid=$!
trap 'kill "$rpcbind_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  rpcinfo -p 127.0.0.1 >/dev/null 2>&1 && break
  sleep 0.1
done
export LOOPFS_TEST_SERVER=ganesha
"$@"
