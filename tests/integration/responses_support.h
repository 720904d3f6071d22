// Helpers for the /v1/responses integration tests: JSON reading, and the typed SSE events
// of a Responses stream split into (type, data).
#pragma once

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <string>
#include <vector>

namespace switchyard::testing {

inline simdjson::dom::element parse_json(simdjson::dom::parser& p, const std::string& s) {
  simdjson::dom::element e;
  INFO(s);
  REQUIRE(p.parse(s).get(e) == simdjson::SUCCESS);
  return e;
}

inline std::string str(simdjson::dom::element e) { return std::string(std::string_view(e)); }

struct SseEvent {
  std::string type;  // the `event:` line
  std::string data;
};

// Every block must be one event (or a `:` comment, skipped: keep-alives may come in
// between when the upstream is slow).
inline std::vector<SseEvent> sse_events(const std::string& body) {
  std::vector<SseEvent> out;
  for (size_t pos = 0; pos < body.size();) {
    size_t end = body.find("\n\n", pos);
    REQUIRE(end != std::string::npos);
    std::string block = body.substr(pos, end - pos);
    pos = end + 2;
    if (block.starts_with(":")) continue;
    INFO(block);
    REQUIRE(block.starts_with("event: "));
    size_t newline = block.find('\n');
    REQUIRE(block.compare(newline + 1, 6, "data: ") == 0);
    out.push_back({block.substr(7, newline - 7), block.substr(newline + 7)});
  }
  return out;
}

// The data of the last event of `type`.
inline std::string last_event(const std::string& body, const std::string& type) {
  auto events = sse_events(body);
  for (size_t i = events.size(); i-- > 0;)
    if (events[i].type == type) return events[i].data;
  FAIL("no " << type << " event in " << body);
  return {};
}

}  // namespace switchyard::testing
