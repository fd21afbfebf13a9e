#!/bin/bash
# PID 1 of the VM benchmark's guest (bench/vm-bench.sh boots it through tests/vm/run-vm.sh
# --stage2).  Starts every selected configuration (configs.sh), then runs each fio job
# (jobs/*.fio, or smallfiles for create/stat/remove) against the configurations in turn, rotating the order every round, and writes
# one "RESULT round job config value" line per measurement to /results/summary.txt, which the
# host turns into the table.  A configuration that fails is reported with "FAIL" and its log
# tail, and the others go on.  It must end in poweroff: if PID 1 exits, the kernel panics.
#
# Settings come from the environment, set by the wrapper vm-bench.sh writes:
#   BENCH_CONFIGS   "loopfsd knfsd ganesha tmpfs" (any of the cfg_<name>_* sets in configs.sh)
#   BENCH_JOBS      job names, run in this order (see jobs/)
#   BENCH_SIZE_MB   size of the data file (sequential and random jobs)
#   BENCH_RUNTIME   seconds of each time-based job
#   BENCH_FILES     files of the small-file jobs (create, stat, remove)
#   BENCH_SMALLFILES  the smallfiles binary (smallfiles.cc, built by vm-bench.sh)
#   BENCH_ROUNDS    rounds (the host prints the median)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)

finish() {
  sync
  /bin/busybox poweroff -f
  echo o > /proc/sysrq-trigger
  sleep 60
}

# The same early set-up as tests/vm/guest/stage2.sh: it cannot be shared, it has to run
# before anything (even the results share) is there.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /results
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results /results; then
  echo "vm-bench: cannot mount the results share" > /dev/console
  finish
fi
# shellcheck source=/dev/null
. /results/config.env
RESULTS=/results
LOG=$RESULTS/guest.log
SUMMARY=$RESULTS/summary.txt
: > "$LOG"
: > "$SUMMARY"
log() { printf '[%5ds] %s\n' "$SECONDS" "$*" >> "$LOG"; }
say() { log "$*"; echo "vm-bench: $*" > /dev/console; }
# fail_line WHAT DETAIL: a FAIL line in the summary (the host prints them and exits 1).
fail_line() { echo "FAIL $1: ${2:0:900}" >> "$SUMMARY"; say "FAIL $1: ${2:0:300}"; }
info_line() { echo "INFO $*" >> "$SUMMARY"; log "INFO $*"; }

setup_guest() {
  [ "$(uname -r)" = "$LOOPFS_VM_KVER" ] || { say "kernel $(uname -r) is not $LOOPFS_VM_KVER"; return 1; }
  mkdir -p "/lib/modules/$LOOPFS_VM_KVER"
  mount --bind "$LOOPFS_VM_KMODS" "/lib/modules/$LOOPFS_VM_KVER" || return 1
  hostname loopfs-vm-bench
  ip link set lo up || return 1
  modprobe nfsv3 || { say "modprobe nfsv3 failed"; return 1; }
  mkdir -p /var/lib/nfs /run/rpcbind /bench
  return 0
}

# shellcheck source=configs.sh
. "$here/configs.sh"

# run_job JOB CONFIG ROUND: one measurement, recorded as a RESULT line, or a FAIL line.
run_job() {
  local job=$1 cfg=$2 round=$3 value
  if [ -f "$here/jobs/$job.fio" ]; then
    value=$(run_fio "$@") || return 1
  else
    value=$(run_smallfiles "$@") || return 1
  fi
  echo "RESULT $round $job $cfg $value" >> "$SUMMARY"
  log "RESULT $round $job $cfg $value"
}

