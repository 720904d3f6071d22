// The format's own choices: where the key comes from and which sink a request gets.
#include <catch2/catch.hpp>

#include "proxy/api/anthropic/messages_format.h"

using namespace switchyard;
using namespace switchyard::proxy;
using namespace switchyard::proxy::anthropic;

TEST_CASE("the key comes from x-api-key, else from Authorization", "[anthropic][format]") {
  MessagesFormat f;
  httplib::Request both;
  both.headers.emplace("x-api-key", "sk-1");
  both.headers.emplace("Authorization", "Bearer sk-2");
  CHECK(f.credentials(both) == "Bearer sk-1");
  httplib::Request bearer;
  bearer.headers.emplace("Authorization", "Bearer sk-2");
  CHECK(f.credentials(bearer) == "Bearer sk-2");
  httplib::Request none;
  CHECK(f.credentials(none).empty());
  CHECK(f.api() == ApiSurface::messages);
}

TEST_CASE("a streamed request gets the SSE sink with ping keep-alives", "[anthropic][format]") {
  MessagesFormat f;
  ChatRequest r;
  CHECK_FALSE(f.sink(r)->streaming());
  r.stream = true;
  auto sink = f.sink(r);
  CHECK(sink->streaming());
  CHECK(sink->keep_alive() == "event: ping\ndata: {\"type\": \"ping\"}\n\n");
  std::string start = sink->start(ResponseStart{"gen-1", 1, "m", "p", {}});
  CHECK(start.starts_with("event: message_start\n"));
}
