#!/usr/bin/env bash
# Set up, build and serve Switchyard with config.yaml. Prints the URL and a fresh demo key.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
exec ./build/switchyard demo --config config.yaml "$@"
