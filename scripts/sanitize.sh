#!/usr/bin/env bash
# The whole test suite under sanitizers, each in its own build folder:
#   ./scripts/sanitize.sh [asan|tsan|all] [ctest args...]
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer (build-asan)
#   tsan: ThreadSanitizer (build-tsan)
# TARGETS="test_proxy test_integration" builds (and so runs) only those test executables.
# Prints how long each build and each test run took. Not part of CI (a build and a run
# each take several times the plain suite's time on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
shift || true
jobs=${JOBS:-$(nproc)}
launcher=(); command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

run_one() {
  local name=$1 dir=$2 flags=$3
  local t0=$SECONDS
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHYARD_CUDA=OFF -DSWITCHYARD_BUILD_BENCH=OFF -DSWITCHYARD_TCMALLOC=OFF \
    "${launcher[@]}" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" >/dev/null
  local targets=(); for t in ${TARGETS:-}; do targets+=(--target "$t"); done
  cmake --build "$dir" -j"$jobs" "${targets[@]}"
  [ -z "${TARGETS:-}" ] || cmake --build "$dir" -j"$jobs" --target switchyard
  local built=$SECONDS
  local rc=0
  (cd "$dir" && ctest --output-on-failure -j"$jobs" -LE gpu "$@") || rc=$?
  echo "sanitize: $name: build $((built - t0)) s, tests $((SECONDS - built)) s, $([ $rc -eq 0 ] && echo passed || echo FAILED)"
  return $rc
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp}
status=0
if [[ $which == asan || $which == all ]]; then
  run_one asan+ubsan build-asan "-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" "$@" || status=1
fi
if [[ $which == tsan || $which == all ]]; then
  run_one tsan build-tsan "-fsanitize=thread -fno-omit-frame-pointer" "$@" || status=1
fi
exit $status
