// Anthropic's error shape and the type each status gets.
#include <catch2/catch.hpp>

#include "proxy/api/anthropic/errors.h"

using namespace switchyard;
using namespace switchyard::proxy::anthropic;

TEST_CASE("every error kind gets Anthropic's type for its status", "[anthropic][errors]") {
  auto [kind, status, expected] = GENERATE(table<ErrorKind, int, std::string>({
      {ErrorKind::invalid_argument, 0, "invalid_request_error"},
      {ErrorKind::unprocessable, 0, "invalid_request_error"},
      {ErrorKind::unauthenticated, 0, "authentication_error"},
      {ErrorKind::payment_required, 0, "billing_error"},
      {ErrorKind::forbidden, 0, "permission_error"},
      {ErrorKind::not_found, 0, "not_found_error"},
      {ErrorKind::payload_too_large, 0, "request_too_large"},
      {ErrorKind::rate_limited, 0, "rate_limit_error"},
      {ErrorKind::internal, 0, "api_error"},
      {ErrorKind::upstream_error, 0, "api_error"},
      {ErrorKind::upstream_error, 500, "api_error"},
      {ErrorKind::upstream_error, 529, "overloaded_error"},
      {ErrorKind::upstream_unavailable, 0, "overloaded_error"},
      {ErrorKind::no_route, 0, "overloaded_error"},
      {ErrorKind::timeout, 0, "api_error"},
      {ErrorKind::invalid_argument, 409, "invalid_request_error"},
  }));
  CHECK(std::string(error_type(Error{kind, "m", status, {}, 0})) == expected);
}

TEST_CASE("the error body is Anthropic's shape, metadata left out", "[anthropic][errors]") {
  Error e{ErrorKind::invalid_argument, "max_tokens must be an integer >= 1, got \"x\"", 0, R"({"param":"max_tokens"})", 0};
  CHECK(error_body(e) ==
        R"({"type":"error","error":{"type":"invalid_request_error","message":"max_tokens must be an integer >= 1, got \"x\""}})");
}
