#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ in build-fuzz (clang 16, ASan + UBSan, libFuzzer)
# and runs each for SECONDS (default 20) from its seed corpus in fuzz/corpus/<target>;
# fails on the first crash, leak or UBSan report. New inputs go to build-fuzz/corpus/,
# never into the repository. Prints the executions each target reached.
#   ./scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
CXX_FUZZ=${CXX_FUZZ:-clang++-16}
CC_FUZZ=${CC_FUZZ:-clang-16}
command -v "$CXX_FUZZ" >/dev/null || { echo "fuzz: $CXX_FUZZ not found (apt-get install clang-16 libclang-rt-16-dev)"; exit 1; }
# clang 16 compiles libstdc++ 12's <expected> once told it has the C++20 concepts it has.
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
flags="$flags -D__cpp_concepts=202002L -Wno-builtin-macro-redefined -Wno-macro-redefined"
launcher=(); command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$CXX_FUZZ" -DCMAKE_C_COMPILER="$CC_FUZZ" \
  "${launcher[@]}" -DSWITCHYARD_CUDA=OFF -DSWITCHYARD_TCMALLOC=OFF -DSWITCHYARD_FUZZ=ON -DSWITCHYARD_BUILD_BENCH=OFF -DBUILD_TESTING=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="-fsanitize=address,undefined -g -O1" >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
cmake --build build-fuzz -j"${JOBS:-2}" --target "${targets[@]}"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
status=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t"
  log="build-fuzz/$t.log"
  if build-fuzz/"$t" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -timeout=25 \
      -artifact_prefix="build-fuzz/artifacts/$t/" "build-fuzz/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    [ -n "$execs" ] || execs=$(grep -Eo '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    echo "fuzz: $t: ok, ${execs:-?} executions in ${seconds}s"
  else
    echo "fuzz: $t: FAILED (see $log; the input is in build-fuzz/artifacts/$t/)"
    tail -40 "$log"
    status=1
  fi
done
exit $status
