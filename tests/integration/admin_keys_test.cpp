// The operator's key API over real HTTP: management keys, OpenRouter's /api/v1/keys, expiry,
// disabling and deleting (applied at once), the audit log, and the CLI's changes picked up
// by a running server.
#include <signal.h>

#include "admin_fixture.h"
#include "support/child_process.h"

using namespace switchyard;
using namespace switchyard::testing;

TEST_CASE("admin API: management keys and ordinary keys stay on their side", "[admin][integration]") {
  AdminFixture f;
  std::string ordinary = f.proxy->create_key("app");
  auto denied = f.call("GET", "/api/v1/keys", "", ordinary);
  REQUIRE(denied);
  CHECK(denied->status == 403);
  CHECK(denied->body.find("management key") != std::string::npos);
  auto anonymous = f.proxy->client().Get("/api/v1/keys");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  auto completion = f.chat(f.admin);
  REQUIRE(completion);
  CHECK(completion->status == 403);
  CHECK(f.log->opened == 0);  // refused before anything went upstream
  simdjson::dom::parser p;
  auto me = f.call("GET", "/api/v1/key");
  REQUIRE(me);
  CHECK(json(p, me->body)["data"]["is_management_key"].get_bool().value());
  auto them = f.call("GET", "/api/v1/key", "", ordinary);
  CHECK_FALSE(json(p, them->body)["data"]["is_management_key"].get_bool().value());
  CHECK(f.chat(ordinary)->status == 200);
}

TEST_CASE("admin API: create, read, list, update and delete keys in OpenRouter's shape", "[admin][integration]") {
  AdminFixture f;
  auto [plaintext, hash] = f.create(R"({"name":"svc","limit":5,"limit_reset":"weekly","rpm":60,
                                        "expires_at":"2027-01-01T00:00:00Z","include_byok_in_limit":true})");
  CHECK(plaintext.rfind("sk-sy-v1-", 0) == 0);
  simdjson::dom::parser p;
  auto one = f.call("GET", "/api/v1/keys/" + hash);
  REQUIRE(one->status == 200);
  auto k = json(p, one->body)["data"];
  CHECK(text(k["name"]) == "svc");
  CHECK(text(k["label"]).rfind("sk-sy-v1-", 0) == 0);
  CHECK(k["limit"].get_double().value() == 5.0);
  CHECK(k["limit_remaining"].get_double().value() == 5.0);
  CHECK(text(k["limit_reset"]) == "weekly");
  CHECK(text(k["expires_at"]) == "2027-01-01T00:00:00.000Z");
  CHECK(k["rate_limits"]["rpm"].get_int64().value() == 60);
  CHECK(k["rate_limits"]["tpm"].is_null());
  for (const char* field : {"usage", "usage_daily", "usage_weekly", "usage_monthly", "created_at", "updated_at"})
    CHECK(k[field].error() == simdjson::SUCCESS);
  CHECK(one->body.find(plaintext) == std::string::npos);  // the key is shown only once

  CHECK(f.chat(plaintext)->status == 200);  // usable at once
  auto patched = f.call("PATCH", "/api/v1/keys/" + hash, R"({"name":"svc2","limit":null,"rpm":null})");
  REQUIRE(patched->status == 200);
  auto pk = json(p, patched->body)["data"];
  CHECK(text(pk["name"]) == "svc2");
  CHECK(pk["limit"].is_null());
  CHECK(pk["usage"].get_double().value() > 0);  // the request above, billed

  auto disabled = f.call("PATCH", "/api/v1/keys/" + hash, R"({"disabled":true})");
  REQUIRE(disabled->status == 200);
  auto refused = f.chat(plaintext);
  CHECK(refused->status == 401);
  CHECK(refused->body.find("disabled") != std::string::npos);
  auto listed = f.call("GET", "/api/v1/keys");
  CHECK(listed->body.find(hash) == std::string::npos);  // disabled keys are left out by default
  CHECK(f.call("GET", "/api/v1/keys?include_disabled=true")->body.find(hash) != std::string::npos);

  auto deleted = f.call("DELETE", "/api/v1/keys/" + hash);
  REQUIRE(deleted->status == 200);
  CHECK(deleted->body == "{\"deleted\":true}");
  CHECK(f.call("GET", "/api/v1/keys/" + hash)->status == 404);
  CHECK(f.call("DELETE", "/api/v1/keys/" + hash)->status == 404);
  CHECK(f.call("PATCH", "/api/v1/keys/" + hash, R"({"name":"x"})")->status == 404);
  CHECK(f.chat(plaintext)->status == 401);
}

