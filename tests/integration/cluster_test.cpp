// Three instances on one PostgreSQL store agree (issue 12): keys and prices changed on one
// apply on the others within 1 s, budgets hold across them, rate limits in Redis hold across
// them, exports read the same rows, and an instance that stops mid-load loses none of its
// rows while the others keep serving.
#include <condition_variable>
#include <mutex>

#include "cluster_harness.h"
#include "db/key_hash.h"
#include "proxy/pipeline/usage_estimate.h"

using namespace switchyard;
using namespace switchyard::testing;

TEST_CASE("a key disabled on one instance is refused by every instance within 1 s", "[cluster][integration]") {
  if (!have_cluster_servers()) return;
  Cluster c;  // no key poll: only the notification can carry the change
  auto created = c.call(0, "POST", "/api/v1/keys", R"({"name":"shared"})");
  REQUIRE(created->status == 201);
  simdjson::dom::parser p;
  auto doc = json(p, created->body);
  std::string key = text(doc["key"]), hash = text(doc["data"]["hash"]);
  for (int i = 0; i < 3; ++i) REQUIRE(c.chat(i, key)->status == 200);  // every instance knows it now
  REQUIRE(c.call(1, "PATCH", "/api/v1/keys/" + hash, R"({"disabled":true})")->status == 200);
  for (int i : {0, 2}) {
    auto took = time_until([&] { return c.chat(i, key)->status == 401; });
    REQUIRE(took);
    CHECK(took->count() < 1000);
  }
  REQUIRE(c.call(2, "PATCH", "/api/v1/keys/" + hash, R"({"disabled":false})")->status == 200);
  CHECK(time_until([&] { return c.chat(0, key)->status == 200; }, std::chrono::milliseconds(1000)));
}

TEST_CASE("a price set on one instance applies on every instance within 1 s", "[cluster][integration]") {
  if (!have_cluster_servers()) return;
  Cluster c;
  auto key = c.store->create_key("k")->key;
  REQUIRE(c.chat(2, key, "test/unpriced")->status != 200);  // no price: not routed
  REQUIRE(c.call(0, "POST", "/api/v1/admin/pricing", R"({"model":"test/unpriced","provider":"up","prompt":1,"completion":1})")
              ->status == 201);
  for (int i : {1, 2}) {
    auto took = time_until([&] { return c.chat(i, key, "test/unpriced")->status == 200; });
    REQUIRE(took);
    CHECK(took->count() < 1000);
  }
}

TEST_CASE("3 instances x 50 concurrent requests on a key with room for 10 never overspend", "[cluster][integration][budget]") {
  if (!have_cluster_servers()) return;
  Cluster c;
  ChatRequest shape;
  shape.messages.push_back(Message{"user", "hello", {}, false, false, {}, {}, {}});
  const int64_t prompt_tokens = proxy::prompt_token_upper_bound(shape);
  const int64_t cost = prompt_tokens * 1'000'000 + 10 * 2'000'000;  // the reservation, and what each costs
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> upstream_calls{0};
  c.script = [&](const OpenParams&) {
    ++upstream_calls;
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(20), [&] { return release; });
    return Script{{ev_role(), ev_text("ok"), ev_finish("stop"), ev_usage(prompt_tokens, 10)}};
  };
  auto k = c.store->create_key("tight", 10 * cost);
  REQUIRE(k.has_value());
  const std::string body = R"({"model":"test/m","max_tokens":10,"messages":[{"role":"user","content":"hello"}]})";
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 150; ++i)
    clients.emplace_back([&, i] {
      auto r = c.instances[i % 3]->client().Post("/v1/chat/completions", bearer(k->key), body, "application/json");
      int status = r ? r->status : 0;
      (status == 200 ? ok : status == 402 ? refused : other)++;
    });
  REQUIRE(time_until([&] { return upstream_calls + refused >= 150; }, std::chrono::seconds(30)));
  CHECK(upstream_calls.load() == 10);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  for (auto& t : clients) t.join();
  CHECK(ok.load() == 10);
  CHECK(refused.load() == 140);
  CHECK(other.load() == 0);
  c.flush_all();
  CHECK(*c.store->key_usage_since(k->row.key_hash, 0) == 10 * cost);  // exactly the limit
}

