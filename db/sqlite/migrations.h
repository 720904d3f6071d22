// Numbered schema migrations (DESIGN.md §5: every schema change is a numbered migration).
// The schema version is PRAGMA user_version; schema_migrations keeps when each step ran.
// Append new steps at the end; never edit or renumber a shipped one.
#pragma once

#include <sqlite3.h>

#include <expected>
#include <span>

#include "db/error.h"

namespace switchyard::db {

struct Migration {
  int version;       // 1, 2, 3, ... with no gaps
  const char* name;  // short description, stored in schema_migrations
  const char* sql;   // one or more statements
};

// The migrations this binary knows, in order.
std::span<const Migration> builtin_migrations();

// Applies each migration whose version is above the database's user_version, each in its
// own BEGIN IMMEDIATE transaction (so two processes opening the same file cannot both apply
// it). A failing step rolls back and stops; earlier steps stay. Returns the final version.
// A database newer than the list is an error: this binary would not understand its schema.
std::expected<int, Error> apply_migrations(sqlite3* db, std::span<const Migration> migrations);

// PRAGMA user_version.
std::expected<int, Error> schema_version(sqlite3* db);

}  // namespace switchyard::db
