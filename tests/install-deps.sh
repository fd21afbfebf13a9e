#!/usr/bin/env bash
# Installs the Debian 12 packages loopfs builds and tests with.
# Idempotent and non-interactive: packages already present are skipped, so a
# second run costs one dpkg query.  Usage: tests/install-deps.sh [build|test]...
# (tests/vm/run-vm.sh and bench/host-bench.sh install their own extras.)
set -euo pipefail

build_pkgs=(
  cmake ninja-build g++ pkg-config
  rpcsvc-proto libtirpc-dev          # rpcgen and the XDR routines / rpcbind client
  libboost-dev                       # Asio
  libssl-dev                         # HMAC for file handles, later AES/HKDF/scrypt
  libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev
  libnfs-dev                         # libnfs: test client and benchmark load generator
  nlohmann-json3-dev                 # the control socket's JSON messages
)
test_pkgs=(
  libgtest-dev libgmock-dev
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  libnfs-utils                       # nfs-ls, nfs-cp, nfs-cat: the reference client
  rpcbind man-db procps
  gocryptfs fuse3                    # the reference implementation of the encrypt layer's format
)

want=("${build_pkgs[@]}")
for kind in "$@"; do
  case "$kind" in
    build) ;;
    test) want+=("${test_pkgs[@]}") ;;
    *) echo "install-deps: unknown set '$kind' (use build or test)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: need root to install: ${missing[*]}" >&2
  echo "install-deps: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
