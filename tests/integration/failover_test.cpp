// Routing that survives outages, over real HTTP: two mock upstreams, the first failing in
// every way that matters while the second serves; plus Anthropic behind the same endpoint.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "harness.h"
#include "support/mock_upstream.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

// "flaky" is cheaper, so :floor (and provider.order) try it first; "steady" is the fallback.
std::string config_for(const MockUpstream& flaky, const MockUpstream& steady, const MockUpstream& claude) {
  return "routing: { circuit_failure_threshold: 3, circuit_cooldown_ms: 60000, health_flush_interval_ms: 0 }\n"
         "providers:\n"
         "  - { name: flaky, kind: openai, base_url: \"" + flaky.base_url() +
         "\", timeouts: { first_byte_ms: 300, idle_ms: 300 } }\n"
         "  - { name: steady, kind: openai, base_url: \"" + steady.base_url() + "\" }\n"
         "  - { name: claude, kind: anthropic, base_url: \"" + claude.base_url() + "\", api_key_env: CLAUDE_KEY }\n"
         "models:\n"
         "  - id: m/chat\n    context_length: 8000\n    endpoints:\n"
         "      - { provider: steady, model: steady-model, pricing: { prompt: 2, completion: 2 } }\n"
         "      - { provider: flaky, model: flaky-model, pricing: { prompt: 1, completion: 1 } }\n"
         "  - id: anthropic/claude\n    context_length: 200000\n    endpoints:\n"
         "      - { provider: claude, model: claude-sonnet-4-5, pricing: { prompt: 3, completion: 15, cache_read: 0.3, cache_write: 3.75 } }\n";
}

std::string env(const std::string& name) { return name == "CLAUDE_KEY" ? "claude-secret" : ""; }

// httplib serves each kept-alive connection with one thread, and every proxy worker keeps
// its own pooled upstream connection: give the mocks a thread per possible connection.
MockUpstream::Options roomy() {
  MockUpstream::Options o;
  o.worker_threads = 64;
  return o;
}

struct Env {
  MockUpstream flaky{roomy()}, steady{roomy()}, claude{roomy()};
  std::unique_ptr<RunningProxy> proxy;
  std::string key;
  Env() {
    steady.set_response(MockResponse::json(chat_completion_json()));
    flaky.set_response(MockResponse::json(chat_completion_json()));
    proxy = std::make_unique<RunningProxy>(config_for(flaky, steady, claude), proxy::ProviderRegistry::Factory{},
                                           proxy::LoadConfigOptions{env});
    key = proxy->create_key();
  }
  httplib::Result post(const std::string& body, httplib::Headers extra = {}) {
    auto h = bearer(key);
    for (auto& kv : extra) h.insert(kv);
    return proxy->client().Post("/v1/chat/completions", h, body, "application/json");
  }
  db::UsageRecord row(const httplib::Result& r) {
    proxy->flush();
    auto got = proxy->store().get_generation(r->get_header_value("X-Generation-Id"));
    REQUIRE((got && *got));
    return **got;
  }
};

const std::string kFloor = R"({"model":"m/chat:floor","messages":[{"role":"user","content":"hi"}]})";
const std::string kFloorStream = R"({"model":"m/chat:floor","stream":true,"messages":[{"role":"user","content":"hi"}]})";

std::vector<std::string> attempt_providers(const db::UsageRecord& r) {
  std::vector<std::string> out;
  for (const auto& a : r.attempts) out.push_back(a.provider + ":" + std::to_string(a.status));
  return out;
}

}  // namespace

