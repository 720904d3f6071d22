// GET /metrics: the Prometheus text exposition with exact counters.
#include <regex>

#include "admin_fixture.h"
#include "local_engine/demo_model.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

// The value of the one sample line that starts with `series` (name and labels as printed).
std::optional<double> sample(const std::string& body, const std::string& series) {
  size_t at = 0;
  while ((at = body.find(series, at)) != std::string::npos) {
    bool line_start = at == 0 || body[at - 1] == '\n';
    size_t space = at + series.size();
    if (line_start && space < body.size() && body[space] == ' ') return std::stod(body.substr(space + 1));
    at = space;
  }
  return std::nullopt;
}

struct MetricsFixture {
  std::shared_ptr<ScriptLog> log = std::make_shared<ScriptLog>();
  std::unique_ptr<RunningProxy> proxy;
  explicit MetricsFixture(const std::string& metrics_yaml) {
    proxy = std::make_unique<RunningProxy>(metrics_yaml + kAdminConfig, [this](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
      return std::make_shared<ScriptedProvider>(
          [](const OpenParams&) { return Script{{ev_role(), ev_text("hi"), ev_finish("stop"), ev_usage(10, 100)}}; }, log);
    });
  }
  int chat(const std::string& key, const std::string& model = "test/m") {
    return proxy->client()
        .Post("/v1/chat/completions", bearer(key),
              R"({"model":")" + model + R"(","max_tokens":100,"messages":[{"role":"user","content":"hello"}]})",
              "application/json")
        ->status;
  }
  std::string scrape(const std::string& token = {}) {
    proxy->flush();
    auto r = token.empty() ? proxy->client().Get("/metrics") : proxy->client().Get("/metrics", bearer(token));
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return r->body;
  }
};

}  // namespace

TEST_CASE("metrics: counters read back exactly what was served", "[metrics][integration]") {
  MetricsFixture f("");
  std::string key = f.proxy->create_key("m");
  const int n = 37;
  for (int i = 0; i < n; ++i) REQUIRE(f.chat(key) == 200);
  REQUIRE(f.chat(key, "test/unpriced") == 503);
  std::string body = f.scrape();
  CHECK(sample(body, R"(switchyard_requests_total{api="chat",model="test/m",provider="up",status="200"})") == n);
  CHECK(sample(body, R"(switchyard_requests_total{api="chat",model="test/unpriced",provider="",status="503"})") == 1);
  CHECK(*sample(body, R"(switchyard_cost_usd_total{model="test/m",provider="up"})") ==
        Approx(n * AdminFixture::kAnswerCost / 1e12));
  const std::string genai = R"(gen_ai_operation_name="chat",gen_ai_provider_name="up",gen_ai_request_model="test/m",gen_ai_response_model="up-m")";
  CHECK(sample(body, "gen_ai_client_token_usage_count{gen_ai_token_type=\"output\"," + genai + "}") == n);
  CHECK(sample(body, "gen_ai_client_token_usage_sum{gen_ai_token_type=\"output\"," + genai + "}") == n * 100);
  CHECK(sample(body, "gen_ai_server_request_duration_seconds_count{" + genai + "}") == n);
  CHECK(sample(body, "gen_ai_server_time_to_first_token_seconds_count{" + genai + "}") == n);
  CHECK(sample(body, "gen_ai_server_time_per_output_token_seconds_count{" + genai + "}") == n);
  CHECK(sample(body, "switchyard_proxy_overhead_seconds_count") == n + 1);
  CHECK(sample(body, "switchyard_in_flight_requests") == 0);
  CHECK(sample(body, "switchyard_ledger_queue_depth") == 0);
  CHECK(sample(body, "switchyard_ledger_rows_written_total") == n + 1);
  CHECK(sample(body, R"(switchyard_endpoint_uptime_ratio{model="test/m",provider="up",upstream_model="up-m"})") == 1);
  CHECK(sample(body, R"(switchyard_circuit_open{provider="up",upstream_model="up-m"})") == 0);
  // Histogram buckets are cumulative and end at +Inf with the count.
  CHECK(sample(body, "gen_ai_client_token_usage_bucket{gen_ai_token_type=\"output\"," + genai + ",le=\"64\"}") == 0);
  CHECK(sample(body, "gen_ai_client_token_usage_bucket{gen_ai_token_type=\"output\"," + genai + ",le=\"256\"}") == n);
  CHECK(sample(body, "gen_ai_client_token_usage_bucket{gen_ai_token_type=\"output\"," + genai + ",le=\"+Inf\"}") == n);
  CHECK(body.find("# TYPE switchyard_requests_total counter") != std::string::npos);
}

TEST_CASE("metrics: a token guards the scrape, per-key labels and the rate-limit counter", "[metrics][integration]") {
  MetricsFixture f("metrics: { token: scrape-me, per_key: true }\nrate_limits: { rpm: 2 }\n");
  std::string key = f.proxy->create_key("tenant-a");
  CHECK(f.proxy->client().Get("/metrics")->status == 401);
  CHECK(f.proxy->client().Get("/metrics", bearer("wrong"))->status == 401);
  REQUIRE(f.chat(key) == 200);
  REQUIRE(f.chat(key) == 200);
  REQUIRE(f.chat(key) == 429);
  std::string body = f.scrape("scrape-me");
  CHECK(sample(body, R"(switchyard_requests_total{api="chat",model="test/m",provider="up",status="200",key="tenant-a"})") == 2);
  CHECK(sample(body, "switchyard_ratelimited_total") == 1);
}

TEST_CASE("metrics: the local engine's queue, sequences, tokens and throughput", "[metrics][integration]") {
  std::string path = temp_path("switchyard-metrics-demo") + ".gguf";
  engine::DemoModelParams p;
  p.n_threads = 2;
  REQUIRE(engine::write_demo_model(path, p).has_value());
  RunningProxy proxy("providers:\n  - { name: engine, kind: local, model_path: \"" + path +
                     "\", threads: 2, context_length: 512, chat_template: vicuna }\n"
                     "models:\n  - id: local/demo\n    context_length: 512\n    endpoints:\n"
                     "      - { provider: engine, model: demo, pricing: { prompt: 0, completion: 0 } }\n");
  std::string key = proxy.create_key();
  auto r = proxy.client().Post("/v1/chat/completions", bearer(key),
                               R"({"model":"local/demo","max_tokens":12,"temperature":0,"messages":[{"role":"user","content":"hi"}]})",
                               "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  // The answer reaches the client as soon as its last token is sampled; the engine retires
  // the sequence at the end of that step. Wait for that, then read the rest.
  httplib::Result m = proxy.client().Get("/metrics");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (sample(m->body, R"(switchyard_local_engine_active_sequences{provider="engine"})") != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    m = proxy.client().Get("/metrics");
  }
  CHECK(sample(m->body, R"(switchyard_local_engine_tokens_generated{provider="engine"})") >= 12);
  CHECK(sample(m->body, R"(switchyard_local_engine_queue_length{provider="engine"})") == 0);
  CHECK(sample(m->body, R"(switchyard_local_engine_active_sequences{provider="engine"})") == 0);
  CHECK(*sample(m->body, R"(switchyard_local_engine_decode_tokens_per_second{provider="engine"})") > 0);
  CHECK(*sample(m->body, R"(switchyard_local_engine_prefill_tokens_per_second{provider="engine"})") > 0);
  CHECK(sample(m->body, R"(switchyard_local_engine_kv_cache_used_ratio{provider="engine"})"));
  std::filesystem::remove(path);
}
