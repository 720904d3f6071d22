// POST /v1/responses in front of real upstream protocols: a mock OpenAI-compatible chat
// upstream and a mock Anthropic Messages upstream on 127.0.0.1:0, through the real libcurl
// providers. What the upstream receives is the chat (or Anthropic) translation of the
// Responses request; what the client receives is the Responses translation of the answer,
// plain and streamed, including a function-call round trip.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "harness.h"
#include "responses_support.h"
#include "support/mock_upstream.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

std::string config_for(const MockUpstream& openai, const MockUpstream& claude) {
  return "providers:\n"
         "  - { name: up, kind: openai, base_url: \"" + openai.base_url() + "\", api_key_env: UP_SECRET }\n"
         "  - { name: claude, kind: anthropic, base_url: \"" + claude.base_url() + "\", api_key_env: CLAUDE_KEY }\n"
         "models:\n"
         "  - id: m/chat\n    context_length: 8000\n    endpoints:\n"
         "      - { provider: up, model: up-model, pricing: { prompt: 1, completion: 2 } }\n"
         "  - id: anthropic/claude\n    context_length: 200000\n    endpoints:\n"
         "      - { provider: claude, model: claude-sonnet-4-5, pricing: { prompt: 3, completion: 15 } }\n";
}

std::string secret_env(const std::string& name) {
  if (name == "UP_SECRET") return "upstream-secret";
  if (name == "CLAUDE_KEY") return "claude-secret";
  return "";
}

struct Env {
  MockUpstream openai, claude;
  std::unique_ptr<RunningProxy> proxy;
  std::string key;
  Env() {
    proxy = std::make_unique<RunningProxy>(config_for(openai, claude), proxy::ProviderRegistry::Factory{},
                                           proxy::LoadConfigOptions{secret_env});
    key = proxy->create_key();
  }
  httplib::Result post(const std::string& body) {
    return proxy->client().Post("/v1/responses", bearer(key), body, "application/json");
  }
};

const std::string kTools = R"("tools":[{"type":"function","name":"get_weather","description":"Weather now",)"
                           R"("parameters":{"type":"object","properties":{"city":{"type":"string"}}}}])";

const std::string kToolCallReply = R"({"id":"chatcmpl-1","object":"chat.completion","model":"up-model",
  "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
    {"id":"call_up_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},
    "finish_reason":"tool_calls"}],
  "usage":{"prompt_tokens":30,"completion_tokens":9,"total_tokens":39}})";

}  // namespace

TEST_CASE("responses over an OpenAI upstream: a function-call round trip, plain", "[integration][responses]") {
  Env env;
  env.openai.enqueue(MockResponse::json(kToolCallReply));
  auto first = env.post(R"({"model":"m/chat","instructions":"Be brief","input":"Weather in Oslo?",)" + kTools +
                        R"(,"tool_choice":"auto","max_output_tokens":100,"temperature":0.3,"text":{"format":{"type":"json_object"}}})");
  REQUIRE(first);
  REQUIRE(first->status == 200);
  auto sent = env.openai.last_request();
  REQUIRE(sent);
  CHECK(sent->path == "/v1/chat/completions");
  CHECK(sent->header("Authorization") == "Bearer upstream-secret");
  const std::string& b = sent->body;
  CHECK(b.find(R"("model":"up-model")") != std::string::npos);
  CHECK(b.find(R"("messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"Weather in Oslo?"}])") !=
        std::string::npos);
  CHECK(b.find(R"("tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now",)") !=
        std::string::npos);
  CHECK(b.find(R"("tool_choice":"auto")") != std::string::npos);
  CHECK(b.find(R"("max_tokens":100)") != std::string::npos);
  CHECK(b.find(R"("temperature":0.3)") != std::string::npos);
  CHECK(b.find(R"("response_format":{"type":"json_object"})") != std::string::npos);
  CHECK(b.find("instructions") == std::string::npos);  // nothing of the Responses vocabulary leaks
  CHECK(b.find("input") == std::string::npos);

  simdjson::dom::parser p;
  auto call = parse_json(p, first->body)["output"].at(0);
  CHECK(str(call["type"]) == "function_call");
  CHECK(str(call["call_id"]) == "call_up_1");
  CHECK(str(call["name"]) == "get_weather");
  CHECK(str(call["arguments"]) == R"({"city":"Oslo"})");

  ChatReplySpec answer;
  answer.content = "Sunny, 21C.";
  env.openai.enqueue(MockResponse::json(chat_completion_json(answer)));
  auto second = env.post(R"({"model":"m/chat","input":[{"role":"user","content":"Weather in Oslo?"},)"
                         R"({"type":"function_call","call_id":"call_up_1","name":"get_weather","arguments":"{\"city\":\"Oslo\"}"},)"
                         R"({"type":"function_call_output","call_id":"call_up_1","output":"{\"temp\":21}"}],)" + kTools + "}");
  REQUIRE(second);
  REQUIRE(second->status == 200);
  const std::string b2 = env.openai.last_request()->body;  // a copy: last_request() is a temporary
  CHECK(b2.find(R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_up_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]})") !=
        std::string::npos);
  CHECK(b2.find(R"({"role":"tool","content":"{\"temp\":21}","tool_call_id":"call_up_1"})") != std::string::npos);
  auto message = parse_json(p, second->body)["output"].at(0);
  CHECK(str(message["type"]) == "message");
  CHECK(str(message["content"].at(0)["text"]) == "Sunny, 21C.");
  auto row = env.proxy->wait_for_generation(second->get_header_value("X-Generation-Id"));
  REQUIRE(row);
  CHECK(row->api == "responses");
  CHECK(row->prompt_tokens == 11);
  CHECK(row->upstream_model == "up-model");
}

