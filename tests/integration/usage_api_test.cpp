// Usage you can see, over real HTTP: OpenRouter's /api/v1/activity, grouped usage from the
// hourly rollups, and the raw generations export streamed in pages.
#include "admin_fixture.h"
#include "support/child_process.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

httplib::Result chat_as(AdminFixture& f, const std::string& key, const std::string& model, const std::string& title) {
  auto c = f.proxy->client();
  httplib::Headers h = bearer(key);
  if (!title.empty()) h.emplace("X-Title", title);
  return c.Post("/v1/chat/completions", h,
                R"({"model":")" + model + R"(","max_tokens":100,"messages":[{"role":"user","content":"hello"}]})",
                "application/json");
}

}  // namespace

TEST_CASE("activity: the last 30 UTC days by model and provider, each key its own", "[usage][integration]") {
  AdminFixture f;
  std::string alice = f.proxy->create_key("alice");
  std::string bob = f.proxy->create_key("bob");
  f.clock.set("2026-11-01T12:00:00Z");  // 31 days before "today": outside the window
  REQUIRE(chat_as(f, alice, "test/m", "")->status == 200);
  f.clock.set("2026-11-30T12:00:00Z");
  REQUIRE(chat_as(f, alice, "test/m", "")->status == 200);
  REQUIRE(chat_as(f, bob, "test/free", "")->status == 200);
  f.clock.set("2026-12-01T08:00:00Z");
  REQUIRE(chat_as(f, alice, "test/m", "")->status == 200);
  REQUIRE(chat_as(f, alice, "test/m", "")->status == 200);

  simdjson::dom::parser p;
  auto all = f.call("GET", "/api/v1/activity");
  REQUIRE(all->status == 200);
  auto rows = json(p, all->body)["data"].get_array().value();
  REQUIRE(rows.size() == 3);
  CHECK(text(rows.at(0)["date"]) == "2026-11-30");
  CHECK(text(rows.at(2)["date"]) == "2026-12-01");
  CHECK(text(rows.at(2)["model"]) == "test/m");
  CHECK(text(rows.at(2)["provider_name"]) == "up");
  CHECK(rows.at(2)["requests"].get_int64().value() == 2);
  CHECK(rows.at(2)["completion_tokens"].get_int64().value() == 200);
  CHECK(rows.at(2)["usage"].get_double().value() == Approx(2 * AdminFixture::kAnswerCost / 1e12));

  auto mine = f.call("GET", "/api/v1/activity", "", bob);  // an ordinary key: its own rows only
  REQUIRE(mine->status == 200);
  auto bob_rows = json(p, mine->body)["data"].get_array().value();
  REQUIRE(bob_rows.size() == 1);
  CHECK(text(bob_rows.at(0)["model"]) == "test/free");
  CHECK(f.call("GET", "/api/v1/activity?api_key_hash=" + std::string(64, 'a'), "", bob)->status == 403);
  auto day = f.call("GET", "/api/v1/activity?date=2026-12-01");
  CHECK(json(p, day->body)["data"].get_array().value().size() == 1);
  CHECK(f.call("GET", "/api/v1/activity?date=2026-10-01")->status == 400);
  CHECK(f.call("GET", "/api/v1/activity?date=yesterday")->status == 400);
}

