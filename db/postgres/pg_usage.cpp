// The ledger part of the PostgreSQL store: usage rows and their attempts, written as
// multi-row INSERTs (a few statements per batch, not one per row: a round trip to a server
// costs far more than to a file).
#include <map>
#include <set>
#include <unordered_map>

#include "db/postgres/pg_rows.h"
#include "db/postgres/pg_store.h"

namespace switchyard::db::postgres {

namespace {
// Rows per statement: PostgreSQL takes at most 65,535 parameters in one.
constexpr size_t kRowsPerStatement = 1000;
constexpr const char* kAttemptColumns =
    "attempt, provider, upstream_model, status, error_kind, error_message, latency_ms, created";
}  // namespace

std::expected<BatchResult, Error> PgStore::insert_usage_batch(const std::vector<UsageRecord>& records) {
  std::lock_guard lock(mu_);
  if (records.empty()) return BatchResult{};
  DB_ASSIGN(tx, PgTransaction::begin(conn_));
  DB_ASSIGN(result, insert_usage_locked(records));
  DB_TRY(tx->commit());
  return *result;
}

// A generation id already stored is a duplicate (the first copy is the truth); CHECK and NOT
// NULL failures abort the batch, as in SQLite.
std::expected<BatchResult, Error> PgStore::insert_usage_locked(const std::vector<UsageRecord>& records) {
  BatchResult result;
  std::set<std::string> landed;
  for (size_t first = 0; first < records.size(); first += kRowsPerStatement) {
    size_t n = std::min(kRowsPerStatement, records.size() - first);
    std::string sql = std::string("INSERT INTO usage (") + kUsageColumns + ") VALUES ";
    Params p;
    for (size_t i = 0; i < n; ++i) {
      sql += (i ? ",(" : "(") + numbered(static_cast<int>(i) * kUsageColumnCount + 1, kUsageColumnCount) + ")";
      add_usage(p, records[first + i]);
    }
    sql += " ON CONFLICT (generation_id) DO NOTHING RETURNING generation_id";
    DB_ASSIGN(r, conn_.exec(sql, p));
    for (int i = 0; i < r->rows(); ++i) landed.insert(r->text(i, 0));
  }
  std::vector<const UsageRecord*> inserted;
  for (const UsageRecord& r : records)
    if (landed.erase(r.generation_id)) inserted.push_back(&r);  // erase: a repeat in the batch is a duplicate
  result.inserted = static_cast<int64_t>(inserted.size());
  result.duplicates = static_cast<int64_t>(records.size()) - result.inserted;
  DB_TRY(insert_attempts_locked(inserted));
  DB_TRY(upsert_rollups_locked(inserted));  // same transaction: rollups never drift from the rows
  return result;
}

std::expected<void, Error> PgStore::insert_attempts_locked(const std::vector<const UsageRecord*>& inserted) {
  // A repeated attempt index is a caller bug; the last one wins (SQLite's OR REPLACE).
  std::map<std::pair<std::string, int>, std::pair<const UsageRecord*, const AttemptRecord*>> rows;
  for (const UsageRecord* r : inserted)
    for (const AttemptRecord& a : r->attempts) rows[{r->generation_id, a.attempt}] = {r, &a};
  auto it = rows.begin();
  while (it != rows.end()) {
    std::string sql = std::string("INSERT INTO attempts (generation_id, ") + kAttemptColumns + ") VALUES ";
    Params p;
    for (size_t i = 0; i < kRowsPerStatement && it != rows.end(); ++i, ++it) {
      const auto& [r, a] = it->second;
      sql += (i ? ",(" : "(") + numbered(static_cast<int>(i) * 9 + 1, 9) + ")";
      p.add(r->generation_id).add(a->attempt).add(a->provider).add(a->upstream_model).add(a->status);
      p.add(a->error_kind).add(a->error_message).add(a->latency_ms).add(a->created);
    }
    sql += " ON CONFLICT (generation_id, attempt) DO UPDATE SET provider = excluded.provider,"
           " upstream_model = excluded.upstream_model, status = excluded.status, error_kind = excluded.error_kind,"
           " error_message = excluded.error_message, latency_ms = excluded.latency_ms, created = excluded.created";
    DB_TRY(conn_.exec(sql, p));
  }
  return {};
}

// One query per 500 rows, not one per row: exports read attempts for pages of thousands.
std::expected<void, Error> PgStore::attach_attempts_locked(std::vector<UsageRecord*>& rows) {
  constexpr size_t kChunk = 500;
  for (size_t first = 0; first < rows.size(); first += kChunk) {
    size_t n = std::min(kChunk, rows.size() - first);
    std::string sql = std::string("SELECT generation_id, ") + kAttemptColumns +
                      " FROM attempts WHERE generation_id IN (" + numbered(1, static_cast<int>(n)) +
                      ") ORDER BY generation_id, attempt";
    Params p;
    std::unordered_map<std::string, UsageRecord*> by_id;
    for (size_t i = 0; i < n; ++i) {
      p.add(rows[first + i]->generation_id);
      by_id[rows[first + i]->generation_id] = rows[first + i];
    }
    DB_ASSIGN(r, conn_.exec(sql, p));
    for (int i = 0; i < r->rows(); ++i) {
      auto it = by_id.find(r->text(i, 0));
      if (it != by_id.end()) it->second->attempts.push_back(read_attempt(*r, i, 1));
    }
  }
  return {};
}

std::expected<std::optional<UsageRecord>, Error> PgStore::get_generation(const std::string& generation_id) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec(std::string("SELECT ") + kUsageColumns + " FROM usage WHERE generation_id = $1",
                          Params().add(generation_id)));
  if (r->rows() == 0) return std::optional<UsageRecord>();
  UsageRecord rec = read_usage(*r, 0);
  std::vector<UsageRecord*> one{&rec};
  DB_TRY(attach_attempts_locked(one));
  return std::optional<UsageRecord>(std::move(rec));
}

std::expected<std::vector<UsageRecord>, Error> PgStore::activity(const ActivityQuery& q) {
  std::string sql = std::string("SELECT ") + kUsageColumns + " FROM usage WHERE created >= $1 AND created < $2";
  Params p;
  p.add(q.from_ms).add(q.to_ms);
  if (q.key_hash) {
    sql += " AND key_hash = $3";
    p.add(*q.key_hash);
  }
  sql += " ORDER BY created, id";
  if (q.limit > 0) sql += " LIMIT " + std::to_string(q.limit);
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec(sql, p));
  std::vector<UsageRecord> out;
  out.reserve(static_cast<size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_usage(*r, i));
  std::vector<UsageRecord*> records;
  for (UsageRecord& rec : out) records.push_back(&rec);
  DB_TRY(attach_attempts_locked(records));
  return out;
}

}  // namespace switchyard::db::postgres
