// The operator's parts of the store: managed keys, prices with history, the audit log.
// Every change and its audit row land in one transaction or not at all.
#include <catch2/catch.hpp>

#include "db/store.h"
#include "temp_db.h"

using namespace switchyard::db;
using switchyard::db::testing::sample_usage;

namespace {

std::unique_ptr<Store> store_at(const switchyard::testing::TestStoreUrl& tmp) {
  auto s = open_store(tmp.path());
  REQUIRE(s.has_value());
  return std::move(*s);
}

AuditEntry audit(const std::string& action) { return AuditEntry{0, 0, "admin-label", action, "", "{\"x\":1}"}; }

}  // namespace

TEST_CASE("a key is created with every operator field and its audit row", "[db][keys][admin]") {
  FOR_EACH_STORE(tmp);
  auto s = store_at(tmp);
  NewKey k{"svc", 3'000'000'000'000, "weekly", 1'900'000'000'000, false, 60, 1000, 4};
  AuditEntry a = audit("key.create");
  auto created = s->create_key(k, &a);
  REQUIRE(created.has_value());
  auto row = s->find_key(created->row.key_hash).value();
  REQUIRE(row);
  CHECK(*row == created->row);
  CHECK(row->limit_reset == "weekly");
  CHECK(row->expires_at == 1'900'000'000'000);
  CHECK(row->rpm == 60);
  CHECK(row->tpm == 1000);
  CHECK(row->max_concurrent == 4);
  CHECK_FALSE(row->management);
  auto log = s->list_audit().value();
  REQUIRE(log.size() == 1);
  CHECK(log[0].action == "key.create");
  CHECK(log[0].target == row->key_hash);  // filled in: the hash exists only once the key does
  CHECK(log[0].actor == "admin-label");
}

TEST_CASE("a patch changes only what it sets, and clears with an inner nullopt", "[db][keys][admin]") {
  FOR_EACH_STORE(tmp);
  auto s = store_at(tmp);
  auto k = s->create_key(NewKey{"a", 100, "daily", std::nullopt, false, 10, std::nullopt, std::nullopt}).value();
  KeyPatch p;
  p.name = "renamed";
  p.limit_pico = std::optional<int64_t>();  // clear: unlimited
  p.rpm = std::optional<int64_t>(0);        // 0: no rate limit for this key
  AuditEntry a = audit("key.update");
  auto updated = s->update_key(k.row.key_hash, p, &a).value();
  REQUIRE(updated);
  CHECK(updated->name == "renamed");
  CHECK_FALSE(updated->limit_pico);
  CHECK(updated->rpm == 0);
  CHECK(updated->limit_reset == "daily");  // untouched
  CHECK(updated->updated >= k.row.updated);
  CHECK(s->list_audit().value().size() == 1);
}

TEST_CASE("a failed change writes neither the change nor its audit row", "[db][keys][admin]") {
  FOR_EACH_STORE(tmp);
  auto s = store_at(tmp);
  auto k = s->create_key("a").value();
  KeyPatch bad;
  bad.name = "new-name";
  bad.limit_reset = "hourly";  // the CHECK refuses it: the whole transaction rolls back
  AuditEntry a = audit("key.update");
  CHECK_FALSE(s->update_key(k.row.key_hash, bad, &a).has_value());
  CHECK(s->find_key(k.row.key_hash).value()->name == "a");
  CHECK(s->list_audit().value().empty());
  // An unknown hash is not an error, and writes nothing either.
  KeyPatch ok;
  ok.name = "x";
  auto none = s->update_key(std::string(64, 'f'), ok, &a);
  REQUIRE(none.has_value());
  CHECK_FALSE(*none);
  CHECK(s->list_audit().value().empty());
}

