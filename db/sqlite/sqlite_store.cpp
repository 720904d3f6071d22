#include "db/sqlite/sqlite_store.h"

#include "db/sqlite/sqlite_util.h"

#include <exception>

#include "db/key_hash.h"
#include "db/sqlite/migrations.h"

namespace switchyard::db::sqlite {

namespace {

// Unwraps a std::expected into `var` or returns its error from the enclosing function.
#define DB_ASSIGN(var, expr)                                              \
  auto var = (expr);                                                      \
  if (!var) return std::unexpected(std::move(var).error())

constexpr const char* kUsageColumns =
    "generation_id, key_hash, model, provider, upstream_model, prompt_tokens, completion_tokens,"
    " cached_tokens, cache_write_tokens, cost_pico, status, error_message, latency_ms, total_ms,"
    " generation_ms, streamed, cancelled, finish_reason, native_finish_reason, usage_estimated,"
    " http_referer, x_title, created, api";

UsageRecord read_usage(const Stmt& s) {
  UsageRecord r;
  int i = 0;
  r.generation_id = s.col_text(i++);
  r.key_hash = s.col_text(i++);
  r.model = s.col_text(i++);
  r.provider = s.col_text(i++);
  r.upstream_model = s.col_text(i++);
  r.prompt_tokens = s.col_int(i++);
  r.completion_tokens = s.col_int(i++);
  r.cached_tokens = s.col_int(i++);
  r.cache_write_tokens = s.col_int(i++);
  r.cost_pico = s.col_int(i++);
  r.status = static_cast<int>(s.col_int(i++));
  r.error_message = s.col_text(i++);
  r.latency_ms = s.col_opt_int(i++);
  r.total_ms = s.col_int(i++);
  r.generation_ms = s.col_int(i++);
  r.streamed = s.col_bool(i++);
  r.cancelled = s.col_bool(i++);
  r.finish_reason = s.col_text(i++);
  r.native_finish_reason = s.col_text(i++);
  r.usage_estimated = s.col_bool(i++);
  r.http_referer = s.col_text(i++);
  r.x_title = s.col_text(i++);
  r.created = s.col_int(i++);
  r.api = s.col_text(i++);
  return r;
}

void bind_usage(Stmt& s, const UsageRecord& r) {
  // Order matches kUsageColumns.
  s.bind(1, r.generation_id).bind(2, r.key_hash).bind(3, r.model).bind(4, r.provider);
  s.bind(5, r.upstream_model).bind(6, r.prompt_tokens).bind(7, r.completion_tokens);
  s.bind(8, r.cached_tokens).bind(9, r.cache_write_tokens).bind(10, r.cost_pico);
  s.bind(11, r.status).bind(12, r.error_message).bind(13, r.latency_ms).bind(14, r.total_ms);
  s.bind(15, r.generation_ms).bind(16, r.streamed).bind(17, r.cancelled);
  s.bind(18, r.finish_reason).bind(19, r.native_finish_reason).bind(20, r.usage_estimated);
  s.bind(21, r.http_referer).bind(22, r.x_title).bind(23, r.created).bind(24, r.api);
}

constexpr const char* kKeyColumns =
    "k.key_hash, k.name, k.label, k.limit_pico, k.disabled, k.created,"
    " (SELECT COALESCE(SUM(u.cost_pico), 0) FROM usage u WHERE u.key_hash = k.key_hash)";

ApiKeyRow read_key(const Stmt& s) {
  return ApiKeyRow{s.col_text(0), s.col_text(1), s.col_text(2), s.col_opt_int(3),
                   s.col_bool(4), s.col_int(5),  s.col_int(6)};
}

std::string hist_to_text(const std::vector<int64_t>& h) {
  std::string out;
  for (size_t i = 0; i < h.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(h[i]);
  }
  return out;
}

// Lenient: the column is ours, but a hand-edited row must not break health loading.
std::vector<int64_t> hist_from_text(const std::string& text) {
  std::vector<int64_t> out;
  if (text.empty()) return out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int64_t v = 0;
    try { v = std::stoll(part); } catch (const std::exception&) { v = 0; }
    out.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<int64_t> hist_add(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  if (a.size() < b.size()) a.resize(b.size(), 0);
  for (size_t i = 0; i < b.size(); ++i) a[i] += b[i];
  return a;
}

CircuitState read_circuit(const Stmt& s) {
  return CircuitState{s.col_text(0), s.col_text(1), s.col_int(2), s.col_int(3), s.col_int(4)};
}

}  // namespace


std::expected<std::unique_ptr<SqliteStore>, Error> SqliteStore::open(const std::string& path, const StoreOptions& opts) {
  DB_ASSIGN(db, open_connection(path, ConnectionOptions{opts.busy_timeout_ms, opts.synchronous_full}));
  std::unique_ptr<SqliteStore> store(new SqliteStore(*db, path));  // owns the connection from here on
  DB_ASSIGN(version, apply_migrations(*db, builtin_migrations()));
  return store;
}

SqliteStore::~SqliteStore() { sqlite3_close_v2(db_); }

std::expected<int, Error> SqliteStore::schema_version() {
  std::lock_guard lock(mu_);
  return db::schema_version(db_);
}

std::expected<void, Error> SqliteStore::check_writable() {
  std::lock_guard lock(mu_);
  if (auto ok = exec(db_, "BEGIN IMMEDIATE"); !ok) return ok;
  return exec(db_, "ROLLBACK");
}

// ---------------------------------------------------------------- keys

std::expected<CreatedKey, Error> SqliteStore::create_key(const std::string& name, std::optional<int64_t> limit_pico) {
  CreatedKey out;
  try {
    out.key = generate_key();  // throws only if the OS has no randomness
  } catch (const std::exception& e) {
    return std::unexpected(Error{std::string("create_key: ") + e.what()});
  }
  out.row = ApiKeyRow{hash_key(out.key), name, key_label(out.key), limit_pico, false, now_unix_ms(), 0};
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, "INSERT INTO api_keys (key_hash, name, label, limit_pico, disabled, created)"
                                   " VALUES (?, ?, ?, ?, 0, ?)"));
  st->bind(1, out.row.key_hash).bind(2, name).bind(3, out.row.label).bind(4, limit_pico).bind(5, out.row.created);
  DB_TRY(st->run());
  return out;
}

