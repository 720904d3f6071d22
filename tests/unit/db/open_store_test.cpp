// open_store(url): the one factory that picks a store implementation from a URL.
#include <catch2/catch.hpp>

#include <filesystem>

#include "db/store.h"
#include "unit/db/temp_db.h"

using namespace switchyard::db;
using switchyard::db::testing::TempDb;

TEST_CASE("sqlite: URLs and bare paths open the same file", "[db][open_store]") {
  TempDb tmp;
  {
    auto a = open_store("sqlite:" + tmp.path());
    REQUIRE(a.has_value());
    auto created = (*a)->create_key("by-url");
    REQUIRE(created.has_value());
  }
  auto b = open_store(tmp.path());
  REQUIRE(b.has_value());
  auto rows = (*b)->list_keys();
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 1);
  CHECK(rows->front().name == "by-url");
  CHECK((*b)->describe() == tmp.path());
}

TEST_CASE("open_store creates the parent folder of a new SQLite file", "[db][open_store]") {
  TempDb tmp;
  std::filesystem::path dir = tmp.path() + "-dir";
  std::filesystem::path file = dir / "sub" / "ledger.db";
  auto s = open_store("sqlite://" + file.string());
  REQUIRE(s.has_value());
  CHECK(std::filesystem::exists(file));
  s->reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("an unknown or unavailable URL scheme is an error that names it", "[db][open_store]") {
  auto pg = open_store("postgres://user:secret@127.0.0.1:1/db");
  REQUIRE_FALSE(pg.has_value());
  CHECK(pg.error().message.find("postgres") != std::string::npos);
  CHECK(pg.error().message.find("secret") == std::string::npos);
  auto odd = open_store("mysql://x");
  REQUIRE_FALSE(odd.has_value());
  CHECK(odd.error().message.find("mysql") != std::string::npos);
  auto empty = open_store("sqlite:");
  REQUIRE_FALSE(empty.has_value());
}
