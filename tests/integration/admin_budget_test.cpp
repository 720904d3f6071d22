// Budgets, resets, rate limits, prices with history and zero-completion insurance, over
// real HTTP on a controlled clock.
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "admin_fixture.h"
#include "proxy/pipeline/usage_estimate.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

int64_t row_cost(RunningProxy& proxy, const httplib::Result& r) {
  auto row = proxy.wait_for_generation(r->get_header_value("X-Generation-Id"));
  REQUIRE(row);
  return row->cost_pico;
}

std::string header(const httplib::Result& r, const char* name) { return r->get_header_value(name); }

}  // namespace

TEST_CASE("100 concurrent requests on a key with room for 10 never overspend", "[admin][budget][integration]") {
  AdminFixture f;
  // Each request costs exactly its reservation: the prompt's bound and the 10 tokens asked.
  const std::string body = R"({"model":"test/m","max_tokens":10,"messages":[{"role":"user","content":"hello"}]})";
  ChatRequest shape;
  shape.messages.push_back(Message{"user", "hello", {}, false, false, {}, {}, {}});
  const int64_t prompt_tokens = proxy::prompt_token_upper_bound(shape);
  const int64_t cost = prompt_tokens * 1'000'000 + 10 * 2'000'000;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> upstream_calls{0};
  f.script = [&](const OpenParams&) {
    ++upstream_calls;
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(20), [&] { return release; });
    return Script{{ev_role(), ev_text("ok"), ev_finish("stop"), ev_usage(prompt_tokens, 10)}};
  };
  auto [key, hash] = f.create(R"({"name":"tight","limit":)" + billing::usd_string(billing::Picodollars(10 * cost)) + "}");
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 100; ++i)
    clients.emplace_back([&, key = key] {
      auto r = f.proxy->client().Post("/v1/chat/completions", bearer(key), body, "application/json");
      int status = r ? r->status : 0;
      (status == 200 ? ok : status == 402 ? refused : other)++;
    });
  // Every request is either held upstream (its reservation made) or already refused.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (upstream_calls + refused < 100 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(upstream_calls.load() == 10);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  for (auto& c : clients) c.join();
  CHECK(ok.load() == 10);
  CHECK(refused.load() == 90);
  CHECK(other.load() == 0);
  f.proxy->flush();
  CHECK(*f.proxy->store().key_usage_since(hash, 0) == 10 * cost);  // exactly the limit, never past it
}

TEST_CASE("a daily limit resets at midnight UTC, and usage_daily with it", "[admin][budget][integration]") {
  AdminFixture f;
  // One answer costs $0.00021 and reserves $0.000221: one fits in $0.0003, a second does not.
  auto [key, hash] = f.create(R"({"name":"daily","limit":0.0003,"limit_reset":"daily"})");
  f.clock.set("2026-12-02T23:59:00Z");
  REQUIRE(f.chat(key)->status == 200);
  auto over = f.chat(key);
  CHECK(over->status == 402);
  CHECK(over->body.find("this daily window") != std::string::npos);
  f.clock.set("2026-12-03T00:00:00Z");
  REQUIRE(f.chat(key)->status == 200);
  simdjson::dom::parser p;
  auto k = json(p, f.call("GET", "/api/v1/keys/" + hash)->body)["data"];
  CHECK(k["usage"].get_double().value() == Approx(0.00042));
  CHECK(k["usage_daily"].get_double().value() == Approx(0.00021));
  CHECK(k["limit_remaining"].get_double().value() == Approx(0.00009));
}

TEST_CASE("weekly limits reset on Monday and monthly ones on the 1st", "[admin][budget][integration]") {
  AdminFixture f;
  auto [weekly, wh] = f.create(R"({"name":"weekly","limit":0.0003,"limit_reset":"weekly"})");
  auto [monthly, mh] = f.create(R"({"name":"monthly","limit":0.0003,"limit_reset":"monthly"})");
  f.clock.set("2026-12-06T23:00:00Z");  // a Sunday
  REQUIRE(f.chat(weekly)->status == 200);
  REQUIRE(f.chat(monthly)->status == 200);
  f.clock.set("2026-12-07T00:00:01Z");  // Monday
  CHECK(f.chat(weekly)->status == 200);
  CHECK(f.chat(monthly)->status == 402);
  f.clock.set("2027-01-01T00:00:00Z");
  CHECK(f.chat(monthly)->status == 200);
}

