# Group "basic": mounting (scenario 1), POSIX semantics (2), direct changes in the export (5).

# 1a. The plain command: mount.nfs asks rpcbind and negotiates down to v3.
scenario_mount_rpcbind() {
  nfs_umount
  ensure_server rpcbind || return 1
  # The server must be registered for NFS v3 and MOUNT v1 and v3 over TCP.
  local reg
  reg=$(rpcinfo -p 127.0.0.1 2>&1)
  log "$reg"
  grep -Eq '100003 +3 +tcp +'"$NFS_PORT" <<< "$reg" || fail "rpcinfo: NFS v3/tcp" "registered" "$(tr '\n' ' ' <<< "$reg")"
  grep -Eq '100005 +3 +tcp' <<< "$reg" || fail "rpcinfo: MOUNT v3/tcp" "registered" "missing"
  grep -Eq '100005 +1 +tcp' <<< "$reg" || fail "rpcinfo: MOUNT v1/tcp" "registered" "missing"
  mkdir -p "$MNT"
  log "+ mount -t nfs -o nolock localhost:$MOUNT_PATH $MNT"
  timeout 120 mount -t nfs -o nolock "localhost:$MOUNT_PATH" "$MNT" >> "$LOG" 2>&1 ||
    { fail "mount -t nfs -o nolock localhost:$MOUNT_PATH" "success" "exit $?"; return 1; }
  local opts
  opts=$(mount_opts)
  log "mounted with $opts"
  [[ ,$opts, == *,vers=3,* ]] || fail "negotiated version" "vers=3" "$opts"
  echo "hello over rpcbind" > "$MNT/mount-rpcbind.txt" || fail "write a file"
  expect_eq "file content through the mount" "hello over rpcbind" "$(cat "$MNT/mount-rpcbind.txt")"
  expect_eq "file content in the export" "hello over rpcbind" "$(cat "$EXPORT/mount-rpcbind.txt")"
  nfs_umount
}

# 1b. No rpcbind at all: explicit ports.
scenario_mount_norpcbind() {
  nfs_umount
  ensure_server norpcbind || return 1
  pgrep -x rpcbind > /dev/null && fail "rpcbind" "not running" "running"
  echo "direct" > "$EXPORT/mount-norpcbind.txt"
  nfs_mount || return 1
  local opts
  opts=$(mount_opts)
  [[ ,$opts, == *,vers=3,* ]] || fail "version" "vers=3" "$opts"
  expect_eq "read a file" "direct" "$(cat "$MNT/mount-norpcbind.txt")"
  echo "written" > "$MNT/mount-norpcbind-2.txt" || fail "write a file"
  expect_eq "written file in the export" "written" "$(cat "$EXPORT/mount-norpcbind-2.txt" 2>&1)"
  nfs_umount
}

# 1c. umount and remount, several times; the same file handles must still work.
scenario_mount_remount() {
  nfs_umount
  ensure_server norpcbind || return 1
  local i
  for i in 1 2 3; do
    nfs_mount || return 1
    echo "round $i" > "$MNT/remount.txt" || fail "write in round $i"
    expect_eq "listing in round $i" "remount.txt" "$(ls "$MNT" | grep -x remount.txt)"
    nfs_umount || return 1
    expect_eq "content after umount $i" "round $i" "$(cat "$EXPORT/remount.txt")"
  done
}

# 1d. The same over IPv6 loopback.
scenario_mount_ipv6() {
  nfs_umount
  ensure_server rpcbind || return 1
  mkdir -p "$MNT"
  log "+ mount -t nfs -o vers=3,proto=tcp6,mountproto=tcp6,port=$NFS_PORT,mountport=$MOUNT_PORT,nolock [::1]:$MOUNT_PATH $MNT"
  timeout 120 mount -t nfs -o "vers=3,proto=tcp6,mountproto=tcp6,port=$NFS_PORT,mountport=$MOUNT_PORT,nolock" \
    "[::1]:$MOUNT_PATH" "$MNT" >> "$LOG" 2>&1 || { fail "mount over ::1" "success" "exit $?"; return 1; }
  echo v6 > "$MNT/v6.txt" || fail "write over ::1"
  expect_eq "content written over ::1" "v6" "$(cat "$EXPORT/v6.txt" 2>&1)"
  nfs_umount
}

