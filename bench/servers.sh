# Shared by host-bench.sh, mem-bench.sh and smoke-test.sh (sourced, not run): starting and
# stopping the servers under test, each in a private network and mount namespace.
#
# Why namespaces: nfs-ganesha 4.3 refuses to start unless it can register with a portmapper,
# and a second rpcbind on the host would fight the host's.  In a namespace made by
# `unshare -n -m -p`, ganesha gets its own rpcbind (with a private /run), every listener is
# reachable only through that namespace's loopback, and the servers and tmpfs mounts vanish
# with it even if this script is killed.

# Re-executes the calling script in fresh network, mount and pid namespaces, at nice 10.
bench_enter_namespace() {
  if [ -z "${LOOPFS_BENCH_IN_NS:-}" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "$(basename "$0"): needs root (namespaces, tmpfs mounts, servers)" >&2
      exit 1
    fi
    export LOOPFS_BENCH_IN_NS=1
    # A pid namespace too: if this script dies, even by SIGKILL, the kernel kills every
    # server it started.
    exec nice -n 10 unshare --net --mount --pid --fork --mount-proc --propagation private \
      -- "$0" "$@"
  fi
  ip link set lo up
  # ganesha resolves its Bind_addr with AI_ADDRCONFIG, which finds nothing in a namespace
  # holding only loopback; a down bridge with a link-local address satisfies it.
  ip link add loopfsbench0 type bridge 2>/dev/null &&
    ip addr add 169.254.77.1/32 dev loopfsbench0 2>/dev/null || true
  mount -t tmpfs -o size=16m tmpfs /run
  mkdir -p /run/rpcbind
}

# bench_machine: one line naming the machine, for RESULTS.md.
bench_machine() {
  echo "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')," \
    "$(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo)," \
    "kernel $(uname -r)"
}

# bench_mount_tmpfs DIR SIZE
bench_mount_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2,nr_inodes=0,mode=0755" tmpfs "$1"
  BENCH_MOUNTS+=("$1")
}

# bench_stop PID: SIGTERM, then SIGKILL after 10 s.
bench_stop() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

BENCH_MOUNTS=()
BENCH_PIDS=()

# Stops everything started here and unmounts; installed as the EXIT trap.
bench_cleanup() {
  local i
  for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do bench_stop "${BENCH_PIDS[i]}"; done
  for ((i = ${#BENCH_MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${BENCH_MOUNTS[i]}" 2>/dev/null || umount -l "${BENCH_MOUNTS[i]}" 2>/dev/null || true
  done
  if [ -n "${BENCH_WORK:-}" ] && [ -d "$BENCH_WORK" ] && [ -z "${BENCH_KEEP:-}" ]; then
    rm -rf "$BENCH_WORK"
  fi
}

# bench_start_loopfsd BINARY EXPORT_DIR STATE_DIR LOG
# Sets LOOPFSD_PID, LOOPFSD_NFS_PORT, LOOPFSD_MOUNT_PORT.
bench_start_loopfsd() {
  bench_launch_loopfsd "$1" "$3" "$4" --export "/=$2" --option no_root_squash --option insecure
}

# bench_launch_loopfsd BINARY STATE_DIR LOG ARGS...: loopfsd with ARGS naming its exports
# (--export or --config), on ephemeral ports, without rpcbind.  Sets what
# bench_start_loopfsd sets.
bench_launch_loopfsd() {
  local bin=$1 state=$2 log=$3 ready="$3.ready"
  shift 3
  mkdir -p "$state"
  "$bin" "$@" --port 0 --mount-port 0 --no-rpcbind --state-dir "$state" >"$ready" 2>"$log" &
  LOOPFSD_PID=$!
  BENCH_PIDS+=("$LOOPFSD_PID")
  local line=""
  for _ in $(seq 300); do
    line=$(grep -m1 '^loopfsd ready' "$ready" 2>/dev/null || true)
    [ -n "$line" ] && break
    kill -0 "$LOOPFSD_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$line" ]; then
    echo "loopfsd did not become ready; its log:" >&2
    tail -20 "$log" >&2
    return 1
  fi
  LOOPFSD_NFS_PORT=$(sed -n 's/.*nfs=\([0-9]*\).*/\1/p' <<<"$line")
  LOOPFSD_MOUNT_PORT=$(sed -n 's/.*mount=\([0-9]*\).*/\1/p' <<<"$line")
}

# bench_install_ganesha: Debian's nfs-ganesha with the VFS backend, only if missing.
bench_install_ganesha() {
  local missing=()
  for p in nfs-ganesha nfs-ganesha-vfs rpcbind; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# bench_start_ganesha EXPORT_DIR WORK_DIR NFS_PORT MOUNT_PORT
# NFSv3 only over TCP, one VFS export of EXPORT_DIR, no NLM, RQUOTA or grace period.
# Sets GANESHA_PID (and RPCBIND_PID, the namespace's own portmapper).
bench_start_ganesha() {
  local dir=$1 work=$2 nfs_port=$3 mount_port=$4
  local conf="$work/ganesha.conf" log="$work/ganesha.log"
  mkdir -p "$work/recovery"
  cat >"$conf" <<CONF
NFS_CORE_PARAM {
  NFS_Port = $nfs_port;
  MNT_Port = $mount_port;
  Bind_addr = 127.0.0.1;
  Protocols = 3;
  Enable_NLM = false;
  Enable_RQUOTA = false;
  Enable_UDP = false;
  Plugins_Dir = "/usr/lib/x86_64-linux-gnu/ganesha";
}
NFSV4 {
  Graceless = true;
  RecoveryRoot = "$work/recovery";
}
EXPORT_DEFAULTS {
  Access_Type = RW;
}
EXPORT {
  Export_Id = 1;
  Path = "$dir";
  Pseudo = "/bench";
  Protocols = 3;
  Transports = TCP;
  Access_Type = RW;
  Squash = No_Root_Squash;
  SecType = sys;
  MaxRead = 1048576;
  MaxWrite = 1048576;
  FSAL { Name = VFS; }
}
LOG {
  Default_Log_Level = WARN;
}
CONF
  if [ -z "${RPCBIND_PID:-}" ]; then
    rpcbind -f -w &
    RPCBIND_PID=$!
    BENCH_PIDS+=("$RPCBIND_PID")
    for _ in $(seq 50); do
      rpcinfo -p 127.0.0.1 >/dev/null 2>&1 && break
      sleep 0.1
    done
  fi
  ganesha.nfsd -F -f "$conf" -L "$log" -p "$work/ganesha.pid" -N NIV_WARN &
  GANESHA_PID=$!
  BENCH_PIDS+=("$GANESHA_PID")
  for _ in $(seq 300); do
    if rpcinfo -p 127.0.0.1 2>/dev/null | grep -q "100005 *3 *tcp *$mount_port"; then
      return 0
    fi
    kill -0 "$GANESHA_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "nfs-ganesha did not start; its log:" >&2
  grep -v -E 'DBUS|krb5|keytab|principal' "$log" | tail -20 >&2
  return 1
}
