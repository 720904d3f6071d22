// The Responses sinks: the whole response object (plain) and the typed SSE events
// (streamed), checked field by field against the shapes the openai SDK types.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "integration/responses_support.h"
#include "integration/scripted_provider.h"
#include "proxy/api/responses/request_parser.h"
#include "proxy/api/responses/responses_format.h"

using namespace switchyard;
using namespace switchyard::proxy;
using namespace switchyard::testing;  // ev_text, ev_tool, ev_finish, sse_events

namespace {

const ResponseStart kStart{"gen-1700-abc", 1700000000, "m/x", "prov", ""};
const ResponseEnd kEnd{Usage{10, 5, 4, 0, false}, billing::Picodollars(2'500'000), std::nullopt};

ChatRequest request(const std::string& fields) {
  auto r = parse_responses_request(R"({"model":"m/x","input":"hi")" + fields + "}");
  REQUIRE(r);
  return *r;
}

// Runs a sink over `events` and returns what it wrote.
std::string run(const ChatRequest& r, const std::vector<Event>& events, const ResponseEnd& end = kEnd) {
  auto sink = ResponsesFormat().sink(r);
  std::string out = sink->start(kStart);
  for (const Event& e : events) out += sink->on_event(e);
  return out + sink->finish(end);
}

}  // namespace

TEST_CASE("responses sink: a plain response is the whole response object", "[responses]") {
  ChatRequest r = request(
      R"(,"instructions":"Be brief","metadata":{"run":"7"},"temperature":0.5,"max_output_tokens":50,"user":"u",)"
      R"("tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}],"tool_choice":"auto")");
  std::string body = run(r, {ev_text("Hi "), ev_text("there"), ev_tool(0, "call_1", "get_weather", "{\"city\":\"Oslo\"}"),
                             ev_finish("tool_calls")});
  simdjson::dom::parser p;
  auto doc = parse_json(p, body);
  CHECK(str(doc["id"]) == "resp_1700-abc");
  CHECK(str(doc["object"]) == "response");
  CHECK(int64_t(doc["created_at"]) == 1700000000);
  CHECK(str(doc["status"]) == "completed");
  CHECK(doc["error"].is_null());
  CHECK(doc["incomplete_details"].is_null());
  CHECK(str(doc["model"]) == "m/x");
  CHECK(str(doc["provider"]) == "prov");
  CHECK(str(doc["instructions"]) == "Be brief");
  CHECK(str(doc["metadata"]["run"]) == "7");
  CHECK(double(doc["temperature"]) == 0.5);
  CHECK(double(doc["top_p"]) == 1.0);
  CHECK(int64_t(doc["max_output_tokens"]) == 50);
  CHECK(bool(doc["parallel_tool_calls"]));
  CHECK(str(doc["tool_choice"]) == "auto");
  CHECK(str(doc["tools"].at(0)["name"]) == "get_weather");
  CHECK(str(doc["text"]["format"]["type"]) == "text");
  CHECK_FALSE(bool(doc["store"]));
  CHECK(str(doc["truncation"]) == "disabled");
  CHECK(str(doc["user"]) == "u");
  CHECK(doc["previous_response_id"].is_null());

  simdjson::dom::element message = doc["output"].at(0), call = doc["output"].at(1);
  CHECK(simdjson::dom::array(doc["output"]).size() == 2);
  CHECK(str(message["type"]) == "message");
  CHECK(str(message["id"]) == "msg_1700-abc_0");
  CHECK(str(message["status"]) == "completed");
  CHECK(str(message["role"]) == "assistant");
  CHECK(str(message["content"].at(0)["type"]) == "output_text");
  CHECK(str(message["content"].at(0)["text"]) == "Hi there");
  CHECK(simdjson::dom::array(message["content"].at(0)["annotations"]).size() == 0);
  CHECK(str(call["type"]) == "function_call");
  CHECK(str(call["id"]) == "fc_1700-abc_1");
  CHECK(str(call["call_id"]) == "call_1");
  CHECK(str(call["name"]) == "get_weather");
  CHECK(str(call["arguments"]) == "{\"city\":\"Oslo\"}");
  CHECK(str(call["status"]) == "completed");

  simdjson::dom::element usage = doc["usage"];
  CHECK(int64_t(usage["input_tokens"]) == 10);
  CHECK(int64_t(usage["input_tokens_details"]["cached_tokens"]) == 4);
  CHECK(int64_t(usage["output_tokens"]) == 5);
  CHECK(int64_t(usage["output_tokens_details"]["reasoning_tokens"]) == 0);
  CHECK(int64_t(usage["total_tokens"]) == 15);
  CHECK(double(usage["cost"]) == Approx(0.0000025));
}

TEST_CASE("responses sink: defaults are echoed when the request left them out", "[responses]") {
  std::string body = run(request(""), {ev_text("ok"), ev_finish("stop")});
  CHECK(body.find(R"("instructions":null,"max_output_tokens":null,"metadata":{},"parallel_tool_calls":true,)"
                  R"("previous_response_id":null,"reasoning":null,"store":false,"temperature":1,)"
                  R"("text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1,)"
                  R"("truncation":"disabled","user":null)") != std::string::npos);
}

TEST_CASE("responses sink: output cut by the length limit is incomplete", "[responses]") {
  std::string body = run(request(R"(,"max_output_tokens":2)"), {ev_text("cut"), ev_finish("length")});
  CHECK(body.find(R"("status":"incomplete")") != std::string::npos);
  CHECK(body.find(R"("incomplete_details":{"reason":"max_output_tokens"})") != std::string::npos);
  CHECK(body.find(R"("type":"message","status":"incomplete")") != std::string::npos);
}

