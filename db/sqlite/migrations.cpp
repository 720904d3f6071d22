#include "db/sqlite/migrations.h"

#include <string>

#include "db/sqlite/sqlite_util.h"

namespace switchyard::db {

namespace {

// Money is integer picodollars (1e-12 USD); times are unix milliseconds.
// CHECKs reject values no correct caller produces, so a bad record fails alone, loudly.
constexpr Migration kMigrations[] = {
    {1, "api keys and usage ledger", R"sql(
CREATE TABLE api_keys (
  key_hash   TEXT PRIMARY KEY NOT NULL CHECK (length(key_hash) = 64),  -- SHA-256 hex of the key
  name       TEXT NOT NULL DEFAULT '',
  label      TEXT NOT NULL DEFAULT '',   -- "sk-sy-v1-abc...xyz", safe to show; never the key
  limit_pico INTEGER CHECK (limit_pico IS NULL OR limit_pico >= 0),  -- NULL = unlimited
  disabled   INTEGER NOT NULL DEFAULT 0,
  created    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE usage (
  id                   INTEGER PRIMARY KEY,
  generation_id        TEXT NOT NULL UNIQUE CHECK (generation_id <> ''),
  key_hash             TEXT NOT NULL,
  model                TEXT NOT NULL DEFAULT '',
  provider             TEXT NOT NULL DEFAULT '',
  upstream_model       TEXT NOT NULL DEFAULT '',
  prompt_tokens        INTEGER NOT NULL DEFAULT 0,
  completion_tokens    INTEGER NOT NULL DEFAULT 0,
  cached_tokens        INTEGER NOT NULL DEFAULT 0,
  cache_write_tokens   INTEGER NOT NULL DEFAULT 0,
  cost_pico            INTEGER NOT NULL DEFAULT 0 CHECK (cost_pico >= 0),
  status               INTEGER NOT NULL DEFAULT 0,
  error_message        TEXT NOT NULL DEFAULT '',
  latency_ms           INTEGER,           -- to first byte; NULL when no byte came
  total_ms             INTEGER NOT NULL DEFAULT 0,
  generation_ms        INTEGER NOT NULL DEFAULT 0,
  streamed             INTEGER NOT NULL DEFAULT 0,
  cancelled            INTEGER NOT NULL DEFAULT 0,
  finish_reason        TEXT NOT NULL DEFAULT '',
  native_finish_reason TEXT NOT NULL DEFAULT '',
  usage_estimated      INTEGER NOT NULL DEFAULT 0,
  http_referer         TEXT NOT NULL DEFAULT '',
  x_title              TEXT NOT NULL DEFAULT '',
  created              INTEGER NOT NULL
);
-- key_hash first: per-key spend sums and per-key activity ranges.
CREATE INDEX usage_key_hash_created ON usage (key_hash, created);
CREATE INDEX usage_created ON usage (created);
)sql"},

    {2, "routing attempts", R"sql(
CREATE TABLE attempts (
  generation_id  TEXT NOT NULL,
  attempt        INTEGER NOT NULL,      -- 0-based order tried
  provider       TEXT NOT NULL DEFAULT '',
  upstream_model TEXT NOT NULL DEFAULT '',
  status         INTEGER NOT NULL DEFAULT 0,
  error_kind     TEXT NOT NULL DEFAULT '',
  error_message  TEXT NOT NULL DEFAULT '',
  latency_ms     INTEGER,
  created        INTEGER NOT NULL,
  PRIMARY KEY (generation_id, attempt)
) WITHOUT ROWID;
)sql"},

    {3, "endpoint health and circuit breakers", R"sql(
CREATE TABLE health_minutes (
  provider       TEXT NOT NULL,
  model          TEXT NOT NULL,          -- public model id
  upstream_model TEXT NOT NULL,
  minute         INTEGER NOT NULL,       -- unix ms / 60000
  requests       INTEGER NOT NULL DEFAULT 0,
  failures       INTEGER NOT NULL DEFAULT 0,
  ttft_ms_sum    INTEGER NOT NULL DEFAULT 0,
  ttft_count     INTEGER NOT NULL DEFAULT 0,
  tokens         INTEGER NOT NULL DEFAULT 0,  -- completion tokens, for throughput
  gen_ms         INTEGER NOT NULL DEFAULT 0,  -- generation time those tokens took
  latency_hist   TEXT NOT NULL DEFAULT '',    -- comma-separated counts, see HealthBucket
  PRIMARY KEY (provider, upstream_model, model, minute)
) WITHOUT ROWID;
CREATE INDEX health_minutes_minute ON health_minutes (minute);

CREATE TABLE circuit_state (
  provider             TEXT NOT NULL,
  upstream_model       TEXT NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  open_until_ms        INTEGER NOT NULL DEFAULT 0,   -- 0 = closed
  updated              INTEGER NOT NULL,
  PRIMARY KEY (provider, upstream_model)
) WITHOUT ROWID;
)sql"},

    {4, "pricing overrides", R"sql(
-- Admin-set prices that replace the catalog's; picodollars per token (= micro-dollars per
-- million tokens), so any price given in micro-dollars per million is exact.
CREATE TABLE pricing_overrides (
  provider             TEXT NOT NULL,
  upstream_model       TEXT NOT NULL,
  prompt_pico          INTEGER CHECK (prompt_pico IS NULL OR prompt_pico >= 0),
  completion_pico      INTEGER CHECK (completion_pico IS NULL OR completion_pico >= 0),
  cached_pico          INTEGER CHECK (cached_pico IS NULL OR cached_pico >= 0),
  cache_write_pico     INTEGER CHECK (cache_write_pico IS NULL OR cache_write_pico >= 0),
  request_pico         INTEGER CHECK (request_pico IS NULL OR request_pico >= 0),
  updated              INTEGER NOT NULL,
  PRIMARY KEY (provider, upstream_model)
) WITHOUT ROWID;
)sql"},

    {5, "the API surface of each request", R"sql(
-- chat | completions | messages | responses; '' for rows written before the column existed.
ALTER TABLE usage ADD COLUMN api TEXT NOT NULL DEFAULT '';
)sql"},

    {6, "operator API: managed keys, prices with history, audit, insurance", R"sql(
ALTER TABLE api_keys ADD COLUMN management INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN limit_reset TEXT NOT NULL DEFAULT ''
  CHECK (limit_reset IN ('', 'daily', 'weekly', 'monthly'));   -- UTC windows; weeks start on Monday
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;             -- unix ms; NULL = never
ALTER TABLE api_keys ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;  -- kept: its usage rows stay
-- Rate limits: NULL = the config's default, 0 = none for this key.
ALTER TABLE api_keys ADD COLUMN rpm INTEGER CHECK (rpm IS NULL OR rpm >= 0);
ALTER TABLE api_keys ADD COLUMN tpm INTEGER CHECK (tpm IS NULL OR tpm >= 0);
ALTER TABLE api_keys ADD COLUMN max_concurrent INTEGER CHECK (max_concurrent IS NULL OR max_concurrent >= 0);
UPDATE api_keys SET updated = created;
CREATE INDEX api_keys_updated ON api_keys (updated);

-- Never used: admin prices are the history below.
DROP TABLE pricing_overrides;
-- Rows are only added; the price in force at time t is the latest effective_from <= t.
CREATE TABLE prices (
  id               INTEGER PRIMARY KEY,
  model            TEXT NOT NULL,           -- public model id
  provider         TEXT NOT NULL,
  upstream_model   TEXT NOT NULL,
  prompt_pico      INTEGER NOT NULL CHECK (prompt_pico >= 0),      -- per token
  completion_pico  INTEGER NOT NULL CHECK (completion_pico >= 0),  -- per token
  request_pico     INTEGER NOT NULL CHECK (request_pico >= 0),     -- per request
  cache_read_pico  INTEGER CHECK (cache_read_pico IS NULL OR cache_read_pico >= 0),
  cache_write_pico INTEGER CHECK (cache_write_pico IS NULL OR cache_write_pico >= 0),
  effective_from   INTEGER NOT NULL,        -- unix ms
  created          INTEGER NOT NULL,
  source           TEXT NOT NULL CHECK (source IN ('config', 'api')),
  set_by           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX prices_endpoint ON prices (model, provider, upstream_model, effective_from);

CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  created INTEGER NOT NULL,
  actor   TEXT NOT NULL,                  -- a management key's label, or "cli"
  action  TEXT NOT NULL,                  -- key.create | key.update | key.delete | price.set
  target  TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}'      -- the change, as JSON
);
CREATE INDEX audit_log_created ON audit_log (created);

ALTER TABLE usage ADD COLUMN price_id INTEGER;                  -- the prices row it was billed at
ALTER TABLE usage ADD COLUMN insured INTEGER NOT NULL DEFAULT 0;  -- zero-completion insurance applied
ALTER TABLE usage ADD COLUMN waived_pico INTEGER NOT NULL DEFAULT 0 CHECK (waived_pico >= 0);
)sql"},
    {7, "usage rollups (hourly and daily cubes) and reasoning tokens", R"sql(
ALTER TABLE usage ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
-- Sums of the usage rows, written in the same transaction as the rows (db/rollups.h): one row
-- per (cube, period, dimensions). A dimension the cube drops is ''. period is unix ms /
-- 3600000 in hour cubes and / 86400000 in day cubes. Histogram bucket i counts values <=
-- db::kLatencyEdgesMs[i], the last bucket the rest.
CREATE TABLE usage_rollups (
  cube              INTEGER NOT NULL,
  period            INTEGER NOT NULL,
  key_hash          TEXT NOT NULL,
  model             TEXT NOT NULL,
  provider          TEXT NOT NULL,
  upstream_model    TEXT NOT NULL,
  app               TEXT NOT NULL,      -- X-Title, else HTTP-Referer
  api               TEXT NOT NULL,
  status_class      TEXT NOT NULL,      -- 2xx | 4xx | 5xx
  requests          INTEGER NOT NULL DEFAULT 0,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens     INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens  INTEGER NOT NULL DEFAULT 0,
  cost_pico         INTEGER NOT NULL DEFAULT 0,
  errors            INTEGER NOT NULL DEFAULT 0,
  latency_ms_sum    INTEGER NOT NULL DEFAULT 0,
  latency_count     INTEGER NOT NULL DEFAULT 0,
  generation_ms_sum INTEGER NOT NULL DEFAULT 0,
  lat_0             INTEGER NOT NULL DEFAULT 0,
  lat_1             INTEGER NOT NULL DEFAULT 0,
  lat_2             INTEGER NOT NULL DEFAULT 0,
  lat_3             INTEGER NOT NULL DEFAULT 0,
  lat_4             INTEGER NOT NULL DEFAULT 0,
  lat_5             INTEGER NOT NULL DEFAULT 0,
  lat_6             INTEGER NOT NULL DEFAULT 0,
  lat_7             INTEGER NOT NULL DEFAULT 0,
  gen_0             INTEGER NOT NULL DEFAULT 0,
  gen_1             INTEGER NOT NULL DEFAULT 0,
  gen_2             INTEGER NOT NULL DEFAULT 0,
  gen_3             INTEGER NOT NULL DEFAULT 0,
  gen_4             INTEGER NOT NULL DEFAULT 0,
  gen_5             INTEGER NOT NULL DEFAULT 0,
  gen_6             INTEGER NOT NULL DEFAULT 0,
  gen_7             INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (cube, period, key_hash, model, provider, upstream_model, app, api, status_class)
) WITHOUT ROWID;
-- Rows written before rollups existed are summed once, into every cube.
INSERT INTO usage_rollups SELECT 3, created / 86400000, '', model, provider, upstream_model, '', api, (CASE WHEN status >= 500 THEN '5xx' WHEN status >= 400 THEN '4xx' WHEN status >= 300 THEN '3xx' ELSE '2xx' END),
  COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens), 0, SUM(cost_pico), SUM(status >= 400), SUM(COALESCE(latency_ms, 0)), SUM(latency_ms IS NOT NULL), SUM(generation_ms), SUM(latency_ms IS NOT NULL AND latency_ms <= 100), SUM(latency_ms IS NOT NULL AND latency_ms > 100 AND latency_ms <= 250), SUM(latency_ms IS NOT NULL AND latency_ms > 250 AND latency_ms <= 500), SUM(latency_ms IS NOT NULL AND latency_ms > 500 AND latency_ms <= 1000), SUM(latency_ms IS NOT NULL AND latency_ms > 1000 AND latency_ms <= 2500), SUM(latency_ms IS NOT NULL AND latency_ms > 2500 AND latency_ms <= 5000), SUM(latency_ms IS NOT NULL AND latency_ms > 5000 AND latency_ms <= 10000), SUM(latency_ms > 10000), SUM(generation_ms <= 100), SUM(generation_ms > 100 AND generation_ms <= 250), SUM(generation_ms > 250 AND generation_ms <= 500), SUM(generation_ms > 500 AND generation_ms <= 1000), SUM(generation_ms > 1000 AND generation_ms <= 2500), SUM(generation_ms > 2500 AND generation_ms <= 5000), SUM(generation_ms > 5000 AND generation_ms <= 10000), SUM(generation_ms > 10000)
FROM usage GROUP BY 2, 4, 5, 6, 8, 9;
INSERT INTO usage_rollups SELECT 5, created / 86400000, '', '', '', '', (CASE WHEN x_title <> '' THEN x_title ELSE http_referer END), api, (CASE WHEN status >= 500 THEN '5xx' WHEN status >= 400 THEN '4xx' WHEN status >= 300 THEN '3xx' ELSE '2xx' END),
  COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens), 0, SUM(cost_pico), SUM(status >= 400), SUM(COALESCE(latency_ms, 0)), SUM(latency_ms IS NOT NULL), SUM(generation_ms), SUM(latency_ms IS NOT NULL AND latency_ms <= 100), SUM(latency_ms IS NOT NULL AND latency_ms > 100 AND latency_ms <= 250), SUM(latency_ms IS NOT NULL AND latency_ms > 250 AND latency_ms <= 500), SUM(latency_ms IS NOT NULL AND latency_ms > 500 AND latency_ms <= 1000), SUM(latency_ms IS NOT NULL AND latency_ms > 1000 AND latency_ms <= 2500), SUM(latency_ms IS NOT NULL AND latency_ms > 2500 AND latency_ms <= 5000), SUM(latency_ms IS NOT NULL AND latency_ms > 5000 AND latency_ms <= 10000), SUM(latency_ms > 10000), SUM(generation_ms <= 100), SUM(generation_ms > 100 AND generation_ms <= 250), SUM(generation_ms > 250 AND generation_ms <= 500), SUM(generation_ms > 500 AND generation_ms <= 1000), SUM(generation_ms > 1000 AND generation_ms <= 2500), SUM(generation_ms > 2500 AND generation_ms <= 5000), SUM(generation_ms > 5000 AND generation_ms <= 10000), SUM(generation_ms > 10000)
FROM usage GROUP BY 2, 7, 8, 9;
INSERT INTO usage_rollups SELECT 4, created / 86400000, key_hash, model, provider, upstream_model, '', '', '',
  COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens), 0, SUM(cost_pico), SUM(status >= 400), SUM(COALESCE(latency_ms, 0)), SUM(latency_ms IS NOT NULL), SUM(generation_ms), SUM(latency_ms IS NOT NULL AND latency_ms <= 100), SUM(latency_ms IS NOT NULL AND latency_ms > 100 AND latency_ms <= 250), SUM(latency_ms IS NOT NULL AND latency_ms > 250 AND latency_ms <= 500), SUM(latency_ms IS NOT NULL AND latency_ms > 500 AND latency_ms <= 1000), SUM(latency_ms IS NOT NULL AND latency_ms > 1000 AND latency_ms <= 2500), SUM(latency_ms IS NOT NULL AND latency_ms > 2500 AND latency_ms <= 5000), SUM(latency_ms IS NOT NULL AND latency_ms > 5000 AND latency_ms <= 10000), SUM(latency_ms > 10000), SUM(generation_ms <= 100), SUM(generation_ms > 100 AND generation_ms <= 250), SUM(generation_ms > 250 AND generation_ms <= 500), SUM(generation_ms > 500 AND generation_ms <= 1000), SUM(generation_ms > 1000 AND generation_ms <= 2500), SUM(generation_ms > 2500 AND generation_ms <= 5000), SUM(generation_ms > 5000 AND generation_ms <= 10000), SUM(generation_ms > 10000)
