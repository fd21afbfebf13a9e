# shellcheck shell=bash disable=SC2034  # CFG_* are read by guest-main.sh
# The configurations the VM benchmark compares (sourced by guest-main.sh, in the guest).
#
# A configuration NAME is a set of functions; adding one (an encrypted loopfsd export,
# gocryptfs over FUSE, ...) is adding such a set here, nothing else:
#   cfg_NAME_start   set up /bench/NAME, start the server, mount; set CFG_DIR[NAME] (where
#                    fio works) and CFG_DIRECT[NAME] (1 if O_DIRECT works there).  For an NFS
#                    mount, call nfs_attach, which makes cfg_remount work.  Return non-zero
#                    on failure, with the reason in the server log.
#   cfg_NAME_stop    unmount, stop the server.
#   cfg_NAME_alive   (optional) false once the server has died.
# The server writes its log to $RESULTS/server-NAME.log (kept with --keep; its tail is
# printed on failure).  vm-bench.sh lists the valid names by the cfg_*_start functions here.
#
# Every server exports its own tmpfs, /bench/NAME/export, mounted on /bench/NAME/mnt over
# the guest's loopback; rpcbind is needed only while a server registers (see
# with_private_rpcbind), and every mount names its ports.

declare -A CFG_DIR=() CFG_DIRECT=() NFS_SRC=() NFS_PORTS=()

cfg_log() { echo "$RESULTS/server-$1.log"; }
cfg_log_tail() { tail -n 12 "$(cfg_log "$1")" 2>/dev/null || echo "(no log)"; }
cfg_start() { mkdir -p "/bench/$1"; "cfg_$1_start"; }
cfg_stop() { "cfg_$1_stop"; }
cfg_alive() { declare -F "cfg_$1_alive" > /dev/null || return 0; "cfg_$1_alive"; }

# cfg_describe NAME: one line for the results: the mount options as the kernel shows them.
cfg_describe() {
  local dir=${CFG_DIR[$1]}
  awk -v m="$dir" '$2 == m { print $3 " " $4 }' /proc/mounts
}

# export_tmpfs NAME: the identical, empty tmpfs tree every server exports.
export_tmpfs() {
  mkdir -p "/bench/$1/export" "/bench/$1/mnt"
  mount -t tmpfs -o size=1g,mode=0755 tmpfs "/bench/$1/export"
}

# nfs_attach NAME NFS_PORT MOUNT_PORT PATH: mount the server's export on /bench/NAME/mnt.
nfs_attach() {
  NFS_SRC[$1]="localhost:$4"
  NFS_PORTS[$1]="port=$2,mountport=$3"
  CFG_DIR[$1]=/bench/$1/mnt
  CFG_DIRECT[$1]=1
  nfs_mount "$1"
}
# nfs_mount NAME [EXTRA,OPTIONS]: the one mount every NFS configuration gets.
nfs_mount() {
  local opts="vers=3,proto=tcp,nolock,mountproto=tcp,${NFS_PORTS[$1]}${2:+,$2}"
  echo "+ mount -t nfs -o $opts ${NFS_SRC[$1]} ${CFG_DIR[$1]}"
  timeout 120 mount -t nfs -o "$opts" "${NFS_SRC[$1]}" "${CFG_DIR[$1]}"
}
# cfg_remount NAME [EXTRA,OPTIONS]: a cold client (NFS: umount and mount again), then
# drop_caches for everything else.
cfg_remount() {
  if [ -n "${NFS_SRC[$1]:-}" ]; then
    timeout 60 umount "${CFG_DIR[$1]}" || return 1
    sync
    echo 3 > /proc/sys/vm/drop_caches
    nfs_mount "$1" "${2:-}" || return 1
  else
    sync
    echo 3 > /proc/sys/vm/drop_caches
  fi
}
nfs_detach() {
  [ -n "${NFS_SRC[$1]:-}" ] && mountpoint -q "${CFG_DIR[$1]}" &&
    { timeout 60 umount "${CFG_DIR[$1]}" || timeout 30 umount -f -l "${CFG_DIR[$1]}"; }
  return 0
}

