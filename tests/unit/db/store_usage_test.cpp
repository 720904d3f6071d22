#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "db/store.h"
#include "temp_db.h"

using namespace switchyard::db;
using switchyard::db::testing::TempDb;
using switchyard::db::testing::sample_usage;

namespace {
const std::string kHash(64, 'a');
}

TEST_CASE("get_generation returns every field as written", "[db]") {
  FOR_EACH_STORE(tmp);
  UsageRecord r;
  r.generation_id = "gen-roundtrip";
  r.key_hash = kHash;
  r.model = "anthropic/claude-3.5-sonnet";
  r.provider = "anthropic";
  r.upstream_model = "claude-3-5-sonnet-20241022";
  r.prompt_tokens = 1001;
  r.completion_tokens = 2002;
  r.cached_tokens = 303;
  r.cache_write_tokens = 404;
  r.cost_pico = 123'456'789'012'345;
  r.status = 502;
  r.error_message = "upstream said \"no\"; ünïcödé\nsecond line";
  r.latency_ms = 87;
  r.total_ms = 4321;
  r.generation_ms = 4000;
  r.streamed = true;
  r.cancelled = true;
  r.finish_reason = "error";
  r.native_finish_reason = "overloaded_error";
  r.usage_estimated = true;
  r.http_referer = "https://example.com/app";
  r.x_title = "My App";
  r.created = 1'712'345'678'901;
  r.attempts = {
      AttemptRecord{0, "deepinfra", "m-a", 503, "upstream_unavailable", "connect refused", std::nullopt, 1'712'345'678'000},
      AttemptRecord{1, "anthropic", "claude-3-5-sonnet-20241022", 200, "", "", 87, 1'712'345'678'500},
  };
  {
    auto store = open_store(tmp.path());
    REQUIRE(store.has_value());
    auto res = (*store)->insert_usage_batch({r});
    REQUIRE(res.has_value());
    CHECK(res->inserted == 1);
  }
  // A second connection reads what the first committed.
  auto store = open_store(tmp.path());
  REQUIRE(store.has_value());
  auto got = (*store)->get_generation("gen-roundtrip");
  REQUIRE(got.has_value());
  REQUIRE(got->has_value());
  CHECK(**got == r);

  SECTION("nullable latency stays null, defaults stay defaults") {
    UsageRecord bare;
    bare.generation_id = "gen-bare";
    bare.key_hash = kHash;
    bare.created = 5;
    REQUIRE((*store)->insert_usage_batch({bare}));
    CHECK((*store)->get_generation("gen-bare").value() == bare);
  }
  SECTION("unknown id") { CHECK_FALSE((*store)->get_generation("gen-nope").value().has_value()); }
}

TEST_CASE("a duplicate generation id is skipped without losing the rest of the batch", "[db]") {
  FOR_EACH_STORE(tmp);
  auto store = open_store(tmp.path());
  REQUIRE(store.has_value());
  Store& s = **store;
  REQUIRE(s.insert_usage_batch({sample_usage("gen-1", kHash, 10)}));
  auto res = s.insert_usage_batch({sample_usage("gen-2", kHash, 20), sample_usage("gen-1", kHash, 999),
                                   sample_usage("gen-3", kHash, 30), sample_usage("gen-3", kHash, 999)});
  REQUIRE(res.has_value());
  CHECK(res->inserted == 2);
  CHECK(res->duplicates == 2);
  CHECK(s.usage_totals().value()[kHash] == 60);  // first copies win
  CHECK(s.get_generation("gen-1").value()->cost_pico == 10);
}

TEST_CASE("a bad row fails its whole batch as an error value", "[db]") {
  FOR_EACH_STORE(tmp);
  auto store = open_store(tmp.path());
  REQUIRE(store.has_value());
  Store& s = **store;
  auto res = s.insert_usage_batch({sample_usage("gen-ok", kHash, 1), sample_usage("gen-bad", kHash, -5)});
  REQUIRE_FALSE(res.has_value());
  CHECK(res.error().message.find("cost_pico") != std::string::npos);  // names the rule it broke
  CHECK(res.error().code == ErrorCode::constraint);
  CHECK_FALSE(s.get_generation("gen-ok").value().has_value());  // rolled back together
  CHECK(s.insert_usage_batch({sample_usage("gen-ok", kHash, 1)}).value().inserted == 1);  // still usable
}