TEST_CASE("rpm through HTTP: exact at the sliding window's edge, with OpenAI's headers", "[admin][ratelimit][integration]") {
  AdminFixture f;
  auto [key, hash] = f.create(R"({"name":"slow","rpm":2,"tpm":100000})");
  auto first = f.chat(key);
  REQUIRE(first->status == 200);
  CHECK(header(first, "x-ratelimit-limit-requests") == "2");
  CHECK(header(first, "x-ratelimit-remaining-requests") == "1");
  CHECK(header(first, "x-ratelimit-limit-tokens") == "100000");
  CHECK_FALSE(header(first, "x-ratelimit-reset-tokens").empty());
  f.clock.now += 30'000;
  REQUIRE(f.chat(key)->status == 200);
  auto third = f.chat(key);
  CHECK(third->status == 429);
  CHECK(header(third, "Retry-After") == "30");
  f.clock.now += 29'999;
  CHECK(f.chat(key)->status == 429);
  f.clock.now += 1;
  CHECK(f.chat(key)->status == 200);
  auto rows = f.proxy->store().activity(db::ActivityQuery{0, INT64_MAX, hash, 0});
  f.proxy->flush();
  rows = f.proxy->store().activity(db::ActivityQuery{0, INT64_MAX, hash, 0});
  int limited = 0;
  for (const auto& r : *rows) limited += r.status == 429;
  CHECK(limited == 2);  // refused requests are recorded, at no cost
}

