// The key part of the PostgreSQL store: API keys, their changes and their spend.
#include "db/key_hash.h"
#include "db/postgres/pg_rows.h"
#include "db/postgres/pg_store.h"

namespace switchyard::db::postgres {

namespace {

struct NullableIntColumn {
  const char* column;
  std::optional<std::optional<int64_t>> KeyPatch::*field;
};
constexpr NullableIntColumn kNullableIntColumns[] = {
    {"limit_pico", &KeyPatch::limit_pico}, {"expires_at", &KeyPatch::expires_at}, {"rpm", &KeyPatch::rpm},
    {"tpm", &KeyPatch::tpm},               {"max_concurrent", &KeyPatch::max_concurrent},
};

std::vector<ApiKeyRow> read_keys(const PgResult& r) {
  std::vector<ApiKeyRow> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_key(r, i));
  return out;
}

// "UPDATE api_keys SET a = $1, b = $2, updated = $3 WHERE key_hash = $4 AND deleted = 0" for
// the fields the patch sets, in the same order.
std::expected<bool, Error> apply_patch(PgConn& conn, const std::string& key_hash, const KeyPatch& p) {
  std::string sql = "UPDATE api_keys SET ";
  Params params;
  auto set = [&](const char* column) { sql += std::string(column) + " = $" + std::to_string(params.size()) + ", "; };
  if (p.name) { params.add(*p.name); set("name"); }
  if (p.disabled) { params.add(*p.disabled); set("disabled"); }
  if (p.limit_reset) { params.add(*p.limit_reset); set("limit_reset"); }
  for (const auto& c : kNullableIntColumns)
    if (p.*c.field) { params.add(*(p.*c.field)); set(c.column); }
  params.add(now_unix_ms()).add(key_hash);
  sql += "updated = $" + std::to_string(params.size() - 1) + " WHERE key_hash = $" + std::to_string(params.size()) +
         " AND deleted = 0";
  DB_ASSIGN(r, conn.exec(sql, params));
  return r->affected() > 0;
}

}  // namespace

std::expected<std::optional<ApiKeyRow>, Error> PgStore::find_key_locked(const std::string& key_hash) {
  DB_ASSIGN(r, conn_.exec(std::string("SELECT ") + kKeyColumns + " FROM api_keys k WHERE k.key_hash = $1",
                          Params().add(key_hash)));
  if (r->rows() == 0) return std::optional<ApiKeyRow>();
  return std::optional<ApiKeyRow>(read_key(*r, 0));
}

std::expected<void, Error> PgStore::write_audit_locked(const AuditEntry* e) {
  if (!e) return {};
  DB_TRY(conn_.exec("INSERT INTO audit_log (created, actor, action, target, details) VALUES ($1, $2, $3, $4, $5)",
                    Params().add(e->created ? e->created : now_unix_ms()).add(e->actor).add(e->action).add(e->target)
                        .add(e->details_json.empty() ? std::string("{}") : e->details_json)));
  return {};
}

std::expected<CreatedKey, Error> PgStore::create_key(const NewKey& k, const AuditEntry* audit) {
  auto made = new_key_row(k);
  if (!made) return std::unexpected(made.error());
  CreatedKey out = std::move(*made);
  const ApiKeyRow& r = out.row;
  std::lock_guard lock(mu_);
  DB_ASSIGN(tx, PgTransaction::begin(conn_));
  Params p;
  p.add(r.key_hash).add(r.name).add(r.label).add(r.limit_pico).add(r.created).add(r.management).add(r.limit_reset);
  p.add(r.expires_at).add(r.updated).add(r.rpm).add(r.tpm).add(r.max_concurrent);
  DB_TRY(conn_.exec("INSERT INTO api_keys (key_hash, name, label, limit_pico, disabled, created, management,"
                    " limit_reset, expires_at, updated, rpm, tpm, max_concurrent)"
                    " VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9, $10, $11, $12)",
                    p));
  if (audit) {
    AuditEntry a = *audit;
    if (a.target.empty()) a.target = r.key_hash;
    DB_TRY(write_audit_locked(&a));
  }
  DB_TRY(tx->commit());
  return out;
}

std::expected<std::optional<ApiKeyRow>, Error> PgStore::find_key(const std::string& key_hash) {
  std::lock_guard lock(mu_);
  return find_key_locked(key_hash);
}

std::expected<std::vector<ApiKeyRow>, Error> PgStore::list_keys(const KeyListQuery& q) {
  std::string sql = std::string("SELECT ") + kKeyColumns + " FROM api_keys k WHERE 1 = 1";
  if (!q.include_deleted) sql += " AND k.deleted = 0";
  if (!q.include_disabled) sql += " AND k.disabled = 0";
  sql += " ORDER BY k.created, k.key_hash";
  if (q.limit > 0) sql += " LIMIT " + std::to_string(q.limit);
  if (q.offset > 0) sql += " OFFSET " + std::to_string(q.offset);
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec(sql));
  return read_keys(*r);
}

std::expected<std::optional<ApiKeyRow>, Error> PgStore::update_key(const std::string& key_hash, const KeyPatch& patch,
                                                                   const AuditEntry* audit) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(tx, PgTransaction::begin(conn_));
  DB_ASSIGN(changed, apply_patch(conn_, key_hash, patch));
  if (!*changed) return std::optional<ApiKeyRow>();  // rolled back: nothing was written
  DB_TRY(write_audit_locked(audit));
  DB_ASSIGN(row, find_key_locked(key_hash));
  DB_TRY(tx->commit());
  return *row;
}

std::expected<bool, Error> PgStore::delete_key(const std::string& key_hash, const AuditEntry* audit) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(tx, PgTransaction::begin(conn_));
  DB_ASSIGN(r, conn_.exec("UPDATE api_keys SET deleted = 1, disabled = 1, updated = $1 WHERE key_hash = $2 AND deleted = 0",
                          Params().add(now_unix_ms()).add(key_hash)));
  if (r->affected() == 0) return false;
  DB_TRY(write_audit_locked(audit));
  DB_TRY(tx->commit());
  return true;
}

std::expected<std::vector<ApiKeyRow>, Error> PgStore::keys_changed_since(int64_t since_ms) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec(std::string("SELECT ") + kKeyColumns + " FROM api_keys k WHERE k.updated >= $1 ORDER BY k.updated",
                          Params().add(since_ms)));
  return read_keys(*r);
}

std::expected<std::map<std::string, int64_t>, Error> PgStore::usage_totals(int64_t since_ms) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec("SELECT key_hash, SUM(cost_pico) FROM usage WHERE created >= $1 GROUP BY key_hash",
                          Params().add(since_ms)));
  std::map<std::string, int64_t> out;
  for (int i = 0; i < r->rows(); ++i) out[r->text(i, 0)] = r->i64(i, 1);
  return out;
}

std::expected<int64_t, Error> PgStore::key_usage_since(const std::string& key_hash, int64_t since_ms) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec("SELECT COALESCE(SUM(cost_pico), 0) FROM usage WHERE key_hash = $1 AND created >= $2",
                          Params().add(key_hash).add(since_ms)));
  return r->i64(0, 0);
}

}  // namespace switchyard::db::postgres