TEST_CASE("admin usage: sums per period and group, filtered, as JSON, NDJSON and CSV", "[usage][integration]") {
  AdminFixture f;
  std::string key = f.proxy->create_key("app-key");
  f.clock.set("2026-12-01T09:15:00Z");
  REQUIRE(chat_as(f, key, "test/m", "Acme, \"the\" app")->status == 200);
  REQUIRE(chat_as(f, key, "test/m", "other")->status == 200);
  f.clock.set("2026-12-01T10:15:00Z");
  REQUIRE(chat_as(f, key, "test/free", "other")->status == 200);
  REQUIRE(chat_as(f, key, "test/unpriced", "other")->status == 503);

  simdjson::dom::parser p;
  auto hourly = f.call("GET", "/api/v1/admin/usage?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z"
                              "&granularity=hour&group_by=model,status");
  REQUIRE(hourly->status == 200);
  auto buckets = json(p, hourly->body)["data"].get_array().value();
  REQUIRE(buckets.size() == 3);
  CHECK(text(buckets.at(0)["period_start"]) == "2026-12-01T09:00:00.000Z");
  CHECK(text(buckets.at(0)["model"]) == "test/m");
  CHECK(buckets.at(0)["requests"].get_int64().value() == 2);
  CHECK(buckets.at(0)["cost_usd"].get_double().value() == Approx(2 * AdminFixture::kAnswerCost / 1e12));
  CHECK(text(buckets.at(1)["status"]) == "2xx");
  CHECK(text(buckets.at(2)["status"]) == "5xx");  // the unpriced model's 503, recorded
  CHECK(buckets.at(2)["errors"].get_int64().value() == 1);

  auto filtered = f.call("GET", "/api/v1/admin/usage?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z"
                                "&group_by=app&model=test/m&format=ndjson");
  REQUIRE(filtered->status == 200);
  CHECK(filtered->get_header_value("Content-Type").find("ndjson") != std::string::npos);
  CHECK(std::count(filtered->body.begin(), filtered->body.end(), '\n') == 2);

  auto csv = f.call("GET", "/api/v1/admin/usage?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z"
                           "&group_by=app&format=csv");
  REQUIRE(csv->status == 200);
  CHECK(csv->body.rfind("period_start,app,requests,", 0) == 0);
  CHECK(csv->body.find("\"Acme, \"\"the\"\" app\"") != std::string::npos);  // RFC 4180 quoting

  for (const char* bad : {"granularity=year", "group_by=colour", "format=xml", "from=2026-13-01", "from=2026-12-02&to=2026-12-01"}) {
    INFO(bad);
    CHECK(f.call("GET", std::string("/api/v1/admin/usage?") + bad)->status == 400);
  }
  CHECK(f.call("GET", "/api/v1/admin/usage", "", key)->status == 403);
}

TEST_CASE("generations export: every raw row with its attempts, streamed or paged", "[usage][integration]") {
  AdminFixture f;
  std::string key = f.proxy->create_key("exporter");
  for (int i = 0; i < 25; ++i) REQUIRE(chat_as(f, key, i % 5 ? "test/m" : "test/free", "")->status == 200);

  simdjson::dom::parser p;
  auto all = f.call("GET", "/api/v1/admin/generations");
  REQUIRE(all->status == 200);
  auto rows = json(p, all->body)["data"].get_array().value();
  REQUIRE(rows.size() == 25);
  CHECK(rows.at(0)["attempts"].get_array().value().size() == 1);
  CHECK(text(rows.at(0)["attempts"].at(0)["provider"]) == "up");
  CHECK(text(rows.at(0)["api"]) == "chat");

  std::set<std::string> seen;
  std::string cursor = "0";
  for (int page = 0; page < 10; ++page) {
    auto r = f.call("GET", "/api/v1/admin/generations?model=test/m&limit=7&cursor=" + cursor + "&format=ndjson");
    REQUIRE(r->status == 200);
    for (size_t at = 0, nl; (nl = r->body.find('\n', at)) != std::string::npos; at = nl + 1) {
      simdjson::dom::parser line_parser;
      seen.insert(text(json(line_parser, r->body.substr(at, nl - at))["generation_id"]));
    }
    cursor = r->get_header_value("X-Next-Cursor");
    if (cursor.empty()) break;
  }
  CHECK(seen.size() == 20);  // every test/m row once, in pages of 7

  auto csv = f.call("GET", "/api/v1/admin/generations?format=csv&model=test/free");
  REQUIRE(csv->status == 200);
  CHECK(std::count(csv->body.begin(), csv->body.end(), '\n') == 6);  // header + 5 rows
  CHECK(f.call("GET", "/api/v1/admin/generations?limit=0")->status == 400);
}