TEST_CASE("failover: each failure of the first endpoint is absorbed by the second", "[integration][failover]") {
  Env e;
  auto [name, failure, flaky_status] = GENERATE(table<std::string, std::function<MockResponse()>, int>({
      {"500", [] { return MockResponse::error(500, R"({"error":{"message":"boom"}})"); }, 502},
      {"503", [] { return MockResponse::error(503, "overloaded"); }, 502},
      {"429", [] { return MockResponse::error(429, R"({"error":{"message":"slow down"}})", 30); }, 429},
      {"timeout", [] { return MockResponse::hang(); }, 504},
      {"connection reset before a byte", [] { return MockResponse::sse({}, MockResponse::Tail::drop); }, 502},
      {"garbage", [] { return MockResponse::garbage(); }, 502},
  }));
  INFO(name);
  e.flaky.set_response(failure());
  auto r = e.post(kFloor);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find(R"("provider":"steady")") != std::string::npos);
  auto row = e.row(r);
  CHECK(attempt_providers(row) == std::vector<std::string>{"flaky:" + std::to_string(flaky_status), "steady:200"});
  CHECK(row.provider == "steady");
  e.flaky.release_hangs();
}

TEST_CASE("failover: a 429's Retry-After keeps the endpoint out for that long", "[integration][failover]") {
  Env e;
  e.flaky.enqueue(MockResponse::error(429, R"({"error":{"message":"slow down"}})", 60));
  auto first = e.post(kFloor);
  REQUIRE(first->status == 200);
  auto second = e.post(kFloor);
  REQUIRE(second->status == 200);
  CHECK(attempt_providers(e.row(second)) == std::vector<std::string>{"steady:200"});
  CHECK(e.flaky.request_count() == 1);
}

TEST_CASE("failover: after N consecutive failures the circuit opens and the endpoint is skipped",
          "[integration][failover][circuit]") {
  Env e;
  e.flaky.set_response(MockResponse::error(500, "down"));
  for (int i = 0; i < 3; ++i) REQUIRE(e.post(kFloor)->status == 200);
  CHECK(e.flaky.request_count() == 3);
  for (int i = 0; i < 5; ++i) {
    auto r = e.post(kFloor);
    REQUIRE(r->status == 200);
    CHECK(attempt_providers(e.row(r)) == std::vector<std::string>{"steady:200"});
  }
  CHECK(e.flaky.request_count() == 3);  // cooled down: not even tried
  // The endpoint reports the open circuit.
  auto ep = e.proxy->client().Get("/api/v1/models/m/chat/endpoints");
  REQUIRE(ep->status == 200);
  CHECK(ep->body.find(R"("provider_name":"flaky")") != std::string::npos);
  CHECK(ep->body.find(R"("circuit":"open")") != std::string::npos);
}

TEST_CASE("failover: request errors are returned, not retried elsewhere", "[integration][failover]") {
  Env e;
  e.flaky.set_response(MockResponse::error(400, R"({"error":{"message":"context too long"}})"));
  auto r = e.post(kFloor);
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(r->body.find("context too long") != std::string::npos);
  CHECK(e.steady.request_count() == 0);
}

TEST_CASE("failover: after the first byte a failure is an in-stream error, not a retry", "[integration][failover]") {
  Env e;
  ChatStreamSpec spec;
  spec.finish_reason = "";
  spec.with_done = false;
  spec.with_usage = false;
  e.flaky.set_response(MockResponse::sse(chat_completion_sse(spec), MockResponse::Tail::drop));
  auto r = e.post(kFloorStream);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find(R"("finish_reason":"error")") != std::string::npos);
  CHECK(e.steady.request_count() == 0);
  // The endpoint broke mid-stream: that counts against its uptime, once.
  auto ep = e.proxy->client().Get("/api/v1/models/m/chat/endpoints");
  REQUIRE(ep->status == 200);
  const std::string flaky = R"("provider_name":"flaky")";
  auto at = ep->body.find(flaky);
  REQUIRE(at != std::string::npos);
  std::string tail = ep->body.substr(at);
  CHECK(tail.find(R"("uptime_last_5m":0,)") != std::string::npos);
  CHECK(tail.find(R"("requests_last_5m":1,)") != std::string::npos);
}

