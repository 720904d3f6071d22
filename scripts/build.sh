#!/usr/bin/env bash
# Set up (if needed) and build everything, tests and benchmarks included, into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test
cmake --build build -j"$(nproc)"
