# Guest-side helpers: logging, results, scenario runner and mounts.  Sourced by stage2.sh.
# Server control (loopfsd or knfsd) lives in server-$LOOPFS_VM_SERVER.sh.

RESULTS=/results
LOG=$RESULTS/guest.log
SUMMARY=$RESULTS/summary.txt
DISK=/srv/disk
EXPORT=$DISK/export      # the exported directory (ext4 on the virtio disk)
SCRATCH=$DISK/scratch    # same disk, not exported: sources for copies
MNT=/mnt/nfs
NFS_PORT=2049
MOUNT_PORT=20048

log() { printf '[%5ds] %s\n' "$SECONDS" "$*" >> "$LOG"; }
# Also on the serial console, so a hung guest still shows how far it got.
say() { log "$*"; echo "loopfs-vm: $*" > /dev/console; }

# KNOWN_DIFFERENCES.md lists scenario ids that knfsd fails too, one per line as
# "- `id` ..." or "- `fs:id` ..." (only when the export is on that fs); globs allowed.
is_known() {
  local id=$1 pat
  while read -r pat; do
    # shellcheck disable=SC2053  # the pattern is a glob on purpose
    [[ $id == $pat || ${LOOPFS_VM_EXPORT_FS:-ext4}:$id == $pat ]] && return 0
  done < <(sed -n 's/^- `\([^`]*\)`.*/\1/p' "$LOOPFS_VM_SRC/KNOWN_DIFFERENCES.md" 2>/dev/null)
  return 1
}

# record PASS|FAIL id [message]: one line of the summary the host prints.
record() {
  local status=$1 id=$2 msg=${3:-}
  if [ "$status" = FAIL ] && is_known "$id"; then
    status=XFAIL
    msg="$msg (listed in KNOWN_DIFFERENCES.md)"
  elif [ "$status" = PASS ] && is_known "$id"; then
    status=XPASS
  fi
  [ ${#msg} -gt 600 ] && msg="${msg:0:600}..."
  local line="$status $LOOPFS_VM_SERVER.$id${msg:+: $msg}"
  echo "$line" >> "$SUMMARY"
  say "$line"
}

# Inside a scenario: note a failure and keep going (the scenario fails at its end).
# fail "<what>" "<expected>" "<got>"
fail() {
  local what=$1 expected=${2:-} got=${3:-}
  local line="$what"
  if [ -n "$expected" ]; then
    line="$what: expected '$expected' got '$got'"
  elif [ -n "$got" ]; then
    line="$what: $got"
  fi
  echo "$line" >> "$SCEN_FAILS"
  log "FAIL: $line"
  return 1
}
expect_eq() {  # expect_eq "<what>" expected got
  [ "$2" = "$3" ] || fail "$1" "$2" "$3"
}
# run "<what>" cmd...: a command that must succeed; its output goes to the log.
run() {
  local what=$1 rc
  shift
  log "+ $*"
  "$@" >> "$LOG" 2>&1
  rc=$?
  [ $rc -eq 0 ] || fail "$what" "exit 0" "exit $rc"
  return $rc
}

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# run_scenario id limit-seconds function: runs the function in a subshell with a time limit.
# A scenario that overruns usually means a hung hard mount, which nothing later can recover
# from, so the group stops there.
ABORTED=0
# LOOPFS_VM_ONLY: comma-separated globs over scenario ids.
selected() {
  local pat
  IFS=, read -ra pats <<< "$LOOPFS_VM_ONLY"
  for pat in "${pats[@]}"; do
    # shellcheck disable=SC2053
    [[ $1 == $pat ]] && return 0
  done
  return 1
}
run_scenario() {
  local id=$1 limit=$2 fn=$3
  selected "$id" || return 0
  [ "$ABORTED" = 0 ] || { record FAIL "$id" "not run: an earlier scenario hung"; return; }
  SCEN_FAILS=$RESULTS/fails.$id
  : > "$SCEN_FAILS"
  say "scenario $id (limit ${limit}s)"
  local start=$SECONDS
  ( set +e; "$fn" ) >> "$LOG" 2>&1 &
  local pid=$! rc
  while kill -0 "$pid" 2>/dev/null && [ $((SECONDS - start)) -lt "$limit" ]; do sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    pkill -9 -P "$pid" 2>/dev/null
    kill -9 "$pid" 2>/dev/null
    fail "timed out after ${limit}s (hung NFS call?); processes in D state:" "" \
      "$(ps -eo pid,stat,wchan:30,cmd | awk '$2 ~ /D/' | head -5 | tr '\n' ';')"
    ABORTED=1
  fi
  wait "$pid" 2>/dev/null
  rc=$?
  if ! server_alive; then
    fail "the server died during the scenario; its log ends" "" "$(server_log_tail | tr '\n' ' ' | cut -c1-600)"
    server_reap
  fi
  log "scenario $id took $((SECONDS - start))s (exit $rc)"
  if [ -s "$SCEN_FAILS" ]; then
    record FAIL "$id" "$(head -n 3 "$SCEN_FAILS" | paste -sd '|')"
  elif [ "$rc" -ne 0 ] && [ "$ABORTED" = 0 ]; then
    record FAIL "$id" "scenario exited $rc"
  else
    record PASS "$id" "$((SECONDS - start))s"
  fi
}

# ---- mounts ----------------------------------------------------------------------------------

# nfs_mount [extra options]: the mount every scenario uses unless it tests mounting itself:
# v3 over TCP with explicit ports (works with and without rpcbind), hard (the default).
nfs_mount() {
  local extra=${1:+,$1}
  mkdir -p "$MNT"
  log "+ mount -t nfs -o vers=3,proto=tcp,nolock,mountproto=tcp,port=$NFS_PORT,mountport=$MOUNT_PORT$extra localhost:$MOUNT_PATH $MNT"
  timeout 120 mount -t nfs \
    -o "vers=3,proto=tcp,nolock,mountproto=tcp,port=$NFS_PORT,mountport=$MOUNT_PORT$extra" \
    "localhost:$MOUNT_PATH" "$MNT" >> "$LOG" 2>&1 || { fail "mount" "success" "exit $?"; return 1; }
}
nfs_umount() {
  mountpoint -q "$MNT" || return 0
  timeout 60 umount "$MNT" >> "$LOG" 2>&1 && return 0
  fail "umount $MNT" "success" "busy: $(ls -l /proc/[0-9]*/cwd /proc/[0-9]*/fd 2>/dev/null | grep " -> $MNT" | head -3 | tr -s ' \n' ' ')"
  timeout 30 umount -f -l "$MNT" >> "$LOG" 2>&1
  return 1
}
mount_opts() { awk -v m="$MNT" '$2 == m && $3 ~ /^nfs/ { print $4 }' /proc/mounts; }

# A test directory of the export, fresh for each scenario: $EXPORT/$1 seen as $MNT/$1.
fresh_dir() {
  rm -rf "${EXPORT:?}/$1"
  mkdir -p "$EXPORT/$1"
  chmod 0755 "$EXPORT/$1"
}

# make_source FILE MiB: a file of pseudo-random bytes in the scratch dir (fio writes fast
# incompressible data; /dev/urandom is slow under TCG).
make_source() {
  local file=$1 mib=$2
  [ -f "$file" ] && [ "$(stat -c %s "$file")" -eq $((mib << 20)) ] && return 0
  mkdir -p "$(dirname "$file")"
  fio --name=src --filename="$file" --rw=write --bs=1M --size="${mib}M" --ioengine=psync \
    --refill_buffers --randrepeat=0 --end_fsync=1 --output=/dev/null >> "$LOG" 2>&1
}
