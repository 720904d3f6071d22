#include "db/sqlite/sqlite_util.h"

#include <chrono>
#include <cstring>

namespace switchyard::db {

Error sqlite_error(sqlite3* db, int rc, const char* call, std::string_view sql, const char* file,
                   int line) {
  const char* file_name = std::strrchr(file, '/');
  file_name = file_name ? file_name + 1 : file;
  std::string msg = "sqlite: ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  msg += " (";
  msg += sqlite3_errstr(rc);
  msg += ", rc=" + std::to_string(rc) + ") in " + call;
  if (!sql.empty()) {
    msg += " sql=`";
    msg += sql.substr(0, 200);  // enough to find the statement; bound values are never included
    if (sql.size() > 200) msg += "...";
    msg += "`";
  }
  msg += " at " + std::string(file_name) + ":" + std::to_string(line);
  int primary = rc & 0xff;
  ErrorCode code = primary == SQLITE_CONSTRAINT                          ? ErrorCode::constraint
                   : primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? ErrorCode::busy
                   : primary == SQLITE_CANTOPEN                         ? ErrorCode::unavailable
                                                                        : ErrorCode::other;
  return Error{std::move(msg), code, primary};
}

std::expected<Stmt, Error> Stmt::prepare(sqlite3* db, std::string_view sql, std::source_location where) {
  sqlite3_stmt* s = nullptr;
  SQLITE_CHECK_AT(db, sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s, nullptr), sql, where);
  return Stmt(db, s);
}

std::expected<bool, Error> Stmt::step(std::source_location where) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(sqlite_error(db_, rc, "sqlite3_step", sqlite3_sql(stmt_), where.file_name(),
                                      static_cast<int>(where.line())));
}

std::expected<void, Error> Stmt::run(std::source_location where) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) rc = SQLITE_DONE;  // a statement with RETURNING; rows are not wanted
  // Reset before returning so the statement is reusable even after a failure.
  std::string sql = rc == SQLITE_DONE ? std::string() : std::string(sqlite3_sql(stmt_));
  Error err = rc == SQLITE_DONE ? Error{} : sqlite_error(db_, rc, "sqlite3_step", sql, where.file_name(),
                                                                 static_cast<int>(where.line()));
  reset();
  if (rc != SQLITE_DONE) return std::unexpected(std::move(err));
  return {};
}

std::expected<void, Error> exec(sqlite3* db, std::string_view sql, std::source_location where) {
  std::string text(sql);  // sqlite3_exec needs a NUL-terminated string
  SQLITE_CHECK_AT(db, sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr), sql, where);
  return {};
}

std::expected<Transaction, Error> Transaction::begin(sqlite3* db) {
  DB_TRY(exec(db, "BEGIN IMMEDIATE"));
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

std::expected<void, Error> Transaction::commit() {
  auto r = exec(db_, "COMMIT");
  if (r) db_ = nullptr;  // on failure the destructor rolls back
  return r;
}

std::expected<sqlite3*, Error> open_connection(const std::string& path, const ConnectionOptions& opts) {
  sqlite3* db = nullptr;
  // NOMUTEX: each Store guards its one connection with its own mutex.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, "sqlite3_open_v2", {}, __FILE__, __LINE__);
    e.message += " path=" + path;
    sqlite3_close(db);
    return std::unexpected(std::move(e));
  }
  auto fail = [&](Error e) {
    sqlite3_close(db);
    return std::unexpected(std::move(e));
  };
  sqlite3_busy_timeout(db, opts.busy_timeout_ms);
  // journal_mode answers with the mode it got: "wal" for files, "memory" for ":memory:".
  if (auto r = exec(db, "PRAGMA journal_mode=WAL"); !r) return fail(r.error());
  std::string sync = opts.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
  if (auto r = exec(db, sync); !r) return fail(r.error());
  if (auto r = exec(db, "PRAGMA foreign_keys=ON"); !r) return fail(r.error());
  return db;
}

}  // namespace switchyard::db
