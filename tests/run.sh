#!/usr/bin/env bash
# The whole test suite, as the README gives it and CI runs it:
#   installs what is needed, builds with ASan+UBSan (warnings are errors),
#   runs every ctest test (unit, integration, hostile, man pages, the VM
#   kernel-mount suite), then builds the libFuzzer targets with clang-14 and
#   runs each for a bounded time on its checked-in corpus.
# Options: --no-vm skips the VM suite; --no-fuzz skips the fuzzers;
# LOOPFS_FUZZ_SECONDS (default 20) sets each fuzzer's run time.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

run_vm=1
run_fuzz=1
for arg in "$@"; do
  case "$arg" in
    --no-vm) run_vm=0 ;;
    --no-fuzz) run_fuzz=0 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

jobs=$(nproc)
step() { printf '\n=== %s\n' "$*"; }

step "installing dependencies"
tests/install-deps.sh build test

step "building (ASan+UBSan, -Werror) in build-asan/"
# -O1 with line tables only: the sanitizers' usual setting, and it compiles
# in about half the time of -O2 -g on this 2-core machine.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" \
  -DLOOPFS_SANITIZE=ON -DLOOPFS_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"

passed=0
failed=0
# Runs ctest and adds its counts to the totals; returns ctest's status.
run_ctest() {
  local log
  log=$(mktemp)
  local rc=0
  ctest --test-dir "$@" --output-on-failure 2>&1 | tee "$log" || rc=$?
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n1 || true)
  if [[ $line =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=$((failed + BASH_REMATCH[1]))
    passed=$((passed + BASH_REMATCH[2] - BASH_REMATCH[1]))
  fi
  rm -f "$log"
  return $rc
}

status=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

step "unit, integration, hostile-input, documentation and benchmark-smoke tests"
run_ctest build-asan -LE vm -j"$jobs" --timeout 600 || status=1

if [ "$run_vm" = 1 ]; then
  step "kernel-mount suite in a VM (label vm)"
  run_ctest build-asan -L vm --timeout 1500 || status=1
fi

if [ "$run_fuzz" = 1 ]; then
  step "fuzz targets (clang-14 libFuzzer, ${LOOPFS_FUZZ_SECONDS:-20} s each)"
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DLOOPFS_FUZZ=ON \
    -DLOOPFS_FUZZ_SECONDS="${LOOPFS_FUZZ_SECONDS:-20}" >/dev/null
  cmake --build build-fuzz --target fuzzers -j"$jobs"
  run_ctest build-fuzz -L fuzz || status=1
fi

echo
echo "suite: $passed passed, $failed failed"
exit $status
