// The access log through a running server: one line per request with the generation id the
// client saw, the key's name, the app, the client's address, tokens, cost and timings.
#include <cstdio>

#include "admin_fixture.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

struct LoggedProxy {
  std::FILE* file = std::tmpfile();
  std::unique_ptr<RunningProxy> proxy;
  explicit LoggedProxy(const std::string& logging_yaml) {
    ProxyTestOptions opts;
    opts.access_log = file;
    proxy = std::make_unique<RunningProxy>(
        logging_yaml + kAdminConfig,
        [](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
          return std::make_shared<ScriptedProvider>(
              [](const OpenParams&) { return Script{{ev_role(), ev_text("hi"), ev_finish("stop"), ev_usage(10, 100)}}; },
              std::make_shared<ScriptLog>());
        },
        proxy::LoadConfigOptions{}, opts);
  }
  ~LoggedProxy() {
    proxy.reset();
    std::fclose(file);
  }
  std::string contents() {
    std::fflush(file);
    std::rewind(file);
    std::string out;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, file)) out.append(buf, n);
    return out;
  }
  // A plain request: its line is written before the response is sent.
  std::string chat(const std::string& key, const std::string& model) {
    httplib::Headers h = bearer(key);
    h.emplace("X-Title", "My App");
    auto r = proxy->client().Post("/v1/chat/completions", h,
                                  R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hello"}]})",
                                  "application/json");
    REQUIRE(r);
    return r->get_header_value("X-Generation-Id");
  }
};

}  // namespace

TEST_CASE("access log: one text line per request with the key's name and what it cost", "[access_log][integration]") {
  LoggedProxy f("");
  std::string key = f.proxy->create_key("team-a");
  std::string id = f.chat(key, "test/m");
  std::string id2 = f.chat(key, "test/unpriced");  // a 503: logged too
  std::string log = f.contents();
  REQUIRE(std::count(log.begin(), log.end(), '\n') == 2);
  std::string first = log.substr(0, log.find('\n'));
  CHECK(first.find(" " + id + " status=200 key=team-a app=\"My App\" ip=127.0.0.1 api=chat model=test/m "
                   "provider=up upstream=up-m tokens=10+100 cost=$0.00021 ttfb_ms=") != std::string::npos);
  CHECK(first.find(" attempts=1") != std::string::npos);
  CHECK(first.find(key) == std::string::npos);
  CHECK(log.find(" " + id2 + " status=503 key=team-a") != std::string::npos);
}

TEST_CASE("access log: logging.format json writes one JSON object a line", "[access_log][integration]") {
  LoggedProxy f("logging: { format: json }\n");
  std::string key = f.proxy->create_key("team-b");
  std::string id = f.chat(key, "test/m");
  std::string log = f.contents();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(log).get(doc) == simdjson::SUCCESS);
  CHECK(std::string(doc["generation_id"].get_string().value()) == id);
  CHECK(std::string(doc["key"].get_string().value()) == "team-b");
  CHECK(std::string(doc["app"].get_string().value()) == "My App");
  CHECK(std::string(doc["client_ip"].get_string().value()) == "127.0.0.1");
  CHECK(doc["prompt_tokens"].get_int64().value() == 10);
  CHECK(doc["completion_tokens"].get_int64().value() == 100);
  CHECK(doc["status"].get_int64().value() == 200);
}

TEST_CASE("access log: logging.access_log false writes nothing", "[access_log][integration]") {
  LoggedProxy f("logging: { access_log: false }\n");
  f.chat(f.proxy->create_key("c"), "test/m");
  CHECK(f.contents().empty());
}
