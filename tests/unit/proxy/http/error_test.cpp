#include <catch2/catch.hpp>

#include "proxy/http/error.h"

using namespace switchyard;

TEST_CASE("error bodies use the OpenAI/OpenRouter shape", "[http]") {
  Error e{ErrorKind::invalid_argument, "temperature must be in [0, 2]", 0, "{\"field\":\"temperature\"}", 0};
  CHECK(proxy::error_body(e) ==
        "{\"error\":{\"code\":400,\"message\":\"temperature must be in [0, 2]\",\"type\":\"invalid_argument\","
        "\"metadata\":{\"field\":\"temperature\"}}}");
  Error up{ErrorKind::upstream_error, "bad gateway", 0, "", 0};
  CHECK(http_status(up) == 502);
  CHECK(proxy::error_body(up).find("\"metadata\"") == std::string::npos);
}
