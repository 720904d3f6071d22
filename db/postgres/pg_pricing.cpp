// The pricing and audit parts of the PostgreSQL store: both only ever add rows. A new price
// row fires the switchyard_prices notification (migration 8) when its transaction commits.
#include "db/postgres/pg_rows.h"
#include "db/postgres/pg_store.h"

namespace switchyard::db::postgres {

std::expected<PriceRow, Error> PgStore::add_price(const PriceRow& price, const AuditEntry* audit) {
  PriceRow p = price;
  if (p.created == 0) p.created = now_unix_ms();
  std::lock_guard lock(mu_);
  DB_ASSIGN(tx, PgTransaction::begin(conn_));
  Params params;
  params.add(p.model).add(p.provider).add(p.upstream_model).add(p.prompt_pico).add(p.completion_pico);
  params.add(p.request_pico).add(p.cache_read_pico).add(p.cache_write_pico).add(p.effective_from).add(p.created);
  params.add(p.source).add(p.set_by);
  DB_ASSIGN(r, conn_.exec("INSERT INTO prices (model, provider, upstream_model, prompt_pico, completion_pico,"
                          " request_pico, cache_read_pico, cache_write_pico, effective_from, created, source,"
                          " set_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                          params));
  p.id = r->i64(0, 0);
  DB_TRY(write_audit_locked(audit));
  DB_TRY(tx->commit());
  return p;
}

std::expected<std::vector<PriceRow>, Error> PgStore::prices_after(int64_t after_id) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec(std::string("SELECT ") + kPriceColumns + " FROM prices WHERE id > $1 ORDER BY id",
                          Params().add(after_id)));
  std::vector<PriceRow> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_price(*r, i));
  return out;
}

std::expected<AuditEntry, Error> PgStore::append_audit(const AuditEntry& entry) {
  AuditEntry e = entry;
  if (e.created == 0) e.created = now_unix_ms();
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec("INSERT INTO audit_log (created, actor, action, target, details) VALUES ($1, $2, $3, $4, $5)"
                          " RETURNING id",
                          Params().add(e.created).add(e.actor).add(e.action).add(e.target)
                              .add(e.details_json.empty() ? std::string("{}") : e.details_json)));
  e.id = r->i64(0, 0);
  return e;
}

std::expected<std::vector<AuditEntry>, Error> PgStore::list_audit(const AuditQuery& q) {
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit_log ORDER BY id DESC";
  if (q.limit > 0) sql += " LIMIT " + std::to_string(q.limit);
  sql += " OFFSET " + std::to_string(std::max<int64_t>(0, q.offset));
  std::lock_guard lock(mu_);
  DB_ASSIGN(r, conn_.exec(sql));
  std::vector<AuditEntry> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_audit(*r, i));
  return out;
}

}  // namespace switchyard::db::postgres
