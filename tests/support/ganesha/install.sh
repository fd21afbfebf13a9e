#!/usr/bin/env bash
# Installs nfs-ganesha with its VFS backend, the reference server the suite's
# expectations are checked against during development.  Idempotent.
set -euo pipefail
pkgs=(nfs-ganesha nfs-ganesha-vfs rpcbind iproute2 util-linux)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
