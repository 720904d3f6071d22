#include <catch2/catch.hpp>

#include "proxy/api/openai/response_builder.h"

using namespace switchyard;
using namespace switchyard::proxy;

TEST_CASE("the collector merges deltas into one message", "[response]") {
  ResponseCollector c;
  Event role; role.kind = EventKind::role;
  Event a; a.kind = EventKind::content; a.text = "Hel";
  Event b; b.kind = EventKind::content; b.text = "lo";
  Event t1; t1.kind = EventKind::tool_call; t1.tool_call = {1, "call_b", "second", "{}"};
  Event t0; t0.kind = EventKind::tool_call; t0.tool_call = {0, "call_a", "first", "{\"x\":"};
  Event t0b; t0b.kind = EventKind::tool_call; t0b.tool_call = {0, "", "", "1}"};
  Event fin; fin.kind = EventKind::finish; fin.finish_reason = "tool_calls"; fin.native_finish_reason = "tool_use";
  for (auto* e : {&role, &a, &b, &t1, &t0, &t0b, &fin}) c.add(*e);
  ResponseMeta meta{"gen-1", 7, "m/x", "prov", false};
  Usage u{3, 4, 0, 0, false};
  std::string json = c.to_json(meta, u, billing::Picodollars(1000000));
  CHECK(json.find(R"("content":"Hello")") != std::string::npos);
  CHECK(json.find(R"("tool_calls":[{"id":"call_a","type":"function","function":{"name":"first","arguments":"{\"x\":1}"}},{"id":"call_b")") !=
        std::string::npos);
  CHECK(json.find(R"("finish_reason":"tool_calls","native_finish_reason":"tool_use")") != std::string::npos);
  CHECK(json.find(R"("cost":0.000001)") != std::string::npos);
  CHECK(c.finish_reason() == "tool_calls");
  CHECK(c.generated_chars() == 5 + (6 + 2) + (5 + 7));  // content + (name + arguments) per call
}

TEST_CASE("error chunks carry the error and finish_reason error", "[sse]") {
  ResponseMeta meta{"gen-2", 7, "m/x", "prov", false};
  std::string s = error_chunk_json(meta, Error{ErrorKind::timeout, "too slow", 0, {}, 0});
  CHECK(s.find(R"("error":{"code":504,"message":"too slow"})") != std::string::npos);
  CHECK(s.find(R"("finish_reason":"error")") != std::string::npos);
}
