#!/usr/bin/env bash
# Set up, build and run every test (unit, integration, end-to-end). GPU tests report
# themselves skipped on machines without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" "$@"
