// Errors from the store as values (DESIGN.md §3): nothing in db/ throws out of its public API.
// The proxy maps any db::Error to its own internal error (500) where a client can see it.
#pragma once

#include <string>

namespace switchyard::db {

// What kind of failure, the same whichever engine is behind the store.
enum class ErrorCode {
  other,
  constraint,   // a row broke a CHECK, UNIQUE or NOT NULL rule: retrying will not help
  busy,         // another writer held the lock past the timeout: retrying may help
  unavailable,  // the database cannot be reached (a server down, a file gone)
};

struct Error {
  std::string message;  // what failed, with the statement text, file and line (see SQLITE_CHECK)
  ErrorCode code = ErrorCode::other;
  int native_code = 0;  // the engine's own code (SQLite's primary result code, e.g. SQLITE_BUSY)
};

}  // namespace switchyard::db
