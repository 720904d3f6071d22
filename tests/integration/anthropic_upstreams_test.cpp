// POST /v1/messages and /v1/messages/count_tokens with real providers behind them: a mock
// OpenAI-compatible upstream (127.0.0.1:0, through the libcurl provider) and the local engine
// on a small random-weight demo model. What the upstream receives is OpenAI's vocabulary;
// what the client gets back is Anthropic's.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "anthropic_support.h"
#include "harness.h"
#include "local_engine/demo_model.h"
#include "support/mock_upstream.h"

using namespace switchyard;
using namespace switchyard::testing;
using namespace switchyard::testing::anthropic;

namespace {

std::string secret_env(const std::string& name) { return name == "UP_SECRET" ? "upstream-secret-123" : ""; }

struct DemoModelFile {
  std::string path = temp_path("switchyard-anthropic-demo") + ".gguf";
  DemoModelFile() {
    engine::DemoModelParams p;
    p.n_threads = 2;
    REQUIRE(engine::write_demo_model(path, p).has_value());
  }
  ~DemoModelFile() { std::filesystem::remove(path); }
};

struct Env {
  MockUpstream up;
  DemoModelFile demo;
  std::unique_ptr<RunningProxy> proxy;
  std::string key;
  Env() {
    std::string yaml =
        "providers:\n"
        "  - name: up\n    kind: openai\n    base_url: \"" + up.base_url() + "\"\n    api_key_env: UP_SECRET\n"
        "  - { name: local, kind: local, model_path: \"" + demo.path + "\", threads: 2, context_length: 1024, "
        "chat_template: vicuna }\n"
        "models:\n"
        "  - id: remote/model\n    context_length: 65536\n    endpoints:\n"
        "      - { provider: up, model: Upstream-Model, pricing: { prompt: 0.5, completion: 1 } }\n"
        "  - id: switchyard/demo\n    context_length: 1024\n    endpoints:\n"
        "      - { provider: local, model: demo, pricing: { prompt: 0, completion: 0 } }\n";
    proxy = std::make_unique<RunningProxy>(yaml, proxy::ProviderRegistry::Factory{}, proxy::LoadConfigOptions{secret_env});
    key = proxy->create_key();
  }
  httplib::Result post(const std::string& path, const std::string& body, httplib::Headers headers = {}) {
    if (headers.empty()) headers = api_key(key);
    return proxy->client().Post(path.c_str(), headers, body, "application/json");
  }
  size_t row_count() { return usage_rows(*proxy).size(); }
};

const char* kToolCallReply = R"({"id":"chatcmpl-1","object":"chat.completion","model":"Upstream-Model",
  "choices":[{"index":0,"message":{"role":"assistant","content":"Checking.","tool_calls":[
    {"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
    "finish_reason":"tool_calls"}],
  "usage":{"prompt_tokens":120,"completion_tokens":15,"total_tokens":135,"prompt_tokens_details":{"cached_tokens":100}}})";

// Everything the spec maps, in one conversation that is mid tool-use round trip.
const char* kFullRequest = R"({"model":"remote/model","max_tokens":256,
  "system":[{"type":"text","text":"You are terse.","cache_control":{"type":"ephemeral"}}],
  "temperature":0.3,"top_p":0.9,"top_k":20,"stop_sequences":["END"],"metadata":{"user_id":"user-7"},
  "thinking":{"type":"enabled","budget_tokens":1024},"service_tier":"auto",
  "tools":[{"name":"get_weather","description":"Weather now","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
  "tool_choice":{"type":"any","disable_parallel_tool_use":true},
  "messages":[
    {"role":"user","content":[{"type":"text","text":"What is this, and the weather?"},
      {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]},
    {"role":"assistant","content":[{"type":"tool_use","id":"call_0","name":"get_weather","input":{"city":"Oslo"}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_0","content":"-3C"},{"type":"text","text":"Now Paris."}]}]})";

}  // namespace

TEST_CASE("anthropic via an OpenAI upstream: the request arrives in OpenAI's vocabulary", "[integration][anthropic]") {
  Env env;
  env.up.set_response(MockResponse::json(kToolCallReply));
  auto r = env.post("/v1/messages", kFullRequest);
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);

  auto sent = env.up.last_request();
  REQUIRE(sent);
  CHECK(sent->header("Authorization") == "Bearer upstream-secret-123");
  simdjson::dom::parser p;
  auto up = parse_json(p, sent->body);
  CHECK(str(up["model"]) == "Upstream-Model");
  CHECK(int64_t(up["max_tokens"]) == 256);
  CHECK(double(up["temperature"]) == 0.3);
  CHECK(double(up["top_p"]) == 0.9);
  CHECK(int64_t(up["top_k"]) == 20);
  CHECK(str(up["stop"].at(0)) == "END");
  CHECK(str(up["user"]) == "user-7");
  CHECK(str(up["tool_choice"]) == "required");
  CHECK(bool(up["parallel_tool_calls"]) == false);
  CHECK(str(up["tools"].at(0)["type"]) == "function");
  CHECK(str(up["tools"].at(0)["function"]["name"]) == "get_weather");
  CHECK(str(up["tools"].at(0)["function"]["parameters"]["required"].at(0)) == "city");
  // Anthropic-only fields are not passed on.
  CHECK(up["thinking"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(up["service_tier"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(up["metadata"].error() == simdjson::NO_SUCH_FIELD);

  simdjson::dom::array messages = up["messages"];
  REQUIRE(messages.size() == 5);
  auto system = messages.at(0);
  CHECK(str(system["role"]) == "system");
  CHECK(str(system["content"].at(0)["text"]) == "You are terse.");
  CHECK(str(system["content"].at(0)["cache_control"]["type"]) == "ephemeral");
  auto user = messages.at(1);
  CHECK(str(user["content"].at(1)["type"]) == "image_url");
  CHECK(str(user["content"].at(1)["image_url"]["url"]) == "data:image/png;base64,iVBORw0KGgo=");
  auto assistant = messages.at(2);
  CHECK(assistant["content"].is_null());
  CHECK(str(assistant["tool_calls"].at(0)["id"]) == "call_0");
  CHECK(str(assistant["tool_calls"].at(0)["function"]["arguments"]) == R"({"city":"Oslo"})");
  CHECK(str(messages.at(3)["role"]) == "tool");
  CHECK(str(messages.at(3)["tool_call_id"]) == "call_0");
  CHECK(str(messages.at(3)["content"]) == "-3C");
  CHECK(str(messages.at(4)["role"]) == "user");
  CHECK(str(messages.at(4)["content"].at(0)["text"]) == "Now Paris.");

  simdjson::dom::parser q;
  auto doc = parse_json(q, r->body);
  CHECK(str(doc["model"]) == "remote/model");
  CHECK(str(doc["stop_reason"]) == "tool_use");
  CHECK(str(doc["content"].at(0)["text"]) == "Checking.");
  CHECK(str(doc["content"].at(1)["type"]) == "tool_use");
  CHECK(str(doc["content"].at(1)["id"]) == "call_abc");
  CHECK(str(doc["content"].at(1)["input"]["city"]) == "Paris");
  CHECK(int64_t(doc["usage"]["input_tokens"]) == 20);
  CHECK(int64_t(doc["usage"]["cache_read_input_tokens"]) == 100);
  CHECK(int64_t(doc["usage"]["output_tokens"]) == 15);
}

TEST_CASE("anthropic via an OpenAI upstream: a streamed tool call becomes input_json_delta events",
          "[integration][anthropic][sse]") {
  Env env;
  ChatStreamSpec spec;
  spec.deltas = {"On ", "it."};
  spec.tool_calls = {StreamToolCall{0, "call_s", "get_weather", {R"({"ci)", R"(ty":"Rome"})"}}};
  spec.finish_reason = "tool_calls";
  spec.prompt_tokens = 40;
  spec.completion_tokens = 9;
  spec.with_comments = true;
  env.up.set_response(MockResponse::sse(chat_completion_sse(spec)));
  std::string body = kFullRequest;
  body.insert(1, R"("stream":true,)");
  auto r = env.post("/v1/messages", body);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto events = sse_events(r->body);
  CHECK(event_types(events) == std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                                        "content_block_delta", "content_block_stop",
                                                        "content_block_start", "content_block_delta",
                                                        "content_block_delta", "content_block_stop", "message_delta",
                                                        "message_stop"});
  simdjson::dom::parser p;
  CHECK(str(parse_json(p, events[5].data)["content_block"]["id"]) == "call_s");
  std::string arguments;
  for (int i : {6, 7}) arguments += str(parse_json(p, events[i].data)["delta"]["partial_json"]);
  CHECK(arguments == R"({"city":"Rome"})");
  auto end = parse_json(p, events[9].data);
  CHECK(str(end["delta"]["stop_reason"]) == "tool_use");
  CHECK(int64_t(end["usage"]["input_tokens"]) == 40);
  CHECK(int64_t(end["usage"]["output_tokens"]) == 9);
  simdjson::dom::parser q;
  CHECK(bool(parse_json(q, env.up.last_request()->body)["stream"]));
}

TEST_CASE("anthropic via an OpenAI upstream: a stream cut short ends in an error event", "[integration][anthropic][sse]") {
  Env env;
  ChatStreamSpec spec;
  spec.finish_reason = "";
  spec.with_usage = false;
  spec.with_done = false;
  env.up.set_response(MockResponse::sse(chat_completion_sse(spec), MockResponse::Tail::drop));
  auto r = env.post("/v1/messages",
                    R"({"model":"remote/model","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]})");
  REQUIRE(r);
  CHECK(r->status == 200);
  auto events = sse_events(r->body);
  REQUIRE(events.size() >= 2);
  CHECK(events.front().event == "message_start");
  CHECK(events.back().event == "error");
  CHECK(error_of(events.back().data).type == "api_error");
  CHECK_FALSE(error_of(events.back().data).message.empty());
  auto types = event_types(events);
  CHECK(std::find(types.begin(), types.end(), "message_stop") == types.end());
}

TEST_CASE("anthropic via an OpenAI upstream: garbage from it is a 502 api_error", "[integration][anthropic]") {
  Env env;
  env.up.set_response(MockResponse::garbage());
  auto r = env.post("/v1/messages", R"({"model":"remote/model","max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
  REQUIRE(r);
  CHECK(r->status == 502);
  CHECK(error_of(r->body).type == "api_error");
}

TEST_CASE("anthropic via an OpenAI upstream: its 429 is a rate_limit_error with Retry-After", "[integration][anthropic]") {
  Env env;
  env.up.set_response(MockResponse::error(429, R"({"error":{"message":"Too many requests"}})", 3));
  auto r = env.post("/v1/messages", R"({"model":"remote/model","max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
  REQUIRE(r);
  CHECK(r->status == 429);
  CHECK(r->get_header_value("Retry-After") == "3");
  CHECK(error_of(r->body).type == "rate_limit_error");
}

TEST_CASE("anthropic count_tokens: a clear error where the tokenizer is unknown, never a row",
          "[integration][anthropic][count_tokens]") {
  Env env;
  const std::string body = R"({"model":"remote/model","messages":[{"role":"user","content":"Hello"}]})";
  auto r = env.post("/v1/messages/count_tokens", body);
  REQUIRE(r);
  CHECK(r->status == 400);
  auto e = error_of(r->body);
  CHECK(e.type == "invalid_request_error");
  CHECK(e.message == "Token counting is not available: provider 'up' does not expose its tokenizer");
  CHECK(env.up.request_count() == 0);

  auto unauthenticated = env.post("/v1/messages/count_tokens", body, {{"anthropic-version", "2023-06-01"}});
  REQUIRE(unauthenticated);
  CHECK(unauthenticated->status == 401);
  CHECK(error_of(unauthenticated->body).type == "authentication_error");

  auto bad = env.post("/v1/messages/count_tokens", R"({"model":"remote/model","messages":[]})");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(error_of(bad->body).message.starts_with("messages must be a non-empty array"));

  auto unknown = env.post("/api/v1/messages/count_tokens", R"({"model":"no/such","messages":[{"role":"user","content":"x"}]})");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(error_of(unknown->body).type == "not_found_error");
  CHECK(env.row_count() == 0);
}

TEST_CASE("anthropic on the local engine: count_tokens is exact, and the answer's usage agrees",
          "[integration][anthropic][count_tokens][local]") {
  Env env;
  const std::string conversation =
      R"("model":"switchyard/demo","system":"Be kind.","messages":[{"role":"user","content":"Hello there"},)"
      R"({"role":"assistant","content":"Hi."},{"role":"user","content":[{"type":"text","text":"Tell me more"}]}])";
  auto counted = env.post("/v1/messages/count_tokens", "{" + conversation + "}");
  REQUIRE(counted);
  INFO(counted->body);
  REQUIRE(counted->status == 200);
  simdjson::dom::parser p;
  int64_t tokens = parse_json(p, counted->body)["input_tokens"];
  CHECK(tokens > 5);

  auto r = env.post("/v1/messages", "{" + conversation + R"(,"max_tokens":4,"temperature":0})");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  simdjson::dom::parser q;
  auto doc = parse_json(q, r->body);
  CHECK(str(doc["type"]) == "message");
  CHECK(str(doc["model"]) == "switchyard/demo");
  CHECK(int64_t(doc["usage"]["input_tokens"]) == tokens);
  int64_t output = doc["usage"]["output_tokens"];
  CHECK((output >= 1 && output <= 4));
  std::string reason = str(doc["stop_reason"]);
  CHECK((reason == "end_turn" || reason == "max_tokens"));

  auto s = env.post("/v1/messages", "{" + conversation + R"(,"max_tokens":4,"temperature":0,"stream":true})");
  REQUIRE(s);
  REQUIRE(s->status == 200);
  auto events = sse_events(s->body);
  REQUIRE(events.size() >= 3);
  CHECK(events.front().event == "message_start");
  CHECK(events.back().event == "message_stop");
  simdjson::dom::parser d;
  auto end = parse_json(d, events[events.size() - 2].data);
  CHECK(str(end["type"]) == "message_delta");
  CHECK(int64_t(end["usage"]["input_tokens"]) == tokens);
  CHECK(int64_t(end["usage"]["output_tokens"]) == output);  // greedy: the same answer
  CHECK(env.row_count() == 2);  // the two messages; count_tokens is free
}