# with_private_rpcbind CMD...: run CMD with a fresh, empty rpcbind, stopped afterwards.
# knfsd and nfs-ganesha refuse to start without registering, but both register NFS v3, and
# rpcbind takes one owner per program and version; the mounts name their ports, so nothing
# needs rpcbind once the servers listen.
with_private_rpcbind() {
  local pid rc
  mkdir -p /run/rpcbind
  rpcbind -f &
  pid=$!
  for _ in $(seq 100); do rpcinfo -p 127.0.0.1 > /dev/null 2>&1 && break; sleep 0.1; done
  "$@"
  rc=$?
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return $rc
}

# wait_pid_gone PID SECONDS
wait_pid_gone() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

# ---- loopfsd: the binary under test (vm-bench.sh passes it as LOOPFS_VM_LOOPFSD) -------------
declare -A LOOPFSD_PIDS=()
# loopfsd_launch NAME NFS_PORT MOUNT_PORT ARGS...: loopfsd with ARGS naming its export,
# waited for until ready, then mounted.
loopfsd_launch() {
  local name=$1 nfs_port=$2 mount_port=$3 log out pid
  shift 3
  log=$(cfg_log "$name")
  out=/run/$name.ready
  mkdir -p "/bench/$name/state"
  echo "+ $LOOPFS_VM_LOOPFSD $* ..." >> "$log"
  "$LOOPFS_VM_LOOPFSD" "$@" --port "$nfs_port" --mount-port "$mount_port" --no-rpcbind \
    --state-dir "/bench/$name/state" > "$out" 2>> "$log" < /dev/null &
  pid=$!
  LOOPFSD_PIDS[$name]=$pid
  for _ in $(seq 1200); do
    grep -q '^loopfsd ready ' "$out" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q '^loopfsd ready ' "$out"; then
    echo "no 'loopfsd ready' line: $(kill -0 "$pid" 2>/dev/null && echo 'none in 120 s' || echo 'it exited')" >> "$log"
    kill -9 "$pid" 2>/dev/null
    return 1
  fi
  nfs_attach "$name" "$nfs_port" "$mount_port" / 2>> "$log"
}
loopfsd_stop() {
  local pid=${LOOPFSD_PIDS[$1]:-}
  nfs_detach "$1"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  wait_pid_gone "$pid" 30 || { echo "loopfsd ignored SIGTERM for 30 s" >> "$(cfg_log "$1")"; kill -9 "$pid"; return 1; }
}

cfg_loopfsd_start() {
  export_tmpfs loopfsd || return 1
  loopfsd_launch loopfsd 2050 20050 --export /=/bench/loopfsd/export --option no_root_squash
}
cfg_loopfsd_stop() { loopfsd_stop loopfsd; }
cfg_loopfsd_alive() { kill -0 "${LOOPFSD_PIDS[loopfsd]:-}" 2>/dev/null; }

# ---- loopfsd_encrypt: the same loopfsd serving a gocryptfs-format vault (issue 5) -----------
# The vault is made by `loopfs encrypt init` (next to loopfsd in the build) on its tmpfs.
cfg_loopfsd_encrypt_start() {
  local name=loopfsd_encrypt dir=/bench/loopfsd_encrypt log
  log=$(cfg_log $name)
  export_tmpfs $name || return 1
  echo "vm-bench vault passphrase" > $dir/pass
  "$(dirname "$LOOPFS_VM_LOOPFSD")/loopfs" encrypt init $dir/export --passfile $dir/pass \
    --scrypt-logn 10 > /dev/null 2>> "$log" || { echo "loopfs encrypt init failed" >> "$log"; return 1; }
  cat > $dir/loopfs.toml <<CONF
[[export]]
path = "/"
options = ["rw", "no_root_squash"]
layers = [ { type = "encrypt", passfile = "$dir/pass" }, { type = "posix", root = "$dir/export" } ]
CONF
  loopfsd_launch $name 2052 20052 --config $dir/loopfs.toml
}
cfg_loopfsd_encrypt_stop() { loopfsd_stop loopfsd_encrypt; }
cfg_loopfsd_encrypt_alive() { kill -0 "${LOOPFSD_PIDS[loopfsd_encrypt]:-}" 2>/dev/null; }

