#!/usr/bin/env bash
# Everything that needs a real GPU, in one command (on a machine with an NVIDIA GPU, a
# driver and the CUDA toolkit under /usr/local/cuda or on PATH):
#   1. build with the CUDA backend required (-DSWITCHYARD_CUDA=ON) in build-cuda/
#   2. the [gpu] tests (ctest label gpu): every kernel against the CPU engine, the whole
#      forward and greedy generation against the CPU, concurrency, out-of-memory message
#   3. the same tests under compute-sanitizer (memcheck, then racecheck and synccheck on
#      the kernel tests), when compute-sanitizer is installed
#   4. bench_engine_gpu (WizardLM-2 8x22B layer shape, Q4_K and Q8_0); its output is the
#      figure to copy into bench/NOTES.md
# Arguments go to bench_engine_gpu (e.g. --layers 4). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null
cmake -S . -B build-cuda -DSWITCHYARD_CUDA=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-cuda -j"$(nproc)" --target test_gpu bench_engine_gpu switchyard
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

echo "== [gpu] tests"
(cd build-cuda && ctest -L gpu --output-on-failure)
# ctest counts a skip as success: make sure they really ran.
./build-cuda/test_gpu --list-test-names-only >/dev/null
./build-cuda/test_gpu "[gpu]" || { rc=$?; [ "$rc" = 77 ] && echo "no usable GPU: nothing was verified" >&2; exit 1; }

SANITIZER=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
if [ -x "$SANITIZER" ]; then
  echo "== compute-sanitizer memcheck"
  "$SANITIZER" --tool memcheck --error-exitcode 3 ./build-cuda/test_gpu "[gpu]"
  for tool in racecheck synccheck; do
    echo "== compute-sanitizer $tool (kernels)"
    "$SANITIZER" --tool "$tool" --error-exitcode 3 ./build-cuda/test_gpu "[kernel]"
  done
else
  echo "compute-sanitizer not found: skipped" >&2
fi

echo "== bench_engine_gpu"
./build-cuda/bench_engine_gpu "$@"
