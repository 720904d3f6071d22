// The plain Message body: content blocks in order, stop_reason, usage, tool input.
#include <catch2/catch.hpp>

#include "proxy/api/anthropic/message_json.h"
#include "tests/integration/scripted_provider.h"

using namespace switchyard;
using namespace switchyard::proxy::anthropic;
using namespace switchyard::testing;

TEST_CASE("stop_reason follows the normalized finish reason", "[anthropic][response]") {
  auto [finish_reason, native, expected] = GENERATE(table<std::string, std::string, std::string>({
      {"stop", "stop", "end_turn"},
      {"stop", "end_turn", "end_turn"},
      {"stop", "eos", "end_turn"},
      {"", "", "end_turn"},
      {"stop", "stop_sequence", "stop_sequence"},
      {"stop", "stop_string", "stop_sequence"},
      {"length", "max_tokens", "max_tokens"},
      {"length", "length", "max_tokens"},
      {"tool_calls", "tool_use", "tool_use"},
      {"tool_calls", "tool_calls", "tool_use"},
      {"content_filter", "refusal", "refusal"},
  }));
  CHECK(stop_reason(finish_reason, native) == expected);
}

TEST_CASE("stop_sequence names the sequence only when it can only be one", "[anthropic][response]") {
  MessageMeta one{"gen-1", "m", {}, {"END"}};
  MessageMeta two{"gen-1", "m", {}, {"END", "STOP"}};
  CHECK(stop_sequence_json("stop_sequence", one) == R"("END")");
  CHECK(stop_sequence_json("stop_sequence", two) == "null");
  CHECK(stop_sequence_json("end_turn", one) == "null");
}

TEST_CASE("usage splits the prompt into uncached input, cache reads and cache writes", "[anthropic][response]") {
  CHECK(usage_json(Usage{100, 7, 60, 15, false}) ==
        R"({"input_tokens":25,"cache_creation_input_tokens":15,"cache_read_input_tokens":60,"output_tokens":7})");
  CHECK(usage_json(Usage{5, 1, 0, 0, true}) ==
        R"({"input_tokens":5,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1})");
  // An upstream that reports more cached than prompt tokens does not make input negative.
  CHECK(usage_json(Usage{3, 1, 9, 0, false}).starts_with(R"({"input_tokens":0,)"));
}

TEST_CASE("tool input is the arguments object, {} when empty, else kept as raw text", "[anthropic][response]") {
  CHECK(tool_input_json(R"({ "a" : [1, 2] })") == R"({"a":[1,2]})");
  CHECK(tool_input_json("") == "{}");
  CHECK(tool_input_json("  \n") == "{}");
  CHECK(tool_input_json(R"({"a":)") == R"({"raw_arguments":"{\"a\":"})");
  CHECK(tool_input_json("[1]") == R"({"raw_arguments":"[1]"})");
}

TEST_CASE("the collector keeps text and tool_use blocks in the order they began", "[anthropic][response]") {
  MessageCollector c;
  for (const Event& e : {ev_role(), ev_text("Let me "), ev_text("check."), ev_tool(0, "call_a", "get_weather", R"({"ci)"),
                         ev_tool(1, "", "get_time", ""), ev_tool(0, "", "", R"(ty":"Paris"})"), Event{EventKind::logprobs},
                         ev_finish("tool_calls")})
    c.add(e);
  MessageMeta meta{"gen-9", "test/model", {}, {}};
  CHECK(c.to_json(meta, Usage{12, 5, 2, 0, false}) ==
        R"({"id":"gen-9","type":"message","role":"assistant","model":"test/model","content":[)"
        R"({"type":"text","text":"Let me check."},)"
        R"({"type":"tool_use","id":"call_a","name":"get_weather","input":{"city":"Paris"}},)"
        R"({"type":"tool_use","id":"toolu_gen-9_1","name":"get_time","input":{}}],)"
        R"("stop_reason":"tool_use","stop_sequence":null,)"
        R"("usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":2,"output_tokens":5}})");
}

TEST_CASE("an empty answer is an empty content array, and metadata travels when asked", "[anthropic][response]") {
  MessageCollector c;
  c.add(ev_text(""));
  c.add(ev_finish("length"));
  MessageMeta meta{"gen-1", "m", R"({"provider":"p"})", {}};
  std::string json = c.to_json(meta, Usage{});
  CHECK(json.find(R"("content":[],"stop_reason":"max_tokens","stop_sequence":null)") != std::string::npos);
  CHECK(json.ends_with(R"(,"metadata":{"provider":"p"}})"));
}

TEST_CASE("text after a tool call opens a new text block", "[anthropic][response]") {
  MessageCollector c;
  for (const Event& e : {ev_text("a"), ev_tool(0, "t1", "f", "{}"), ev_text("b"), ev_finish("stop_sequence")}) c.add(e);
  MessageMeta meta{"gen-1", "m", {}, {"###"}};
  std::string json = c.to_json(meta, Usage{});
  CHECK(json.find(R"("content":[{"type":"text","text":"a"},{"type":"tool_use","id":"t1","name":"f","input":{}},)"
                  R"({"type":"text","text":"b"}],"stop_reason":"stop_sequence","stop_sequence":"###")") !=
        std::string::npos);
}