TEST_CASE("admin API: bad bodies are refused whole, naming the field", "[admin][integration]") {
  AdminFixture f;
  auto [body, fragment] = GENERATE(table<std::string, std::string>({
      {R"({"name":"a","limt":5})", R"(Unknown field \"limt\" (known: name)"},
      {R"({"name":"a","limit":-1})", "limit must be a number in [0, 1000000000]"},
      {R"({"name":"a","limit":"5"})", "limit must be a number"},
      {R"({"name":"a","limit_reset":"hourly"})", "limit_reset must be one of"},
      {R"({"name":"a","expires_at":"tomorrow"})", "expires_at must be an ISO 8601 time"},
      {R"({"name":"a","expires_at":"2020-01-01T00:00:00Z"})", "expires_at must be a time in the future"},
      {R"({"name":"a","rpm":1.5})", "rpm must be an integer"},
      {R"({"limit":5})", "name must be a non-empty string"},
      {R"({"name":"a","name":"b"})", "appears more than once"},
      {R"([1,2])", "must be a JSON object"},
      {R"({"name":)", "Invalid JSON"},
  }));
  auto r = f.call("POST", "/api/v1/keys", body);
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 400);
  CHECK(r->body.find(fragment) != std::string::npos);
  // Nothing partial was written: still only the management key.
  CHECK(f.proxy->store().list_keys(db::KeyListQuery{true, true, 0, 0})->size() == 1);
  CHECK(f.proxy->store().list_audit()->empty());
}

TEST_CASE("admin API: an expired key gets a 401 that says so", "[admin][integration]") {
  AdminFixture f;
  auto [plaintext, hash] = f.create(R"({"name":"short","expires_at":"2026-12-02T11:00:00Z"})");
  CHECK(f.chat(plaintext)->status == 200);
  f.clock.set("2026-12-02T11:00:00Z");
  auto r = f.chat(plaintext);
  CHECK(r->status == 401);
  CHECK(r->body.find("expired at 2026-12-02T11:00:00.000Z") != std::string::npos);
}

TEST_CASE("admin API: every change is audited with who made it", "[admin][integration]") {
  AdminFixture f;
  auto [plaintext, hash] = f.create(R"({"name":"audited"})");
  REQUIRE(f.call("PATCH", "/api/v1/keys/" + hash, R"({"limit":1})")->status == 200);
  REQUIRE(f.call("DELETE", "/api/v1/keys/" + hash)->status == 200);
  REQUIRE(f.call("POST", "/api/v1/admin/pricing", R"({"model":"test/m","provider":"up","prompt":3,"completion":4})")->status == 201);
  simdjson::dom::parser p;
  auto log = f.call("GET", "/api/v1/admin/audit");
  REQUIRE(log->status == 200);
  auto rows = json(p, log->body)["data"].get_array().value();
  std::vector<std::string> actions;
  for (auto row : rows) {
    actions.push_back(text(row["action"]));
    CHECK(text(row["actor"]).find("ops (sk-sy-v1-") == 0);
  }
  CHECK(actions == std::vector<std::string>{"price.set", "key.delete", "key.update", "key.create"});
  CHECK(rows.at(2)["details"]["limit"].get_double().value() == 1.0);
  CHECK(text(rows.at(3)["target"]) == hash);
  CHECK(f.call("GET", "/api/v1/admin/audit?limit=0")->status == 400);
}

TEST_CASE("a key disabled by the CLI against the same database is refused within 2 s", "[admin][integration]") {
  AdminFixture f;
  std::string plaintext = f.proxy->create_key("cli-target");
  REQUIRE(f.chat(plaintext)->status == 200);
  ChildProcess cli({switchyard_binary(), "keys", "disable", "cli-target", "--db", f.proxy->db_path()});
  REQUIRE(cli.wait() == 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  int status = 200;
  while (status == 200 && std::chrono::steady_clock::now() < deadline) {
    status = f.chat(plaintext)->status;
    if (status == 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(status == 401);
  // And a key the CLI creates works at once (a miss falls back to the store).
  ChildProcess created({switchyard_binary(), "keys", "create", "--name", "fresh", "--db", f.proxy->db_path()});
  std::string fresh = created.read_line();
  REQUIRE(created.wait() == 0);
  CHECK(f.chat(fresh)->status == 200);
}
