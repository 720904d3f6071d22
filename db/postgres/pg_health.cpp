// The health part of the PostgreSQL store: per-minute endpoint buckets and circuit states.
// Every instance adds its own counts to the same buckets, so what any instance reads back is
// the merge of all of them.
#include "db/postgres/pg_rows.h"
#include "db/postgres/pg_store.h"

namespace switchyard::db::postgres {

using sqlite::hist_add;
using sqlite::hist_from_text;
using sqlite::hist_to_text;

std::expected<void, Error> PgStore::upsert_health(const std::vector<HealthBucket>& buckets) {
  std::lock_guard lock(mu_);
  if (buckets.empty()) return {};
  DB_ASSIGN(tx, PgTransaction::begin(conn_));
  for (const HealthBucket& b : buckets) {
    // The histogram is text merged here: the row is created first (so it exists to lock),
    // then read FOR UPDATE, so two instances flushing the same minute never lose counts.
    Params key;
    key.add(b.provider).add(b.model).add(b.upstream_model).add(b.minute);
    DB_TRY(conn_.exec("INSERT INTO health_minutes (provider, model, upstream_model, minute) VALUES ($1,$2,$3,$4)"
                      " ON CONFLICT DO NOTHING",
                      key));
    DB_ASSIGN(sel, conn_.exec("SELECT latency_hist FROM health_minutes WHERE provider = $1 AND model = $2"
                              " AND upstream_model = $3 AND minute = $4 FOR UPDATE",
                              key));
    std::vector<int64_t> hist = hist_add(hist_from_text(sel->rows() ? sel->text(0, 0) : ""), b.latency_hist);
    Params p = key;
    p.add(b.requests).add(b.failures).add(b.ttft_ms_sum).add(b.ttft_count).add(b.tokens).add(b.gen_ms);
    p.add(hist_to_text(hist));
    DB_TRY(conn_.exec("UPDATE health_minutes SET requests = requests + $5, failures = failures + $6,"
                      " ttft_ms_sum = ttft_ms_sum + $7, ttft_count = ttft_count + $8, tokens = tokens + $9,"
                      " gen_ms = gen_ms + $10, latency_hist = $11"
                      " WHERE provider = $1 AND model = $2 AND upstream_model = $3 AND minute = $4",
                      p));
  }
  return tx->commit();
}

std::expected<std::vector<HealthBucket>, Error> PgStore::health_since(int64_t since_minute) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec("SELECT provider, model, upstream_model, minute, requests, failures, ttft_ms_sum, ttft_count,"
                          " tokens, gen_ms, latency_hist FROM health_minutes WHERE minute >= $1"
                          " ORDER BY provider COLLATE \"C\", upstream_model COLLATE \"C\", model COLLATE \"C\", minute",
                          Params().add(since_minute)));
  std::vector<HealthBucket> out;
  for (int i = 0; i < r->rows(); ++i)
    out.push_back(HealthBucket{r->text(i, 0), r->text(i, 1), r->text(i, 2), r->i64(i, 3), r->i64(i, 4), r->i64(i, 5),
                               r->i64(i, 6), r->i64(i, 7), r->i64(i, 8), r->i64(i, 9), hist_from_text(r->text(i, 10))});
  return out;
}

std::expected<int64_t, Error> PgStore::prune_health(int64_t before_minute) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec("DELETE FROM health_minutes WHERE minute < $1", Params().add(before_minute)));
  return r->affected();
}

std::expected<std::optional<CircuitState>, Error> PgStore::get_circuit(const std::string& provider,
                                                                 const std::string& upstream_model) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec("SELECT provider, upstream_model, consecutive_failures, open_until_ms, updated"
                          " FROM circuit_state WHERE provider = $1 AND upstream_model = $2",
                          Params().add(provider).add(upstream_model)));
  if (r->rows() == 0) return std::optional<CircuitState>();
  return std::optional<CircuitState>(read_circuit(*r, 0));
}

std::expected<void, Error> PgStore::put_circuit(const CircuitState& s) {
  std::lock_guard lock(mu_);
  DB_TRY(conn_.exec("INSERT INTO circuit_state (provider, upstream_model, consecutive_failures, open_until_ms, updated)"
                    " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (provider, upstream_model) DO UPDATE SET"
                    " consecutive_failures = excluded.consecutive_failures, open_until_ms = excluded.open_until_ms,"
                    " updated = excluded.updated",
                    Params().add(s.provider).add(s.upstream_model).add(s.consecutive_failures).add(s.open_until_ms)
                        .add(s.updated ? s.updated : now_unix_ms())));
  return {};
}

std::expected<std::vector<CircuitState>, Error> PgStore::list_circuits() {
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec("SELECT provider, upstream_model, consecutive_failures, open_until_ms, updated"
                          " FROM circuit_state ORDER BY provider COLLATE \"C\", upstream_model COLLATE \"C\""));
  std::vector<CircuitState> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_circuit(*r, i));
  return out;
}

}  // namespace switchyard::db::postgres
