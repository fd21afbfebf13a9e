#!/usr/bin/env bash
# Garbage input for the suite's two entry points, run-vm.sh and posix_check: every bad
# command line must be refused with status 2 and a message, before anything is installed or
# booted.  Needs no root and no VM.  Usage: args-test.sh RUN_VM_SH POSIX_CHECK
set -u
run_vm=$1
checker=$2
failures=0

expect_refused() {  # expect_refused "<what>" cmd...
  local what=$1 out rc
  shift
  out=$("$@" 2>&1 < /dev/null)
  rc=$?
  if [ $rc -ne 2 ] || [ -z "$out" ]; then
    echo "FAIL: $what: expected exit 2 with a message, got exit $rc: ${out:0:200}"
    failures=$((failures + 1))
  else
    echo "ok $what"
  fi
}

expect_refused "unknown option" "$run_vm" --bogus
expect_refused "option without its value" "$run_vm" --server
expect_refused "unknown server" "$run_vm" --server nfs-ganesha
expect_refused "unknown group" "$run_vm" --server knfsd --group 'no-such-group'
expect_refused "group with a path" "$run_vm" --server knfsd --group ../../etc/passwd
expect_refused "loopfsd without a binary" "$run_vm" --server loopfsd
expect_refused "loopfsd binary missing" "$run_vm" --server loopfsd --loopfsd /nonexistent/loopfsd
expect_refused "loopfsd-encrypt without a binary" "$run_vm" --server loopfsd-encrypt
# /bin/true is executable but has no loopfs tool next to it.
expect_refused "loopfsd-encrypt without the loopfs tool" "$run_vm" --server loopfsd-encrypt \
  --loopfsd /bin/true
expect_refused "timeout not a number" "$run_vm" --server knfsd --timeout 'ten; reboot'
expect_refused "unknown export fs" "$run_vm" --server knfsd --export-fs btrfs
expect_refused "only pattern with spaces" "$run_vm" --server knfsd --only 'a b'
expect_refused "only pattern with a quote" "$run_vm" --server knfsd --only "x'; poweroff; '"

expect_refused "checker without arguments" "$checker"
expect_refused "checker unknown option" "$checker" --frobnicate
expect_refused "checker option without value" "$checker" --dir
expect_refused "checker symlink-max not a number" "$checker" --dir /tmp --symlink-max 3k
expect_refused "checker symlink-max too large" "$checker" --dir /tmp --symlink-max 4096
expect_refused "checker stray argument" "$checker" --dir /tmp extra
expect_refused "checker binary garbage argument" "$checker" $'\x01\xff\xfe'

[ $failures -eq 0 ] || { echo "$failures argument checks failed"; exit 1; }