# 2. POSIX semantics: the checker, as root and (forked) as uids 1001/1002.  Each of its checks
# becomes its own result line, posix.<check>.
scenario_posix() {
  nfs_umount
  ensure_server rpcbind || return 1
  nfs_mount || return 1
  fresh_dir posix
  local out=$RESULTS/posix.out rc
  # POSIX_CHECK_ARGS: what a server script says about its export (none for a plain one);
  # POSIX_CHECK_SECONDS: its time limit (an encrypted export's backing store is a FUSE
  # mount, slower to fill).
  log "+ $LOOPFS_VM_CHECKER --dir $MNT/posix --backing $EXPORT/posix ${POSIX_CHECK_ARGS[*]}"
  timeout "${POSIX_CHECK_SECONDS:-900}" "$LOOPFS_VM_CHECKER" --dir "$MNT/posix" --backing "$EXPORT/posix" \
    "${POSIX_CHECK_ARGS[@]}" > "$out" 2>&1
  rc=$?
  cat "$out" >> "$LOG"
  local line id
  while read -r line; do
    case "$line" in
      "ok "*) record PASS "posix.${line#ok }" ;;
      "FAIL "*) id=${line#FAIL }; record FAIL "posix.${id%%:*}" "${id#*: }" ;;
    esac
  done < "$out"
  # 0 = all passed, 1 = some failed (recorded above); anything else is a crash or a hang.
  [ $rc -le 1 ] || fail "posix_check" "exit 0 or 1" "exit $rc: $(tail -n 2 "$out" | tr '\n' ' ')"
  nfs_umount
}

# 5. Changes made directly in the exported directory show through the mount once the
# attribute cache times out (actimeo=1 here).
scenario_direct_changes() {
  nfs_umount
  ensure_server rpcbind || return 1
  fresh_dir direct
  local e=$EXPORT/direct m=$MNT/direct
  printf 'one' > "$e/grow"
  printf 'AAAA' > "$e/same-size"
  printf 'old' > "$e/replaced"
  printf 'x' > "$e/removed"
  mkdir "$e/dir"
  chmod 0644 "$e/grow"
  nfs_mount actimeo=1 || return 1
  # Prime the client's caches.
  cat "$m/grow" "$m/same-size" "$m/replaced" "$m/removed" > /dev/null
  ls -l "$m" "$m/dir" > /dev/null
  sleep 1.2
  printf 'one-two' > "$e/grow"
  chmod 0600 "$e/grow"
  printf 'BBBB' > "$e/same-size"
  touch -d '2001-02-03 04:05:06.789' "$e/same-size"  # same size: only mtime tells
  printf 'new' > "$e/replaced.tmp" && mv "$e/replaced.tmp" "$e/replaced"
  rm "$e/removed"
  printf 'fresh' > "$e/created"
  printf 'in dir' > "$e/dir/inner"
  sleep 3
  expect_eq "size after growing" 7 "$(stat -c %s "$m/grow")"
  expect_eq "content after growing" "one-two" "$(cat "$m/grow")"
  expect_eq "mode after chmod" 600 "$(stat -c %a "$m/grow")"
  expect_eq "content rewritten at the same size" "BBBB" "$(cat "$m/same-size")"
  expect_eq "mtime set directly" "2001-02-03 04:05:06.789000000" \
    "$(stat -c %y "$m/same-size" | cut -c1-29)"
  expect_eq "file replaced by rename" "new" "$(cat "$m/replaced" 2>&1)"
  [ -e "$m/removed" ] && fail "removed file" "gone" "still visible"
  expect_eq "created file" "fresh" "$(cat "$m/created" 2>&1)"
  expect_eq "listing" "created dir grow replaced same-size" "$(ls "$m" | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "file created in a subdir" "inner" "$(ls "$m/dir")"
  nfs_umount
}

run_scenario mount_rpcbind 300 scenario_mount_rpcbind
run_scenario mount_norpcbind 300 scenario_mount_norpcbind
run_scenario mount_remount 300 scenario_mount_remount
run_scenario mount_ipv6 300 scenario_mount_ipv6
run_scenario posix $(( ${POSIX_CHECK_SECONDS:-900} + 60 )) scenario_posix
run_scenario direct_changes 300 scenario_direct_changes
