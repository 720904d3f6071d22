// The event stream: message_start, one index per block, deltas, message_delta with the
// final usage, message_stop; an error event on failure.
#include <catch2/catch.hpp>

#include "proxy/api/anthropic/stream_encoder.h"
#include "tests/integration/scripted_provider.h"

using namespace switchyard;
using namespace switchyard::proxy;
using namespace switchyard::proxy::anthropic;
using namespace switchyard::testing;

namespace {

std::string run(StreamEncoder& s, std::initializer_list<Event> events) {
  std::string out;
  for (const Event& e : events) out += s.on_event(e);
  return out;
}

}  // namespace

TEST_CASE("message_start carries the message with empty content and zero usage", "[anthropic][sse]") {
  StreamEncoder s(MessageMeta{"gen-1", "test/model", {}, {}});
  CHECK(s.start() ==
        "event: message_start\n"
        R"(data: {"type":"message_start","message":{"id":"gen-1","type":"message","role":"assistant",)"
        R"("model":"test/model","content":[],"stop_reason":null,"stop_sequence":null,)"
        R"("usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}})"
        "\n\n");
}

TEST_CASE("text then tool calls stream as indexed blocks, then message_delta and message_stop", "[anthropic][sse]") {
  StreamEncoder s(MessageMeta{"gen-1", "m", {}, {}});
  s.start();
  std::string body = run(s, {ev_role(), ev_text("Hi"), ev_text(""), ev_text(" there"),
                             ev_tool(0, "call_1", "lookup", ""), ev_tool(0, "", "", R"({"q":)"), ev_tool(0, "", "", "1}"),
                             ev_tool(1, "call_2", "other", "{}"), Event{EventKind::logprobs}, ev_finish("tool_calls")});
  body += s.finish(ResponseEnd{Usage{20, 9, 5, 0, false}, {}, std::nullopt});
  CHECK(body ==
        "event: content_block_start\n"
        R"(data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})" "\n\n"
        "event: content_block_delta\n"
        R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})" "\n\n"
        "event: content_block_delta\n"
        R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}})" "\n\n"
        "event: content_block_stop\n"
        R"(data: {"type":"content_block_stop","index":0})" "\n\n"
        "event: content_block_start\n"
        R"(data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_1","name":"lookup","input":{}}})" "\n\n"
        "event: content_block_delta\n"
        R"(data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"q\":"}})" "\n\n"
        "event: content_block_delta\n"
        R"(data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"1}"}})" "\n\n"
        "event: content_block_stop\n"
        R"(data: {"type":"content_block_stop","index":1})" "\n\n"
        "event: content_block_start\n"
        R"(data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_2","name":"other","input":{}}})" "\n\n"
        "event: content_block_delta\n"
        R"(data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{}"}})" "\n\n"
        "event: content_block_stop\n"
        R"(data: {"type":"content_block_stop","index":2})" "\n\n"
        "event: message_delta\n"
        R"(data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},)"
        R"("usage":{"input_tokens":15,"cache_creation_input_tokens":0,"cache_read_input_tokens":5,"output_tokens":9}})" "\n\n"
        "event: message_stop\n"
        R"(data: {"type":"message_stop"})" "\n\n");
}

TEST_CASE("a stream without a finish event still closes its block and ends the message", "[anthropic][sse]") {
  StreamEncoder s(MessageMeta{"gen-1", "m", {"END"}, {}});
  s.start();
  std::string body = run(s, {ev_text("x")});
  body += s.finish(ResponseEnd{Usage{1, 1, 0, 0, true}, {}, std::nullopt});
  CHECK(body.find("event: content_block_stop\n" R"(data: {"type":"content_block_stop","index":0})") != std::string::npos);
  CHECK(body.find(R"("delta":{"stop_reason":"end_turn","stop_sequence":null})") != std::string::npos);
  CHECK(body.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
}

TEST_CASE("a stop sequence is named in message_delta", "[anthropic][sse]") {
  StreamEncoder s(MessageMeta{"gen-1", "m", {}, {"END"}});
  s.start();
  std::string body = run(s, {ev_text("x"), ev_finish("stop_string")});
  body += s.finish(ResponseEnd{});
  CHECK(body.find(R"("delta":{"stop_reason":"stop_sequence","stop_sequence":"END"})") != std::string::npos);
}

TEST_CASE("a failure after the start is one error event and the end", "[anthropic][sse]") {
  StreamEncoder s(MessageMeta{"gen-1", "m", {}, {}});
  s.start();
  std::string body = run(s, {ev_text("par")});
  std::string end = s.finish(ResponseEnd{Usage{}, {}, Error{ErrorKind::upstream_error, "upstream reset", 0, {}, 0}});
  CHECK(end == "event: error\n"
               R"(data: {"type":"error","error":{"type":"api_error","message":"upstream reset"}})" "\n\n");
}

TEST_CASE("the keep-alive is a ping event", "[anthropic][sse]") {
  CHECK(std::string(kPing) == "event: ping\ndata: {\"type\": \"ping\"}\n\n");
}
