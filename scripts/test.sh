#!/usr/bin/env bash
# Set up, build and run every test (unit, integration, end-to-end). GPU tests report
# themselves skipped on machines without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
# Real PostgreSQL and Redis on free ports for the shared-store and multi-instance tests
# (scripts/test_servers.sh); stopped on exit. When they cannot start, their URLs are still
# exported and those tests fail rather than skip.
servers_dir=$(mktemp -d /tmp/switchyard-test-servers.XXXXXX)
servers="$(pwd)/scripts/test_servers.sh"  # absolute: the trap runs after the cd below
trap '"$servers" stop "$servers_dir"' EXIT
"$servers" start "$servers_dir" || echo "test.sh: the test servers did not all start; their tests will fail" >&2
set -a
. "$servers_dir/env"
set +a
cd build
ctest --output-on-failure -j"$(nproc)" "$@"
