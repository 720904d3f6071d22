#include "db/sqlite/sqlite_store.h"

#include "db/sqlite/migrations.h"
#include "db/sqlite/sqlite_rows.h"

namespace switchyard::db::sqlite {

std::expected<std::unique_ptr<SqliteStore>, Error> SqliteStore::open(const std::string& path, const StoreOptions& opts) {
  DB_ASSIGN(db, open_connection(path, ConnectionOptions{opts.busy_timeout_ms, opts.synchronous_full}));
  std::unique_ptr<SqliteStore> store(new SqliteStore(*db, path));  // owns the connection from here on
  DB_ASSIGN(version, apply_migrations(*db, builtin_migrations()));
  return store;
}

SqliteStore::~SqliteStore() { sqlite3_close_v2(db_); }

std::expected<int, Error> SqliteStore::schema_version() {
  std::lock_guard lock(mu_);
  return db::schema_version(db_);
}

std::expected<void, Error> SqliteStore::check_writable() {
  std::lock_guard lock(mu_);
  if (auto ok = exec(db_, "BEGIN IMMEDIATE"); !ok) return ok;
  return exec(db_, "ROLLBACK");
}

}  // namespace switchyard::db::sqlite
