#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "db/sqlite/migrations.h"
#include "db/sqlite/sqlite_util.h"
#include "db/store.h"
#include "unit/db/temp_db.h"

using namespace switchyard::db;
using switchyard::db::testing::TempDb;

namespace {

struct RawDb {  // a bare connection, to look at the file the way another tool would
  explicit RawDb(const std::string& path) {
    auto c = open_connection(path, {});
    REQUIRE(c.has_value());
    db = *c;
  }
  ~RawDb() { sqlite3_close(db); }
  std::vector<std::string> column_names(const std::string& table) {
    auto st = Stmt::prepare(db, "SELECT name FROM pragma_table_info('" + table + "')");
    REQUIRE(st.has_value());
    std::vector<std::string> out;
    while (*st->step()) out.push_back(st->col_text(0));
    return out;
  }
  int64_t scalar(const std::string& sql) {
    auto st = Stmt::prepare(db, sql);
    REQUIRE(st.has_value());
    auto row = st->step();
    REQUIRE(row.has_value());
    REQUIRE(*row);
    return st->col_int(0);
  }
  std::string text(const std::string& sql) {
    auto st = Stmt::prepare(db, sql);
    REQUIRE(st.has_value());
    REQUIRE(*st->step());
    return st->col_text(0);
  }
  sqlite3* db = nullptr;
};

int latest_version() { return builtin_migrations().back().version; }

}  // namespace

TEST_CASE("migrations are numbered 1..N without gaps", "[db][migrations]") {
  int expected = 1;
  for (const Migration& m : builtin_migrations()) CHECK(m.version == expected++);
}

TEST_CASE("a fresh file is migrated to the latest version in WAL mode", "[db][migrations]") {
  TempDb tmp;
  {
    auto store = open_store(tmp.path());
    REQUIRE(store.has_value());
    CHECK((*store)->schema_version().value() == latest_version());
  }
  RawDb raw(tmp.path());
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
  CHECK(raw.scalar("PRAGMA user_version") == latest_version());
  CHECK(raw.scalar("SELECT COUNT(*) FROM schema_migrations") == latest_version());
  CHECK(raw.scalar("SELECT MAX(version) FROM schema_migrations") == latest_version());
}

TEST_CASE("reopening applies nothing twice", "[db][migrations]") {
  TempDb tmp;
  REQUIRE(open_store(tmp.path()).has_value());
  int64_t first_applied;
  {
    RawDb raw(tmp.path());
    first_applied = raw.scalar("SELECT applied FROM schema_migrations WHERE version = 1");
  }
  for (int i = 0; i < 3; ++i) {
    auto store = open_store(tmp.path());
    REQUIRE(store.has_value());
    CHECK((*store)->schema_version().value() == latest_version());
  }
  RawDb raw(tmp.path());
  CHECK(raw.scalar("SELECT COUNT(*) FROM schema_migrations") == latest_version());
  CHECK(raw.scalar("SELECT applied FROM schema_migrations WHERE version = 1") == first_applied);
}