# ---- gocryptfs: the same vault format through FUSE, what loopfs's encrypt layer replaces -----
GOCRYPTFS_PID=""
cfg_gocryptfs_start() {
  local dir=/bench/gocryptfs log
  log=$(cfg_log gocryptfs)
  export_tmpfs gocryptfs || return 1
  modprobe fuse >> "$log" 2>&1 || { echo "modprobe fuse failed" >> "$log"; return 1; }
  echo "vm-bench vault passphrase" > $dir/pass
  gocryptfs -init -q -scryptn 10 -passfile $dir/pass $dir/export >> "$log" 2>&1 || return 1
  # -fg so the process is ours to watch; its mount is ready once mountpoint says so.
  gocryptfs -fg -q -nosyslog -passfile $dir/pass $dir/export $dir/mnt >> "$log" 2>&1 &
  GOCRYPTFS_PID=$!
  for _ in $(seq 300); do mountpoint -q $dir/mnt && break; sleep 0.1; done
  mountpoint -q $dir/mnt || { echo "gocryptfs did not mount in 30 s" >> "$log"; return 1; }
  CFG_DIR[gocryptfs]=$dir/mnt
  CFG_DIRECT[gocryptfs]=1
}
cfg_gocryptfs_stop() {
  mountpoint -q /bench/gocryptfs/mnt && fusermount -u /bench/gocryptfs/mnt
  wait_pid_gone "$GOCRYPTFS_PID" 30 || kill -9 "$GOCRYPTFS_PID" 2>/dev/null
  return 0
}
cfg_gocryptfs_alive() { kill -0 "$GOCRYPTFS_PID" 2>/dev/null; }

# ---- knfsd: the kernel's server, the reference for issue 4's VM targets ----------------------
MOUNTD_PID=""
knfsd_start_threads() {
  local log=$1
  rpc.mountd -F -p 20048 -N 4 >> "$log" 2>&1 &
  MOUNTD_PID=$!
  # 8 threads: Debian's default (RPCNFSDCOUNT).
  rpc.nfsd -p 2049 -N 4 8 >> "$log" 2>&1 || { echo "rpc.nfsd failed" >> "$log"; return 1; }
  for _ in $(seq 100); do rpcinfo -p 127.0.0.1 2>/dev/null | grep -Eq '100005 +3 +tcp +20048' && return 0; sleep 0.1; done
  echo "rpc.mountd did not register on 20048" >> "$log"
  return 1
}
cfg_knfsd_start() {
  local log
  log=$(cfg_log knfsd)
  export_tmpfs knfsd || return 1
  modprobe nfsd >> "$log" 2>&1 || { echo "modprobe nfsd failed" >> "$log"; return 1; }
  mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd
  mkdir -p /var/lib/nfs/v4recovery /run/rpc_pipefs
  # v3 only, like loopfsd; tmpfs has no UUID for knfsd to derive an fsid from.
  printf '[mountd]\nmanage-gids=n\n[nfsd]\nvers4=n\nvers4.0=n\nvers4.1=n\nvers4.2=n\n' > /etc/nfs.conf
  echo "/bench/knfsd/export 127.0.0.1(rw,sync,no_subtree_check,no_root_squash,insecure,fsid=77)" > /etc/exports
  exportfs -ra >> "$log" 2>&1 || { echo "exportfs -ra failed" >> "$log"; return 1; }
  with_private_rpcbind knfsd_start_threads "$log" || return 1
  nfs_attach knfsd 2049 20048 /bench/knfsd/export 2>> "$log"
}
cfg_knfsd_stop() {
  nfs_detach knfsd
  rpc.nfsd 0 >> "$(cfg_log knfsd)" 2>&1
  exportfs -ua >> "$(cfg_log knfsd)" 2>&1
  kill -TERM "$MOUNTD_PID" 2>/dev/null
  wait_pid_gone "$MOUNTD_PID" 10
}
cfg_knfsd_alive() { [ "$(cat /proc/fs/nfsd/threads 2>/dev/null)" -gt 0 ] 2>/dev/null; }