TEST_CASE("60 RPM across 3 instances lets at most 60 requests through", "[cluster][integration][redis]") {
  if (!have_cluster_servers(true)) return;
  Cluster c(true);
  auto k = c.store->create_key(db::NewKey{"rpm", std::nullopt, "", std::nullopt, false, 60, {}, {}});
  REQUIRE(k.has_value());
  std::atomic<int> ok{0}, limited{0}, other{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 9; ++t)
    clients.emplace_back([&, t] {
      for (int n = 0; n < 10; ++n) {
        auto r = c.chat(t % 3, k->key);
        int status = r ? r->status : 0;
        (status == 200 ? ok : status == 429 ? limited : other)++;
      }
    });
  for (auto& t : clients) t.join();
  CHECK(ok.load() == 60);
  CHECK(limited.load() == 30);
  CHECK(other.load() == 0);
}

TEST_CASE("usage exports agree across instances, and one stopping mid-load loses none of its rows", "[cluster][integration]") {
  if (!have_cluster_servers()) return;
  Cluster c;
  auto key = c.store->create_key("load")->key;
  std::atomic<bool> stop_load{false};
  std::atomic<int> ok[3] = {0, 0, 0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 3; ++i)
    clients.emplace_back([&, i] {
      while (!stop_load) {
        auto r = c.chat(i, key);
        if (r && r->status == 200) ++ok[i];
        else if (i == 1) return;  // its instance has stopped
      }
    });
  REQUIRE(time_until([&] { return ok[1] >= 20; }, std::chrono::seconds(20)));
  c.instances[1]->stop();  // mid-load: the requests it answered must all be in the ledger
  const int before = ok[0] + ok[2];
  REQUIRE(time_until([&] { return ok[0] + ok[2] >= before + 20; }, std::chrono::seconds(20)));  // the others serve on
  stop_load = true;
  for (auto& t : clients) t.join();
  c.flush_all();
  const int64_t answered = ok[0] + ok[1] + ok[2];
  auto rows = c.store->usage_totals();
  REQUIRE(rows.has_value());
  CHECK((*rows)[db::hash_key(key)] == answered * AdminFixture::kAnswerCost);
  auto a = c.call(0, "GET", "/api/v1/admin/usage?group_by=key&from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z");
  auto b = c.call(2, "GET", "/api/v1/admin/usage?group_by=key&from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z");
  REQUIRE(a->status == 200);
  CHECK(a->body == b->body);
  CHECK(a->body.find(std::to_string(answered)) != std::string::npos);
}

TEST_CASE("uptime and circuits are the merge of every instance's observations", "[cluster][integration][health]") {
  if (!have_cluster_servers()) return;
  Cluster c;
  const proxy::EndpointId id{"test/m", "up", "up-m"};
  proxy::AttemptOutcome failure;
  failure.status = 503;
  failure.error_kind = ErrorKind::upstream_unavailable;
  proxy::AttemptOutcome success;
  success.success = true;
  success.status = 200;
  success.ttft_ms = 5;
  for (int i = 0; i < 3; ++i) c.instances[0]->app().health().record(id, failure);  // trips the circuit there
  for (int i = 0; i < 5; ++i) c.instances[1]->app().health().record(id, success);
  REQUIRE(c.instances[0]->app().health().flush());
  REQUIRE(c.instances[1]->app().health().flush());
  REQUIRE(c.instances[2]->app().health().flush());  // merges what the two others wrote
  auto h = c.instances[2]->app().health().health(id);
  CHECK(h.requests_last_5m == 8);
  CHECK(h.failures_last_5m == 3);
  CHECK(h.circuit == proxy::CircuitStatus::open);  // tripped on instance 0, honoured on 2
  auto h1 = c.instances[1]->app().health().health(id);  // its own 5, now with the others' 3
  CHECK(h1.requests_last_5m >= 5);
  REQUIRE(c.instances[1]->app().health().flush());
  CHECK(c.instances[1]->app().health().health(id).requests_last_5m == 8);
}
