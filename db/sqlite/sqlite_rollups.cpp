// The rollup and export part of the SQLite store: hourly rollups upserted with the rows
// they sum, grouped reads over them, cursor pages of raw rows, retention.
#include "db/sqlite/sqlite_rows.h"
#include "db/sqlite/sqlite_store.h"

namespace switchyard::db::sqlite {

namespace {

// The additive columns, in the order counts_fields() walks a RollupCounts.
const std::vector<std::string>& count_columns() {
  static const std::vector<std::string> columns = [] {
    std::vector<std::string> c = {"requests",  "prompt_tokens",  "completion_tokens", "cached_tokens",
                                  "reasoning_tokens", "cost_pico", "errors", "latency_ms_sum",
                                  "latency_count", "generation_ms_sum"};
    for (const char* prefix : {"lat_", "gen_"})
      for (size_t i = 0; i < kLatencyBuckets; ++i) c.push_back(prefix + std::to_string(i));
    return c;
  }();
  return columns;
}

std::vector<int64_t*> counts_fields(RollupCounts& c) {
  std::vector<int64_t*> f = {&c.requests,  &c.prompt_tokens, &c.completion_tokens, &c.cached_tokens,
                             &c.reasoning_tokens, &c.cost_pico, &c.errors, &c.latency_ms_sum,
                             &c.latency_count, &c.generation_ms_sum};
  for (auto& v : c.latency_hist) f.push_back(&v);
  for (auto& v : c.generation_hist) f.push_back(&v);
  return f;
}

std::string upsert_sql() {
  std::string cols, values, updates;
  for (const auto& c : count_columns()) {
    cols += ", " + c;
    values += ", ?";
    updates += std::string(updates.empty() ? "" : ", ") + c + " = " + c + " + excluded." + c;
  }
  return "INSERT INTO usage_hourly (hour, key_hash, model, provider, upstream_model, app, api, status_class" + cols +
         ") VALUES (?, ?, ?, ?, ?, ?, ?, ?" + values +
         ") ON CONFLICT (hour, key_hash, model, provider, upstream_model, app, api, status_class) DO UPDATE SET " + updates;
}

// The column a field reads in the rollups and in the raw rows.
const char* rollup_column(GroupField f) {
  switch (f) {
    case GroupField::key: return "key_hash";
    case GroupField::model: return "model";
    case GroupField::provider: return "provider";
    case GroupField::app: return "app";
    case GroupField::api: return "api";
    case GroupField::status: return "status_class";
  }
  return "key_hash";
}

const char* raw_column(GroupField f) {
  switch (f) {
    case GroupField::app: return "(CASE WHEN x_title <> '' THEN x_title ELSE http_referer END)";
    case GroupField::status:
      return "(CASE WHEN status >= 500 THEN '5xx' WHEN status >= 400 THEN '4xx' WHEN status >= 300 THEN '3xx' ELSE '2xx' END)";
    default: return rollup_column(f);
  }
}

// The start of each row's period, in unix ms, from its hour (1970-01-01 was a Thursday).
std::string period_sql(Granularity g) {
  switch (g) {
    case Granularity::hour: return "hour * 3600000";
    case Granularity::day: return "(hour / 24) * 86400000";
    case Granularity::week: return "((hour / 24) - ((hour / 24 + 3) % 7)) * 86400000";
    case Granularity::month: return "CAST(strftime('%s', hour * 3600, 'unixepoch', 'start of month') AS INTEGER) * 1000";
  }
  return "hour * 3600000";
}

int64_t hour_floor(int64_t ms) { return ms >= 0 ? ms / 3'600'000 : -((-ms + 3'599'999) / 3'600'000); }
int64_t hour_ceil(int64_t ms) { return -hour_floor(-ms); }

}  // namespace

std::expected<void, Error> SqliteStore::upsert_rollups_locked(const std::vector<const UsageRecord*>& inserted) {
  if (inserted.empty()) return {};
  DB_ASSIGN(st, Stmt::prepare(db_, upsert_sql()));
  for (auto& [k, counts] : rollups_of(inserted)) {
    st->bind(1, k.hour).bind(2, k.key_hash).bind(3, k.model).bind(4, k.provider).bind(5, k.upstream_model);
    st->bind(6, k.app).bind(7, k.api).bind(8, k.status_class);
    RollupCounts c = counts;
    int i = 9;
    for (int64_t* v : counts_fields(c)) st->bind(i++, *v);
    DB_TRY(st->run());
  }
  return {};
}

std::expected<std::vector<UsageBucket>, Error> SqliteStore::usage_rollups(const UsageQuery& q) {
  std::string groups;
  for (GroupField f : q.group_by) groups += std::string(", ") + rollup_column(f);
  std::string sums;
  for (const auto& c : count_columns()) sums += ", SUM(" + c + ")";
  std::string sql = "SELECT " + period_sql(q.granularity) + " AS period" + groups + sums +
                    " FROM usage_hourly WHERE hour >= ? AND hour < ?";
  for (const auto& [f, v] : q.where) sql += std::string(" AND ") + rollup_column(f) + " = ?";
  sql += " GROUP BY period" + groups + " ORDER BY period" + groups;
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, sql));
  int b = 1;
  st->bind(b++, hour_floor(q.from_ms)).bind(b++, hour_ceil(q.to_ms));
  for (const auto& [f, v] : q.where) st->bind(b++, v);
  std::vector<UsageBucket> out;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    UsageBucket bucket;
    bucket.period_start_ms = st->col_int(0);
    int col = 1;
    for (GroupField f : q.group_by) bucket.group[f] = st->col_text(col++);
    for (int64_t* v : counts_fields(bucket.counts)) *v = st->col_int(col++);
    out.push_back(std::move(bucket));
  }
  return out;
}

