// The access log's line formats: every field, escaping, valid JSON.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "proxy/pipeline/access_log.h"

using namespace switchyard;
using namespace switchyard::proxy;

namespace {

db::UsageRecord row() {
  db::UsageRecord r;
  r.generation_id = "gen-1-abc";
  r.key_hash = "0123456789abcdef";
  r.model = "switchyard/demo-mixtral";
  r.provider = "local";
  r.upstream_model = "demo-mixtral";
  r.status = 200;
  r.prompt_tokens = 12;
  r.completion_tokens = 64;
  r.cost_pico = 650000;
  r.latency_ms = 15;
  r.total_ms = 340;
  r.streamed = true;
  r.x_title = "My App";
  r.api = "chat";
  r.created = 1764637323456;  // 2025-12-02T01:02:03.456Z
  r.attempts.resize(2);
  return r;
}

}  // namespace

TEST_CASE("a text access line has every field, and the key's name, never its hash", "[access_log]") {
  std::string line = format_access_text(row(), {"demo", "127.0.0.1"});
  CHECK(line ==
        "2025-12-02T01:02:03.456Z gen-1-abc status=200 key=demo app=\"My App\" ip=127.0.0.1 api=chat "
        "model=switchyard/demo-mixtral provider=local upstream=demo-mixtral tokens=12+64 cost=$0.00000065 "
        "ttfb_ms=15 total_ms=340 attempts=2 stream\n");
  CHECK(line.find("0123456789abcdef") == std::string::npos);
}

TEST_CASE("a value with a newline or control bytes cannot forge a second line", "[access_log]") {
  db::UsageRecord r = row();
  r.model = "m\n2025-12-02T00:00:00.000Z gen-forged status=200";
  r.x_title = "a\x1b[31m\"b\"";
  r.error_message = "bad\r\nthing";
  std::string line = format_access_text(r, {"k", "::1"});
  CHECK(line.find('\n') == line.size() - 1);
  CHECK(line.find('\r') == std::string::npos);
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find("model=\"m\\n2025-12-02T00:00:00.000Z gen-forged status=200\"") != std::string::npos);
  CHECK(line.find("app=\"a\\x1b[31m\\\"b\\\"\"") != std::string::npos);
  CHECK(line.find("error=bad\\r\\nthing") != std::string::npos);
}

TEST_CASE("a JSON access line parses, with invalid UTF-8 replaced", "[access_log]") {
  db::UsageRecord r = row();
  r.x_title = std::string("caf\xc3\xa9 \xff\xfe");
  r.latency_ms.reset();
  r.cancelled = true;
  r.status = 499;
  std::string line = format_access_json(r, {"demo", "10.0.0.7"});
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
  CHECK(std::string(doc["time"].get_string().value()) == "2025-12-02T01:02:03.456Z");
  CHECK(std::string(doc["generation_id"].get_string().value()) == "gen-1-abc");
  CHECK(doc["status"].get_int64().value() == 499);
  CHECK(std::string(doc["key"].get_string().value()) == "demo");
  CHECK(std::string(doc["app"].get_string().value()) == "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
  CHECK(std::string(doc["client_ip"].get_string().value()) == "10.0.0.7");
  CHECK(doc["prompt_tokens"].get_int64().value() == 12);
  CHECK(doc["completion_tokens"].get_int64().value() == 64);
  CHECK(doc["cost"].get_double().value() == 0.00000065);
  CHECK(doc["ttfb_ms"].is_null());
  CHECK(doc["total_ms"].get_int64().value() == 340);
  CHECK(doc["attempts"].get_int64().value() == 2);
  CHECK(doc["cancelled"].get_bool().value());
}

TEST_CASE("with no X-Title the app is the HTTP-Referer", "[access_log]") {
  db::UsageRecord r = row();
  r.x_title.clear();
  r.http_referer = "https://example.com/app";
  CHECK(format_access_text(r, {"k", "ip"}).find("app=https://example.com/app ") != std::string::npos);
}
