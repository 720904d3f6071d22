// Helpers for the [normalize] tests: build bodies around a minimal valid request and
// unwrap results with the failure message in the Catch2 report.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "proxy/api/openai/normalize.h"

namespace normalize_test {

using namespace switchyard;
using switchyard::proxy::NormalizeOptions;

// A valid chat body with `fields` (a comma-separated list of "key": value) appended.
inline std::string chat_body(std::string_view fields = "") {
  std::string body = R"({"model":"m","messages":[{"role":"user","content":"hi"}])";
  if (!fields.empty()) body.append(",").append(fields);
  return body + "}";
}

// A body holding one message object.
inline std::string message_body(std::string_view message) {
  return std::string(R"({"model":"m","messages":[)") + std::string(message) + "]}";
}

inline ChatRequest accept(std::string_view body, const NormalizeOptions& options = {}) {
  auto result = proxy::normalize_chat_request(body, options);
  INFO("body: " << body);
  INFO("error: " << (result ? std::string() : result.error().message));
  REQUIRE(result.has_value());
  return *result;
}

inline Error reject(std::string_view body, const NormalizeOptions& options = {}) {
  auto result = proxy::normalize_chat_request(body, options);
  INFO("body: " << body);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == ErrorKind::invalid_argument);
  CHECK(http_status(result.error()) == 400);
  return result.error();
}

}  // namespace normalize_test
