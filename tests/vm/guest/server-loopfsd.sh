# Server control for loopfsd, which runs inside the guest as a child of the scenario shell.
# Contract (see tests/vm/README.md): it prints "loopfsd ready nfs=<port> mount=<port>" once it
# serves; SIGTERM is a clean exit, SIGHUP a reload.

MOUNT_PATH=/
STATE_DIR=/var/lib/loopfs-vm-state   # the handle key lives here: must survive restarts
SERVER_PID_FILE=/run/loopfs-vm-server.pid
SERVER_RC_FILE=/run/loopfs-vm-server.rc
SERVER_LOG=$RESULTS/loopfsd.log

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

server_pid() { cat "$SERVER_PID_FILE" 2>/dev/null; }

# loopfsd_args: sets LOOPFSD_ARGS, the daemon's command line without the rpcbind switch (the
# one place a variant such as server-loopfsd-encrypt.sh changes what is served).
loopfsd_args() {
  LOOPFSD_ARGS=(--export "/=$EXPORT" --option no_root_squash --port "$NFS_PORT"
                --mount-port "$MOUNT_PORT" --state-dir "$STATE_DIR")
}

# server_start [rpcbind|norpcbind]: start loopfsd on the fixed ports and wait for "ready".
server_start() {
  local mode=${1:-rpcbind} args out pid ready="" i
  loopfsd_args
  args=("${LOOPFSD_ARGS[@]}")
  if [ "$mode" = norpcbind ]; then
    rpcbind_stop
    args+=(--no-rpcbind)
  else
    rpcbind_start
  fi
  mkdir -p "$STATE_DIR"
  out=/run/loopfsd.out.$(date +%s%N)
  echo "==== start ($mode) at ${SECONDS}s: loopfsd ${args[*]}" >> "$SERVER_LOG"
  log "+ $LOOPFS_VM_LOOPFSD ${args[*]}"
  rm -f "$SERVER_PID_FILE" "$SERVER_RC_FILE"
  # Scenarios run in subshells, so loopfsd outlives the one that started it; this watcher
  # keeps its exit status for server_stop.  ASan: a leak at exit is a failed clean exit.
  (
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
      "$LOOPFS_VM_LOOPFSD" "${args[@]}" > "$out" 2>> "$SERVER_LOG" < /dev/null &
    echo $! > "$SERVER_PID_FILE"
    wait $!
    echo $? > "$SERVER_RC_FILE"
  ) &
  for i in $(seq 50); do [ -s "$SERVER_PID_FILE" ] && break; sleep 0.1; done
  pid=$(server_pid)
  # ASan builds start slowly under TCG.
  for i in $(seq 1200); do
    ready=$(grep -m1 '^loopfsd ready ' "$out" 2>/dev/null)
    [ -n "$ready" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$ready" ]; then
    fail "loopfsd start ($mode)" "a 'loopfsd ready' line" \
      "$(kill -0 "$pid" 2>/dev/null && echo 'nothing in 120 s' || echo 'it exited'): $(server_log_tail | tr '\n' ' ')"
    kill -9 "$pid" 2>/dev/null
    rm -f "$SERVER_PID_FILE"  # reported here; not a crash for run_scenario to report again
    return 1
  fi
  log "loopfsd pid $pid: $ready"
  expect_eq "ready line" "loopfsd ready nfs=$NFS_PORT mount=$MOUNT_PORT" "$ready"
}

# server_stop: SIGTERM, which must end loopfsd with status 0 within 30 s.
server_stop() {
  local pid rc i
  pid=$(server_pid)
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    fail "loopfsd exit on SIGTERM" "exit within 30 s" "still running"
    kill -9 "$pid"
  fi
  for i in $(seq 50); do [ -s "$SERVER_RC_FILE" ] && break; sleep 0.1; done
  rc=$(cat "$SERVER_RC_FILE" 2>/dev/null || echo unknown)
  rm -f "$SERVER_PID_FILE"
  [ "$rc" = 0 ] || fail "loopfsd exit status on SIGTERM" 0 "$rc ($(tail -n 2 "$SERVER_LOG" | tr '\n' ' '))"
}

server_kill9() {
  local pid i
  pid=$(server_pid)
  [ -n "$pid" ] && kill -9 "$pid"
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$SERVER_PID_FILE"
  return 0
}

# server_reload: SIGHUP; loopfsd must keep serving.
server_reload() {
  local pid
  pid=$(server_pid)
  kill -HUP "$pid" || { fail "SIGHUP" "a running loopfsd" "no process"; return 1; }
  sleep 1
  kill -0 "$pid" 2>/dev/null || fail "loopfsd after SIGHUP" "running" "exited"
}

server_running() { local pid; pid=$(server_pid); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
# Dead although nobody stopped it (a crash or a sanitizer abort).
server_alive() { [ ! -f "$SERVER_PID_FILE" ] || server_running; }
server_reap() { rm -f "$SERVER_PID_FILE"; }
# The end of what the latest loopfsd wrote (an ASan report, a fatal error).
server_log_tail() {
  awk '/^==== start/ { n = 0; delete l; next } { l[++n] = $0 } END { for (i = (n > 8 ? n - 7 : 1); i <= n; i++) print l[i] }' "$SERVER_LOG"
}
# ensure_server [mode]: a running server in that mode, started if needed.
ensure_server() {
  local mode=${1:-rpcbind}
  if server_running && [ "$mode" = "$(cat /run/loopfs-vm-mode 2>/dev/null)" ]; then return 0; fi
  server_stop
  echo "$mode" > /run/loopfs-vm-mode
  server_start "$mode"
}