TEST_CASE("an older database gets only the missing steps", "[db][migrations]") {
  TempDb tmp;
  RawDb raw(tmp.path());
  auto all = builtin_migrations();
  REQUIRE(all.size() >= 2);
  REQUIRE(apply_migrations(raw.db, all.first(1)).value() == 1);
  CHECK(raw.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'attempts'") == 0);
  // Data written at version 1 survives the later steps.
  REQUIRE(exec(raw.db, "INSERT INTO api_keys (key_hash, name, created) VALUES (printf('%064d', 7), 'old', 1)"));

  REQUIRE(apply_migrations(raw.db, all).value() == latest_version());
  CHECK(raw.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'attempts'") == 1);
  CHECK(raw.scalar("SELECT COUNT(*) FROM schema_migrations") == latest_version());
  CHECK(raw.scalar("SELECT COUNT(*) FROM api_keys WHERE name = 'old'") == 1);
}

TEST_CASE("a failing step rolls back and keeps the earlier version", "[db][migrations]") {
  TempDb tmp;
  RawDb raw(tmp.path());
  const Migration steps[] = {
      {1, "ok", "CREATE TABLE a (x INTEGER);"},
      {2, "broken", "CREATE TABLE b (x INTEGER); INSERT INTO no_such_table VALUES (1);"},
  };
  auto r = apply_migrations(raw.db, steps);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("migration 2") != std::string::npos);
  CHECK(r.error().message.find("no_such_table") != std::string::npos);  // the SQLite message
  CHECK(raw.scalar("PRAGMA user_version") == 1);
  CHECK(raw.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'") == 0);  // rolled back
  CHECK(raw.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'a'") == 1);
}

TEST_CASE("a database newer than the binary is refused", "[db][migrations]") {
  TempDb tmp;
  {
    RawDb raw(tmp.path());
    REQUIRE(exec(raw.db, "PRAGMA user_version = 999"));
  }
  auto store = open_store(tmp.path());
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().message.find("newer") != std::string::npos);
}

TEST_CASE("the schema has the columns the proxy relies on", "[db][migrations]") {
  TempDb tmp;
  REQUIRE(open_store(tmp.path()).has_value());
  RawDb raw(tmp.path());
  auto has_all = [&](const std::string& table, const std::vector<std::string>& wanted) {
    auto cols = raw.column_names(table);
    std::set<std::string> have(cols.begin(), cols.end());
    for (const auto& c : wanted) {
      INFO(table << "." << c);
      CHECK(have.count(c) == 1);
    }
  };
  has_all("api_keys", {"key_hash", "name", "label", "limit_pico", "disabled", "created"});
  has_all("usage", {"generation_id", "key_hash", "model", "provider", "upstream_model", "prompt_tokens",
                    "completion_tokens", "cached_tokens", "cache_write_tokens", "cost_pico", "status",
                    "error_message", "latency_ms", "total_ms", "generation_ms", "streamed", "cancelled",
                    "finish_reason", "native_finish_reason", "usage_estimated", "http_referer", "x_title",
                    "created"});
  has_all("attempts", {"generation_id", "attempt", "provider", "upstream_model", "status", "error_kind",
                       "latency_ms", "created"});
  has_all("health_minutes", {"provider", "model", "upstream_model", "minute", "requests", "failures",
                             "ttft_ms_sum", "ttft_count", "tokens", "gen_ms", "latency_hist"});
  has_all("circuit_state", {"provider", "upstream_model", "consecutive_failures", "open_until_ms"});
  has_all("prices", {"id", "model", "provider", "upstream_model", "prompt_pico", "completion_pico", "request_pico",
                     "cache_read_pico", "cache_write_pico", "effective_from", "source"});
  has_all("audit_log", {"id", "created", "actor", "action", "target", "details"});
  has_all("api_keys", {"management", "limit_reset", "expires_at", "updated", "deleted", "rpm", "tpm", "max_concurrent"});
  has_all("usage", {"api", "price_id", "insured", "waived_pico"});
  CHECK(raw.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'pricing_overrides'") == 0);
  CHECK(raw.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage'"
                   " AND sql LIKE '%key_hash%'") >= 1);
  CHECK(raw.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage'"
                   " AND sql LIKE '%(created)%'") == 1);
}

TEST_CASE(":memory: works for quick tests", "[db][migrations]") {
  auto store = open_store(":memory:");
  REQUIRE(store.has_value());
  CHECK((*store)->schema_version().value() == latest_version());
}

TEST_CASE("SQLITE_CHECK errors name the SQL, the call and the place", "[db][migrations]") {
  auto store = open_store(":memory:");
  REQUIRE(store.has_value());
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  auto st = Stmt::prepare(db, "SELEC nonsense");
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().message.find("SELEC nonsense") != std::string::npos);
  CHECK(st.error().message.find("sqlite3_prepare_v2") != std::string::npos);
  CHECK(st.error().message.find("migrations_test.cpp:") != std::string::npos);  // the caller's line
  CHECK(st.error().native_code == SQLITE_ERROR);
  sqlite3_close(db);
}

TEST_CASE("opening a path that cannot exist is an error, not a throw", "[db][migrations]") {
  auto store = open_store("/dev/null/not-a-directory/x.db");
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().message.find("/dev/null/not-a-directory/x.db") != std::string::npos);
}