std::expected<std::vector<UsageRow>, Error> SqliteStore::usage_page(const ExportQuery& q, int64_t after_id,
                                                                    int64_t limit) {
  std::string sql = std::string("SELECT id, ") + kUsageColumns + " FROM usage WHERE id > ? AND created >= ? AND created < ?";
  for (const auto& [f, v] : q.where) {
    bool exact_status = f == GroupField::status && !v.empty() && v.back() != 'x';
    sql += std::string(" AND ") + (exact_status ? "CAST(status AS TEXT)" : raw_column(f)) + " = ?";
  }
  sql += " ORDER BY id LIMIT ?";
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, sql));
  int b = 1;
  st->bind(b++, after_id).bind(b++, q.from_ms).bind(b++, q.to_ms);
  for (const auto& [f, v] : q.where) st->bind(b++, v);
  st->bind(b++, limit);
  std::vector<UsageRow> out;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    UsageRow r;
    r.id = st->col_int(0);
    r.record = read_usage_at(*st, 1);
    out.push_back(std::move(r));
  }
  for (UsageRow& r : out) {
    DB_ASSIGN(attempts, attempts_locked(r.record.generation_id));
    r.record.attempts = std::move(*attempts);
  }
  return out;
}

std::expected<int64_t, Error> SqliteStore::prune_usage(int64_t before_ms) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(tx, Transaction::begin(db_));
  DB_ASSIGN(att, Stmt::prepare(db_, "DELETE FROM attempts WHERE generation_id IN"
                                    " (SELECT generation_id FROM usage WHERE created < ?)"));
  att->bind(1, before_ms);
  DB_TRY(att->run());
  DB_ASSIGN(st, Stmt::prepare(db_, "DELETE FROM usage WHERE created < ?"));
  st->bind(1, before_ms);
  DB_TRY(st->run());
  int64_t deleted = sqlite3_changes(db_);
  DB_TRY(tx->commit());
  return deleted;
}

}  // namespace switchyard::db::sqlite