TEST_CASE("the usage and export CLI read the same data from the database", "[usage][integration]") {
  AdminFixture f;
  std::string key = f.proxy->create_key("cli");
  f.clock.set("2026-12-01T09:15:00Z");
  for (int i = 0; i < 3; ++i) REQUIRE(chat_as(f, key, "test/m", "Acme, Inc.")->status == 200);
  f.proxy->flush();
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), switchyard_binary());
    args.push_back("--db");
    args.push_back(f.proxy->db_path());
    ChildProcess cli(args);
    std::string out, line;
    while (!(line = cli.read_line()).empty() || cli.wait(std::chrono::milliseconds(1)) == -1) out += line + "\n";
    return out;
  };
  std::string usage = run({"usage", "--from", "2026-12-01T00:00:00Z", "--to", "2026-12-02T00:00:00Z", "--group-by", "app"});
  CHECK(usage.rfind("period_start,app,requests,", 0) == 0);  // piped: CSV by default
  CHECK(usage.find("\"Acme, Inc.\",3,") != std::string::npos);
  std::string exported = run({"export", "--from", "2026-12-01T00:00:00Z", "--to", "2026-12-02T00:00:00Z", "--format", "ndjson"});
  CHECK(std::count(exported.begin(), exported.end(), '{') >= 3);
  CHECK(exported.find("\"app\":\"Acme, Inc.\"") != std::string::npos);
}

TEST_CASE("the dashboard's overview, providers and newest-first generations", "[usage][integration]") {
  AdminFixture f;
  std::string a = f.proxy->create_key("a"), b = f.proxy->create_key("b");
  f.clock.set("2026-11-30T10:00:00Z");
  REQUIRE(chat_as(f, a, "test/m", "App One")->status == 200);
  f.clock.set("2026-12-01T10:00:00Z");
  for (int i = 0; i < 3; ++i) REQUIRE(chat_as(f, b, "test/m", "App Two")->status == 200);
  REQUIRE(chat_as(f, a, "test/free", "App One")->status == 200);

  simdjson::dom::parser p;
  auto o = f.call("GET", "/api/v1/admin/overview?from=2026-11-30T00:00:00Z&to=2026-12-02T00:00:00Z");
  REQUIRE(o->status == 200);
  auto doc = json(p, o->body);
  auto series = doc["series"].get_array().value();
  REQUIRE(series.size() == 2);
  CHECK(text(series.at(0)["date"]) == "2026-11-30");
  CHECK(series.at(1)["requests"].get_int64().value() == 4);
  CHECK(series.at(1)["cost_usd"].get_double().value() == Approx(3 * AdminFixture::kAnswerCost / 1e12));
  auto keys = doc["top"]["key"].get_array().value();
  REQUIRE(keys.size() == 2);
  CHECK(keys.at(0)["requests"].get_int64().value() == 3);  // b spent the most
  CHECK(text(doc["top"]["app"].at(0)["name"]) == "App Two");
  CHECK(doc["top"]["model"].get_array().value().size() == 2);

  auto providers = f.call("GET", "/api/v1/admin/providers");
  REQUIRE(providers->status == 200);
  bool found = false, unpriced_null = false;
  simdjson::dom::array endpoints = json(p, providers->body)["data"].get_array().value();  // not a temporary's
  for (auto e : endpoints) {
    if (text(e["model"]) == "test/m") {
      found = true;
      CHECK(text(e["kind"]) == "openai");
      CHECK(e["price"]["prompt"].get_double().value() == 1.0);
      CHECK(e["uptime_last_5m"].get_double().value() == 100.0);
      CHECK(text(e["circuit"]) == "closed");
    }
    if (text(e["model"]) == "test/unpriced") unpriced_null = e["price"].is_null();
  }
  CHECK(found);
  CHECK(unpriced_null);

  auto newest = f.call("GET", "/api/v1/admin/generations?order=desc&limit=2&from=2026-11-01T00:00:00Z");
  REQUIRE(newest->status == 200);
  auto rows = json(p, newest->body)["data"].get_array().value();
  REQUIRE(rows.size() == 2);
  CHECK(rows.at(0)["id"].get_int64().value() > rows.at(1)["id"].get_int64().value());
  CHECK(text(rows.at(0)["model"]) == "test/free");  // the last one made
  auto older = f.call("GET", "/api/v1/admin/generations?order=desc&limit=10&from=2026-11-01T00:00:00Z&cursor=" +
                                 newest->get_header_value("X-Next-Cursor"));
  CHECK(json(p, older->body)["data"].get_array().value().size() == 3);
}