# ---- nfs-ganesha: the user-space server people know (VFS backend, as bench/servers.sh) -------
GANESHA_PID=""
ganesha_start_daemon() {
  local log=$1 conf=/bench/ganesha/ganesha.conf
  ganesha.nfsd -F -f "$conf" -L "$log" -p /run/ganesha.pid -N NIV_WARN &
  GANESHA_PID=$!
  # Registered MOUNT v3 means it serves (it registers after its listeners are up).
  for _ in $(seq 1200); do
    rpcinfo -p 127.0.0.1 2>/dev/null | grep -Eq '100005 +3 +tcp +20051' && return 0
    kill -0 "$GANESHA_PID" 2>/dev/null || { echo "ganesha.nfsd exited" >> "$log"; return 1; }
    sleep 0.1
  done
  echo "ganesha.nfsd did not register MOUNT v3 on 20051 in 120 s" >> "$log"
  return 1
}
cfg_ganesha_start() {
  local log
  log=$(cfg_log ganesha)
  export_tmpfs ganesha || return 1
  mkdir -p /bench/ganesha/recovery /var/run/ganesha /var/lib/nfs/ganesha
  # ganesha resolves Bind_addr with AI_ADDRCONFIG, which finds nothing when loopback is the
  # only interface; a dummy one with a link-local address (left down) satisfies it.
  if ! ip link show vmbench0 > /dev/null 2>&1; then
    modprobe dummy >> "$log" 2>&1
    ip link add vmbench0 type dummy >> "$log" 2>&1 &&
      ip addr add 169.254.77.1/32 dev vmbench0 >> "$log" 2>&1
  fi
  cat > /bench/ganesha/ganesha.conf <<'CONF'
NFS_CORE_PARAM {
  NFS_Port = 2051;
  MNT_Port = 20051;
  Bind_addr = 127.0.0.1;
  Protocols = 3;
  Enable_NLM = false;
  Enable_RQUOTA = false;
  Enable_UDP = false;
  Plugins_Dir = "/usr/lib/x86_64-linux-gnu/ganesha";
}
NFSV4 {
  Graceless = true;
  RecoveryRoot = "/bench/ganesha/recovery";
}
EXPORT {
  Export_Id = 1;
  Path = "/bench/ganesha/export";
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
  with_private_rpcbind ganesha_start_daemon "$log" || { kill -9 "$GANESHA_PID" 2>/dev/null; return 1; }
  nfs_attach ganesha 2051 20051 /bench/ganesha/export 2>> "$log"
}
cfg_ganesha_stop() {
  nfs_detach ganesha
  kill -TERM "$GANESHA_PID" 2>/dev/null
  wait_pid_gone "$GANESHA_PID" 30 || { kill -9 "$GANESHA_PID"; return 1; }
}
cfg_ganesha_alive() { kill -0 "$GANESHA_PID" 2>/dev/null; }

# ---- tmpfs: no NFS at all, the ceiling -------------------------------------------------------
cfg_tmpfs_start() {
  mkdir -p /bench/tmpfs/mnt
  mount -t tmpfs -o size=1g,mode=0755 tmpfs /bench/tmpfs/mnt 2>> "$(cfg_log tmpfs)" || return 1
  CFG_DIR[tmpfs]=/bench/tmpfs/mnt
  # tmpfs on 6.1 refuses O_DIRECT; its page cache is its storage anyway.
  CFG_DIRECT[tmpfs]=0
}
cfg_tmpfs_stop() { umount /bench/tmpfs/mnt; }
