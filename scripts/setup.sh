#!/usr/bin/env bash
# Installs the Debian packages Switchyard needs (only what is missing) and configures the
# build in ./build. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config git
  libcpp-httplib-dev libcurl4-openssl-dev libsimdjson-dev libyaml-cpp-dev
  libsqlite3-dev sqlite3 libssl-dev catch2 nodejs npm wrk
  libpq-dev libhiredis-dev postgresql redis-server)  # several instances: shared store and rate limits (issue 12)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
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

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
