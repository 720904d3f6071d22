// Errors from the store as values (DESIGN.md §3): nothing in db/ throws out of its public API.
// The proxy maps any db::Error to its own internal error (500) where a client can see it.
#pragma once

#include <string>

namespace switchyard::db {

struct Error {
  std::string message;  // what failed, with the SQL text, file and line (see SQLITE_CHECK)
  int sqlite_code = 0;  // primary SQLite result code when it came from SQLite (e.g. SQLITE_BUSY)
};

}  // namespace switchyard::db
