#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

#include "db/key_hash.h"
#include "db/store.h"
#include "temp_db.h"

using namespace switchyard::db;
using switchyard::db::testing::TempDb;
using switchyard::db::testing::sample_usage;

namespace {
std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
}  // namespace

TEST_CASE("create_key stores only the hash and a label", "[db][keys]") {
  FOR_EACH_STORE(tmp);
  auto store = open_store(tmp.path());
  REQUIRE(store.has_value());
  auto created = (*store)->create_key("ci", 5'000'000);
  REQUIRE(created.has_value());
  const std::string& key = created->key;
  CHECK(key.rfind("sk-sy-v1-", 0) == 0);
  CHECK(created->row.key_hash == hash_key(key));
  CHECK(created->row.label == key.substr(0, 12) + "..." + key.substr(key.size() - 3));
  CHECK(created->row.name == "ci");
  CHECK(created->row.limit_pico == 5'000'000);
  CHECK_FALSE(created->row.disabled);
  CHECK(created->row.created > 0);

  auto found = (*store)->find_key(hash_key(key));
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK(**found == created->row);
  CHECK_FALSE((*store)->find_key(hash_key("sk-sy-v1-not-a-key")).value().has_value());

  // The plaintext must not be anywhere on disk: main file, WAL, shared memory.
  store->reset();
  if (!tmp.is_sqlite()) return;  // a server's files are its own; the hash is what it was sent
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string bytes = file_bytes(tmp.path() + suffix);
    INFO("file " << tmp.path() + suffix);
    CHECK(bytes.find(key) == std::string::npos);
    CHECK(bytes.find(key.substr(9)) == std::string::npos);  // not even the random part
  }
  CHECK(file_bytes(tmp.path()).find(hash_key(key)) != std::string::npos);  // the scan works
}

TEST_CASE("keys can be disabled, re-enabled and limited", "[db][keys]") {
  FOR_EACH_STORE(tmp);
  auto store = open_store(tmp.path());
  REQUIRE(store.has_value());
  Store& s = **store;
  auto k = s.create_key("unlimited");
  REQUIRE(k.has_value());
  CHECK_FALSE(k->row.limit_pico.has_value());
  const std::string h = k->row.key_hash;

  CHECK(s.set_key_disabled(h, true).value());
  CHECK(s.find_key(h).value()->disabled);
  CHECK(s.set_key_disabled(h, false).value());
  CHECK_FALSE(s.find_key(h).value()->disabled);

  CHECK(s.set_key_limit(h, 42).value());
  CHECK(s.find_key(h).value()->limit_pico == 42);
  CHECK(s.set_key_limit(h, std::nullopt).value());
  CHECK_FALSE(s.find_key(h).value()->limit_pico.has_value());

  CHECK_FALSE(s.set_key_disabled(std::string(64, '0'), true).value());  // no such key
  CHECK_FALSE(s.set_key_limit(std::string(64, '0'), 1).value());
  CHECK_FALSE(s.set_key_limit(h, -1).has_value());  // CHECK constraint: an error value, no throw
}

TEST_CASE("key usage is the exact sum of its ledger rows", "[db][keys]") {
  FOR_EACH_STORE(tmp);
  auto store = open_store(tmp.path());
  REQUIRE(store.has_value());
  Store& s = **store;
  auto a = s.create_key("a").value();
  auto b = s.create_key("b").value();
  // Values past 2^53 catch any trip through double.
  const int64_t big = (int64_t{1} << 53) + 1;
  REQUIRE(s.insert_usage_batch({sample_usage("gen-1", a.row.key_hash, big),
                                sample_usage("gen-2", a.row.key_hash, 2),
                                sample_usage("gen-3", b.row.key_hash, 7)}));
  CHECK(s.find_key(a.row.key_hash).value()->usage_pico == big + 2);
  CHECK(s.find_key(b.row.key_hash).value()->usage_pico == 7);

  auto totals = s.usage_totals().value();
  CHECK(totals.size() == 2);
  CHECK(totals[a.row.key_hash] == big + 2);
  CHECK(totals[b.row.key_hash] == 7);

  auto keys = s.list_keys().value();
  REQUIRE(keys.size() == 2);
  int64_t sum = 0;
  for (const auto& k : keys) sum += k.usage_pico;
  CHECK(sum == big + 9);
}