TEST_CASE("activity returns a time range, oldest first, optionally per key", "[db]") {
  FOR_EACH_STORE(tmp);
  auto store = open_store(tmp.path());
  REQUIRE(store.has_value());
  Store& s = **store;
  const std::string other(64, 'b');
  auto with_attempt = sample_usage("gen-t200", kHash, 2, 200);
  with_attempt.attempts = {AttemptRecord{0, "p", "m", 200, "", "", 5, 200}};
  REQUIRE(s.insert_usage_batch({sample_usage("gen-t300", kHash, 3, 300), sample_usage("gen-t100", kHash, 1, 100),
                                with_attempt, sample_usage("gen-o250", other, 9, 250),
                                sample_usage("gen-t400", kHash, 4, 400)}));
  auto rows = s.activity({.from_ms = 200, .to_ms = 400, .key_hash = std::nullopt}).value();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].generation_id == "gen-t200");
  CHECK(rows[0].attempts == with_attempt.attempts);
  CHECK(rows[1].generation_id == "gen-o250");
  CHECK(rows[2].generation_id == "gen-t300");

  auto mine = s.activity({.from_ms = 0, .to_ms = 1000, .key_hash = kHash}).value();
  CHECK(mine.size() == 4);
  auto limited = s.activity({.from_ms = 0, .to_ms = 1000, .key_hash = std::nullopt, .limit = 2}).value();
  REQUIRE(limited.size() == 2);
  CHECK(limited[1].generation_id == "gen-t200");
}

TEST_CASE("health buckets add up across upserts", "[db]") {
  FOR_EACH_STORE(tmp);
  auto store = open_store(tmp.path());
  REQUIRE(store.has_value());
  Store& s = **store;
  HealthBucket b{"deepinfra", "llama", "Llama-3.1-8B", 1000, 3, 1, 300, 2, 50, 900, {1, 2, 0}};
  REQUIRE(s.upsert_health({b}));
  HealthBucket more = b;
  more.latency_hist = {0, 1, 0, 0, 0, 0, 0, 4};
  HealthBucket next_minute = b;
  next_minute.minute = 1001;
  HealthBucket old = b;
  old.minute = 10;
  REQUIRE(s.upsert_health({more, next_minute, old}));

  auto got = s.health_since(1000).value();
  REQUIRE(got.size() == 2);
  CHECK(got[0].minute == 1000);
  CHECK(got[0].requests == 6);
  CHECK(got[0].failures == 2);
  CHECK(got[0].ttft_ms_sum == 600);
  CHECK(got[0].ttft_count == 4);
  CHECK(got[0].tokens == 100);
  CHECK(got[0].gen_ms == 1800);
  CHECK(got[0].latency_hist == std::vector<int64_t>{1, 3, 0, 0, 0, 0, 0, 4});
  CHECK(got[1] == next_minute);

  CHECK(s.health_since(0).value().size() == 3);
  CHECK(s.prune_health(1000).value() == 1);
  CHECK(s.health_since(0).value().size() == 2);
}

TEST_CASE("circuit state is stored per endpoint and replaced on put", "[db]") {
  FOR_EACH_STORE(tmp);
  auto store = open_store(tmp.path());
  REQUIRE(store.has_value());
  Store& s = **store;
  CHECK_FALSE(s.get_circuit("p", "m").value().has_value());
  CircuitState c{"p", "m", 3, 1'700'000'060'000, 1'700'000'000'000};
  REQUIRE(s.put_circuit(c));
  CHECK(s.get_circuit("p", "m").value() == c);
  c.consecutive_failures = 0;
  c.open_until_ms = 0;
  REQUIRE(s.put_circuit(c));
  REQUIRE(s.put_circuit(CircuitState{"a", "m", 1, 0, 1}));
  auto all = s.list_circuits().value();
  REQUIRE(all.size() == 2);
  CHECK(all[0].provider == "a");
  CHECK(all[1] == c);
}
