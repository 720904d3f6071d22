// The key part of the SQLite store: API keys, their changes and their spend.
#include "db/key_hash.h"
#include "db/sqlite/sqlite_rows.h"
#include "db/sqlite/sqlite_store.h"

namespace switchyard::db::sqlite {

namespace {

// The nullable integer columns a patch may set, by member.
struct NullableIntColumn {
  const char* column;
  std::optional<std::optional<int64_t>> KeyPatch::*field;
};
constexpr NullableIntColumn kNullableIntColumns[] = {
    {"limit_pico", &KeyPatch::limit_pico}, {"expires_at", &KeyPatch::expires_at}, {"rpm", &KeyPatch::rpm},
    {"tpm", &KeyPatch::tpm},               {"max_concurrent", &KeyPatch::max_concurrent},
};

std::expected<std::vector<ApiKeyRow>, Error> read_keys(Stmt& st) {
  std::vector<ApiKeyRow> out;
  while (true) {
    DB_ASSIGN(row, st.step());
    if (!*row) break;
    out.push_back(read_key(st));
  }
  return out;
}

std::expected<std::optional<ApiKeyRow>, Error> find_key_on(sqlite3* db, const std::string& key_hash) {
  DB_ASSIGN(st, Stmt::prepare(db, std::string("SELECT ") + kKeyColumns + " FROM api_keys k WHERE k.key_hash = ?"));
  st->bind(1, key_hash);
  DB_ASSIGN(row, st->step());
  if (!*row) return std::optional<ApiKeyRow>();
  return std::optional<ApiKeyRow>(read_key(*st));
}

// "UPDATE api_keys SET a = ?, b = ?, updated = ? WHERE key_hash = ? AND deleted = 0" for
// the fields the patch sets, bound in the same order.
std::expected<bool, Error> apply_patch(sqlite3* db, const std::string& key_hash, const KeyPatch& p) {
  std::string sql = "UPDATE api_keys SET ";
  if (p.name) sql += "name = ?, ";
  if (p.disabled) sql += "disabled = ?, ";
  if (p.limit_reset) sql += "limit_reset = ?, ";
  for (const auto& c : kNullableIntColumns)
    if (p.*c.field) sql += std::string(c.column) + " = ?, ";
  sql += "updated = ? WHERE key_hash = ? AND deleted = 0";
  DB_ASSIGN(st, Stmt::prepare(db, sql));
  int i = 1;
  if (p.name) st->bind(i++, *p.name);
  if (p.disabled) st->bind(i++, *p.disabled);
  if (p.limit_reset) st->bind(i++, *p.limit_reset);
  for (const auto& c : kNullableIntColumns)
    if (p.*c.field) st->bind(i++, *(p.*c.field));
  st->bind(i++, now_unix_ms()).bind(i++, key_hash);
  DB_TRY(st->run());
  return sqlite3_changes(db) > 0;
}

}  // namespace

std::expected<CreatedKey, Error> SqliteStore::create_key(const NewKey& k, const AuditEntry* audit) {
  auto made = new_key_row(k);
  if (!made) return std::unexpected(made.error());
  CreatedKey out = std::move(*made);
  const ApiKeyRow& r = out.row;
  std::lock_guard lock(mu_);
  DB_ASSIGN(tx, Transaction::begin(db_));
  DB_ASSIGN(st, Stmt::prepare(db_, "INSERT INTO api_keys (key_hash, name, label, limit_pico, disabled, created, management,"
                                   " limit_reset, expires_at, updated, rpm, tpm, max_concurrent)"
                                   " VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st->bind(1, r.key_hash).bind(2, r.name).bind(3, r.label).bind(4, r.limit_pico).bind(5, r.created);
  st->bind(6, r.management).bind(7, r.limit_reset).bind(8, r.expires_at).bind(9, r.updated);
  st->bind(10, r.rpm).bind(11, r.tpm).bind(12, r.max_concurrent);
  DB_TRY(st->run());
  if (audit) {
    AuditEntry a = *audit;
    if (a.target.empty()) a.target = r.key_hash;
    DB_TRY(write_audit(db_, &a));
  }
  DB_TRY(tx->commit());
  return out;
}

std::expected<std::optional<ApiKeyRow>, Error> SqliteStore::find_key(const std::string& key_hash) {
  std::lock_guard lock(mu_);
  return find_key_on(db_, key_hash);
}

std::expected<std::vector<ApiKeyRow>, Error> SqliteStore::list_keys(const KeyListQuery& q) {
  std::string sql = std::string("SELECT ") + kKeyColumns + " FROM api_keys k WHERE 1 = 1";
  if (!q.include_deleted) sql += " AND k.deleted = 0";
  if (!q.include_disabled) sql += " AND k.disabled = 0";
  sql += " ORDER BY k.created, k.key_hash";
  if (q.limit > 0 || q.offset > 0) sql += " LIMIT " + std::to_string(q.limit > 0 ? q.limit : -1);
  if (q.offset > 0) sql += " OFFSET " + std::to_string(q.offset);
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, sql));
  return read_keys(*st);
}

std::expected<std::optional<ApiKeyRow>, Error> SqliteStore::update_key(const std::string& key_hash, const KeyPatch& patch,
                                                                       const AuditEntry* audit) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(tx, Transaction::begin(db_));
  DB_ASSIGN(changed, apply_patch(db_, key_hash, patch));
  if (!*changed) return std::optional<ApiKeyRow>();  // rolled back: nothing was written
  DB_TRY(write_audit(db_, audit));
  DB_ASSIGN(row, find_key_on(db_, key_hash));
  DB_TRY(tx->commit());
  return *row;
}

std::expected<bool, Error> SqliteStore::delete_key(const std::string& key_hash, const AuditEntry* audit) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(tx, Transaction::begin(db_));
  DB_ASSIGN(st, Stmt::prepare(db_, "UPDATE api_keys SET deleted = 1, disabled = 1, updated = ?"
                                   " WHERE key_hash = ? AND deleted = 0"));
  st->bind(1, now_unix_ms()).bind(2, key_hash);
  DB_TRY(st->run());
  if (sqlite3_changes(db_) == 0) return false;
  DB_TRY(write_audit(db_, audit));
  DB_TRY(tx->commit());
  return true;
}

std::expected<std::vector<ApiKeyRow>, Error> SqliteStore::keys_changed_since(int64_t since_ms) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, std::string("SELECT ") + kKeyColumns + " FROM api_keys k WHERE k.updated >= ?"
                                                                           " ORDER BY k.updated"));
  st->bind(1, since_ms);
  return read_keys(*st);
}

std::expected<std::map<std::string, int64_t>, Error> SqliteStore::usage_totals(int64_t since_ms) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, "SELECT key_hash, SUM(cost_pico) FROM usage WHERE created >= ? GROUP BY key_hash"));
  st->bind(1, since_ms);
  std::map<std::string, int64_t> out;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    out[st->col_text(0)] = st->col_int(1);
  }
  return out;
}

std::expected<int64_t, Error> SqliteStore::key_usage_since(const std::string& key_hash, int64_t since_ms) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, "SELECT COALESCE(SUM(cost_pico), 0) FROM usage WHERE key_hash = ? AND created >= ?"));
  st->bind(1, key_hash).bind(2, since_ms);
  DB_ASSIGN(row, st->step());
  return st->col_int(0);
}

}  // namespace switchyard::db::sqlite
