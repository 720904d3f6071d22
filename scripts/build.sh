#!/usr/bin/env bash
# Set up (if needed) and build everything into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --build build -j"$(nproc)"
