#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "providers/http/sse_parser.h"

using switchyard::providers::http::SseEvent;
using switchyard::providers::http::SseParser;

namespace {

struct Parsed {
  std::vector<SseEvent> events;
  bool ok = true;
  bool pending = false;
  uint64_t comments = 0;
};

Parsed parse_in_pieces(const std::string& stream, const std::vector<size_t>& cuts, size_t cap = SseParser::kDefaultMaxBufferedBytes) {
  SseParser parser(cap);
  Parsed p;
  size_t from = 0;
  for (size_t cut : cuts) {
    p.ok = parser.feed(std::string_view(stream).substr(from, cut - from), p.events) && p.ok;
    from = cut;
  }
  p.ok = parser.feed(std::string_view(stream).substr(from), p.events) && p.ok;
  p.pending = parser.has_pending();
  p.comments = parser.comment_count();
  return p;
}

Parsed parse(const std::string& stream) { return parse_in_pieces(stream, {}); }

bool same(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].event != b[i].event || a[i].data != b[i].data || a[i].id != b[i].id) return false;
  return true;
}

}  // namespace

TEST_CASE("SSE: data lines with and without the space, dispatch on blank line", "[sse]") {
  auto p = parse("data: {\"a\":1}\n\ndata:{\"b\":2}\n\ndata: [DONE]\n\n");
  REQUIRE(p.ok);
  REQUIRE(p.events.size() == 3);
  CHECK(p.events[0].data == "{\"a\":1}");
  CHECK(p.events[1].data == "{\"b\":2}");
  CHECK(p.events[2].data == "[DONE]");
  CHECK(p.events[0].event.empty());
  CHECK_FALSE(p.pending);
}

TEST_CASE("SSE: LF, CR and CRLF line endings all work", "[sse]") {
  for (std::string eol : {"\n", "\r", "\r\n"}) {
    auto p = parse("event: ping" + eol + "data: x" + eol + eol + "data: y" + eol + eol);
    REQUIRE(p.ok);
    REQUIRE(p.events.size() == 2);
    CHECK(p.events[0].event == "ping");
    CHECK(p.events[0].data == "x");
    CHECK(p.events[1].event.empty());  // the type resets after each dispatch
    CHECK(p.events[1].data == "y");
  }
}

TEST_CASE("SSE: comment lines are ignored and counted", "[sse]") {
  auto p = parse(": OPENROUTER PROCESSING\n\ndata: a\n: keep-alive\n\n:\n\n");
  REQUIRE(p.ok);
  REQUIRE(p.events.size() == 1);
  CHECK(p.events[0].data == "a");
  CHECK(p.comments == 3);
}

TEST_CASE("SSE: multi-line data is joined with newlines, other fields", "[sse]") {
  auto p = parse("id: 7\nretry: 100\nfoo: bar\ndata: line1\ndata\ndata: line3\n\nevent: only-type\n\n");
  REQUIRE(p.ok);
  REQUIRE(p.events.size() == 1);  // an event with no data is not dispatched (spec)
  CHECK(p.events[0].data == "line1\n\nline3");
  CHECK(p.events[0].id == "7");
}

TEST_CASE("SSE: a leading BOM is dropped", "[sse]") {
  auto p = parse("\xEF\xBB\xBF" "data: x\n\n");
  REQUIRE(p.events.size() == 1);
  CHECK(p.events[0].data == "x");
}

TEST_CASE("SSE: every split point gives the same events", "[sse]") {
  const std::string stream =
      "\xEF\xBB\xBF: OPENROUTER PROCESSING\r\n\r\n"
      "event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"h\\u00e9\"}}]}\n\n"
      "data:first\rdata: second\r\r"
      "id: 42\ndata: multi\ndata: line\n\n"
      "data: [DONE]\r\n\r\n";
  const auto whole = parse(stream);
  REQUIRE(whole.ok);
  REQUIRE(whole.events.size() == 5);
  CHECK(whole.events[0].event == "message_start");
  CHECK(whole.events[1].data == "{\"choices\":[{\"delta\":{\"content\":\"h\\u00e9\"}}]}");
  CHECK(whole.events[2].data == "first\nsecond");
  CHECK(whole.events[3].id == "42");
  CHECK(whole.events[4].data == "[DONE]");
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    INFO("cut at " << cut);
    auto p = parse_in_pieces(stream, {cut});
    CHECK(p.ok);
    CHECK(same(p.events, whole.events));
    CHECK_FALSE(p.pending);
  }
  // And one byte at a time.
  std::vector<size_t> all;
  for (size_t i = 1; i < stream.size(); ++i) all.push_back(i);
  auto bytewise = parse_in_pieces(stream, all);
  CHECK(same(bytewise.events, whole.events));
  CHECK(bytewise.comments == whole.comments);
}

TEST_CASE("SSE: truncation is detected at end of input", "[sse]") {
  CHECK(parse("data: {\"a\":1}\n\ndata: {\"b\"").pending);    // partial line
  CHECK(parse("data: {\"a\":1}\n\ndata: {\"b\":2}\n").pending);  // no blank line yet
  CHECK_FALSE(parse("data: {\"a\":1}\n\n").pending);
  CHECK_FALSE(parse("data: {\"a\":1}\r\n\r").pending);  // CR then end: still complete
}

TEST_CASE("SSE: buffered bytes are capped", "[sse]") {
  const size_t cap = 1024;
  SECTION("one endless line") {
    SseParser parser(cap);
    std::vector<SseEvent> out;
    std::string piece(100, 'x');
    bool ok = parser.feed("data: ", out);
    for (int i = 0; i < 20 && ok; ++i) ok = parser.feed(piece, out);
    CHECK_FALSE(ok);
    CHECK(parser.failed());
    CHECK_FALSE(parser.error().empty());
    CHECK_FALSE(parser.feed("\n\n", out));  // stays failed
    CHECK(out.empty());
  }
  SECTION("many data lines in one event") {
    std::string stream = "data: ok\n\n";
    for (int i = 0; i < 50; ++i) stream += "data: " + std::string(50, 'y') + "\n";
    auto p = parse_in_pieces(stream, {}, cap);
    CHECK_FALSE(p.ok);
    REQUIRE(p.events.size() == 1);  // what came before the failure is kept
    CHECK(p.events[0].data == "ok");
  }
  SECTION("under the cap is fine") {
    auto p = parse_in_pieces("data: " + std::string(900, 'z') + "\n\n", {}, cap);
    CHECK(p.ok);
    CHECK(p.events.size() == 1);
  }
}
