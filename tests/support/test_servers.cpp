#include "support/test_servers.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>

namespace switchyard::testing {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

std::string pg_admin_exec(const std::string& sql) {
  const char* keys[] = {"dbname", "connect_timeout", nullptr};
  std::string url = pg_server_url();
  const char* values[] = {url.c_str(), "5", nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  std::string error;
  if (PQstatus(c) != CONNECTION_OK) {
    error = std::string("cannot reach the test PostgreSQL server ") + url + ": " + PQerrorMessage(c);
  } else {
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);  // DROP ... CASCADE lists every table
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
      error = sql + ": " + PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  return error;
}

namespace {

// The server URL with every table in schema `name` (search_path), so a test's store is
// fresh without the cost of CREATE DATABASE (most of a second on a busy machine).
std::string with_schema(const std::string& url, const std::string& name) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + name;
}

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(rd() % 100000);
}

}  // namespace

std::string pg_server_url() { return env("SWITCHYARD_TEST_PG_URL"); }
std::string redis_server_url() { return env("SWITCHYARD_TEST_REDIS_URL"); }

PgDatabase::PgDatabase() {
  if (pg_server_url().empty()) {
    error_ = "SWITCHYARD_TEST_PG_URL is not set (scripts/test.sh starts the servers)";
    return;
  }
  name_ = "sy_test_" + unique_suffix();
  error_ = pg_admin_exec("CREATE SCHEMA " + name_);
  if (ok()) url_ = with_schema(pg_server_url(), name_);
}

PgDatabase::~PgDatabase() {
  if (ok()) pg_admin_exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
}

std::vector<std::string> store_backends() {
  std::vector<std::string> out = {"sqlite"};
  if (!pg_server_url().empty()) out.push_back("postgres");
  return out;
}

TestStoreUrl::TestStoreUrl(const std::string& backend) {
  if (backend == "postgres") {
    pg_ = new PgDatabase();
    url_ = pg_->url();
    error_ = pg_->error();
    return;
  }
  sqlite_path_ = "/tmp/switchyard-store-test-" + unique_suffix() + ".db";
  url_ = sqlite_path_;
}

TestStoreUrl::~TestStoreUrl() {
  delete pg_;
  if (!sqlite_path_.empty()) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(sqlite_path_ + suffix, ec);
  }
}

}  // namespace switchyard::testing
