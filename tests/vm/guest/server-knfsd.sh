# Server control for knfsd (Debian's nfs-kernel-server): the baseline.  Same interface as
# server-loopfsd.sh.  knfsd's "kill -9" is stopping every nfsd thread (rpc.nfsd 0, which
# closes its sockets) and SIGKILLing rpc.mountd; its SIGHUP is exportfs -ra.

MOUNT_PATH=$EXPORT       # NFSv3 has no pseudo root: knfsd is mounted by its real path
SERVER_LOG=$RESULTS/knfsd.log
MOUNTD_PID_FILE=/run/loopfs-vm-mountd.pid

rpcbind_start() {
  pgrep -x rpcbind > /dev/null && return 0
  mkdir -p /run/rpcbind
  rpcbind -w
}
rpcbind_stop() {
  pkill -x rpcbind
  local i
  for i in $(seq 50); do pgrep -x rpcbind > /dev/null || return 0; sleep 0.1; done
}

knfsd_setup() {
  [ -d /proc/fs/nfsd ] && mountpoint -q /proc/fs/nfsd && return 0
  modprobe nfsd || { fail "modprobe nfsd"; return 1; }
  mount -t nfsd nfsd /proc/fs/nfsd
  mkdir -p /var/lib/nfs/v4recovery /run/rpc_pipefs
  # v3 only, like loopfsd (so a plain mount negotiates down to v3 on both); no
  # manage-gids: the checker's users exist only as numbers.
  cat > /etc/nfs.conf <<'CONF'
[mountd]
manage-gids=n
[nfsd]
vers4=n
vers4.0=n
vers4.1=n
vers4.2=n
CONF
  echo "$EXPORT *(rw,sync,no_subtree_check,no_root_squash,insecure)" > /etc/exports
}

server_start() {
  local mode=${1:-rpcbind}
  knfsd_setup || return 1
  # knfsd and rpc.mountd cannot start without rpcbind; for "norpcbind" it is stopped after.
  rpcbind_start
  echo "==== start ($mode) at ${SECONDS}s" >> "$SERVER_LOG"
  exportfs -ra >> "$SERVER_LOG" 2>&1 || fail "exportfs -ra"
  if ! { [ -f "$MOUNTD_PID_FILE" ] && kill -0 "$(cat "$MOUNTD_PID_FILE")" 2>/dev/null; }; then
    rpc.mountd -F -p "$MOUNT_PORT" -N 4 >> "$SERVER_LOG" 2>&1 &
    echo $! > "$MOUNTD_PID_FILE"
  fi
  rpc.nfsd -p "$NFS_PORT" -N 4 8 >> "$SERVER_LOG" 2>&1 || { fail "rpc.nfsd 8"; return 1; }
  sleep 1
  [ "$mode" = norpcbind ] && rpcbind_stop
  echo "$mode" > /run/loopfs-vm-mode
  return 0
}
server_stop() {
  rpc.nfsd 0 >> "$SERVER_LOG" 2>&1
  exportfs -ua >> "$SERVER_LOG" 2>&1
  if [ -f "$MOUNTD_PID_FILE" ]; then
    kill -TERM "$(cat "$MOUNTD_PID_FILE")" 2>/dev/null
    wait "$(cat "$MOUNTD_PID_FILE")" 2>/dev/null
    rm -f "$MOUNTD_PID_FILE"
  fi
  rm -f /run/loopfs-vm-mode
  return 0
}
server_kill9() {
  rpc.nfsd 0 >> "$SERVER_LOG" 2>&1
  if [ -f "$MOUNTD_PID_FILE" ]; then
    kill -9 "$(cat "$MOUNTD_PID_FILE")" 2>/dev/null
    wait "$(cat "$MOUNTD_PID_FILE")" 2>/dev/null
    rm -f "$MOUNTD_PID_FILE"
  fi
  return 0
}
server_reload() { exportfs -ra >> "$SERVER_LOG" 2>&1 || fail "exportfs -ra"; }
server_running() { [ "$(cat /proc/fs/nfsd/threads 2>/dev/null)" -gt 0 ] 2>/dev/null; }
server_alive() { return 0; }
server_reap() { :; }
server_log_tail() { tail -n 15 "$SERVER_LOG"; }
ensure_server() {
  local mode=${1:-rpcbind}
  if server_running && [ "$mode" = "$(cat /run/loopfs-vm-mode 2>/dev/null)" ]; then return 0; fi
  server_stop
  server_start "$mode"
}
