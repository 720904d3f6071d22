#!/usr/bin/env bash
# Set up, build what serving needs (the switchyard binary only: no tests, benchmarks, or
# CUDA objects without a GPU driver) and serve config.yaml with the demo model and key.
# Build output goes to build/run-build.log (its tail is shown if the build fails), so the
# last lines printed are the server's: the URL, the demo key and a curl line to try.
set -euo pipefail
cd "$(dirname "$0")/.."
# SWITCHYARD_BUILD_DIR: another build folder (default build/), e.g. the README test's.
build="${SWITCHYARD_BUILD_DIR:-build}"
SWITCHYARD_BUILD_DIR="$build" ./scripts/setup.sh serve
log="$build/run-build.log"
[ -x "$build/switchyard" ] || echo "building switchyard (the first start takes about two minutes; log: $log)"
if ! cmake --build "$build" -j"$(nproc)" --target switchyard >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "run.sh: the build failed (whole log: $log)" >&2
  exit 1
fi
exec "$build/switchyard" demo --config config.yaml "$@"
