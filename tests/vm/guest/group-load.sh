# Group "load": data integrity under load (scenario 3).  Sizes are bounded so that the whole
# VM suite fits its time budget under TCG; each check still crosses the client's page cache
# (drop_caches before verifying) so the bytes come back from the server.

# fio_verify NAME fio-args...: write with crc32c verify headers, then verify again from the
# server after dropping the client's caches.
fio_verify() {
  local name=$1 dir=$MNT/$1 out=$RESULTS/$1.fio
  shift
  fresh_dir "$name"
  local common=(--directory="$dir" --ioengine=psync --verify=crc32c --verify_fatal=1
                --group_reporting --end_fsync=1 "$@")
  log "+ fio ${common[*]}"
  fio --name="$name" "${common[@]}" --do_verify=1 > "$out" 2>&1 ||
    fail "fio $name write+verify" "exit 0" "exit $? / $(grep -m2 -iE 'verify|error' "$out" | tr '\n' ' ')"
  drop_caches
  fio --name="$name" "${common[@]}" --verify_only > "$out.reread" 2>&1 ||
    fail "fio $name verify after drop_caches" "exit 0" "exit $? / $(grep -m2 -iE 'verify|error' "$out.reread" | tr '\n' ' ')"
  cat "$out" "$out.reread" >> "$LOG"
}

scenario_fio_seq() {
  ensure_server rpcbind || return 1
  nfs_umount; nfs_mount || return 1
  fio_verify fio-seq --rw=write --bs=1M --size=48M --numjobs=3
  nfs_umount
}

scenario_fio_rand() {
  ensure_server rpcbind || return 1
  nfs_umount; nfs_mount || return 1
  fio_verify fio-rand --rw=randwrite --bsrange=4k-64k --size=16M --numjobs=4
  nfs_umount
}

scenario_dbench() {
  ensure_server rpcbind || return 1
  nfs_umount; nfs_mount || return 1
  fresh_dir dbench
  local out=$RESULTS/dbench.out
  log "+ dbench -D $MNT/dbench -t 30 4"
  timeout 240 dbench -D "$MNT/dbench" -t 30 4 > "$out" 2>&1
  local rc=$?
  tail -n 30 "$out" >> "$LOG"
  [ $rc -eq 0 ] || fail "dbench 4 clients 30 s" "exit 0" "exit $rc / $(grep -m2 -iE 'error|fail' "$out" | tr '\n' ' ')"
  grep -q '^Throughput' "$out" || fail "dbench result" "a Throughput line" "none"
  nfs_umount
}

# A 1 GiB file copied in through the mount and compared byte for byte, read back from the
# server after drop_caches.
scenario_copy_1g() {
  ensure_server rpcbind || return 1
  nfs_umount; nfs_mount || return 1
  make_source "$SCRATCH/src-1g" 1024 || { fail "make the 1 GiB source"; return 1; }
  fresh_dir copy
  run "cp 1 GiB into the mount" cp "$SCRATCH/src-1g" "$MNT/copy/big" || return 1
  drop_caches
  expect_eq "size of the copy" $((1 << 30)) "$(stat -c %s "$MNT/copy/big")"
  cmp "$SCRATCH/src-1g" "$MNT/copy/big" >> "$LOG" 2>&1 ||
    fail "1 GiB copy read back through the mount" "identical" "$(cmp "$SCRATCH/src-1g" "$MNT/copy/big" 2>&1 | head -1)"
  rm -f "$MNT/copy/big"
  nfs_umount
}

run_scenario fio_seq 400 scenario_fio_seq
run_scenario fio_rand 400 scenario_fio_rand
run_scenario dbench 300 scenario_dbench
run_scenario copy_1g 600 scenario_copy_1g
