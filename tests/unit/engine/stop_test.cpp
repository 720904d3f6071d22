#include <catch2/catch.hpp>

#include "local_engine/stop_strings.h"

using namespace switchyard::engine;

TEST_CASE("stop strings match across chunks and are never emitted", "[stop]") {
  StopMatcher m({"</end>"});
  std::string emitted;
  auto a = m.push("abc</");
  CHECK(a.text == "abc");
  emitted += a.text;
  auto b = m.push("en");
  CHECK(b.text.empty());
  CHECK_FALSE(b.stopped);
  auto c = m.push("d>tail");
  CHECK(c.stopped);
  CHECK(c.matched == "</end>");
  emitted += c.text;
  CHECK(emitted == "abc");
  CHECK(m.push("more").text.empty());  // nothing after a stop
}

TEST_CASE("held-back text is released when it stops being a prefix", "[stop]") {
  StopMatcher m({"</end>", "STOP"});
  CHECK(m.push("a<").text == "a");
  CHECK(m.push("/b").text == "</b");
  CHECK(m.push("ST").text.empty());
  CHECK(m.flush() == "ST");
}

TEST_CASE("the earliest stop string wins", "[stop]") {
  StopMatcher m({"world", "lo w"});
  const auto r = m.push("hello world");
  CHECK(r.stopped);
  CHECK(r.text == "hel");
  CHECK(r.matched == "lo w");
  StopMatcher none({""});
  CHECK(none.push("x").text == "x");
}