std::expected<std::optional<ApiKeyRow>, Error> SqliteStore::find_key(const std::string& key_hash) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, std::string("SELECT ") + kKeyColumns + " FROM api_keys k WHERE k.key_hash = ?"));
  st->bind(1, key_hash);
  DB_ASSIGN(row, st->step());
  if (!*row) return std::optional<ApiKeyRow>();
  return std::optional<ApiKeyRow>(read_key(*st));
}

std::expected<std::vector<ApiKeyRow>, Error> SqliteStore::list_keys() {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, std::string("SELECT ") + kKeyColumns + " FROM api_keys k ORDER BY k.created, k.key_hash"));
  std::vector<ApiKeyRow> out;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    out.push_back(read_key(*st));
  }
  return out;
}

std::expected<bool, Error> SqliteStore::set_key_disabled(const std::string& key_hash, bool disabled) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, "UPDATE api_keys SET disabled = ? WHERE key_hash = ?"));
  st->bind(1, disabled).bind(2, key_hash);
  DB_TRY(st->run());
  return sqlite3_changes(db_) > 0;
}

std::expected<bool, Error> SqliteStore::set_key_limit(const std::string& key_hash, std::optional<int64_t> limit_pico) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, "UPDATE api_keys SET limit_pico = ? WHERE key_hash = ?"));
  st->bind(1, limit_pico).bind(2, key_hash);
  DB_TRY(st->run());
  return sqlite3_changes(db_) > 0;
}

std::expected<std::map<std::string, int64_t>, Error> SqliteStore::usage_totals() {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, "SELECT key_hash, SUM(cost_pico) FROM usage GROUP BY key_hash"));
  std::map<std::string, int64_t> out;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    out[st->col_text(0)] = st->col_int(1);
  }
  return out;
}

// ---------------------------------------------------------------- ledger

std::expected<BatchResult, Error> SqliteStore::insert_usage_batch(const std::vector<UsageRecord>& records) {
  std::lock_guard lock(mu_);
  return insert_usage_batch_locked(records);
}

