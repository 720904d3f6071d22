// Helpers for the Anthropic request parser tests: bodies around a minimal valid request,
// and results unwrapped with the failure message in the Catch2 report.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "proxy/api/anthropic/request_parser.h"

namespace anthropic_parse_test {

using namespace switchyard;
using switchyard::proxy::anthropic::ParseOptions;

// A valid body with `fields` (a comma-separated list of "key": value) appended.
inline std::string body_with(std::string_view fields = "") {
  std::string body = R"({"model":"m","max_tokens":64,"messages":[{"role":"user","content":"hi"}])";
  if (!fields.empty()) body.append(",").append(fields);
  return body + "}";
}

// A body holding these messages (the inside of the array).
inline std::string messages_body(std::string_view messages) {
  return std::string(R"({"model":"m","max_tokens":64,"messages":[)") + std::string(messages) + "]}";
}

inline ChatRequest accept(std::string_view body, const ParseOptions& options = {}) {
  auto result = proxy::anthropic::parse_messages_request(body, options);
  INFO("body: " << body);
  INFO("error: " << (result ? std::string() : result.error().message));
  REQUIRE(result.has_value());
  return *result;
}

inline Error reject(std::string_view body, const ParseOptions& options = {}) {
  auto result = proxy::anthropic::parse_messages_request(body, options);
  INFO("body: " << body);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == ErrorKind::invalid_argument);
  return result.error();
}

}  // namespace anthropic_parse_test