TEST_CASE("failover: allow_fallbacks false stops at the first endpoint", "[integration][failover]") {
  Env e;
  e.flaky.set_response(MockResponse::error(500, "down"));
  auto r = e.post(R"({"model":"m/chat","provider":{"order":["flaky"],"allow_fallbacks":false},"messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(r);
  CHECK(r->status == 502);
  CHECK(e.steady.request_count() == 0);
}

TEST_CASE("failover: the metadata header lists every attempt", "[integration][failover]") {
  Env e;
  e.flaky.set_response(MockResponse::error(500, "down"));
  for (const char* header : {"X-Switchyard-Metadata", "X-OpenRouter-Metadata"}) {
    auto r = e.post(kFloor, {{header, "enabled"}});
    REQUIRE(r->status == 200);
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    REQUIRE(p.parse(r->body).get(doc) == simdjson::SUCCESS);
    simdjson::dom::array attempts;
    REQUIRE(doc["metadata"]["attempts"].get_array().get(attempts) == simdjson::SUCCESS);
    REQUIRE(attempts.size() == 2);
    CHECK(std::string_view(attempts.at(0)["provider"]) == "flaky");
    CHECK(int64_t(attempts.at(0)["status"]) == 502);
    CHECK(std::string_view(attempts.at(1)["provider"]) == "steady");
  }
  auto plain = e.post(kFloor);
  CHECK(plain->body.find("\"metadata\"") == std::string::npos);
}

TEST_CASE("models fallback: the next model is tried when the first fails with any error", "[integration][failover]") {
  Env e;
  e.flaky.set_response(MockResponse::error(400, R"({"error":{"message":"nope"}})"));
  e.claude.route("/v1/messages", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"from claude"}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":3}})",
                    "application/json");
  });
  // flaky (first by :floor) refuses the request itself: m/chat's other endpoint would too,
  // so the next model is tried instead.
  auto r = e.post(R"({"models":["m/chat:floor","anthropic/claude"],"messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find("from claude") != std::string::npos);
  CHECK(r->body.find(R"("model":"anthropic/claude")") != std::string::npos);
  CHECK(e.steady.request_count() == 0);
}

TEST_CASE("uptime in /endpoints matches what the upstreams did", "[integration][failover][health]") {
  Env e;
  // flaky: 2 failures then 8 successes = 80% uptime; steady serves the 2 fallbacks = 100%.
  e.flaky.enqueue(MockResponse::error(500, "down"));
  e.flaky.enqueue(MockResponse::error(500, "down"));
  for (int i = 0; i < 10; ++i) REQUIRE(e.post(kFloor)->status == 200);
  auto ep = e.proxy->client().Get("/api/v1/models/m/chat/endpoints");
  REQUIRE(ep->status == 200);
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  REQUIRE(p.parse(ep->body).get(doc) == simdjson::SUCCESS);
  std::map<std::string, simdjson::dom::element> by_provider;
  for (auto ep_el : doc["data"]["endpoints"].get_array()) by_provider[std::string(std::string_view(ep_el["provider_name"]))] = ep_el;
  REQUIRE(by_provider.count("flaky"));
  CHECK(double(by_provider["flaky"]["uptime_last_5m"]) == Approx(80.0));
  CHECK(double(by_provider["flaky"]["uptime_last_30m"]) == Approx(80.0));
  CHECK(double(by_provider["flaky"]["uptime_last_1d"]) == Approx(80.0));
  CHECK(int64_t(by_provider["flaky"]["requests_last_5m"]) == 10);
  CHECK(double(by_provider["steady"]["uptime_last_5m"]) == Approx(100.0));
  CHECK(int64_t(by_provider["steady"]["requests_last_5m"]) == 2);
  // Latency percentiles exist for endpoints that served.
  CHECK(double(by_provider["flaky"]["latency_last_30m"]["p50"]) >= 0);
  CHECK(std::string_view(by_provider["flaky"]["pricing"]["prompt"]) == "0.000001");
}

TEST_CASE("health endpoints: live and ready", "[integration][health]") {
  Env e;
  auto live = e.proxy->client().Get("/health/live");
  REQUIRE(live);
  CHECK(live->status == 200);
  auto ready = e.proxy->client().Get("/health/ready");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  CHECK(ready->body.find("ready") != std::string::npos);
}