std::expected<BatchResult, Error> SqliteStore::insert_usage_batch_locked(const std::vector<UsageRecord>& records) {
  BatchResult result;
  if (records.empty()) return result;
  DB_ASSIGN(tx, Transaction::begin(db_));
  // OR IGNORE on the generation id only: a duplicate is the same request recorded twice
  // (a retried batch whose first commit did land), so the first copy is the truth and the
  // rest of the batch goes on. CHECK/NOT NULL failures still abort: they are real bugs.
  DB_ASSIGN(ins, Stmt::prepare(db_, std::string("INSERT INTO usage (") + kUsageColumns +
                                        ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                                        " ON CONFLICT (generation_id) DO NOTHING"));
  // OR REPLACE: a repeated attempt index is a caller bug, but must not cost the usage row.
  DB_ASSIGN(att, Stmt::prepare(db_, "INSERT OR REPLACE INTO attempts (generation_id, attempt, provider,"
                                    " upstream_model, status, error_kind, error_message, latency_ms, created)"
                                    " VALUES (?,?,?,?,?,?,?,?,?)"));
  for (const UsageRecord& r : records) {
    bind_usage(*ins, r);
    DB_TRY(ins->run());
    if (sqlite3_changes(db_) == 0) {
      ++result.duplicates;  // its attempts were stored with the first copy
      continue;
    }
    ++result.inserted;
    for (const AttemptRecord& a : r.attempts) {
      att->bind(1, r.generation_id).bind(2, a.attempt).bind(3, a.provider).bind(4, a.upstream_model);
      att->bind(5, a.status).bind(6, a.error_kind).bind(7, a.error_message).bind(8, a.latency_ms);
      att->bind(9, a.created);
      DB_TRY(att->run());
    }
  }
  DB_TRY(tx->commit());
  return result;
}

std::expected<std::vector<AttemptRecord>, Error> SqliteStore::attempts_locked(const std::string& generation_id) {
  DB_ASSIGN(st, Stmt::prepare(db_, "SELECT attempt, provider, upstream_model, status, error_kind, error_message,"
                                   " latency_ms, created FROM attempts WHERE generation_id = ? ORDER BY attempt"));
  st->bind(1, generation_id);
  std::vector<AttemptRecord> out;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    out.push_back(AttemptRecord{static_cast<int>(st->col_int(0)), st->col_text(1), st->col_text(2),
                                static_cast<int>(st->col_int(3)), st->col_text(4), st->col_text(5),
                                st->col_opt_int(6), st->col_int(7)});
  }
  return out;
}

std::expected<std::optional<UsageRecord>, Error> SqliteStore::get_generation(const std::string& generation_id) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, std::string("SELECT ") + kUsageColumns + " FROM usage WHERE generation_id = ?"));
  st->bind(1, generation_id);
  DB_ASSIGN(row, st->step());
  if (!*row) return std::optional<UsageRecord>();
  UsageRecord r = read_usage(*st);
  DB_ASSIGN(attempts, attempts_locked(generation_id));
  r.attempts = std::move(*attempts);
  return std::optional<UsageRecord>(std::move(r));
}

std::expected<std::vector<UsageRecord>, Error> SqliteStore::activity(const ActivityQuery& q) {
  std::lock_guard lock(mu_);
  std::string sql = std::string("SELECT ") + kUsageColumns + " FROM usage WHERE created >= ? AND created < ?";
  if (q.key_hash) sql += " AND key_hash = ?";
  sql += " ORDER BY created, id";
  if (q.limit > 0) sql += " LIMIT " + std::to_string(q.limit);
  DB_ASSIGN(st, Stmt::prepare(db_, sql));
  st->bind(1, q.from_ms).bind(2, q.to_ms);
  if (q.key_hash) st->bind(3, *q.key_hash);
  std::vector<UsageRecord> out;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    out.push_back(read_usage(*st));
  }
  for (UsageRecord& r : out) {
    DB_ASSIGN(attempts, attempts_locked(r.generation_id));
    r.attempts = std::move(*attempts);
  }
  return out;
}

// ---------------------------------------------------------------- health

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
