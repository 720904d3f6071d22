// The health part of the SQLite store: per-minute endpoint buckets and circuit states.
#include "db/sqlite/sqlite_rows.h"
#include "db/sqlite/sqlite_store.h"

namespace switchyard::db::sqlite {

std::expected<void, Error> SqliteStore::upsert_health(const std::vector<HealthBucket>& buckets) {
  std::lock_guard lock(mu_);
  if (buckets.empty()) return {};
  DB_ASSIGN(tx, Transaction::begin(db_));
  // The histogram is text, so it is merged here; the counters are added in SQL.
  DB_ASSIGN(sel, Stmt::prepare(db_, "SELECT latency_hist FROM health_minutes"
                                    " WHERE provider = ? AND upstream_model = ? AND model = ? AND minute = ?"));
  DB_ASSIGN(up, Stmt::prepare(db_,
      "INSERT INTO health_minutes (provider, model, upstream_model, minute, requests, failures,"
      " ttft_ms_sum, ttft_count, tokens, gen_ms, latency_hist) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
      " ON CONFLICT (provider, upstream_model, model, minute) DO UPDATE SET"
      " requests = requests + excluded.requests, failures = failures + excluded.failures,"
      " ttft_ms_sum = ttft_ms_sum + excluded.ttft_ms_sum, ttft_count = ttft_count + excluded.ttft_count,"
      " tokens = tokens + excluded.tokens, gen_ms = gen_ms + excluded.gen_ms,"
      " latency_hist = excluded.latency_hist"));
  for (const HealthBucket& b : buckets) {
    sel->bind(1, b.provider).bind(2, b.upstream_model).bind(3, b.model).bind(4, b.minute);
    DB_ASSIGN(found, sel->step());
    std::vector<int64_t> hist = *found ? hist_add(hist_from_text(sel->col_text(0)), b.latency_hist) : b.latency_hist;
    sel->reset();
    up->bind(1, b.provider).bind(2, b.model).bind(3, b.upstream_model).bind(4, b.minute);
    up->bind(5, b.requests).bind(6, b.failures).bind(7, b.ttft_ms_sum).bind(8, b.ttft_count);
    up->bind(9, b.tokens).bind(10, b.gen_ms).bind(11, hist_to_text(hist));
    DB_TRY(up->run());
  }
  return tx->commit();
}

std::expected<std::vector<HealthBucket>, Error> SqliteStore::health_since(int64_t since_minute) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_,
      "SELECT provider, model, upstream_model, minute, requests, failures, ttft_ms_sum, ttft_count,"
      " tokens, gen_ms, latency_hist FROM health_minutes WHERE minute >= ?"
      " ORDER BY provider, upstream_model, model, minute"));
  st->bind(1, since_minute);
  std::vector<HealthBucket> out;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    out.push_back(HealthBucket{st->col_text(0), st->col_text(1), st->col_text(2), st->col_int(3),
                               st->col_int(4), st->col_int(5), st->col_int(6), st->col_int(7),
                               st->col_int(8), st->col_int(9), hist_from_text(st->col_text(10))});
  }
  return out;
}

std::expected<int64_t, Error> SqliteStore::prune_health(int64_t before_minute) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, "DELETE FROM health_minutes WHERE minute < ?"));
  st->bind(1, before_minute);
  DB_TRY(st->run());
  return static_cast<int64_t>(sqlite3_changes(db_));
}

std::expected<std::optional<CircuitState>, Error> SqliteStore::get_circuit(const std::string& provider,
                                                                     const std::string& upstream_model) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, "SELECT provider, upstream_model, consecutive_failures, open_until_ms, updated"
                                   " FROM circuit_state WHERE provider = ? AND upstream_model = ?"));
  st->bind(1, provider).bind(2, upstream_model);
  DB_ASSIGN(row, st->step());
  if (!*row) return std::optional<CircuitState>();
  return std::optional<CircuitState>(read_circuit(*st));
}

std::expected<void, Error> SqliteStore::put_circuit(const CircuitState& s) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, "INSERT OR REPLACE INTO circuit_state (provider, upstream_model,"
                                   " consecutive_failures, open_until_ms, updated) VALUES (?,?,?,?,?)"));
  st->bind(1, s.provider).bind(2, s.upstream_model).bind(3, s.consecutive_failures);
  st->bind(4, s.open_until_ms).bind(5, s.updated ? s.updated : now_unix_ms());
  return st->run();
}

std::expected<std::vector<CircuitState>, Error> SqliteStore::list_circuits() {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, "SELECT provider, upstream_model, consecutive_failures, open_until_ms, updated"
                                   " FROM circuit_state ORDER BY provider, upstream_model"));
  std::vector<CircuitState> out;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    out.push_back(read_circuit(*st));
  }
  return out;
}

}  // namespace switchyard::db::sqlite
