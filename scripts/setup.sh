#!/usr/bin/env bash
# Installs the Debian packages Switchyard needs (only what is missing) and configures the
# build in ./build. Safe to run repeatedly; quiet when there is nothing to do.
#   setup.sh serve   what serving needs: the libraries, and node/npm for the dashboard bundle
#                    (the build configured without tests and benchmarks, unless ./build
#                    is already configured)
#   setup.sh test    (the default) also the test suite's packages and npm modules, and a
#                    build with tests, benchmarks and the CUDA backend where the toolkit is
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-test}"
case "$mode" in serve | test) ;; *) echo "usage: setup.sh [serve|test]" >&2; exit 2 ;; esac

packages=(build-essential cmake pkg-config git
  libcpp-httplib-dev libcurl4-openssl-dev libsimdjson-dev libyaml-cpp-dev libsqlite3-dev libssl-dev
  nodejs npm zlib1g-dev
  libpq-dev libhiredis-dev  # several instances (issue 12): PostgreSQL's and Redis's client libraries
  libgoogle-perftools-dev)  # tcmalloc, the server's allocator (issue 16)
if [ "$mode" = test ]; then packages+=(catch2 sqlite3 wrk); fi
# The fuzz targets (scripts/fuzz.sh, issue 16) and the nginx upstream of bench/proxy_overhead.
if [ "$mode" = test ]; then packages+=(clang-16 libclang-rt-16-dev nginx-light); fi
if [ "$mode" = test ]; then packages+=(postgresql redis-server); fi  # the servers test_servers.sh starts (issue 12)

# One dpkg-query for all of them: a second start pays milliseconds, not a call per package.
installed="$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null | awk '/install ok installed/ {print $1}')"
missing=()
for p in "${packages[@]}"; do
  grep -qx "$p" <<<"$installed" || missing+=("$p")
done
# node and npm may come from outside Debian on some machines: then they are not missing.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]:-}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

if [ "$mode" = serve ]; then
  # Only what serving needs. An existing build folder is kept as it is configured (the
  # test command's one builds the server just as well).
  build="${SWITCHYARD_BUILD_DIR:-build}"
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DSWITCHYARD_BUILD_BENCH=OFF >/dev/null
  fi
  exit 0
fi

# Debian's chromium for the dashboard's browser tests, on its own: where it cannot be
# installed everything else still builds and runs, and the browser test fails saying so.
if [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing chromium"
  { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium; } ||
    echo "setup: chromium could not be installed: the browser tests will fail until it is"
fi

# The end-to-end tests drive the server with the official SDKs (npm `openai`,
# `@anthropic-ai/sdk`), the browser tests drive chromium with playwright-core: each folder's
# packages installed from its lockfile whenever it is newer than what is there.
for dir in tests/e2e tests/browser; do
  [ -f "$dir/package-lock.json" ] || continue
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# Tests, benchmarks, and the CUDA backend compile-checked wherever the toolkit exists.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON -DSWITCHYARD_BUILD_BENCH=ON \
  -DSWITCHYARD_CUDA=TOOLKIT >/dev/null