FROM usage GROUP BY 2, 3, 4, 5, 6;
INSERT INTO usage_rollups SELECT 2, created / 3600000, '', model, provider, upstream_model, '', api, (CASE WHEN status >= 500 THEN '5xx' WHEN status >= 400 THEN '4xx' WHEN status >= 300 THEN '3xx' ELSE '2xx' END),
  COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens), 0, SUM(cost_pico), SUM(status >= 400), SUM(COALESCE(latency_ms, 0)), SUM(latency_ms IS NOT NULL), SUM(generation_ms), SUM(latency_ms IS NOT NULL AND latency_ms <= 100), SUM(latency_ms IS NOT NULL AND latency_ms > 100 AND latency_ms <= 250), SUM(latency_ms IS NOT NULL AND latency_ms > 250 AND latency_ms <= 500), SUM(latency_ms IS NOT NULL AND latency_ms > 500 AND latency_ms <= 1000), SUM(latency_ms IS NOT NULL AND latency_ms > 1000 AND latency_ms <= 2500), SUM(latency_ms IS NOT NULL AND latency_ms > 2500 AND latency_ms <= 5000), SUM(latency_ms IS NOT NULL AND latency_ms > 5000 AND latency_ms <= 10000), SUM(latency_ms > 10000), SUM(generation_ms <= 100), SUM(generation_ms > 100 AND generation_ms <= 250), SUM(generation_ms > 250 AND generation_ms <= 500), SUM(generation_ms > 500 AND generation_ms <= 1000), SUM(generation_ms > 1000 AND generation_ms <= 2500), SUM(generation_ms > 2500 AND generation_ms <= 5000), SUM(generation_ms > 5000 AND generation_ms <= 10000), SUM(generation_ms > 10000)
