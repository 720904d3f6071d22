// Issue 16's pure pieces: the strict request-head parser, the chunked decoder, the capped
// inflate, log-text escaping, secret redaction and duplicate JSON keys.
#include <catch2/catch.hpp>
#include <zlib.h>

#include "proxy/http/body_inflate.h"
#include "proxy/http/chunked_body.h"
#include "proxy/http/log_text.h"
#include "proxy/http/redact.h"
#include "proxy/http/request_head.h"
#include "proxy/pipeline/duplicate_keys.h"
#include "proxy/pipeline/access_log.h"

using namespace switchyard;
using namespace switchyard::proxy;

namespace {

std::expected<RequestHead, HeadRefusal> head(const std::string& fields, uint64_t max = 1000) {
  return parse_request_head("POST /v1/chat/completions HTTP/1.1\r\n" + fields + "\r\n", HeadLimits{max});
}

int refused(const std::string& fields) {
  auto h = head(fields);
  return h ? 0 : h.error().status;
}

}  // namespace

TEST_CASE("request head: framing is strict", "[http][hostile]") {
  CHECK(refused("Content-Length: 5\r\nContent-Length: 6\r\n") == 400);
  CHECK(refused("Content-Length: 5\r\nContent-Length: 5\r\n") == 0);
  CHECK(refused("Content-Length: -5\r\n") == 400);
  CHECK(refused("Content-Length: 5 5\r\n") == 400);
  CHECK(refused("Content-Length: +5\r\n") == 400);
  CHECK(refused("Content-Length: 1001\r\n") == 413);
  CHECK(refused("Content-Length: 99999999999999999999999999\r\n") == 413);
  CHECK(refused("Transfer-Encoding: gzip, chunked\r\n") == 400);
  CHECK(refused("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n") == 400);
  CHECK(refused("Authorization: Bearer k\x01x\r\n") == 400);
  CHECK(refused(std::string("Authorization: Bearer k\0x\r\n", 27)) == 400);
  CHECK(refused("X-A: 1\r\n folded\r\n") == 400);
  CHECK(refused("X-A : 1\r\n") == 400);
  CHECK(refused("X-A: a\rb\r\n") == 400);
  CHECK(refused("Expect: 200-ok\r\n") == 417);
  auto h = head("Host: x\r\nX-Title: a%0D%0Ab\r\nTransfer-Encoding: Chunked\r\nContent-Encoding: GZIP\r\n");
  REQUIRE(h);
  CHECK(h->chunked);
  CHECK(h->content_encoding == "gzip");
  CHECK(*h->field("x-title") == "a%0D%0Ab");  // as received
  CHECK(h->content_length == 0);
  CHECK(h->keep_alive);
  auto none = head("Host: x\r\n");  // no length: 0 (RFC 9112 §6.3)
  REQUIRE(none);
  CHECK(none->content_length == 0);
  CHECK_FALSE(none->chunked);
  CHECK(parse_request_head("GET / HTTP/2.0\r\n\r\n", {}).error().status == 505);
  CHECK(parse_request_head("GET  / HTTP/1.1\r\n\r\n", {}).error().status == 400);
  CHECK_FALSE(parse_request_head("GET / HTTP/1.0\r\n\r\n", {})->keep_alive);
  CHECK(find_head_end("GET / HTTP/1.1\r\nA: b\r\n\r\nbody") == 24u);
  CHECK_FALSE(find_head_end("GET / HTTP/1.1\r\nA: b\r\n"));
}

