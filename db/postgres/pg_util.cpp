#include "db/postgres/pg_util.h"

#include <charconv>
#include <cstring>
#include <regex>

namespace switchyard::db::postgres {

namespace {

// SQLSTATE classes (PostgreSQL appendix A) -> what kind of failure it is for the caller.
ErrorCode code_of(std::string_view sqlstate, bool connection_bad) {
  if (connection_bad || sqlstate.starts_with("08") || sqlstate.starts_with("57P")) return ErrorCode::unavailable;
  if (sqlstate.starts_with("23")) return ErrorCode::constraint;
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") return ErrorCode::busy;
  return ErrorCode::other;
}

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

std::string redact_url(const std::string& url) {
  static const std::regex userinfo(R"(^([a-z]+://[^:/@?]*):[^@/?]*@)");
  static const std::regex query(R"(([?&]password=)[^&]*)");
  std::string out = std::regex_replace(url, userinfo, "$1:***@");
  return std::regex_replace(out, query, "$1***");
}

Error pg_error(PGconn* conn, const PGresult* res, const char* call, std::string_view sql, const char* file, int line) {
  const char* file_name = std::strrchr(file, '/');
  file_name = file_name ? file_name + 1 : file;
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  // The primary message only: DETAIL would repeat the failing row's values into logs.
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary ? trimmed(primary) : res ? trimmed(PQresultErrorMessage(res)) : "";
  if (message.empty() && conn) message = trimmed(PQerrorMessage(conn));
  bool bad = !conn || PQstatus(conn) == CONNECTION_BAD;
  std::string msg = "postgres: " + message + " (SQLSTATE " + (sqlstate.empty() ? "none" : sqlstate) + ") in " + call;
  if (!sql.empty()) {
    msg += " sql=`";
    msg += sql.substr(0, 200);  // enough to find the statement; bound values are never included
    if (sql.size() > 200) msg += "...";
    msg += "`";
  }
  msg += " at " + std::string(file_name) + ":" + std::to_string(line);
  return Error{std::move(msg), code_of(sqlstate, bad), 0};
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(res_);
  int64_t v = 0;
  if (n && *n) std::from_chars(n, n + std::strlen(n), v);
  return v;
}

int64_t PgResult::i64(int row, int col) const {
  const char* s = PQgetvalue(res_, row, col);
  int len = PQgetlength(res_, row, col);
  if (len == 1 && (s[0] == 't' || s[0] == 'f')) return s[0] == 't';  // a boolean column
  int64_t v = 0;
  std::from_chars(s, s + len, v);
  return v;
}

std::expected<PGconn*, Error> open_connection(const std::string& url) {
  // expand_dbname: the URL is the first dbname; the keywords after it add what it lacks.
  const char* keys[] = {"dbname", "connect_timeout", "fallback_application_name", nullptr};
  const char* values[] = {url.c_str(), "3", "switchyard", nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  if (!c) return std::unexpected(Error{"postgres: out of memory connecting to " + redact_url(url), ErrorCode::other});
  if (PQstatus(c) != CONNECTION_OK) {
    Error e{"postgres: cannot connect to " + redact_url(url) + ": " + trimmed(PQerrorMessage(c)), ErrorCode::unavailable};
    PQfinish(c);
    return std::unexpected(std::move(e));
  }
  // Quiet: NOTICEs (IF NOT EXISTS, ...) are not errors and must not reach stderr.
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  return c;
}

std::expected<PgConn, Error> PgConn::connect(const std::string& url) {
  DB_ASSIGN(c, open_connection(url));
  return PgConn(*c, url);
}

std::expected<void, Error> PgConn::ensure_connected() {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return {};
  if (in_transaction_)
    return std::unexpected(Error{"postgres: connection lost inside a transaction", ErrorCode::unavailable});
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  DB_ASSIGN(c, open_connection(url_));
  conn_ = *c;
  return {};
}

std::expected<PgResult, Error> PgConn::exec(std::string_view sql, const Params& params, std::source_location where) {
  DB_TRY(ensure_connected());
  std::string text(sql);
  auto ptrs = params.pointers();
  PgResult out;
  PG_CHECK_AT(conn_, out,
              PQexecParams(conn_, text.c_str(), static_cast<int>(ptrs.size()), nullptr, ptrs.data(), nullptr,
                           nullptr, 0),
              sql, where);
  return out;
}

std::expected<void, Error> PgConn::exec_script(std::string_view sql, std::source_location where) {
  DB_TRY(ensure_connected());
  std::string text(sql);
  PgResult out;
  PG_CHECK_AT(conn_, out, PQexec(conn_, text.c_str()), sql, where);
  return {};
}

std::expected<PgTransaction, Error> PgTransaction::begin(PgConn& conn) {
  DB_TRY(conn.exec_script("BEGIN"));
  conn.in_transaction_ = true;
  return PgTransaction(&conn);
}

PgTransaction::~PgTransaction() {
  if (!conn_) return;
  conn_->in_transaction_ = false;
  if (conn_->get() && PQstatus(conn_->get()) == CONNECTION_OK &&
      PQtransactionStatus(conn_->get()) != PQTRANS_IDLE)
    PQclear(PQexec(conn_->get(), "ROLLBACK"));
}

std::expected<void, Error> PgTransaction::commit() {
  auto r = conn_->exec_script("COMMIT");
  if (r) {
    conn_->in_transaction_ = false;
    conn_ = nullptr;
  }  // on failure the destructor rolls back
  return r;
}

}  // namespace switchyard::db::postgres