FROM usage GROUP BY 2, 4, 5, 6, 8, 9;
INSERT INTO usage_rollups SELECT 1, created / 86400000, key_hash, model, provider, upstream_model, (CASE WHEN x_title <> '' THEN x_title ELSE http_referer END), api, (CASE WHEN status >= 500 THEN '5xx' WHEN status >= 400 THEN '4xx' WHEN status >= 300 THEN '3xx' ELSE '2xx' END),
  COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens), 0, SUM(cost_pico), SUM(status >= 400), SUM(COALESCE(latency_ms, 0)), SUM(latency_ms IS NOT NULL), SUM(generation_ms), SUM(latency_ms IS NOT NULL AND latency_ms <= 100), SUM(latency_ms IS NOT NULL AND latency_ms > 100 AND latency_ms <= 250), SUM(latency_ms IS NOT NULL AND latency_ms > 250 AND latency_ms <= 500), SUM(latency_ms IS NOT NULL AND latency_ms > 500 AND latency_ms <= 1000), SUM(latency_ms IS NOT NULL AND latency_ms > 1000 AND latency_ms <= 2500), SUM(latency_ms IS NOT NULL AND latency_ms > 2500 AND latency_ms <= 5000), SUM(latency_ms IS NOT NULL AND latency_ms > 5000 AND latency_ms <= 10000), SUM(latency_ms > 10000), SUM(generation_ms <= 100), SUM(generation_ms > 100 AND generation_ms <= 250), SUM(generation_ms > 250 AND generation_ms <= 500), SUM(generation_ms > 500 AND generation_ms <= 1000), SUM(generation_ms > 1000 AND generation_ms <= 2500), SUM(generation_ms > 2500 AND generation_ms <= 5000), SUM(generation_ms > 5000 AND generation_ms <= 10000), SUM(generation_ms > 10000)
