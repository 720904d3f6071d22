// Thin RAII over libpq plus PG_CHECK (DESIGN.md §3: one check macro per C API). Internal to
// db/postgres/. Every value travels as text in PQexecParams parameters (never spliced into
// SQL), and every result is checked: a failed call becomes a db::Error naming the SQLSTATE,
// the statement, the file and the line.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "db/error.h"

// Unwraps a std::expected into `var` or returns its error from the enclosing function.
#ifndef DB_ASSIGN
#define DB_ASSIGN(var, expr) \
  auto var = (expr);         \
  if (!var) return std::unexpected(std::move(var).error())
#endif
#ifndef DB_TRY
#define DB_TRY(expr)                                                                \
  do {                                                                              \
    auto db_try_result_ = (expr);                                                   \
    if (!db_try_result_) return std::unexpected(std::move(db_try_result_).error()); \
  } while (0)
#endif

namespace switchyard::db::postgres {

// The URL as it may be shown: the password (in user:password@ or ?password=) replaced by ***.
std::string redact_url(const std::string& url);

// Builds the Error for a failed call: the server's message, SQLSTATE, the call, the SQL, where.
Error pg_error(PGconn* conn, const PGresult* res, const char* call, std::string_view sql, const char* file, int line);

// Checks one PGresult* expression: a result that is not COMMAND_OK or TUPLES_OK (or no result
// at all) returns std::unexpected(Error) from the enclosing function; `out` takes ownership.
#define PG_CHECK_AT(conn, out, call, sql, where)                                                      \
  do {                                                                                                \
    PGresult* pg_check_res_ = (call);                                                                 \
    ExecStatusType pg_check_st_ = pg_check_res_ ? PQresultStatus(pg_check_res_) : PGRES_FATAL_ERROR;  \
    if (pg_check_st_ != PGRES_COMMAND_OK && pg_check_st_ != PGRES_TUPLES_OK) {                        \
      auto pg_check_err_ = ::switchyard::db::postgres::pg_error((conn), pg_check_res_, #call, (sql),  \
                                                                (where).file_name(), static_cast<int>((where).line())); \
      PQclear(pg_check_res_);                                                                         \
      return std::unexpected(std::move(pg_check_err_));                                               \
    }                                                                                                 \
    (out).reset(pg_check_res_);                                                                       \
  } while (0)
#define PG_CHECK(conn, out, call, sql) PG_CHECK_AT(conn, out, call, sql, std::source_location::current())

// Statement parameters, all as text (NULL = nullopt).
class Params {
 public:
  Params& add(int64_t v) { values_.emplace_back(std::to_string(v)); return *this; }
  Params& add(int v) { return add(int64_t{v}); }
  Params& add(bool v) { values_.emplace_back(v ? "1" : "0"); return *this; }
  Params& add(std::string_view v) { values_.emplace_back(std::string(v)); return *this; }
  Params& add(const std::string& v) { values_.emplace_back(v); return *this; }
  Params& add(const char* v) { values_.emplace_back(std::string(v)); return *this; }
  Params& add(std::optional<int64_t> v) {
    if (v) values_.emplace_back(std::to_string(*v)); else values_.emplace_back(std::nullopt);
    return *this;
  }
  size_t size() const { return values_.size(); }
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

// One result, freed on destruction. Row and column indexes are 0-based.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : res_(r) {}
  PgResult(PgResult&& o) noexcept : res_(o.res_) { o.res_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept { std::swap(res_, o.res_); return *this; }
  PgResult(const PgResult&) = delete;
  ~PgResult() { PQclear(res_); }
  void reset(PGresult* r) { PQclear(res_); res_ = r; }

  int rows() const { return PQntuples(res_); }
  int64_t affected() const;  // rows an INSERT/UPDATE/DELETE touched
  bool null(int row, int col) const { return PQgetisnull(res_, row, col) != 0; }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(res_, row, col), static_cast<size_t>(PQgetlength(res_, row, col)));
  }
  int64_t i64(int row, int col) const;
  bool boolean(int row, int col) const { return i64(row, col) != 0; }
  std::optional<int64_t> opt_i64(int row, int col) const {
    if (null(row, col)) return std::nullopt;
    return i64(row, col);
  }

 private:
  PGresult* res_ = nullptr;
};

// One connection. Not thread-safe: the store guards it with its own mutex. A connection
// that broke (server restarted, network) is reset before the next statement, so a store
// outlives an outage of the server.
class PgConn {
 public:
  static std::expected<PgConn, Error> connect(const std::string& url);
  PgConn(PgConn&& o) noexcept : conn_(o.conn_), url_(std::move(o.url_)), in_transaction_(o.in_transaction_) {
    o.conn_ = nullptr;
  }
  PgConn& operator=(PgConn&&) = delete;
  PgConn(const PgConn&) = delete;
  ~PgConn() { if (conn_) PQfinish(conn_); }

  std::expected<PgResult, Error> exec(std::string_view sql, const Params& params = {},
                                      std::source_location where = std::source_location::current());
  // Several statements, no parameters, no rows (migrations, BEGIN/COMMIT).
  std::expected<void, Error> exec_script(std::string_view sql,
                                         std::source_location where = std::source_location::current());
  PGconn* get() const { return conn_; }
  const std::string& url() const { return url_; }
  // Reconnects when the connection broke; an error while the server is still away.
  // Never inside a transaction: statements after a reconnect would run outside it.
  std::expected<void, Error> ensure_connected();

 private:
  friend class PgTransaction;
  PgConn(PGconn* c, std::string url) : conn_(c), url_(std::move(url)) {}
  PGconn* conn_;
  std::string url_;
  bool in_transaction_ = false;
};

// BEGIN now, ROLLBACK on destruction unless commit() succeeded.
class PgTransaction {
 public:
  static std::expected<PgTransaction, Error> begin(PgConn& conn);
  PgTransaction(PgTransaction&& o) noexcept : conn_(o.conn_) { o.conn_ = nullptr; }
  PgTransaction(const PgTransaction&) = delete;
  ~PgTransaction();
  std::expected<void, Error> commit();

 private:
  explicit PgTransaction(PgConn* c) : conn_(c) {}
  PgConn* conn_;
};

// Opens a raw connection with the settings every db/postgres user shares (a connect timeout,
// an application name); errors never show the password.
std::expected<PGconn*, Error> open_connection(const std::string& url);

}  // namespace switchyard::db::postgres
