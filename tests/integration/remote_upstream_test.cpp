// The proxy over real HTTP in front of a mock OpenAI-compatible upstream (127.0.0.1:0),
// through the real libcurl provider: replies, streams, upstream failures of every kind.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "harness.h"
#include "support/mock_upstream.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

std::string config_for(const MockUpstream& up, int first_byte_ms = 2000) {
  return "providers:\n"
         "  - name: up\n    kind: openai\n    base_url: \"" + up.base_url() + "\"\n    api_key_env: UP_SECRET\n"
         "    timeouts: { connect_ms: 1000, first_byte_ms: " + std::to_string(first_byte_ms) + ", idle_ms: 2000 }\n"
         "models:\n"
         "  - id: microsoft/wizardlm-2-8x22b\n    context_length: 65536\n    endpoints:\n"
         "      - { provider: up, model: WizardLM-2-8x22B, pricing: { prompt: 0.65, completion: 0.62 } }\n";
}

std::string secret_env(const std::string& name) { return name == "UP_SECRET" ? "upstream-secret-123" : ""; }

struct Env {
  MockUpstream up;
  std::unique_ptr<RunningProxy> proxy;
  std::string key;
  explicit Env(int first_byte_ms = 2000) {
    proxy = std::make_unique<RunningProxy>(config_for(up, first_byte_ms), proxy::ProviderRegistry::Factory{},
                                           proxy::LoadConfigOptions{secret_env});
    key = proxy->create_key();
  }
  httplib::Result post(const std::string& body) {
    return proxy->client().Post("/v1/chat/completions", bearer(key), body, "application/json");
  }
  std::optional<db::UsageRecord> row(const httplib::Result& r) {
    proxy->flush();
    auto got = proxy->store().get_generation(r->get_header_value("X-Generation-Id"));
    if (!got || !*got) return std::nullopt;
    return **got;
  }
};

const std::string kPlain =
    R"({"model":"microsoft/wizardlm-2-8x22b","messages":[{"role":"user","content":"hi"}],"temperature":0.2,"my_extension":{"a":1}})";
const std::string kStream =
    R"({"model":"microsoft/wizardlm-2-8x22b","stream":true,"messages":[{"role":"user","content":"hi"}]})";

std::vector<std::string> sse_payloads(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    size_t end = body.find("\n\n", pos);
    out.push_back(body.substr(pos + 6, end - pos - 6));
    pos = end;
  }
  return out;
}

}  // namespace

TEST_CASE("remote: a plain reply is re-normalized, priced and forwarded faithfully", "[integration][openai]") {
  Env env;
  ChatReplySpec spec;
  spec.prompt_tokens = 1000;
  spec.completion_tokens = 100;
  env.up.set_response(MockResponse::json(chat_completion_json(spec)));
  auto r = env.post(kPlain);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->body.find(R"("content":"Hello from the mock.")") != std::string::npos);
  CHECK(r->body.find(R"("model":"microsoft/wizardlm-2-8x22b")") != std::string::npos);
  CHECK(r->body.find(R"("provider":"up")") != std::string::npos);
  // 1000 x 0.65e-6 + 100 x 0.62e-6 = 0.000712
  CHECK(r->body.find(R"("cost":0.000712)") != std::string::npos);

  auto sent = env.up.last_request();
  REQUIRE(sent);
  CHECK(sent->header("Authorization") == "Bearer upstream-secret-123");
  CHECK(sent->body.find(R"("model":"WizardLM-2-8x22B")") != std::string::npos);
  CHECK(sent->body.find(R"("temperature":0.2)") != std::string::npos);
  CHECK(sent->body.find(R"("my_extension":{"a":1})") != std::string::npos);
  CHECK(sent->body.find("top_k") == std::string::npos);  // not sent by the client: not forwarded

  auto row = env.row(r);
  REQUIRE(row);
  CHECK(row->cost_pico == 712000000);
  CHECK(row->upstream_model == "WizardLM-2-8x22B");
}

TEST_CASE("remote: streams with comments and CRLF arrive as OpenAI chunks with usage", "[integration][openai][sse]") {
  Env env;
  ChatStreamSpec spec;
  spec.with_comments = true;
  spec.crlf = true;
  spec.tool_calls = {StreamToolCall{0, "call_9", "get_weather", {"{\"city\":", "\"Oslo\"}"}}};
  spec.finish_reason = "tool_calls";
  env.up.set_response(MockResponse::sse(chat_completion_sse(spec)));
  auto r = env.post(kStream);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto payloads = sse_payloads(r->body);
  REQUIRE(payloads.size() >= 5);
  CHECK(payloads.back() == "[DONE]");
  std::string all = r->body;
  CHECK(all.find(R"("content":"Hel")") != std::string::npos);
  CHECK(all.find(R"("id":"call_9")") != std::string::npos);
  CHECK(all.find(R"("finish_reason":"tool_calls")") != std::string::npos);
  CHECK(payloads[payloads.size() - 2].find(R"("choices":[],"usage":{"prompt_tokens":11,"completion_tokens":3)") !=
        std::string::npos);
  auto row = env.row(r);
  REQUIRE(row);
  CHECK_FALSE(row->usage_estimated);
  CHECK(row->streamed);
}

