// ParserLease (providers/json_parser.h): one reused parser per thread, a parser of its own
// for a nested lease, and no large buffers kept.
#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include "providers/json_parser.h"

using switchyard::ParserLease;

namespace {

std::string array_of(size_t bytes) {  // a JSON array of about `bytes` bytes
  std::string s = "[";
  while (s.size() + 3 < bytes) s += "1,";
  s += "1]";
  return s;
}

}  // namespace

TEST_CASE("ParserLease: leases in turn on one thread reuse one parser", "[json]") {
  simdjson::dom::parser* first = nullptr;
  {
    ParserLease p;
    first = &*p;
    simdjson::dom::element doc;
    REQUIRE(p->parse(std::string(R"({"a":1})")).get(doc) == simdjson::SUCCESS);
  }
  ParserLease again;
  CHECK(&*again == first);
  CHECK(again->capacity() > 0);  // its buffers were kept
}

TEST_CASE("ParserLease: a nested lease gets a parser of its own, and the outer document stays valid", "[json]") {
  ParserLease outer;
  simdjson::dom::element a;
  REQUIRE(outer->parse(std::string(R"({"x":"outer"})")).get(a) == simdjson::SUCCESS);
  {
    ParserLease inner;
    CHECK(&*inner != &*outer);
    simdjson::dom::element b;
    REQUIRE(inner->parse(std::string(R"({"x":"inner"})")).get(b) == simdjson::SUCCESS);
    CHECK(std::string_view(b["x"].get_string().value()) == "inner");
  }
  CHECK(std::string_view(a["x"].get_string().value()) == "outer");
}

TEST_CASE("ParserLease: a large document's buffers are not kept by the thread", "[json]") {
  {
    ParserLease p;
    simdjson::dom::element doc;
    REQUIRE(p->parse(array_of(4 * ParserLease::kKeepBytes)).get(doc) == simdjson::SUCCESS);
    CHECK(p->capacity() > ParserLease::kKeepBytes);
  }
  ParserLease after;
  CHECK(after->capacity() <= ParserLease::kKeepBytes);
}

TEST_CASE("ParserLease: each thread has its own parser", "[json]") {
  ParserLease here;
  simdjson::dom::parser* there = nullptr;
  std::thread([&] {
    ParserLease p;
    there = &*p;
  }).join();
  CHECK(there != &*here);
}
