// The pricing and audit parts of the SQLite store: both only ever add rows.
#include "db/sqlite/sqlite_rows.h"
#include "db/sqlite/sqlite_store.h"

namespace switchyard::db::sqlite {

std::expected<PriceRow, Error> SqliteStore::add_price(const PriceRow& price, const AuditEntry* audit) {
  PriceRow p = price;
  if (p.created == 0) p.created = now_unix_ms();
  std::lock_guard lock(mu_);
  DB_ASSIGN(tx, Transaction::begin(db_));
  DB_ASSIGN(st, Stmt::prepare(db_, "INSERT INTO prices (model, provider, upstream_model, prompt_pico, completion_pico,"
                                   " request_pico, cache_read_pico, cache_write_pico, effective_from, created, source,"
                                   " set_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st->bind(1, p.model).bind(2, p.provider).bind(3, p.upstream_model).bind(4, p.prompt_pico);
  st->bind(5, p.completion_pico).bind(6, p.request_pico).bind(7, p.cache_read_pico).bind(8, p.cache_write_pico);
  st->bind(9, p.effective_from).bind(10, p.created).bind(11, p.source).bind(12, p.set_by);
  DB_TRY(st->run());
  p.id = sqlite3_last_insert_rowid(db_);
  DB_TRY(write_audit(db_, audit));
  DB_TRY(tx->commit());
  return p;
}

std::expected<std::vector<PriceRow>, Error> SqliteStore::prices_after(int64_t after_id) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, std::string("SELECT ") + kPriceColumns + " FROM prices WHERE id > ? ORDER BY id"));
  st->bind(1, after_id);
  std::vector<PriceRow> out;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    out.push_back(read_price(*st));
  }
  return out;
}

std::expected<AuditEntry, Error> SqliteStore::append_audit(const AuditEntry& entry) {
  AuditEntry e = entry;
  if (e.created == 0) e.created = now_unix_ms();
  std::lock_guard lock(mu_);
  DB_TRY(write_audit(db_, &e));
  e.id = sqlite3_last_insert_rowid(db_);
  return e;
}

std::expected<std::vector<AuditEntry>, Error> SqliteStore::list_audit(const AuditQuery& q) {
  std::lock_guard lock(mu_);
  DB_ASSIGN(st, Stmt::prepare(db_, std::string("SELECT ") + kAuditColumns +
                                       " FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?"));
  st->bind(1, q.limit > 0 ? q.limit : int64_t{-1}).bind(2, q.offset);
  std::vector<AuditEntry> out;
  while (true) {
    DB_ASSIGN(row, st->step());
    if (!*row) break;
    out.push_back(read_audit(*st));
  }
  return out;
}

}  // namespace switchyard::db::sqlite
