// The rollup and export part of the PostgreSQL store (see db/sqlite/sqlite_rollups.cpp: the
// same reads in the other dialect). Rollups are upserted in key order, so two instances
// adding to the same rows lock them in the same order and never deadlock.
#include "db/postgres/pg_rows.h"
#include "db/postgres/pg_store.h"
#include "db/rollup_columns.h"

namespace switchyard::db::postgres {

namespace {

constexpr size_t kRollupsPerStatement = 500;  // 35 parameters each

std::string upsert_head() {
  std::string cols;
  for (const auto& c : rollup_count_columns()) cols += ", " + c;
  return "INSERT INTO usage_rollups AS u (cube, period, key_hash, model, provider, upstream_model, app, api, status_class" +
         cols + ") VALUES ";
}

std::string upsert_tail() {
  std::string updates;
  for (const auto& c : rollup_count_columns())
    updates += std::string(updates.empty() ? "" : ", ") + c + " = u." + c + " + excluded." + c;
  return " ON CONFLICT (cube, period, key_hash, model, provider, upstream_model, app, api, status_class) DO UPDATE SET " +
         updates;
}

}  // namespace

std::expected<void, Error> PgStore::upsert_rollups_locked(const std::vector<const UsageRecord*>& inserted) {
  if (inserted.empty()) return {};
  const int columns = 9 + static_cast<int>(rollup_count_columns().size());
  auto deltas = rollups_of(inserted);
  auto it = deltas.begin();
  while (it != deltas.end()) {
    std::string sql = upsert_head();
    Params p;
    for (size_t i = 0; i < kRollupsPerStatement && it != deltas.end(); ++i, ++it) {
      const auto& [k, counts] = *it;
      sql += (i ? ",(" : "(") + numbered(static_cast<int>(i) * columns + 1, columns) + ")";
      p.add(int64_t{k.cube}).add(k.period).add(k.key_hash).add(k.model).add(k.provider).add(k.upstream_model);
      p.add(k.app).add(k.api).add(k.status_class);
      RollupCounts c = counts;
      for (int64_t* v : rollup_counts_fields(c)) p.add(*v);
    }
    DB_TRY(conn_.exec(sql + upsert_tail(), p));
  }
  return {};
}

std::expected<std::vector<UsageBucket>, Error> PgStore::usage_rollups(const UsageQuery& asked) {
  const UsageQuery q = whole_periods(asked);
  const Cube& cube = cube_for(q);
  std::string groups;
  for (GroupField f : q.group_by) groups += std::string(", ") + rollup_column(f);
  std::string sums;
  for (const auto& c : rollup_count_columns()) sums += ", SUM(" + c + ")";
  std::string sql = "SELECT period" + groups + sums + " FROM usage_rollups WHERE cube = $1 AND period >= $2 AND period < $3";
  const int64_t unit = grain_ms(cube.grain);
  Params p;
  p.add(int64_t{cube.id}).add(floor_div(q.from_ms, unit)).add(ceil_div(q.to_ms, unit));
  for (const auto& [f, v] : q.where) {
    p.add(v);
    sql += std::string(" AND ") + rollup_column(f) + " = $" + std::to_string(p.size());
  }
  sql += " GROUP BY period" + groups;
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec(sql, p));
  // Merged into a map: the order is C++'s (byte order), whatever the database's collation.
  std::map<std::pair<int64_t, std::map<GroupField, std::string>>, RollupCounts> merged;
  for (int row = 0; row < r->rows(); ++row) {
    int64_t start = period_floor(q.granularity, r->i64(row, 0) * unit);
    std::map<GroupField, std::string> group;
    int col = 1;
    for (GroupField f : q.group_by) group[f] = r->text(row, col++);
    RollupCounts counts;
    for (int64_t* v : rollup_counts_fields(counts)) *v = r->i64(row, col++);
    merged[{start, std::move(group)}].add(counts);
  }
  std::vector<UsageBucket> out;
  out.reserve(merged.size());
  for (auto& [k, counts] : merged) out.push_back(UsageBucket{k.first, k.second, counts});
  return out;
}

std::expected<std::vector<UsageRow>, Error> PgStore::usage_page(const ExportQuery& q, int64_t after_id, int64_t limit) {
  std::string sql = std::string("SELECT id, ") + kUsageColumns + " FROM usage WHERE " +
                    (q.newest_first ? "id < $1" : "id > $1") + " AND created >= $2 AND created < $3";
  Params p;
  p.add(q.newest_first && after_id == 0 ? INT64_MAX : after_id).add(q.from_ms).add(q.to_ms);
  for (const auto& [f, v] : q.where) {
    bool exact_status = f == GroupField::status && !v.empty() && v.back() != 'x';
    p.add(v);
    sql += std::string(" AND ") + (exact_status ? "CAST(status AS TEXT)" : raw_column(f)) + " = $" +
           std::to_string(p.size());
  }
  p.add(limit);
  sql += std::string(q.newest_first ? " ORDER BY id DESC" : " ORDER BY id") + " LIMIT $" + std::to_string(p.size());
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec(sql, p));
  std::vector<UsageRow> out;
  out.reserve(static_cast<size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) out.push_back(UsageRow{r->i64(i, 0), read_usage(*r, i, 1)});
  std::vector<UsageRecord*> records;
  for (UsageRow& row : out) records.push_back(&row.record);
  DB_TRY(attach_attempts_locked(records));
  return out;
}

std::expected<int64_t, Error> PgStore::prune_usage(int64_t before_ms) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(tx, PgTransaction::begin(conn_));
  DB_TRY(conn_.exec("DELETE FROM attempts WHERE generation_id IN (SELECT generation_id FROM usage WHERE created < $1)",
                    Params().add(before_ms)));
  DB_ASSIGN(r, conn_.exec("DELETE FROM usage WHERE created < $1", Params().add(before_ms)));
  DB_TRY(tx->commit());
  return r->affected();
}

}  // namespace switchyard::db::postgres
