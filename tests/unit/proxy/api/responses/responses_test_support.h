// Helpers for the [responses] parser tests: bodies around a minimal valid request, and
// results unwrapped with the failure message in the Catch2 report.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "proxy/api/responses/request_parser.h"

namespace responses_test {

using namespace switchyard;

// A valid Responses body with `fields` (a comma-separated list of "key": value) appended.
inline std::string body_with(std::string_view fields = "") {
  std::string body = R"({"model":"m","input":"hi")";
  if (!fields.empty()) body.append(",").append(fields);
  return body + "}";
}

// A body whose input is the given items array text.
inline std::string input_body(std::string_view items) {
  return std::string(R"({"model":"m","input":)") + std::string(items) + "}";
}

inline ChatRequest accept(std::string_view body) {
  auto result = proxy::parse_responses_request(body);
  INFO("body: " << body);
  INFO("error: " << (result ? std::string() : result.error().message));
  REQUIRE(result.has_value());
  return *result;
}

inline Error reject(std::string_view body) {
  auto result = proxy::parse_responses_request(body);
  INFO("body: " << body);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == ErrorKind::invalid_argument);
  CHECK(http_status(result.error()) == 400);
  return result.error();
}

// The echoed JSON for one field, or "" when it is not echoed.
inline std::string echo(const ChatRequest& r, std::string_view field) {
  for (const auto& [name, json] : r.echo_fields)
    if (name == field) return json;
  return {};
}

}  // namespace responses_test
