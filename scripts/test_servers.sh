#!/usr/bin/env bash
# Real PostgreSQL and Redis servers for the tests (and scripts/cluster.sh), on 127.0.0.1 and
# free ports, in a folder of their own; nothing outside it is touched.
#   scripts/test_servers.sh start DIR   starts both, writes DIR/env:
#       SWITCHYARD_TEST_PG_URL=postgres://switchyard@127.0.0.1:PORT/postgres
#       SWITCHYARD_TEST_REDIS_URL=redis://127.0.0.1:PORT
#   scripts/test_servers.sh stop DIR    stops both and removes DIR
# The env file is written before the servers start, so when one cannot start the tests still
# get its URL and fail on it (they must fail, not skip, in CI). PostgreSQL refuses to run as
# root: as root the data folder belongs to `nobody` and the server runs as that user.
# PG_FSYNC=on keeps fsync (scripts/cluster.sh); tests run without it, for speed.
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "test_servers: no free port found" >&2
  return 1
}

as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

wait_for() {  # wait_for SECONDS CMD...: polls a readiness command, never a fixed sleep for its own sake
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

start_postgres() {
  local dir=$1 port=$2
  [ -x "$PG_BIN/initdb" ] || { echo "test_servers: PostgreSQL binaries not found (PG_BIN=$PG_BIN)" >&2; return 1; }
  mkdir -p "$dir/pg"
  [ "$(id -u)" -ne 0 ] || chown nobody "$dir" "$dir/pg"
  chmod 700 "$dir/pg"
  as_pg_user "$PG_BIN/initdb" -D "$dir/pg" -U switchyard --auth=trust --locale=C --encoding=UTF8 -N >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  local fsync_opts="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${PG_FSYNC:-off}" = "on" ] && fsync_opts=""
  as_pg_user "$PG_BIN/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 30 start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 $fsync_opts" >/dev/null ||
    { cat "$dir/pg.log" >&2; return 1; }
}

start_redis() {
  local dir=$1 port=$2
  command -v redis-server >/dev/null || { echo "test_servers: redis-server not found" >&2; return 1; }
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >/dev/null
  wait_for 10 redis-cli -p "$port" ping || { cat "$dir/redis.log" >&2; return 1; }
}

start() {
  local dir=$1
  mkdir -p "$dir"
  local pg_port redis_port
  pg_port=$(free_port)
  redis_port=$(free_port)
  cat >"$dir/env" <<ENV
SWITCHYARD_TEST_PG_URL=postgres://switchyard@127.0.0.1:$pg_port/postgres
SWITCHYARD_TEST_REDIS_URL=redis://127.0.0.1:$redis_port
ENV
  local ok=0
  start_postgres "$dir" "$pg_port" || { echo "test_servers: PostgreSQL did not start" >&2; ok=1; }
  start_redis "$dir" "$redis_port" || { echo "test_servers: Redis did not start" >&2; ok=1; }
  [ "$ok" -eq 0 ] && echo "test_servers: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port"
  return "$ok"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  if [ -f "$dir/pg/postmaster.pid" ]; then as_pg_user "$PG_BIN/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true; fi
  if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:?usage: $0 start DIR}" ;;
  stop) stop "${2:?usage: $0 stop DIR}" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
