// Shared by the admin API tests: a proxy with one scripted endpoint, a controlled clock, a
// management key, and small HTTP/JSON helpers.
#pragma once

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <atomic>
#include <map>

#include "harness.h"
#include "proxy/billing/periods.h"
#include "scripted_provider.h"

namespace switchyard::testing {

struct FakeClock {
  std::atomic<int64_t> now{*billing::parse_iso8601("2026-12-02T10:00:00Z")};  // a Wednesday
  std::function<int64_t()> fn() {
    return [this] { return now.load(); };
  }
  void set(const char* iso) { now = *billing::parse_iso8601(iso); }
};

// test/m is served by "up" at $1/M prompt and $2/M completion; test/free by "up" at 0;
// test/unpriced has no price; test/uninsured opts out of zero-completion insurance.
inline const char* kAdminConfig = R"(
server: { threads: 128 }
providers:
  - { name: up, kind: openai, base_url: "http://127.0.0.1:1" }
models:
  - id: test/m
    context_length: 100000
    max_completion_tokens: 100
    endpoints:
      - { provider: up, model: up-m, pricing: { prompt: 1, completion: 2 } }
  - id: test/free
    context_length: 1000
    endpoints:
      - { provider: up, model: up-free, pricing: { prompt: 0, completion: 0 } }
  - id: test/unpriced
    context_length: 1000
    endpoints:
      - { provider: up, model: up-unpriced }
  - id: test/uninsured
    context_length: 1000
    zero_completion_insurance: false
    endpoints:
      - { provider: up, model: up-uninsured, pricing: { prompt: 1, completion: 2 } }
)";

struct AdminFixture {
  FakeClock clock;
  std::shared_ptr<ScriptLog> log = std::make_shared<ScriptLog>();
  SharedScripter script = [](const OpenParams&) {
    return Script{{ev_role(), ev_text("hi"), ev_finish("stop"), ev_usage(10, 100)}};
  };
  // What the default script's answer costs on test/m: 10 prompt tokens at $1/M and 100
  // completion tokens at $2/M ($0.00021); its reservation on chat() is a little more.
  static constexpr int64_t kAnswerCost = 10 * 1'000'000LL + 100 * 2'000'000LL;
  std::unique_ptr<RunningProxy> proxy;
  std::string admin;

  explicit AdminFixture(int64_t key_poll_interval_ms = 1000) {
    proxy = std::make_unique<RunningProxy>(
        kAdminConfig,
        [this](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
          return std::make_shared<ScriptedProvider>([this](const OpenParams& p) { return script(p); }, log);
        },
        proxy::LoadConfigOptions{}, ProxyTestOptions{clock.fn(), key_poll_interval_ms});
    admin = proxy->create_management_key();
  }

  httplib::Result call(const std::string& method, const std::string& path, const std::string& body = {},
                       const std::string& key = {}) {
    auto c = proxy->client();
    httplib::Headers h = bearer(key.empty() ? admin : key);
    if (method == "GET") return c.Get(path.c_str(), h);
    if (method == "DELETE") return c.Delete(path.c_str(), h);
    if (method == "PATCH") return c.Patch(path.c_str(), h, body, "application/json");
    return c.Post(path.c_str(), h, body, "application/json");
  }
  httplib::Result chat(const std::string& key, const std::string& model = "test/m", int max_tokens = 100) {
    return call("POST", "/v1/chat/completions",
                R"({"model":")" + model + R"(","max_tokens":)" + std::to_string(max_tokens) +
                    R"(,"messages":[{"role":"user","content":"hello"}]})",
                key);
  }
  // Creates a key through the API; returns {plaintext, hash}.
  std::pair<std::string, std::string> create(const std::string& body) {
    auto r = call("POST", "/api/v1/keys", body);
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 201);
    simdjson::dom::parser p;
    auto doc = p.parse(r->body).value();
    return {std::string(doc["key"].get_string().value()), std::string(doc["data"]["hash"].get_string().value())};
  }
};

// The parsed body (kept alive by the parser).
inline simdjson::dom::element json(simdjson::dom::parser& p, const std::string& body) {
  simdjson::dom::element e;
  INFO(body);
  REQUIRE(p.parse(body).get(e) == simdjson::SUCCESS);
  return e;
}

inline std::string text(simdjson::dom::element e) { return std::string(std::string_view(e)); }

}  // namespace switchyard::testing