FROM usage GROUP BY 2, 3, 4, 5, 6, 7, 8, 9;
INSERT INTO usage_rollups SELECT 0, created / 3600000, key_hash, model, provider, upstream_model, (CASE WHEN x_title <> '' THEN x_title ELSE http_referer END), api, (CASE WHEN status >= 500 THEN '5xx' WHEN status >= 400 THEN '4xx' WHEN status >= 300 THEN '3xx' ELSE '2xx' END),
  COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens), 0, SUM(cost_pico), SUM(status >= 400), SUM(COALESCE(latency_ms, 0)), SUM(latency_ms IS NOT NULL), SUM(generation_ms), SUM(latency_ms IS NOT NULL AND latency_ms <= 100), SUM(latency_ms IS NOT NULL AND latency_ms > 100 AND latency_ms <= 250), SUM(latency_ms IS NOT NULL AND latency_ms > 250 AND latency_ms <= 500), SUM(latency_ms IS NOT NULL AND latency_ms > 500 AND latency_ms <= 1000), SUM(latency_ms IS NOT NULL AND latency_ms > 1000 AND latency_ms <= 2500), SUM(latency_ms IS NOT NULL AND latency_ms > 2500 AND latency_ms <= 5000), SUM(latency_ms IS NOT NULL AND latency_ms > 5000 AND latency_ms <= 10000), SUM(latency_ms > 10000), SUM(generation_ms <= 100), SUM(generation_ms > 100 AND generation_ms <= 250), SUM(generation_ms > 250 AND generation_ms <= 500), SUM(generation_ms > 500 AND generation_ms <= 1000), SUM(generation_ms > 1000 AND generation_ms <= 2500), SUM(generation_ms > 2500 AND generation_ms <= 5000), SUM(generation_ms > 5000 AND generation_ms <= 10000), SUM(generation_ms > 10000)