# run_fio JOB CONFIG ROUND: prints the job's figure (MB/s for seq*, IOPS for the rest).
run_fio() {
  local job=$1 cfg=$2 round=$3 json rc value
  json=$RESULTS/fio/$job.$cfg.r$round.json
  mkdir -p "$RESULTS/fio"
  # The knobs the job files read (fio expands ${NAME} from the environment).
  export BENCH_DIR=${CFG_DIR[$cfg]} BENCH_DIRECT=${CFG_DIRECT[$cfg]} \
    BENCH_SIZE=${BENCH_SIZE_MB}m BENCH_RUNTIME
  log "+ [$cfg] fio $job (dir $BENCH_DIR, BENCH_DIRECT=$BENCH_DIRECT)"
  # A generous bound: a hung hard mount must not eat the host's whole time limit silently.
  timeout -k 10 $((BENCH_RUNTIME * 4 + 300)) \
    fio --output-format=json --output="$json" "$here/jobs/$job.fio" >> "$LOG" 2>&1
  rc=$?
  if [ $rc -ne 0 ]; then
    fail_line "$job.$cfg" "fio exit $rc: $(grep -v '^[{} ]' "$json" 2>/dev/null | tail -n 3 | tr '\n' ' ') $(tail -n 3 "$LOG" | tr '\n' ' ') | server log: $(cfg_log_tail "$cfg" | tr '\n' ' ')"
    return 1
  fi
  value=$(jq -r --arg unit "$(job_unit "$job")" '
      [.jobs[] | if $unit == "MB/s" then (.read.bw_bytes + .write.bw_bytes) / 1e6
                 else .read.iops + .write.iops end] | add' "$json" 2>> "$LOG")
  if [ -z "$value" ] || [ "$value" = null ]; then
    fail_line "$job.$cfg" "no figure in $json"
    return 1
  fi
  echo "$value"
}

# run_smallfiles JOB CONFIG ROUND: create, stat or remove BENCH_FILES files; prints files/s.
run_smallfiles() {
  local job=$1 cfg=$2 out rc
  log "+ [$cfg] smallfiles $job ${CFG_DIR[$cfg]}/small $BENCH_FILES"
  out=$(timeout -k 10 600 "$BENCH_SMALLFILES" "$job" "${CFG_DIR[$cfg]}/small" "$BENCH_FILES" 2>&1)
  rc=$?
  log "$out"
  if [ $rc -ne 0 ]; then
    fail_line "$job.$cfg" "smallfiles exit $rc: $out | server log: $(cfg_log_tail "$cfg" | tr '\n' ' ')"
    return 1
  fi
  sed -n 's/.* rate=//p' <<< "$out"
}

# job_unit JOB: MB/s for the 1 MiB jobs, ops/s for the rest (IOPS, files/s).
job_unit() { case "$1" in seq*) echo MB/s ;; *) echo ops/s ;; esac; }

# prepare JOB CONFIG: what must hold before the job (cold caches, fresh directories).
prepare() {
  local job=$1 cfg=$2 dir=${CFG_DIR[$2]}
  case "$job" in
    seqwrite) rm -f "$dir/data.bin" ;;
    # Cold client cache: the remount drops the NFS client's pages, attributes and names for
    # sure, drop_caches the rest (a local tmpfs keeps its data: that is its storage).
    seqread|stat) cfg_remount "$cfg" ;;
    create) rm -rf "$dir/small" && mkdir -p "$dir/small" ;;
  esac
}

if ! setup_guest >> "$LOG" 2>&1; then
  fail_line guest-setup "see guest.log: $(tail -n 5 "$LOG" | tr '\n' ' ')"
  echo FAIL > "$RESULTS/verdict"
  finish
fi
say "guest up: $(uname -r); configs: $BENCH_CONFIGS; jobs: $BENCH_JOBS"
info_line "sizes: data file ${BENCH_SIZE_MB} MiB, time-based jobs ${BENCH_RUNTIME} s," \
  "${BENCH_FILES} small files, ${BENCH_ROUNDS} round(s)"

# Start every configuration, one after another; a failed one is left out of the jobs.
live=()
for cfg in $BENCH_CONFIGS; do
  say "starting $cfg"
  if cfg_start "$cfg" >> "$LOG" 2>&1; then
    live+=("$cfg")
    info_line "$cfg: $(cfg_describe "$cfg")"
  else
    fail_line "$cfg.start" "$cfg did not start; its log ends: $(cfg_log_tail "$cfg" | tr '\n' ' ')"
    # Whatever half of it did start (a server without its mount) must not linger.
    cfg_stop "$cfg" >> "$LOG" 2>&1
  fi
done

declare -A dead=()
turn=0
for ((round = 1; round <= BENCH_ROUNDS; round++)); do
  for job in $BENCH_JOBS; do
    # Rotate the order with every job, so no configuration always goes first.
    n=${#live[@]}
    turn=$((turn + 1))
    for ((i = 0; i < n; i++)); do
      cfg=${live[(i + turn) % n]}
      # A dead server would hang the hard mount until fio's time limit: skip it.
      [ -z "${dead[$cfg]:-}" ] || continue
      say "round $round: $job on $cfg"
      prepare "$job" "$cfg" >> "$LOG" 2>&1 || { fail_line "$job.$cfg" "preparing failed: $(tail -n 3 "$LOG" | tr '\n' ' ')"; continue; }
      run_job "$job" "$cfg" "$round"
      if ! cfg_alive "$cfg"; then
        fail_line "$cfg.died" "during $job; its log ends: $(cfg_log_tail "$cfg" | tr '\n' ' ')"
        dead[$cfg]=1
      fi
    done
  done
done

for cfg in "${live[@]}"; do
  [ -z "${dead[$cfg]:-}" ] || continue
  say "stopping $cfg"
  cfg_stop "$cfg" >> "$LOG" 2>&1 || fail_line "$cfg.stop" "$(cfg_log_tail "$cfg" | tr '\n' ' ')"
done
verdict=PASS
grep -q '^FAIL ' "$SUMMARY" && verdict=FAIL
echo "$verdict" > "$RESULTS/verdict"
say "verdict $verdict after ${SECONDS}s"
finish
