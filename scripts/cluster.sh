#!/usr/bin/env bash
# Three Switchyard instances on one PostgreSQL store and one Redis, for a person to try what
# several instances share (keys, budgets, prices, rate limits, the ledger). Everything runs
# on 127.0.0.1: PostgreSQL and Redis on free ports (scripts/test_servers.sh, with fsync on),
# the instances on ports 8081, 8082, 8083 (BASE_PORT=8080 shifts them). Ctrl-C stops it all.
#   scripts/cluster.sh            build, start, print a key and a curl per instance
# Put a load balancer in front of the three ports, or call them directly: a key created or
# disabled on one is honoured by all within a second, and so is a price.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test  # PostgreSQL and Redis are test packages
cmake --build build -j"$(nproc)" --target switchyard
BASE_PORT=${BASE_PORT:-8080}
dir=$(mktemp -d /tmp/switchyard-cluster.XXXXXX)
chmod 755 "$dir"  # the PostgreSQL user (nobody, when run as root) must reach its folder inside
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ./scripts/test_servers.sh stop "$dir/servers"
  rm -rf "$dir"
}
trap cleanup EXIT
trap "exit 130" INT TERM
PG_FSYNC=on ./scripts/test_servers.sh start "$dir/servers"
set -a; . "$dir/servers/env"; set +a
pg=$SWITCHYARD_TEST_PG_URL
redis=$SWITCHYARD_TEST_REDIS_URL

# config.yaml with the rate limits in Redis (the database comes from --db).
sed "s|^rate_limits:|rate_limits:\n  redis_url: \"$redis\"\n  redis_failure: open|" config.yaml >"$dir/config.yaml"
mkdir -p models data
[ -f models/demo-mixtral.gguf ] || ./build/switchyard make-demo-model --out models/demo-mixtral.gguf >/dev/null
key=$(./build/switchyard keys create --db "$pg" --name cluster-demo | tail -1)
admin=$(./build/switchyard keys create --db "$pg" --name cluster-admin --management | tail -1)

for i in 1 2 3; do
  port=$((BASE_PORT + i))
  ./build/switchyard serve --config "$dir/config.yaml" --db "$pg" --port "$port" --quiet \
    >"$dir/instance-$i.log" 2>&1 &
  pids+=($!)
done
for i in 1 2 3; do
  port=$((BASE_PORT + i))
  for _ in $(seq 1 100); do
    grep -q "listening on" "$dir/instance-$i.log" 2>/dev/null && break
    kill -0 "${pids[$((i - 1))]}" 2>/dev/null || { cat "$dir/instance-$i.log"; exit 1; }
    sleep 0.1
  done
  echo "instance $i: http://127.0.0.1:$port   (log: $dir/instance-$i.log)"
done
cat <<MSG

PostgreSQL: ${pg}
Redis:      ${redis}
API key:        $key
management key: $admin

try:  curl http://127.0.0.1:$((BASE_PORT + 1))/v1/chat/completions -H 'Authorization: Bearer $key' \\
        -H 'Content-Type: application/json' \\
        -d '{"model":"switchyard/demo-mixtral","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}'
      then the same on port $((BASE_PORT + 2)) and $((BASE_PORT + 3)); usage from any of them:
      curl http://127.0.0.1:$((BASE_PORT + 3))/api/v1/admin/usage -H 'Authorization: Bearer $admin'
Ctrl-C stops the three instances, PostgreSQL and Redis.
MSG
wait "${pids[@]}"
