// Helpers for the Anthropic ingress integration tests: requests with Anthropic's headers,
// the ledger's rows, the event stream split into (event, data) pairs, and JSON access.
#pragma once

#include <catch2/catch.hpp>
#include <httplib.h>
#include <simdjson.h>

#include <limits>
#include <string>
#include <vector>

#include "harness.h"

namespace switchyard::testing::anthropic {

// What the SDKs send: the key in x-api-key, and anthropic-version.
inline httplib::Headers api_key(const std::string& key) {
  return {{"x-api-key", key}, {"anthropic-version", "2023-06-01"}};
}

// Every ledger row so far, once what is queued is written.
inline std::vector<db::UsageRecord> usage_rows(RunningProxy& proxy) {
  proxy.flush();
  db::ActivityQuery all;
  all.to_ms = std::numeric_limits<int64_t>::max();
  auto rows = proxy.store().activity(all);
  REQUIRE(rows);
  return *rows;
}

struct SseEvent {
  std::string event;
  std::string data;
};

// `event: <type>\ndata: <json>\n\n` frames, in order; a frame's event and data lines must agree.
inline std::vector<SseEvent> sse_events(const std::string& body) {
  std::vector<SseEvent> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    REQUIRE(end != std::string::npos);
    std::string frame = body.substr(pos, end - pos);
    pos = end + 2;
    size_t newline = frame.find('\n');
    REQUIRE(frame.rfind("event: ", 0) == 0);
    REQUIRE(newline != std::string::npos);
    REQUIRE(frame.compare(newline + 1, 6, "data: ") == 0);
    out.push_back({frame.substr(7, newline - 7), frame.substr(newline + 7)});
  }
  return out;
}

inline std::vector<std::string> event_types(const std::vector<SseEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.event);
  return out;
}

inline simdjson::dom::element parse_json(simdjson::dom::parser& p, const std::string& s) {
  simdjson::dom::element e;
  INFO(s);
  REQUIRE(p.parse(s).get(e) == simdjson::SUCCESS);
  return e;
}

inline std::string str(simdjson::dom::element e) { return std::string(std::string_view(e)); }

// The error body's type and message, checked to be Anthropic's shape.
struct AnthropicError {
  std::string type, message;
};
inline AnthropicError error_of(const std::string& body) {
  simdjson::dom::parser p;
  auto doc = parse_json(p, body);
  CHECK(str(doc["type"]) == "error");
  return {str(doc["error"]["type"]), str(doc["error"]["message"])};
}

}  // namespace switchyard::testing::anthropic
