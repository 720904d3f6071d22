// The real servers scripts/test_servers.sh starts (DESIGN.md: integration tests use real
// PostgreSQL/Redis on 127.0.0.1): their URLs come from the environment. When a variable is
// set the server must answer: a test that cannot reach it fails, it does not skip (CI sets
// them). Unset (a plain `ctest` without the script), the tests that need a server say so
// and stop, and the store suite runs on SQLite alone.
#pragma once

#include <string>
#include <vector>

namespace switchyard::testing {

std::string pg_server_url();     // SWITCHYARD_TEST_PG_URL, or ""
std::string redis_server_url();  // SWITCHYARD_TEST_REDIS_URL, or ""
// Runs one statement on the test PostgreSQL server; "" or the error.
std::string pg_admin_exec(const std::string& sql);

// A fresh, empty store on the test PostgreSQL server (a schema of its own, named in the
// URL's search_path), dropped on destruction.
class PgDatabase {
 public:
  PgDatabase();  // check ok(); the error says why not
  ~PgDatabase();
  PgDatabase(const PgDatabase&) = delete;
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& url() const { return url_; }

 private:
  std::string name_, url_, error_;
};

// The store implementations the suite runs against: "sqlite", and "postgres" when the test
// server is configured.
std::vector<std::string> store_backends();

// One fresh store of a backend: a temporary SQLite file or a fresh PostgreSQL database.
class TestStoreUrl {
 public:
  explicit TestStoreUrl(const std::string& backend);
  ~TestStoreUrl();
  TestStoreUrl(const TestStoreUrl&) = delete;
  const std::string& url() const { return url_; }
  const std::string& path() const { return url_; }  // the store URL (a file for SQLite)
  const std::string& error() const { return error_; }
  bool is_sqlite() const { return sqlite_path_.size() > 0; }
  const std::string& sqlite_path() const { return sqlite_path_; }

 private:
  std::string url_, error_, sqlite_path_;
  PgDatabase* pg_ = nullptr;
};

}  // namespace switchyard::testing