TEST_CASE("deleted keys stay as rows, leave the listings and cannot be changed", "[db][keys][admin]") {
  FOR_EACH_STORE(tmp);
  auto s = store_at(tmp);
  auto a = s->create_key("a").value();
  auto b = s->create_key("b").value();
  REQUIRE(s->set_key_disabled(b.row.key_hash, true).value());
  CHECK(s->delete_key(a.row.key_hash).value());
  CHECK_FALSE(s->delete_key(a.row.key_hash).value());
  auto row = s->find_key(a.row.key_hash).value();
  REQUIRE(row);
  CHECK(row->deleted);
  CHECK(s->list_keys().value().size() == 1);
  CHECK(s->list_keys(KeyListQuery{false, false, 0, 0}).value().empty());  // b is disabled
  CHECK(s->list_keys(KeyListQuery{true, true, 0, 0}).value().size() == 2);
  KeyPatch p;
  p.name = "zombie";
  CHECK_FALSE(s->update_key(a.row.key_hash, p).value());
}

TEST_CASE("keys changed since a time are what a running server polls for", "[db][keys][admin]") {
  FOR_EACH_STORE(tmp);
  auto s = store_at(tmp);
  auto a = s->create_key("a").value();
  auto later = a.row.updated + 1;
  CHECK(s->keys_changed_since(later).value().empty());
  auto b = s->create_key("b").value();
  while (b.row.updated < later) b = s->create_key("b").value();  // clock granularity
  auto changed = s->keys_changed_since(later).value();
  REQUIRE_FALSE(changed.empty());
  CHECK(changed.back().key_hash == b.row.key_hash);
}

TEST_CASE("spend per key in a window", "[db][keys][admin]") {
  FOR_EACH_STORE(tmp);
  auto s = store_at(tmp);
  const std::string k1(64, 'a'), k2(64, 'b');
  REQUIRE(s->insert_usage_batch({sample_usage("g1", k1, 10, 1000), sample_usage("g2", k1, 20, 2000),
                                 sample_usage("g3", k2, 40, 3000)}));
  CHECK(s->key_usage_since(k1, 0).value() == 30);
  CHECK(s->key_usage_since(k1, 1500).value() == 20);
  CHECK(s->key_usage_since(k1, 2001).value() == 0);
  auto totals = s->usage_totals(1500).value();
  CHECK(totals[k1] == 20);
  CHECK(totals[k2] == 40);
}

TEST_CASE("prices are only added, and come back in order after an id", "[db][pricing]") {
  FOR_EACH_STORE(tmp);
  auto s = store_at(tmp);
  PriceRow p{0, "m/x", "prov", "up", 650000, 700000, 0, 65000, std::nullopt, 0, 0, "config", ""};
  auto first = s->add_price(p).value();
  CHECK(first.id > 0);
  CHECK(first.created > 0);
  p.prompt_pico = 1;
  p.effective_from = 5000;
  p.source = "api";
  p.set_by = "admin";
  AuditEntry a = audit("price.set");
  auto second = s->add_price(p, &a).value();
  CHECK(second.id > first.id);
  auto all = s->prices_after(0).value();
  REQUIRE(all.size() == 2);
  CHECK(all[0] == first);
  CHECK(all[1] == second);
  CHECK(all[0].cache_read_pico == 65000);
  CHECK_FALSE(all[0].cache_write_pico);
  CHECK(s->prices_after(first.id).value().size() == 1);
  p.prompt_pico = -1;  // refused by the CHECK; its audit row goes with it
  CHECK_FALSE(s->add_price(p, &a).has_value());
  CHECK(s->list_audit().value().size() == 1);
}

TEST_CASE("the audit log lists newest first, paged", "[db][audit]") {
  FOR_EACH_STORE(tmp);
  auto s = store_at(tmp);
  for (int i = 0; i < 5; ++i) REQUIRE(s->append_audit(AuditEntry{0, 0, "cli", "key.update", std::to_string(i), "{}"}));
  auto page = s->list_audit(AuditQuery{1, 2}).value();
  REQUIRE(page.size() == 2);
  CHECK(page[0].target == "3");
  CHECK(page[1].target == "2");
}
