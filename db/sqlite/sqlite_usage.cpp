// The ledger part of the SQLite store: usage rows and their attempts.
#include "db/sqlite/sqlite_rows.h"
#include "db/sqlite/sqlite_store.h"

#include <unordered_map>

namespace switchyard::db::sqlite {

namespace {
std::string placeholders(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s;
}
}  // namespace

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
                                        ") VALUES (" + placeholders(kUsageColumnCount) + ")"
                                        " ON CONFLICT (generation_id) DO NOTHING"));
  // OR REPLACE: a repeated attempt index is a caller bug, but must not cost the usage row.
  DB_ASSIGN(att, Stmt::prepare(db_, "INSERT OR REPLACE INTO attempts (generation_id, attempt, provider,"
                                    " upstream_model, status, error_kind, error_message, latency_ms, created)"
                                    " VALUES (?,?,?,?,?,?,?,?,?)"));
  std::vector<const UsageRecord*> inserted;
  for (const UsageRecord& r : records) {
    bind_usage(*ins, r);
    DB_TRY(ins->run());
    if (sqlite3_changes(db_) == 0) {
      ++result.duplicates;  // its attempts were stored with the first copy
      continue;
    }
    ++result.inserted;
    inserted.push_back(&r);
    for (const AttemptRecord& a : r.attempts) {
      att->bind(1, r.generation_id).bind(2, a.attempt).bind(3, a.provider).bind(4, a.upstream_model);
      att->bind(5, a.status).bind(6, a.error_kind).bind(7, a.error_message).bind(8, a.latency_ms);
      att->bind(9, a.created);
      DB_TRY(att->run());
    }
  }
  DB_TRY(upsert_rollups_locked(inserted));  // same transaction: rollups never drift from the rows
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

// One query per 500 rows, not one per row: exports read attempts for pages of thousands.
std::expected<void, Error> SqliteStore::attach_attempts_locked(std::vector<UsageRecord*>& rows) {
  constexpr size_t kChunk = 500;
  for (size_t first = 0; first < rows.size(); first += kChunk) {
    size_t n = std::min(kChunk, rows.size() - first);
    std::string sql = "SELECT generation_id, attempt, provider, upstream_model, status, error_kind, error_message,"
                      " latency_ms, created FROM attempts WHERE generation_id IN (";
    for (size_t i = 0; i < n; ++i) sql += i ? ",?" : "?";
    sql += ") ORDER BY generation_id, attempt";
    DB_ASSIGN(st, Stmt::prepare(db_, sql));
    std::unordered_map<std::string, UsageRecord*> by_id;
    for (size_t i = 0; i < n; ++i) {
      st->bind(static_cast<int>(i + 1), rows[first + i]->generation_id);
      by_id[rows[first + i]->generation_id] = rows[first + i];
    }
    while (true) {
      DB_ASSIGN(row, st->step());
      if (!*row) break;
      auto it = by_id.find(st->col_text(0));
      if (it == by_id.end()) continue;
      it->second->attempts.push_back(AttemptRecord{static_cast<int>(st->col_int(1)), st->col_text(2), st->col_text(3),
                                                   static_cast<int>(st->col_int(4)), st->col_text(5), st->col_text(6),
                                                   st->col_opt_int(7), st->col_int(8)});
    }
  }
  return {};
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
  std::vector<UsageRecord*> records;
  for (UsageRecord& r : out) records.push_back(&r);
  DB_TRY(attach_attempts_locked(records));
  return out;
}

}  // namespace switchyard::db::sqlite