TEST_CASE("anthropic behind the OpenAI endpoint, plain and streamed, with cache pricing", "[integration][anthropic]") {
  Env e;
  e.claude.route("/v1/messages", [](const httplib::Request& req, httplib::Response& res) {
    if (req.body.find("\"stream\":true") == std::string::npos) {
      res.set_content(R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Hi there"},{"type":"tool_use","id":"toolu_1","name":"lookup","input":{"q":"x"}}],"stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":20,"cache_read_input_tokens":1000,"cache_creation_input_tokens":100}})",
                      "application/json");
      return;
    }
    std::string sse =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}\n\n"
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        "event: ping\ndata: {\"type\":\"ping\"}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\n"
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_9\",\"name\":\"get_weather\",\"input\":{}}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Oslo\\\"}\"}}\n\n"
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n"
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    res.set_content(sse, "text/event-stream");
  });
  auto plain = e.post(R"({"model":"anthropic/claude","messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"hi"}]})");
  REQUIRE(plain);
  REQUIRE(plain->status == 200);
  CHECK(plain->body.find(R"("content":"Hi there")") != std::string::npos);
  CHECK(plain->body.find(R"("id":"toolu_1")") != std::string::npos);
  CHECK(plain->body.find(R"("finish_reason":"tool_calls","native_finish_reason":"tool_use")") != std::string::npos);
  CHECK(plain->body.find(R"("prompt_tokens":1110)") != std::string::npos);
  CHECK(plain->body.find(R"("cached_tokens":1000)") != std::string::npos);
  // 10 x $3/M + 1000 x $0.30/M + 100 x $3.75/M + 20 x $15/M = 30 + 300 + 375 + 300 = 1005 micro-dollars
  CHECK(e.row(plain).cost_pico == 1005000000);
  auto sent = e.claude.last_request();
  REQUIRE(sent);
  CHECK(sent->header("x-api-key") == "claude-secret");
  CHECK(sent->body.find(R"("system":"Be brief")") != std::string::npos);

  auto streamed = e.post(R"({"model":"anthropic/claude","stream":true,"messages":[{"role":"user","content":"weather?"}]})");
  REQUIRE(streamed);
  REQUIRE(streamed->status == 200);
  const std::string& b = streamed->body;
  CHECK(b.find(R"("content":"Hel")") != std::string::npos);
  CHECK(b.find(R"("tool_calls":[{"index":0,"id":"toolu_9","type":"function","function":{"name":"get_weather")") !=
        std::string::npos);
  CHECK(b.find(R"("finish_reason":"tool_calls")") != std::string::npos);
  CHECK(b.find(R"("usage":{"prompt_tokens":7,"completion_tokens":15)") != std::string::npos);
  CHECK(b.find("data: [DONE]") != std::string::npos);
}

TEST_CASE("health: not ready while no endpoint is usable, with the reason", "[integration][health]") {
  // The only provider's secret is not set: it is skipped, so nothing can serve.
  RunningProxy proxy(R"(
providers:
  - { name: lonely, kind: openai, base_url: "http://127.0.0.1:1", api_key_env: SWITCHYARD_TEST_UNSET }
models:
  - id: m/none
    context_length: 100
    endpoints: [{ provider: lonely, model: x }]
)");
  auto live = proxy.client().Get("/health/live");
  REQUIRE(live);
  CHECK(live->status == 200);
  auto ready = proxy.client().Get("/health/ready");
  REQUIRE(ready);
  CHECK(ready->status == 503);
  CHECK(ready->body.find("no usable endpoint") != std::string::npos);
  // And a request says why it cannot be served.
  std::string key = proxy.create_key();
  auto r = proxy.client().Post("/v1/chat/completions", bearer(key),
                               R"({"model":"m/none","messages":[{"role":"user","content":"hi"}]})", "application/json");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->body.find("SWITCHYARD_TEST_UNSET") != std::string::npos);
}
