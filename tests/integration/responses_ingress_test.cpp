// POST /v1/responses over real HTTP with scripted providers behind it: the request reaches
// the provider as a chat-vocabulary ChatRequest, the answer comes back as a response object
// or as typed SSE events, errors come in the OpenAI error shape, and every request leaves
// exactly one usage row marked api = responses.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "harness.h"
#include "responses_support.h"
#include "scripted_provider.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

const char* kConfig = R"(
server: { threads: 8 }
providers:
  - { name: scripted, kind: openai, base_url: "http://127.0.0.1:1" }
models:
  - id: test/model
    context_length: 4000
    endpoints:
      - { provider: scripted, model: up-model, pricing: { prompt: 1, completion: 2 } }
)";

struct Fixture {
  std::shared_ptr<ScriptLog> log = std::make_shared<ScriptLog>();
  SharedScripter script = [](const OpenParams&) {
    return Script{{ev_role(), ev_text("Hello"), ev_text(" world"), ev_finish("stop"), ev_usage(10, 2)}};
  };
  std::mutex mu;
  std::optional<ChatRequest> seen;  // the request the provider was opened with
  std::unique_ptr<RunningProxy> proxy;
  std::string key;

  Fixture() {
    proxy = std::make_unique<RunningProxy>(kConfig, [this](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
      return std::make_shared<ScriptedProvider>(
          [this](const OpenParams& p) {
            std::lock_guard lock(mu);
            seen = *p.request;
            return script(p);
          },
          log);
    });
    key = proxy->create_key();
  }
  httplib::Result post(const std::string& body, const std::string& path = "/v1/responses") {
    return proxy->client().Post(path.c_str(), bearer(key), body, "application/json");
  }
  db::UsageRecord row(const httplib::Result& r) {
    auto got = proxy->wait_for_generation(r->get_header_value("X-Generation-Id"));
    REQUIRE(got);
    return *got;
  }
};

const std::string kHello = R"({"model":"test/model","input":"hi"})";

}  // namespace

TEST_CASE("responses: a plain request gets a response object, billed once as api responses",
          "[integration][responses]") {
  Fixture f;
  auto r = f.post(kHello);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type").find("application/json") == 0);
  std::string gen = r->get_header_value("X-Generation-Id");
  REQUIRE(gen.rfind("gen-", 0) == 0);
  simdjson::dom::parser p;
  auto doc = parse_json(p, r->body);
  CHECK(str(doc["id"]) == "resp_" + gen.substr(4));  // traceable to its generation
  CHECK(str(doc["object"]) == "response");
  CHECK(str(doc["status"]) == "completed");
  CHECK(str(doc["model"]) == "test/model");
  CHECK(str(doc["output"].at(0)["content"].at(0)["text"]) == "Hello world");
  CHECK(int64_t(doc["usage"]["input_tokens"]) == 10);
  CHECK(int64_t(doc["usage"]["output_tokens"]) == 2);
  CHECK(int64_t(doc["usage"]["total_tokens"]) == 12);
  CHECK(double(doc["usage"]["cost"]) == Approx(0.000014));  // 10 x $1/M + 2 x $2/M

  auto row = f.row(r);
  CHECK(row.api == "responses");
  CHECK(row.status == 200);
  CHECK(row.cost_pico == 14000000);
  CHECK(row.prompt_tokens == 10);
  CHECK_FALSE(row.streamed);
  CHECK(f.log->opened == 1);
}

TEST_CASE("responses: the provider sees the request in chat vocabulary", "[integration][responses]") {
  Fixture f;
  auto r = f.post(R"({"model":"test/model","instructions":"Be brief","max_output_tokens":40,"temperature":0.2,
    "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}],"tool_choice":"required",
    "input":[{"role":"user","content":"weather?"},
             {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{}"},
             {"type":"function_call_output","call_id":"call_1","output":"sunny"}]})",
                  "/api/v1/responses");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  std::lock_guard lock(f.mu);
  REQUIRE(f.seen);
  const ChatRequest& seen = *f.seen;
  REQUIRE(seen.messages.size() == 4);
  CHECK(seen.messages[0].role == "system");
  CHECK(seen.messages[0].text == "Be brief");
  CHECK(seen.messages[1].role == "user");
  CHECK(seen.messages[2].role == "assistant");
  REQUIRE(seen.messages[2].tool_calls.size() == 1);
  CHECK(seen.messages[2].tool_calls[0].id == "call_1");
  CHECK(seen.messages[3].role == "tool");
  CHECK(seen.messages[3].tool_call_id == "call_1");
  CHECK(seen.sampling.max_tokens == 40);
  CHECK(seen.sampling.temperature == 0.2);
  CHECK(seen.tools_json == R"([{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}])");
  CHECK(seen.tool_choice_json == R"("required")");
  CHECK(f.log->max_tokens.back() == 40);
}

