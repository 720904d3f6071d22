// The rollup and export part of the SQLite store: rollups (every cube of db/rollups.h)
// upserted with the rows they sum, grouped reads from the cube that fits, cursor pages of raw
// rows, retention.
#include "db/rollup_columns.h"
#include "db/sqlite/sqlite_rows.h"
#include "db/sqlite/sqlite_store.h"

namespace switchyard::db::sqlite {

namespace {

std::string upsert_sql() {
  std::string cols, values, updates;
  for (const auto& c : rollup_count_columns()) {
    cols += ", " + c;
    values += ", ?";
    updates += std::string(updates.empty() ? "" : ", ") + c + " = " + c + " + excluded." + c;
  }
  return "INSERT INTO usage_rollups (cube, period, key_hash, model, provider, upstream_model, app, api, status_class" +
         cols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?" + values +
         ") ON CONFLICT (cube, period, key_hash, model, provider, upstream_model, app, api, status_class) DO UPDATE SET " +
         updates;
}

}  // namespace

std::expected<void, Error> SqliteStore::upsert_rollups_locked(const std::vector<const UsageRecord*>& inserted) {
  if (inserted.empty()) return {};
  DB_ASSIGN(st, Stmt::prepare(db_, upsert_sql()));
  for (auto& [k, counts] : rollups_of(inserted)) {
    st->bind(1, int64_t{k.cube}).bind(2, k.period).bind(3, k.key_hash).bind(4, k.model).bind(5, k.provider);
    st->bind(6, k.upstream_model).bind(7, k.app).bind(8, k.api).bind(9, k.status_class);
    RollupCounts c = counts;
    int i = 10;
    for (int64_t* v : rollup_counts_fields(c)) st->bind(i++, *v);
    DB_TRY(st->run());
  }
  return {};
}

std::expected<std::vector<UsageBucket>, Error> SqliteStore::usage_rollups(const UsageQuery& asked) {
  const UsageQuery q = whole_periods(asked);
  const Cube& cube = cube_for(q);
  std::string groups;
  for (GroupField f : q.group_by) groups += std::string(", ") + rollup_column(f);
  std::string sums;
  for (const auto& c : rollup_count_columns()) sums += ", SUM(" + c + ")";
  // Grouped by the cube's own periods (integers, cheap); buckets of a coarser granularity are
  // merged below with period_floor, the one calendar for every store.
  std::string sql = "SELECT period" + groups + sums + " FROM usage_rollups WHERE cube = ? AND period >= ? AND period < ?";
  for (const auto& [f, v] : q.where) sql += std::string(" AND ") + rollup_column(f) + " = ?";
  sql += " GROUP BY period" + groups + " ORDER BY period" + groups;
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, sql));
  int b = 1;
  const int64_t unit = grain_ms(cube.grain);
  st->bind(b++, int64_t{cube.id}).bind(b++, floor_div(q.from_ms, unit)).bind(b++, ceil_div(q.to_ms, unit));
  for (const auto& [f, v] : q.where) st->bind(b++, v);
  std::map<std::pair<int64_t, std::map<GroupField, std::string>>, RollupCounts> merged;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    int64_t start = period_floor(q.granularity, st->col_int(0) * unit);
    std::map<GroupField, std::string> group;
    int col = 1;
    for (GroupField f : q.group_by) group[f] = st->col_text(col++);
    RollupCounts counts;
    for (int64_t* v : rollup_counts_fields(counts)) *v = st->col_int(col++);
    merged[{start, std::move(group)}].add(counts);
  }
  std::vector<UsageBucket> out;
  out.reserve(merged.size());
  for (auto& [k, counts] : merged) out.push_back(UsageBucket{k.first, k.second, counts});
  return out;
}

std::expected<std::vector<UsageRow>, Error> SqliteStore::usage_page(const ExportQuery& q, int64_t after_id,
                                                                    int64_t limit) {
  std::string sql = std::string("SELECT id, ") + kUsageColumns + " FROM usage WHERE " +
                    (q.newest_first ? "id < ?" : "id > ?") + " AND created >= ? AND created < ?";
  for (const auto& [f, v] : q.where) {
    bool exact_status = f == GroupField::status && !v.empty() && v.back() != 'x';
    sql += std::string(" AND ") + (exact_status ? "CAST(status AS TEXT)" : raw_column(f)) + " = ?";
  }
  sql += q.newest_first ? " ORDER BY id DESC LIMIT ?" : " ORDER BY id LIMIT ?";
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, sql));
  int b = 1;
  st->bind(b++, q.newest_first && after_id == 0 ? INT64_MAX : after_id).bind(b++, q.from_ms).bind(b++, q.to_ms);
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
  std::vector<UsageRecord*> records;
  for (UsageRow& r : out) records.push_back(&r.record);
  DB_TRY(attach_attempts_locked(records));
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