TEST_CASE("responses sink: a stream is the typed events in order with sequence numbers", "[responses][sse]") {
  ChatRequest r = request(R"(,"stream":true)");
  auto sink = ResponsesFormat().sink(r);
  CHECK(sink->streaming());
  std::string body = run(r, {ev_text("Hel"), ev_text("lo"), ev_tool(0, "call_1", "f", "{\"a\":"), ev_tool(0, "", "", "1}"),
                             ev_finish("tool_calls")});
  auto events = sse_events(body);
  std::vector<std::string> types;
  for (const auto& e : events) types.push_back(e.type);
  CHECK(types == std::vector<std::string>{
                     "response.created", "response.in_progress",
                     "response.output_item.added", "response.content_part.added",
                     "response.output_text.delta", "response.output_text.delta",
                     "response.output_text.done", "response.content_part.done", "response.output_item.done",
                     "response.output_item.added", "response.function_call_arguments.delta",
                     "response.function_call_arguments.delta", "response.function_call_arguments.done",
                     "response.output_item.done", "response.completed"});
  simdjson::dom::parser p;
  for (size_t i = 0; i < events.size(); ++i) {
    auto doc = parse_json(p, events[i].data);
    CHECK(str(doc["type"]) == events[i].type);
    CHECK(int64_t(doc["sequence_number"]) == int64_t(i));
  }
  auto payload = [&](size_t i) { return parse_json(p, events[i].data); };
  auto created = payload(0);
  CHECK(str(created["response"]["status"]) == "in_progress");
  CHECK(simdjson::dom::array(created["response"]["output"]).size() == 0);
  CHECK(created["response"]["usage"].is_null());
  auto added = payload(2);
  CHECK(int64_t(added["output_index"]) == 0);
  CHECK(str(added["item"]["status"]) == "in_progress");
  CHECK(simdjson::dom::array(added["item"]["content"]).size() == 0);
  auto part = payload(3);
  CHECK(str(part["item_id"]) == "msg_1700-abc_0");
  CHECK(str(part["part"]["text"]) == "");
  auto delta = payload(4);
  CHECK(str(delta["delta"]) == "Hel");
  CHECK(int64_t(delta["content_index"]) == 0);
  CHECK(str(payload(6)["text"]) == "Hello");
  CHECK(str(payload(8)["item"]["status"]) == "completed");
  auto call_added = payload(9);
  CHECK(int64_t(call_added["output_index"]) == 1);
  CHECK(str(call_added["item"]["call_id"]) == "call_1");
  CHECK(str(call_added["item"]["name"]) == "f");
  CHECK(str(call_added["item"]["arguments"]) == "");
  auto args_delta = payload(10);
  CHECK(str(args_delta["item_id"]) == "fc_1700-abc_1");
  CHECK(str(args_delta["delta"]) == "{\"a\":");
  CHECK(args_delta["content_index"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(str(payload(12)["arguments"]) == "{\"a\":1}");
  CHECK(str(payload(12)["name"]) == "f");
  auto completed = payload(14);
  CHECK(str(completed["response"]["status"]) == "completed");
  CHECK(simdjson::dom::array(completed["response"]["output"]).size() == 2);
  CHECK(int64_t(completed["response"]["usage"]["total_tokens"]) == 15);
}

TEST_CASE("responses sink: a stream cut by the length limit ends with response.incomplete", "[responses][sse]") {
  auto events = sse_events(run(request(R"(,"stream":true)"), {ev_text("cut"), ev_finish("length")}));
  REQUIRE(events.size() == 9);
  CHECK(events[7].type == "response.output_item.done");
  CHECK(events[7].data.find(R"("status":"incomplete")") != std::string::npos);
  CHECK(events.back().type == "response.incomplete");
  CHECK(events.back().data.find(R"("incomplete_details":{"reason":"max_output_tokens"})") != std::string::npos);
}

TEST_CASE("responses sink: a mid-stream failure ends with response.failed carrying the error", "[responses][sse]") {
  auto [kind, code] = GENERATE(table<ErrorKind, std::string>({{ErrorKind::upstream_error, "server_error"},
                                                              {ErrorKind::timeout, "server_error"},
                                                              {ErrorKind::rate_limited, "rate_limit_exceeded"}}));
  ResponseEnd failed = kEnd;
  failed.failure = Error{kind, "upstream reset", 0, {}, 0};
  auto events = sse_events(run(request(R"(,"stream":true)"), {ev_text("par")}, failed));
  REQUIRE(events.size() == 6);  // created, in_progress, item added, part added, delta, failed
  CHECK(events.back().type == "response.failed");
  simdjson::dom::parser p;
  auto doc = parse_json(p, events.back().data);
  CHECK(str(doc["response"]["status"]) == "failed");
  CHECK(str(doc["response"]["error"]["code"]) == code);
  CHECK(str(doc["response"]["error"]["message"]) == "upstream reset");
  CHECK(str(doc["response"]["output"].at(0)["status"]) == "incomplete");
  CHECK(str(doc["response"]["output"].at(0)["content"].at(0)["text"]) == "par");
  CHECK(int64_t(doc["response"]["usage"]["output_tokens"]) == 5);
  CHECK(int64_t(doc["sequence_number"]) == 5);
}