TEST_CASE("remote: a stream without usage is estimated and marked so", "[integration][openai][sse]") {
  Env env;
  ChatStreamSpec spec;
  spec.with_usage = false;
  env.up.set_response(MockResponse::sse(chat_completion_sse(spec)));
  auto r = env.post(kStream);
  REQUIRE(r);
  auto payloads = sse_payloads(r->body);
  REQUIRE(payloads.size() >= 2);
  CHECK(payloads[payloads.size() - 2].find(R"("usage":{"prompt_tokens":)") != std::string::npos);
  auto row = env.row(r);
  REQUIRE(row);
  CHECK(row->usage_estimated);
  CHECK(row->completion_tokens > 0);
}

TEST_CASE("remote: upstream failures map to clear errors", "[integration][openai]") {
  Env env(300);
  SECTION("5xx becomes 502 with the upstream status and body in metadata") {
    env.up.set_response(MockResponse::error(500, R"({"error":{"message":"GPU on fire"}})"));
    auto r = env.post(kPlain);
    REQUIRE(r);
    CHECK(r->status == 502);
    CHECK(r->body.find("GPU on fire") != std::string::npos);
    CHECK(r->body.find(R"("upstream_status":500)") != std::string::npos);
    auto row = env.row(r);
    REQUIRE(row);
    CHECK(row->status == 502);
    CHECK(row->cost_pico == 0);
  }
  SECTION("429 keeps its Retry-After") {
    env.up.set_response(MockResponse::error(429, R"({"error":{"message":"slow down"}})", 7));
    auto r = env.post(kPlain);
    REQUIRE(r);
    CHECK(r->status == 429);
    CHECK(r->get_header_value("Retry-After") == "7");
  }
  SECTION("a hang past the first-byte timeout is a 504") {
    env.up.set_response(MockResponse::hang());
    auto r = env.post(kPlain);
    REQUIRE(r);
    CHECK(r->status == 504);
    env.up.release_hangs();
  }
  SECTION("garbage is a 502") {
    env.up.set_response(MockResponse::garbage());
    auto r = env.post(kPlain);
    REQUIRE(r);
    CHECK(r->status == 502);
  }
  SECTION("a connection dropped mid-stream becomes an in-stream error then [DONE]") {
    ChatStreamSpec spec;
    spec.with_done = false;
    spec.finish_reason = "";
    spec.with_usage = false;
    env.up.set_response(MockResponse::sse(chat_completion_sse(spec), MockResponse::Tail::drop));
    auto r = env.post(kStream);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body.find(R"("content":"Hel")") != std::string::npos);
    CHECK(r->body.find(R"("finish_reason":"error")") != std::string::npos);
    CHECK(r->body.find("data: [DONE]") != std::string::npos);
    auto row = env.row(r);
    REQUIRE(row);
    CHECK(row->finish_reason == "error");
  }
}

TEST_CASE("remote: a client that disconnects cancels the upstream transfer", "[integration][openai][sse]") {
  Env env;
  ChatStreamSpec spec;
  spec.with_done = false;
  spec.finish_reason = "";
  env.up.set_response(MockResponse::sse(chat_completion_sse(spec), MockResponse::Tail::hang_pinging));
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.headers = bearer(env.key);
  req.body = kStream;
  req.set_header("Content-Type", "application/json");
  std::string gen;
  req.response_handler = [&](const httplib::Response& res) {
    gen = res.get_header_value("X-Generation-Id");
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    return std::string_view(data, n).find("Hel") == std::string_view::npos;  // leave after the first delta
  };
  auto client = env.proxy->client();
  client.send(req);
  // The proxy only learns of the hang-up when a write fails; the upstream pings keep the
  // stream moving, so that happens promptly, and the mock sees its client leave.
  CHECK(env.up.wait_for_disconnects(1, std::chrono::seconds(10)));
  REQUIRE(!gen.empty());
  auto row = env.proxy->wait_for_generation(gen);
  REQUIRE(row);
  CHECK(row->cancelled);
}
