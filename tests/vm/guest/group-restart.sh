# Group "restart": the server restarts under a hard mount while a large write is running
# (scenario 4).  The writer must finish with the right bytes, and a descriptor and a working
# directory opened before the restart must still work after it (no ESTALE).

# restart_case KIND MiB: KIND is kill9 (SIGKILL, start again on the same ports), clean
# (SIGTERM, exit 0, start again) or sighup (reload while serving).
restart_case() {
  local kind=$1 mib=$2 name=restart-$1
  local src=$SCRATCH/src-$mib d=$MNT/$name e=$EXPORT/$name
  make_source "$src" "$mib" || { fail "make the source"; return 1; }
  nfs_umount
  ensure_server rpcbind || return 1
  nfs_mount || return 1
  fresh_dir "$name"
  mkdir "$d/cwd" && echo "in cwd" > "$d/cwd/known" || fail "set up through the mount"
  echo "kept open" > "$d/open-file"
  rm -f /run/restart-go /run/cwd.out
  # A process whose working directory is inside the mount across the restart.
  ( cd "$d/cwd" || exit 1
    while [ ! -e /run/restart-go ]; do sleep 0.2; done
    { cat known; ls; stat -c %F .; } > /run/cwd.out 2>&1 ) &
  local cwd_pid=$!
  # A descriptor opened before the restart and first read after it.  Held by its own process:
  # a server started from this shell must not inherit it (umount would then be busy).
  rm -f /run/fd.out
  ( exec 7< "$d/open-file" || exit 1
    while [ ! -e /run/restart-go ]; do sleep 0.2; done
    cat <&7 > /run/fd.out 2>&1 ) &
  local fd_pid=$!
  log "+ dd if=$src of=$d/big bs=1M conv=fsync"
  dd if="$src" of="$d/big" bs=1M conv=fsync status=none 2> /run/dd.err &
  local dd_pid=$! start=$SECONDS size=0
  # Strike when a quarter has reached the server (or after 30 s).
  while kill -0 "$dd_pid" 2>/dev/null && [ $((SECONDS - start)) -lt 30 ]; do
    size=$(stat -c %s "$e/big" 2>/dev/null || echo 0)
    [ "$size" -ge $((mib << 18)) ] && break
    sleep 0.2
  done
  kill -0 "$dd_pid" 2>/dev/null ||
    fail "the writer was still running at the $kind" "running" "finished already (make it larger)"
  log "$kind after $((SECONDS - start))s with $size bytes on the server"
  case "$kind" in
    kill9) server_kill9; sleep 2; server_start rpcbind ;;
    clean) server_stop; sleep 1; server_start rpcbind ;;
    sighup) server_reload ;;
  esac
  local waited=0
  while kill -0 "$dd_pid" 2>/dev/null && [ $waited -lt 400 ]; do sleep 1; waited=$((waited + 1)); done
  if kill -0 "$dd_pid" 2>/dev/null; then
    fail "the writer after the $kind" "finished within 400 s" "still running"
    return 1
  fi
  wait "$dd_pid"
  local rc=$?
  expect_eq "writer exit status after the $kind" "0" "$rc$(head -c 300 /run/dd.err)"
  touch /run/restart-go
  wait "$fd_pid" "$cwd_pid"
  expect_eq "read from a descriptor opened before the $kind" "kept open" "$(cat /run/fd.out)"
  expect_eq "working directory inside the mount after the $kind" \
    "in cwd|known|directory" "$(paste -sd '|' /run/cwd.out)"
  expect_eq "size written" $((mib << 20)) "$(stat -c %s "$d/big" 2>&1)"
  drop_caches
  cmp "$src" "$d/big" >> "$LOG" 2>&1 ||
    fail "bytes through the mount after the $kind" "identical" "$(cmp "$src" "$d/big" 2>&1 | head -1)"
  cmp "$src" "$e/big" >> "$LOG" 2>&1 ||
    fail "bytes in the export after the $kind" "identical" "$(cmp "$src" "$e/big" 2>&1 | head -1)"
  # New work after the restart: create, list, remove.
  echo after > "$d/after" || fail "create after the $kind"
  expect_eq "listing after the $kind" "after big cwd open-file" "$(ls "$d" | paste -sd ' ')"
  rm -f "$d/big" "$e/big"
  nfs_umount
}

scenario_restart_kill9() { restart_case kill9 256; }
scenario_restart_clean() { restart_case clean 160; }
scenario_restart_sighup() { restart_case sighup 160; }

run_scenario restart_kill9 600 scenario_restart_kill9
run_scenario restart_clean 600 scenario_restart_clean
run_scenario restart_sighup 600 scenario_restart_sighup
