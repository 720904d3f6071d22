// Thin RAII over the SQLite C API plus SQLITE_CHECK (DESIGN.md §3: one check macro per C API).
// Internal to db/ (tests use it too); the request path sees Store and LedgerWriter only.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>

#include "db/error.h"
#include "db/records.h"

namespace switchyard::db {

// Builds the Error for a failed call: SQLite's own message, the call, the SQL, where.
Error sqlite_error(sqlite3* db, int rc, const char* call, std::string_view sql, const char* file,
                   int line);

inline bool sqlite_ok(int rc) { return rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE; }

// Like SQLITE_CHECK, for helpers that report their caller's location instead of their own.
#define SQLITE_CHECK_AT(db, call, sql, where)                                                \
  do {                                                                                       \
    int sqlite_check_rc_ = (call);                                                           \
    if (!::switchyard::db::sqlite_ok(sqlite_check_rc_))                                      \
      return std::unexpected(::switchyard::db::sqlite_error(                                 \
          (db), sqlite_check_rc_, #call, (sql), (where).file_name(), static_cast<int>((where).line()))); \
  } while (0)

// Evaluates a SQLite C call; on failure returns std::unexpected(Error) from the enclosing
// function, which must return std::expected<..., db::Error>. `sql` is the statement text.
#define SQLITE_CHECK(db, call, sql)                                                          \
  do {                                                                                       \
    int sqlite_check_rc_ = (call);                                                           \
    if (!::switchyard::db::sqlite_ok(sqlite_check_rc_))                                      \
      return std::unexpected(                                                                \
          ::switchyard::db::sqlite_error((db), sqlite_check_rc_, #call, (sql), __FILE__, __LINE__)); \
  } while (0)

// Propagates the error of an expression returning std::expected<void, Error>.
#define DB_TRY(expr)                                       \
  do {                                                     \
    auto db_try_result_ = (expr);                          \
    if (!db_try_result_) return std::unexpected(std::move(db_try_result_).error()); \
  } while (0)

// One prepared statement. Bind indexes are 1-based, column indexes 0-based (as in SQLite).
class Stmt {
 public:
  // `where` defaults to the caller, so errors name the line that ran the statement.
  static std::expected<Stmt, Error> prepare(sqlite3* db, std::string_view sql,
                                            std::source_location where = std::source_location::current());
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }

  Stmt& bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); return *this; }
  Stmt& bind(int i, int v) { sqlite3_bind_int64(stmt_, i, v); return *this; }
  Stmt& bind(int i, bool v) { sqlite3_bind_int64(stmt_, i, v ? 1 : 0); return *this; }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, std::optional<int64_t> v) {
    if (v) sqlite3_bind_int64(stmt_, i, *v); else sqlite3_bind_null(stmt_, i);
    return *this;
  }

  // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else -> Error.
  std::expected<bool, Error> step(std::source_location where = std::source_location::current());
  // Runs to completion (for INSERT/UPDATE/DELETE), then resets for reuse.
  std::expected<void, Error> run(std::source_location where = std::source_location::current());
  void reset() { sqlite3_reset(stmt_); sqlite3_clear_bindings(stmt_); }

  int64_t col_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  bool col_bool(int i) const { return sqlite3_column_int64(stmt_, i) != 0; }
  bool col_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::optional<int64_t> col_opt_int(int i) const {
    if (col_null(i)) return std::nullopt;
    return col_int(i);
  }
  std::string col_text(int i) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), stmt_(s) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// Runs SQL text that may hold several statements and returns no rows.
std::expected<void, Error> exec(sqlite3* db, std::string_view sql,
                                std::source_location where = std::source_location::current());

// BEGIN IMMEDIATE now (take the write lock up front so busy_timeout applies at BEGIN,
// not as a deadlock later), ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  static std::expected<Transaction, Error> begin(sqlite3* db);
  Transaction(Transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Transaction(const Transaction&) = delete;
  ~Transaction();
  std::expected<void, Error> commit();

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Opens (creating) a database file with the connection settings every db/ user shares:
// busy_timeout, WAL (a file only; ":memory:" stays in memory mode), synchronous, foreign keys.
struct ConnectionOptions {
  int busy_timeout_ms = 5000;
  bool synchronous_full = true;  // FULL: a committed batch survives power loss, not just a crash
};
std::expected<sqlite3*, Error> open_connection(const std::string& path, const ConnectionOptions& opts);

}  // namespace switchyard::db