TEST_CASE("responses: routing metadata, when asked for, has its own field beside the client's metadata",
          "[integration][responses]") {
  Fixture f;
  auto headers = bearer(f.key);
  headers.emplace("X-Switchyard-Metadata", "enabled");
  auto r = f.proxy->client().Post("/v1/responses", headers, R"({"model":"test/model","input":"hi","metadata":{"a":"b"}})",
                                  "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  simdjson::dom::parser p;
  auto doc = parse_json(p, r->body);
  CHECK(str(doc["metadata"]["a"]) == "b");
  CHECK(str(doc["routing_metadata"]["generation_id"]) == r->get_header_value("X-Generation-Id"));
  CHECK(str(doc["routing_metadata"]["provider"]) == "scripted");
}

TEST_CASE("responses: a stream is typed SSE events ending in response.completed with usage",
          "[integration][responses][sse]") {
  Fixture f;
  f.script = [](const OpenParams&) {
    return Script{{ev_role(), ev_text("Hi"), ev_tool(0, "call_7", "lookup", "{\"q\":"), ev_tool(0, "", "", "1}"),
                   ev_finish("tool_calls"), ev_usage(8, 3)}};
  };
  auto r = f.post(R"({"model":"test/model","input":"hi","stream":true})");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type").find("text/event-stream") == 0);
  auto events = sse_events(r->body);
  std::vector<std::string> types;
  for (const auto& e : events) types.push_back(e.type);
  CHECK(types == std::vector<std::string>{
                     "response.created", "response.in_progress", "response.output_item.added",
                     "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                     "response.content_part.done", "response.output_item.done", "response.output_item.added",
                     "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                     "response.function_call_arguments.done", "response.output_item.done", "response.completed"});
  simdjson::dom::parser p;
  auto completed = parse_json(p, events.back().data);
  CHECK(int64_t(completed["sequence_number"]) == int64_t(events.size() - 1));
  auto response = completed["response"];
  CHECK(str(response["status"]) == "completed");
  CHECK(str(response["output"].at(1)["type"]) == "function_call");
  CHECK(str(response["output"].at(1)["call_id"]) == "call_7");
  CHECK(str(response["output"].at(1)["arguments"]) == "{\"q\":1}");
  CHECK(int64_t(response["usage"]["input_tokens"]) == 8);
  CHECK(int64_t(response["usage"]["output_tokens"]) == 3);
  auto row = f.row(r);
  CHECK(row.api == "responses");
  CHECK(row.streamed);
  CHECK(row.finish_reason == "tool_calls");
  CHECK(row.completion_tokens == 3);
}

TEST_CASE("responses: a failure mid-stream is response.failed, and the row records it",
          "[integration][responses][sse]") {
  Fixture f;
  f.script = [](const OpenParams&) {
    return Script{{ev_role(), ev_text("par"), ev_error(ErrorKind::upstream_error, "upstream reset the connection")}};
  };
  auto r = f.post(R"({"model":"test/model","input":"hi","stream":true})");
  REQUIRE(r);
  CHECK(r->status == 200);
  auto events = sse_events(r->body);
  REQUIRE(!events.empty());
  CHECK(events.back().type == "response.failed");
  simdjson::dom::parser p;
  auto failed = parse_json(p, events.back().data)["response"];
  CHECK(str(failed["status"]) == "failed");
  CHECK(str(failed["error"]["code"]) == "server_error");
  CHECK(str(failed["error"]["message"]) == "upstream reset the connection");
  CHECK(str(failed["output"].at(0)["content"].at(0)["text"]) == "par");
  CHECK(r->body.find("response.completed") == std::string::npos);
  auto row = f.row(r);
  CHECK(row.status == 502);
  CHECK(row.api == "responses");
}

TEST_CASE("responses: a failure before the first event of a plain request is an HTTP error",
          "[integration][responses]") {
  Fixture f;
  f.script = [](const OpenParams&) { return Script{{ev_error(ErrorKind::upstream_error, "boom", 500)}}; };
  auto r = f.post(kHello);
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(r->body.find(R"("error":{"code":500,"message":"boom")") != std::string::npos);
  CHECK(f.row(r).status == 500);
}

TEST_CASE("responses: bad requests are 400s in the OpenAI error shape, and recorded", "[integration][responses]") {
  Fixture f;
  auto r = f.post(R"({"model":"test/model","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]})");
  REQUIRE(r);
  CHECK(r->status == 400);
  simdjson::dom::parser p;
  auto doc = parse_json(p, r->body);
  CHECK(int64_t(doc["error"]["code"]) == 400);
  CHECK(str(doc["error"]["type"]) == "invalid_request_error");
  CHECK(str(doc["error"]["param"]) == "input[0].content[0].type");
  CHECK(str(doc["error"]["metadata"]["param"]) == "input[0].content[0].type");
  CHECK(str(doc["error"]["message"]).find("\"input_file\" is not supported") != std::string::npos);
  auto row = f.row(r);
  CHECK(row.status == 400);
  CHECK(row.api == "responses");
  CHECK(row.cost_pico == 0);
  CHECK(f.log->opened == 0);

  auto stateful = f.post(R"({"model":"test/model","input":"hi","previous_response_id":"resp_1"})");
  REQUIRE(stateful);
  CHECK(stateful->status == 400);
  CHECK(stateful->body.find("responses are not stored here") != std::string::npos);
  auto unknown_model = f.post(R"({"model":"nope/nope","input":"hi"})");
  REQUIRE(unknown_model);
  CHECK(unknown_model->status == 404);
  CHECK(unknown_model->body.find(R"("error":{"code":404)") != std::string::npos);
}

TEST_CASE("responses: no key or a wrong key is a 401 with no row", "[integration][responses]") {
  Fixture f;
  auto none = f.proxy->client().Post("/v1/responses", kHello, "application/json");
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(none->body.find(R"("error":{"code":401)") != std::string::npos);
  auto wrong = f.proxy->client().Post("/v1/responses", bearer("sk-sy-v1-wrong"), kHello, "application/json");
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  CHECK(f.log->opened == 0);
}

TEST_CASE("responses: the stored-response routes say nothing is stored", "[integration][responses]") {
  Fixture f;
  auto c = f.proxy->client();
  std::vector<httplib::Result> answers;
  answers.push_back(c.Get("/v1/responses/resp_123", bearer(f.key)));
  answers.push_back(c.Delete("/api/v1/responses/resp_123", bearer(f.key)));
  answers.push_back(c.Post("/v1/responses/resp_123/cancel", bearer(f.key), "", "application/json"));
  for (const auto& r : answers) {
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(r->body.find("Responses are not stored here") != std::string::npos);
  }
}
