#include "db/postgres/pg_store.h"

#include "db/postgres/pg_migrations.h"

namespace switchyard::db::postgres {

std::expected<std::unique_ptr<PgStore>, Error> PgStore::open(const std::string& url) {
  DB_ASSIGN(conn, PgConn::connect(url));
  std::unique_ptr<PgStore> store(new PgStore(std::move(*conn)));
  DB_ASSIGN(version, apply_pg_migrations(store->conn_, pg_migrations()));
  return store;
}

std::expected<int, Error> PgStore::schema_version() {
  std::lock_guard lock(mu_);
  return pg_schema_version(conn_);
}

// A write that changes nothing, in a transaction rolled back: fails on a read-only server
// (a standby) or one that is gone.
std::expected<void, Error> PgStore::check_writable() {
  std::lock_guard lock(mu_);
  DB_ASSIGN(tx, PgTransaction::begin(conn_));
  DB_TRY(conn_.exec("UPDATE schema_migrations SET applied = applied WHERE version = 0"));
  return {};
}

}  // namespace switchyard::db::postgres