FROM usage GROUP BY 2, 3, 4, 5, 6, 7, 8, 9;
)sql"},
    // Budget windows shared by several instances (db/shared_state.h). Only a PostgreSQL store
    // reserves here; the table exists on SQLite too so a version means the same schema.
    {8, "shared budget windows and change notifications", R"sql(
CREATE TABLE key_budgets (
  key_hash      TEXT NOT NULL,
  window_start  INTEGER NOT NULL,
  usage_pico    INTEGER NOT NULL DEFAULT 0,
  reserved_pico INTEGER NOT NULL DEFAULT 0 CHECK (reserved_pico >= 0),
  updated       INTEGER NOT NULL,
  PRIMARY KEY (key_hash, window_start)
) WITHOUT ROWID;
)sql"},
};

std::expected<void, Error> apply_one(sqlite3* db, const Migration& m) {
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  // Re-read inside the write lock: another process may have applied it meanwhile.
  auto current = schema_version(db);
  if (!current) return std::unexpected(current.error());
  if (*current >= m.version) return {};
  if (*current != m.version - 1)
    return std::unexpected(Error{"migrations: database at version " + std::to_string(*current) +
                                 " cannot take step " + std::to_string(m.version)});
  if (auto r = exec(db, m.sql); !r) {
    Error e = r.error();
    e.message = "migration " + std::to_string(m.version) + " (" + m.name + ") failed: " + e.message;
    return std::unexpected(std::move(e));
  }
  auto ins = Stmt::prepare(db, "INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)");
  if (!ins) return std::unexpected(ins.error());
  ins->bind(1, m.version).bind(2, m.name).bind(3, now_unix_ms());
  DB_TRY(ins->run());
  // user_version lives in the file header and is part of this transaction.
  DB_TRY(exec(db, "PRAGMA user_version = " + std::to_string(m.version)));
  return tx->commit();
}

}  // namespace

std::span<const Migration> builtin_migrations() { return kMigrations; }

std::expected<int, Error> schema_version(sqlite3* db) {
  auto st = Stmt::prepare(db, "PRAGMA user_version");
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  return static_cast<int>(st->col_int(0));
}

std::expected<int, Error> apply_migrations(sqlite3* db, std::span<const Migration> migrations) {
  DB_TRY(exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                  " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)"));
  auto current = schema_version(db);
  if (!current) return std::unexpected(current.error());
  int latest = migrations.empty() ? 0 : migrations.back().version;
  if (*current > latest)
    return std::unexpected(Error{"database schema version " + std::to_string(*current) +
                                 " is newer than this binary knows (" + std::to_string(latest) +
                                 "); refusing to use it"});
  for (const Migration& m : migrations) {
    if (m.version <= *current) continue;
    DB_TRY(apply_one(db, m));
  }
  return schema_version(db);
}

}  // namespace switchyard::db
