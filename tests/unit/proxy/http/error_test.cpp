#include <catch2/catch.hpp>

#include "proxy/http/error.h"

using namespace switchyard;

TEST_CASE("error bodies use the OpenAI/OpenRouter shape", "[http]") {
  Error e{ErrorKind::invalid_argument, "temperature must be in [0, 2]", 0, "{\"field\":\"temperature\"}", 0};
  CHECK(proxy::error_body(e) ==
        "{\"error\":{\"code\":400,\"message\":\"temperature must be in [0, 2]\",\"type\":\"invalid_request_error\","
        "\"param\":null,\"metadata\":{\"field\":\"temperature\"}}}");
  Error up{ErrorKind::upstream_error, "bad gateway", 0, "", 0};
  CHECK(http_status(up) == 502);
  CHECK(proxy::error_body(up).find("\"metadata\"") == std::string::npos);
}

TEST_CASE("errors carry OpenAI's type for every kind, and the field at fault as param", "[http]") {
  auto [kind, type] = GENERATE(table<ErrorKind, std::string>({
      {ErrorKind::invalid_argument, "invalid_request_error"},
      {ErrorKind::payload_too_large, "invalid_request_error"},
      {ErrorKind::unauthenticated, "authentication_error"},
      {ErrorKind::forbidden, "permission_error"},
      {ErrorKind::not_found, "not_found_error"},
      {ErrorKind::rate_limited, "rate_limit_error"},
      {ErrorKind::payment_required, "insufficient_quota"},
      {ErrorKind::internal, "server_error"},
      {ErrorKind::upstream_error, "server_error"},
      {ErrorKind::no_route, "server_error"},
      {ErrorKind::timeout, "server_error"},
  }));
  Error e{kind, "m", 0, "{\"param\":\"messages[0].role\",\"x\":1}", 0};
  std::string body = proxy::error_body(e);
  CHECK(body.find("\"type\":\"" + type + "\"") != std::string::npos);
  CHECK(body.find("\"param\":\"messages[0].role\"") != std::string::npos);
  CHECK(body.find("\"code\":" + std::to_string(http_status(e))) != std::string::npos);
}