TEST_CASE("config rate-limit defaults apply to keys that set none, and 0 opts a key out", "[admin][ratelimit][integration]") {
  FakeClock clock;
  std::string yaml = std::string("rate_limits: { max_concurrent: 1 }\n") + kAdminConfig;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> waiting{0};
  auto log = std::make_shared<ScriptLog>();
  RunningProxy proxy(yaml, [&](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
    return std::make_shared<ScriptedProvider>([&](const OpenParams&) {
      ++waiting;
      std::unique_lock lock(mu);
      cv.wait_for(lock, std::chrono::seconds(20), [&] { return release; });
      return Script{{ev_role(), ev_text("x"), ev_finish("stop"), ev_usage(1, 1)}};
    }, log);
  }, {}, ProxyTestOptions{clock.fn(), 1000});
  std::string limited = proxy.create_key("limited");
  std::string free_key = proxy.store().create_key(db::NewKey{"free", std::nullopt, "", std::nullopt, false, {}, {}, 0})->key;
  const std::string body = R"({"model":"test/m","max_tokens":5,"messages":[{"role":"user","content":"x"}]})";
  std::thread held([&] { proxy.client().Post("/v1/chat/completions", bearer(limited), body, "application/json"); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (waiting < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto second = proxy.client().Post("/v1/chat/completions", bearer(limited), body, "application/json");
  CHECK(second->status == 429);
  std::thread other([&] { proxy.client().Post("/v1/chat/completions", bearer(free_key), body, "application/json"); });
  while (waiting < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(waiting.load() == 2);  // the key with max_concurrent 0 was not limited
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  held.join();
  other.join();
}

TEST_CASE("prices with history: requests straddling a change pay the price in force when they started",
          "[admin][pricing][integration]") {
  AdminFixture f;
  std::string key = f.proxy->create_key("payer");
  const int64_t old_cost = AdminFixture::kAnswerCost;
  const int64_t new_cost = 10 * 3'000'000LL + 100 * 4'000'000LL;
  auto before = f.chat(key);
  CHECK(row_cost(*f.proxy, before) == old_cost);
  // Scheduled an hour ahead: nothing changes until then.
  auto set = f.call("POST", "/api/v1/admin/pricing",
                    R"({"model":"test/m","provider":"up","prompt":3,"completion":4,"effective_from":"2026-12-02T11:00:00Z"})");
  REQUIRE(set->status == 201);
  CHECK(row_cost(*f.proxy, f.chat(key)) == old_cost);
  // A stream that starts before the change and ends after it pays the old price.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::promise<void> started;
  f.script = [&](const OpenParams&) {
    started.set_value();
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(20), [&] { return release; });
    return Script{{ev_role(), ev_text("hi"), ev_finish("stop"), ev_usage(10, 100)}};
  };
  std::string straddler_id;
  std::thread t([&] { straddler_id = f.chat(key)->get_header_value("X-Generation-Id"); });
  REQUIRE(started.get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  f.clock.set("2026-12-02T11:00:00Z");
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  t.join();
  auto straddled = f.proxy->wait_for_generation(straddler_id);
  CHECK(straddled->cost_pico == old_cost);
  f.script = [](const OpenParams&) { return Script{{ev_role(), ev_text("hi"), ev_finish("stop"), ev_usage(10, 100)}}; };
  auto after = f.chat(key);
  auto row = f.proxy->wait_for_generation(after->get_header_value("X-Generation-Id"));
  CHECK(row->cost_pico == new_cost);
  REQUIRE(row->price_id);
  CHECK(*row->price_id != *straddled->price_id);
  // The listing shows the price in force and the history; /v1/models shows it too.
  simdjson::dom::parser p;
  auto prices = json(p, f.call("GET", "/api/v1/admin/pricing")->body)["data"].get_array().value();
  bool seen = false;
  for (auto e : prices)
    if (text(e["model"]) == "test/m") {
      seen = true;
      CHECK(e["in_force"]["prompt"].get_double().value() == 3.0);
      CHECK(e["in_force"]["id"].get_int64().value() == *row->price_id);
      CHECK(e["history"].get_array().value().size() == 2);
      CHECK(text(e["history"].at(0)["source"]) == "config");
      CHECK(text(e["history"].at(1)["set_by"]).find("ops") == 0);
    }
  CHECK(seen);
  CHECK(f.call("GET", "/v1/models")->body.find("\"prompt\":\"0.000003\"") != std::string::npos);
}

TEST_CASE("prices: bad bodies and unknown endpoints are refused", "[admin][pricing][integration]") {
  AdminFixture f;
  auto [body, status, fragment] = GENERATE(table<std::string, int, std::string>({
      {R"({"model":"test/m","provider":"up","prompt":1})", 400, "completion must be"},
      {R"({"model":"test/m","provider":"up","prompt":-1,"completion":1})", 400, "prompt must be"},
      {R"({"model":"test/m","provider":"up","prompt":0.0000001,"completion":1})", 400, "at most 6 decimals"},
      {R"({"model":"test/m","provider":"up","prompt":1,"completion":1,"effective_from":"soon"})", 400, "effective_from"},
      {R"({"model":"test/m","provider":"up","prompt":1,"completion":1,"colour":"red"})", 400, "Unknown field"},
      {R"({"model":"no/such","provider":"up","prompt":1,"completion":1})", 404, "not in the catalog"},
      {R"({"model":"test/m","provider":"elsewhere","prompt":1,"completion":1})", 404, "no endpoint"},
  }));
  auto r = f.call("POST", "/api/v1/admin/pricing", body);
  INFO(r->body);
  CHECK(r->status == status);
  CHECK(r->body.find(fragment) != std::string::npos);
  CHECK(f.proxy->store().list_audit()->empty());
}

TEST_CASE("an unpriced endpoint is not routed until priced, and an explicit 0 is served free", "[admin][pricing][integration]") {
  AdminFixture f;
  std::string key = f.proxy->create_key("payer");
  auto unpriced = f.chat(key, "test/unpriced");
  CHECK(unpriced->status == 503);
  CHECK(unpriced->body.find("price_missing") != std::string::npos);
  CHECK(f.call("GET", "/v1/models")->body.find("test/unpriced") == std::string::npos);
  CHECK(row_cost(*f.proxy, f.chat(key, "test/free")) == 0);
  REQUIRE(f.call("POST", "/api/v1/admin/pricing", R"({"model":"test/unpriced","provider":"up","prompt":1,"completion":1})")
              ->status == 201);
  CHECK(f.chat(key, "test/unpriced")->status == 200);
}

TEST_CASE("zero-completion insurance bills an empty answer $0 and records what it waived", "[admin][pricing][integration]") {
  AdminFixture f;
  std::string key = f.proxy->create_key("payer");
  f.script = [](const OpenParams&) { return Script{{ev_role(), ev_finish("stop"), ev_usage(1000, 0)}}; };
  auto insured = f.proxy->wait_for_generation(f.chat(key)->get_header_value("X-Generation-Id"));
  CHECK(insured->cost_pico == 0);
  CHECK(insured->insured);
  CHECK(insured->waived_pico == 1000 * 1'000'000);
  auto plain = f.chat(key);
  CHECK(plain->body.find("\"cost\":0,") != std::string::npos);  // the client is told it cost nothing
  auto uninsured = f.proxy->wait_for_generation(f.chat(key, "test/uninsured")->get_header_value("X-Generation-Id"));
  CHECK(uninsured->cost_pico == 1000 * 1'000'000);
  CHECK_FALSE(uninsured->insured);
  // A stream that fails mid-way is insured too.
  f.script = [](const OpenParams&) {
    return Script{{ev_role(), ev_text("partial"), ev_error(ErrorKind::upstream_error, "boom")}};
  };
  auto failed = f.proxy->wait_for_generation(f.chat(key)->get_header_value("X-Generation-Id"));
  CHECK(failed->insured);
  CHECK(failed->cost_pico == 0);
  CHECK(failed->waived_pico > 0);
}