TEST_CASE("responses over an OpenAI upstream: a streamed tool call arrives as argument deltas",
          "[integration][responses][sse]") {
  Env env;
  ChatStreamSpec spec;
  spec.with_comments = true;
  spec.crlf = true;
  spec.deltas = {"Let me check."};
  spec.tool_calls = {StreamToolCall{0, "call_9", "get_weather", {"{\"city\":", "\"Oslo\"}"}}};
  spec.finish_reason = "tool_calls";
  env.openai.set_response(MockResponse::sse(chat_completion_sse(spec)));
  auto r = env.post(R"({"model":"m/chat","input":"weather?","stream":true,)" + kTools + "}");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(env.openai.last_request()->body.find(R"("stream":true)") != std::string::npos);
  const std::string& body = r->body;
  CHECK(body.find(R"("type":"response.output_text.delta")") != std::string::npos);
  CHECK(body.find(R"("delta":"{\"city\":")") != std::string::npos);
  CHECK(body.find(R"("delta":"\"Oslo\"}")") != std::string::npos);
  simdjson::dom::parser p;
  auto done = parse_json(p, last_event(body, "response.function_call_arguments.done"));
  CHECK(str(done["arguments"]) == R"({"city":"Oslo"})");
  auto completed = parse_json(p, last_event(body, "response.completed"))["response"];
  CHECK(str(completed["output"].at(0)["content"].at(0)["text"]) == "Let me check.");
  CHECK(str(completed["output"].at(1)["call_id"]) == "call_9");
  CHECK(int64_t(completed["usage"]["input_tokens"]) == 11);
  CHECK(int64_t(completed["usage"]["output_tokens"]) == 3);
}

TEST_CASE("responses over an OpenAI upstream: a dropped stream is response.failed", "[integration][responses][sse]") {
  Env env;
  ChatStreamSpec spec;
  spec.with_done = false;
  spec.finish_reason = "";
  spec.with_usage = false;
  env.openai.set_response(MockResponse::sse(chat_completion_sse(spec), MockResponse::Tail::drop));
  auto r = env.post(R"({"model":"m/chat","input":"hi","stream":true})");
  REQUIRE(r);
  CHECK(r->status == 200);
  simdjson::dom::parser p;
  auto failed = parse_json(p, last_event(r->body, "response.failed"))["response"];
  CHECK(str(failed["status"]) == "failed");
  CHECK(str(failed["error"]["code"]) == "server_error");
  CHECK(str(failed["output"].at(0)["content"].at(0)["text"]) == "Hello!");
  CHECK(r->body.find("response.completed") == std::string::npos);
}

TEST_CASE("responses over an Anthropic upstream: tools both ways, plain and streamed", "[integration][responses]") {
  Env env;
  env.claude.route("/v1/messages", [](const httplib::Request& req, httplib::Response& res) {
    if (req.body.find("\"stream\":true") == std::string::npos) {
      res.set_content(R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
        "content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Oslo"}}],
        "stop_reason":"tool_use","usage":{"input_tokens":20,"output_tokens":12}})",
                      "application/json");
      return;
    }
    res.set_content(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}\n\n"
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Sun\"}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"ny\"}}\n\n"
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n"
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        "text/event-stream");
  });
  auto plain = env.post(R"({"model":"anthropic/claude","instructions":"Be brief","input":"Weather in Oslo?",)" + kTools +
                        R"(,"tool_choice":{"type":"function","name":"get_weather"}})");
  REQUIRE(plain);
  REQUIRE(plain->status == 200);
  const std::string sent = env.claude.last_request()->body;
  CHECK(env.claude.last_request()->header("x-api-key") == "claude-secret");
  CHECK(sent.find(R"("system":"Be brief")") != std::string::npos);
  CHECK(sent.find(R"("tools":[{"name":"get_weather","description":"Weather now","input_schema":{"type":"object")") !=
        std::string::npos);
  CHECK(sent.find(R"("tool_choice":{"type":"tool","name":"get_weather"})") != std::string::npos);
  simdjson::dom::parser p;
  auto doc = parse_json(p, plain->body);
  CHECK(str(doc["output"].at(0)["content"].at(0)["text"]) == "Checking.");
  CHECK(str(doc["output"].at(1)["type"]) == "function_call");
  CHECK(str(doc["output"].at(1)["call_id"]) == "toolu_1");
  CHECK(str(doc["output"].at(1)["arguments"]) == R"({"city":"Oslo"})");
  CHECK(int64_t(doc["usage"]["input_tokens"]) == 20);

  // The answer to the call goes back as a tool_result; the stream stops at max_tokens.
  auto streamed = env.post(R"({"model":"anthropic/claude","stream":true,"max_output_tokens":2,"input":[)"
                           R"({"role":"user","content":"Weather in Oslo?"},)"
                           R"({"type":"function_call","call_id":"toolu_1","name":"get_weather","arguments":"{\"city\":\"Oslo\"}"},)"
                           R"({"type":"function_call_output","call_id":"toolu_1","output":"sunny"}],)" + kTools + "}");
  REQUIRE(streamed);
  REQUIRE(streamed->status == 200);
  const std::string sent2 = env.claude.last_request()->body;
  CHECK(sent2.find(R"({"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Oslo"}})") !=
        std::string::npos);
  CHECK(sent2.find(R"({"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"})") != std::string::npos);
  CHECK(sent2.find(R"("max_tokens":2)") != std::string::npos);
  auto incomplete = parse_json(p, last_event(streamed->body, "response.incomplete"))["response"];
  CHECK(str(incomplete["status"]) == "incomplete");
  CHECK(str(incomplete["incomplete_details"]["reason"]) == "max_output_tokens");
  CHECK(str(incomplete["output"].at(0)["content"].at(0)["text"]) == "Sunny");
  CHECK(int64_t(incomplete["usage"]["output_tokens"]) == 2);
}

TEST_CASE("responses over an OpenAI upstream: a client that leaves mid-stream cancels the upstream",
          "[integration][responses][sse]") {
  Env env;
  ChatStreamSpec spec;
  spec.with_done = false;
  spec.finish_reason = "";
  env.openai.set_response(MockResponse::sse(chat_completion_sse(spec), MockResponse::Tail::hang_pinging));
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/responses";
  req.headers = bearer(env.key);
  req.body = R"({"model":"m/chat","input":"hi","stream":true})";
  req.set_header("Content-Type", "application/json");
  std::string gen;
  req.response_handler = [&](const httplib::Response& res) {
    gen = res.get_header_value("X-Generation-Id");
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    return std::string_view(data, n).find("response.output_text.delta") == std::string_view::npos;  // leave
  };
  auto client = env.proxy->client();
  client.send(req);
  CHECK(env.openai.wait_for_disconnects(1, std::chrono::seconds(10)));
  REQUIRE(!gen.empty());
  auto row = env.proxy->wait_for_generation(gen);
  REQUIRE(row);
  CHECK(row->cancelled);
  CHECK(row->api == "responses");
}
