# Server control for loopfsd serving an encrypted export: the encrypt layer over a posix layer
# on a gocryptfs-format vault.  Everything but the export is server-loopfsd.sh's.
#
# The scenarios read and change "the backing store" directly in $EXPORT.  Here $EXPORT is the
# real gocryptfs's plaintext view of the same vault, so each of those checks is an interop
# check: a file loopfsd wrote over NFS must decrypt in gocryptfs, and a change made through
# gocryptfs must decrypt in loopfsd.  gocryptfs runs with -sharedstorage, which turns off its
# (and the kernel's) attribute and entry caching: without it, go-fuse keeps attributes for a
# second and a scenario polling a size loopfsd is growing would see a stale one.

# shellcheck source=server-loopfsd.sh
. "$(dirname "${BASH_SOURCE[0]}")/server-loopfsd.sh"

VAULT=$DISK/vault                  # the ciphertext tree loopfsd's posix layer serves
VAULT_PASSFILE=/run/vault.pass
VAULT_CONFIG=/run/loopfsd-encrypt.toml
GOCRYPTFS_LOG=$RESULTS/gocryptfs.log
LOOPFS_TOOL=$(dirname "$LOOPFS_VM_LOOPFSD")/loopfs   # run-vm.sh checked it is there

# A symlink target is stored sealed (16-byte nonce and tag each) and base64url-encoded, and
# the stored form must fit ext4's 4095 bytes: ceil((n + 32) * 4 / 3) <= 4095 gives n <= 3039.
# gocryptfs has the same limit.
POSIX_CHECK_ARGS=(--symlink-max 3039)
# Its 10,000-entry set-up goes through gocryptfs with caching off: 560-720 s under TCG.
POSIX_CHECK_SECONDS=1300

loopfsd_args() {
  LOOPFSD_ARGS=(--config "$VAULT_CONFIG" --port "$NFS_PORT" --mount-port "$MOUNT_PORT"
                --state-dir "$STATE_DIR")
}

# vault_setup: make the vault with loopfs's own tool, write loopfsd's configuration and mount
# gocryptfs on $EXPORT.  Runs once, before the first group.
vault_setup() {
  modprobe fuse || { log "modprobe fuse failed"; return 1; }
  # With --export-fs tmpfs, setup_guest put a tmpfs on $EXPORT; the vault takes its place.
  if mountpoint -q "$EXPORT"; then
    umount "$EXPORT" || return 1
    mkdir -p "$VAULT"
    mount -t tmpfs -o size=1200m,mode=0755 tmpfs "$VAULT" || return 1
  fi
  mkdir -p "$VAULT"
  ( umask 077; echo "loopfs-vm vault passphrase" > "$VAULT_PASSFILE" )
  # scrypt logN 10: the cheapest cost, both key derivations run under TCG.
  log "+ $LOOPFS_TOOL encrypt init $VAULT --passfile $VAULT_PASSFILE --scrypt-logn 10"
  # (stdout: the throwaway vault's master key, kept out of the log.)
  "$LOOPFS_TOOL" encrypt init "$VAULT" --passfile "$VAULT_PASSFILE" --scrypt-logn 10 > /dev/null ||
    { log "loopfs encrypt init failed"; return 1; }
  cat > "$VAULT_CONFIG" <<CONF
[[export]]
path = "/"
options = ["rw", "no_root_squash"]
layers = [ { type = "encrypt", passfile = "$VAULT_PASSFILE" },
           { type = "posix", root = "$VAULT" } ]
CONF
  log "loopfsd configuration: $(tr '\n' ' ' < "$VAULT_CONFIG")"
  # -allow_other: the checker's users 1001/1002 may look too; -fg: its messages go to the
  # results share and it stays our child.
  log "+ gocryptfs -fg -allow_other -sharedstorage -nosyslog -passfile $VAULT_PASSFILE $VAULT $EXPORT"
  gocryptfs -fg -allow_other -sharedstorage -nosyslog -passfile "$VAULT_PASSFILE" \
    "$VAULT" "$EXPORT" >> "$GOCRYPTFS_LOG" 2>&1 < /dev/null &
  local i
  for i in $(seq 600); do
    mountpoint -q "$EXPORT" && break
    kill -0 $! 2>/dev/null || { log "gocryptfs exited: $(tail -n 3 "$GOCRYPTFS_LOG")"; return 1; }
    sleep 0.1
  done
  mountpoint -q "$EXPORT" || { log "gocryptfs did not mount $EXPORT within 60 s"; return 1; }
  chmod 0755 "$EXPORT"
  # $EXPORT must really be the encrypted view: a name written there is not in the vault.
  echo probe > "$EXPORT/vault-probe" || return 1
  [ ! -e "$VAULT/vault-probe" ] || { log "gocryptfs stores plaintext names"; return 1; }
  rm "$EXPORT/vault-probe"
  log "vault ready: $(ls "$VAULT" | tr '\n' ' ')"
}

if ! vault_setup >> "$LOG" 2>&1; then
  say "vault setup failed; see guest.log and gocryptfs.log"
  # Every scenario then fails at its first ensure_server, with this reason.
  server_start() { fail "vault setup (loopfs encrypt init, gocryptfs mount)" "" "failed, see guest.log"; return 1; }
fi
