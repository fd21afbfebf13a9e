#!/usr/bin/env bash
# loopfsd as a program: exit status 2 and a clear message for bad
# configuration, the ready line, status through the control socket, SIGHUP
# reload keeping the server up, SIGTERM exiting 0.
set -u
loopfsd=$1
loopfs=$2
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
pid=0
fail() { echo "FAIL: $*"; [ -f "$tmp/err" ] && cat "$tmp/err"; exit 1; }

"$loopfsd" --help | grep -q -- '--export' || fail "--help does not list --export"
"$loopfs" --help | grep -q 'status' || fail "loopfs --help does not list status"

"$loopfsd" --state-dir "$tmp/s" --port 0 --mount-port 0 2>"$tmp/err"
[ $? -eq 2 ] || fail "no exports should exit 2"
grep -q "nothing to serve" "$tmp/err" || fail "no exports: unclear message"

printf '[server]\nnfs_prot = 1\n' > "$tmp/bad.toml"
"$loopfsd" --config "$tmp/bad.toml" 2>"$tmp/err"
[ $? -eq 2 ] || fail "bad config should exit 2"
grep -q "bad.toml:2.*server.nfs_prot" "$tmp/err" || fail "bad config message lacks file:line and key"

"$loopfsd" --export "/=$tmp/does-not-exist" --state-dir "$tmp/s" --port 0 --mount-port 0 \
  --no-rpcbind 2>"$tmp/err"
[ $? -eq 2 ] || fail "missing export directory should exit 2"

mkdir -p "$tmp/export"
echo "through the automounter" > "$tmp/export/file"
printf 'docs -fstype=posix :%s\n' "$tmp/export" > "$tmp/auto.map"
cat > "$tmp/good.toml" <<TOML
[server]
listen = ["127.0.0.1"]
nfs_port = 0
mount_port = 0
rpcbind = false
state_dir = "$tmp/s"
[[export]]
path = "/"
layers = [ { type = "posix", root = "$tmp/export" } ]
[[export]]
path = "/auto"
layers = [ { type = "automount", map = "$tmp/auto.map", state = "$tmp/s/auto" } ]
TOML
"$loopfsd" --config "$tmp/good.toml" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q ready "$tmp/out" && break; sleep 0.1; done
grep -Eq '^loopfsd ready nfs=[0-9]+ mount=[0-9]+$' "$tmp/out" || fail "no ready line"
[ "$(wc -l < "$tmp/out")" -eq 1 ] || fail "stdout has more than the ready line"

"$loopfs" --state-dir "$tmp/s" status > "$tmp/status" || fail "loopfs status failed"
grep -q "posix" "$tmp/status" || fail "status does not show the posix layer"
"$loopfs" --state-dir "$tmp/s" --json stats | grep -q '"procedures"' || fail "stats"

# An automount entry attaches on first use inside it, and `loopfs automount status` says so.
"$loopfs" --state-dir "$tmp/s" automount status | grep -q "^/auto (map " ||
  fail "automount status does not list /auto"
if command -v nfs-cat > /dev/null; then
  ports=$(sed -n 's/^loopfsd ready nfs=\([0-9]*\) mount=\([0-9]*\)$/nfsport=\1\&mountport=\2/p' "$tmp/out")
  got=$(nfs-cat "nfs://127.0.0.1/auto/docs/file?$ports" 2>&1)
  [ "$got" = "through the automounter" ] || fail "read through the automount entry: $got"
  "$loopfs" --state-dir "$tmp/s" automount status | grep -Eq '^  docs +attached +posix' ||
    fail "automount status does not show docs attached"
fi

# A reload with a broken file keeps serving; a good one is taken.
printf 'garbage = = \n' > "$tmp/good.toml.new"
cp "$tmp/good.toml" "$tmp/good.toml.bak"; cp "$tmp/good.toml.new" "$tmp/good.toml"
kill -HUP $pid; sleep 0.5
kill -0 $pid || fail "SIGHUP with a broken config killed loopfsd"
grep -q "keeping the old exports" "$tmp/err" || fail "broken reload not logged"
cp "$tmp/good.toml.bak" "$tmp/good.toml"
kill -HUP $pid; sleep 0.5
grep -q "reloaded 2 exports" "$tmp/err" || fail "reload not logged"
"$loopfs" --state-dir "$tmp/s" status >/dev/null || fail "status after reload"

kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 0 ] || fail "SIGTERM exit status $rc"
[ -e "$tmp/s/control.sock" ] && fail "control socket left behind"
echo "loopfsd_cli: ok"
