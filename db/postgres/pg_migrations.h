// The PostgreSQL dialect of the numbered migrations (db/sqlite/migrations.cpp): the same
// versions and names, so a schema version means the same tables on either store. The
// version is MAX(version) in schema_migrations; each step runs in its own transaction under
// an advisory lock, so several instances starting together apply it once.
#pragma once

#include <expected>
#include <span>

#include "db/error.h"
#include "db/postgres/pg_util.h"
#include "db/sqlite/migrations.h"

namespace switchyard::db::postgres {

std::span<const Migration> pg_migrations();
std::expected<int, Error> apply_pg_migrations(PgConn& conn, std::span<const Migration> migrations);
std::expected<int, Error> pg_schema_version(PgConn& conn);

}  // namespace switchyard::db::postgres
