// resolve_max_tokens: the completion budget of one attempt.
#include <catch2/catch.hpp>

#include "proxy/pipeline/attempts.h"

using namespace switchyard;
using namespace switchyard::proxy;

namespace {

EndpointConfig endpoint(int64_t context, int64_t cap, int64_t default_max) {
  EndpointConfig e;
  e.context_length = context;
  e.max_completion_tokens = cap;
  e.default_max_tokens = default_max;
  return e;
}

}  // namespace

TEST_CASE("a request without max_tokens gets the catalog's default, then the cap, then the context left",
          "[pipeline][max_tokens]") {
  ChatRequest r;
  CHECK(*resolve_max_tokens(r, endpoint(2048, 512, 64), 100) == 64);
  CHECK(*resolve_max_tokens(r, endpoint(2048, 512, 0), 100) == 512);
  CHECK(*resolve_max_tokens(r, endpoint(2048, 0, 0), 100) == 1948);
  // The default never passes the context left.
  CHECK(*resolve_max_tokens(r, endpoint(2048, 512, 64), 2000) == 48);
}

TEST_CASE("max_tokens from the request wins over the default, within the cap", "[pipeline][max_tokens]") {
  ChatRequest r;
  r.sampling.max_tokens = 200;
  CHECK(*resolve_max_tokens(r, endpoint(2048, 512, 64), 100) == 200);
  r.sampling.max_tokens = 900;
  CHECK(*resolve_max_tokens(r, endpoint(2048, 512, 64), 100) == 512);
}

TEST_CASE("a prompt that leaves no room is a 400 naming messages", "[pipeline][max_tokens]") {
  ChatRequest r;
  auto out = resolve_max_tokens(r, endpoint(2048, 512, 64), 2048);
  REQUIRE_FALSE(out);
  CHECK(out.error().kind == ErrorKind::invalid_argument);
}