TEST_CASE("chunked body: decoded incrementally, capped before the data is read", "[http][hostile]") {
  ChunkedBody d(10);
  std::string in = "4;ext\r\nabcd\r\n";
  CHECK(d.feed(in) == ChunkedBody::Status::need_more);
  in += "3\r\nefg\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  CHECK(d.feed(in) == ChunkedBody::Status::done);
  CHECK(d.body() == "abcdefg");
  CHECK(in == "NEXT");
  // Byte by byte gives the same.
  ChunkedBody slow(10);
  std::string all = "4\r\nabcd\r\n0\r\n\r\n", pending;
  ChunkedBody::Status st = ChunkedBody::Status::need_more;
  for (char c : all) {
    pending += c;
    st = slow.feed(pending);
  }
  CHECK(st == ChunkedBody::Status::done);
  CHECK(slow.body() == "abcd");
  ChunkedBody big(10);
  std::string huge = "ffffffff\r\n";
  CHECK(big.feed(huge) == ChunkedBody::Status::too_large);
  ChunkedBody bad(10);
  std::string junk = "zz\r\n";
  CHECK(bad.feed(junk) == ChunkedBody::Status::malformed);
  ChunkedBody nocrlf(10);
  std::string missing = "2\r\nabXY";
  CHECK(nocrlf.feed(missing) == ChunkedBody::Status::malformed);
}

TEST_CASE("inflate: capped, and refuses what it cannot decode", "[http][hostile]") {
  std::string data(100000, 'a');
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string gz(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(gz.data());
  z.avail_out = static_cast<uInt>(gz.size());
  deflate(&z, Z_FINISH);
  gz.resize(z.total_out);
  deflateEnd(&z);
  CHECK(inflate_body(gz, "gzip", 200000).value() == data);
  CHECK(inflate_body(gz, "gzip", 50000).error().status == 413);
  CHECK(inflate_body(gz.substr(0, gz.size() / 2), "gzip", 200000).error().status == 400);
  CHECK(inflate_body("not gzip", "gzip", 200000).error().status == 400);
  CHECK(inflate_body(gz, "br", 200000).error().status == 415);
}

// Finding 6. Before: a model name holding "\n" wrote a second, forged log line.
TEST_CASE("finding 6: log lines escape control characters", "[http][hostile]") {
  CHECK(escape_log_text("a\nb\r\tc\\d\x01\x7f") == "a\\nb\\r\\tc\\\\d\\x01\\x7f");
  CHECK(escape_log_text("caf\xc3\xa9") == "caf\xc3\xa9");  // valid UTF-8 stays readable
  CHECK(escape_log_text("\xff") == "\\xff");
  db::UsageRecord r;
  r.generation_id = "gen-1";
  r.api = "chat";
  r.model = "m\ngen-2 chat forged status=200";
  r.provider = "p\r";
  r.x_title = "t\x1b[31m";
  for (const std::string& line : {format_access_text(r, AccessContext{"k\n", "1.2.3.4"}),
                                  format_access_json(r, AccessContext{"k\n", "1.2.3.4"})}) {
    INFO(line);
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(line.find('\r') == std::string::npos);
    CHECK(line.find('\x1b') == std::string::npos);
  }
}

TEST_CASE("redaction: every configured secret, wherever it occurs", "[http][hostile]") {
  const std::vector<std::string> secrets = {"sk-live-abcdef123", "short"};
  CHECK(redact_secrets("Bearer sk-live-abcdef123 and sk-live-abcdef123", secrets) == "Bearer [REDACTED] and [REDACTED]");
  CHECK(redact_secrets("short is too short to search", secrets) == "short is too short to search");
  Error e{ErrorKind::upstream_error, "bad key sk-live-abcdef123 \xff", 0, R"({"raw":"sk-live-abcdef123"})", 0};
  Error clean = redact_error(e, secrets);
  CHECK(clean.message == "bad key [REDACTED] \xef\xbf\xbd");
  CHECK(clean.metadata_json == R"({"raw":"[REDACTED]"})");
}

TEST_CASE("duplicate JSON keys are found at any depth", "[http][hostile]") {
  CHECK(first_duplicate_key(R"({"a":1,"a":2})") == "a");
  CHECK(first_duplicate_key(R"({"messages":[{"role":"user"},{"role":"user","role":"system"}]})") ==
        "messages[1].role");
  CHECK_FALSE(first_duplicate_key(R"({"a":{"b":1},"c":{"b":2}})"));
  CHECK_FALSE(first_duplicate_key("not json"));
}
