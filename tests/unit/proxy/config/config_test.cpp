#include <catch2/catch.hpp>

#include "proxy/config/config.h"

using namespace switchyard;
using namespace switchyard::proxy;

namespace {
std::string no_env(const std::string&) { return ""; }
std::string some_env(const std::string& name) { return name == "UP_KEY" ? "secret-value" : ""; }

const char* kGood = R"(
server: { host: 0.0.0.0, port: 9000, threads: 4 }
database: { path: /tmp/x.db }
providers:
  - name: up
    kind: openai
    base_url: https://example.test/v1/
    api_key_env: UP_KEY
    headers: { X-Extra: yes-please }
    timeouts: { connect_ms: 100, first_byte_ms: 200 }
  - { name: mine, kind: local, model_path: m.gguf, threads: 2, kv_cache: f16, device: "cuda:1" }
models:
  - id: a/b
    context_length: 4096
    endpoints:
      - { provider: up, model: B, pricing: { prompt: 0.65, completion: 0.62, request: 0.0001 } }
      - { provider: mine, model: local-b }
)";
}  // namespace

TEST_CASE("a good config loads with prices in picodollars per token", "[config]") {
  auto c = parse_config(kGood, "c.yaml", {some_env});
  REQUIRE(c);
  const Config& cfg = **c;
  CHECK(cfg.server.host == "0.0.0.0");
  CHECK(cfg.server.port == 9000);
  CHECK(cfg.database_url == "/tmp/x.db");
  REQUIRE(cfg.providers.size() == 2);
  CHECK(cfg.providers[0].base_url == "https://example.test/v1");  // trailing slash trimmed
  CHECK(cfg.providers[0].api_key == "secret-value");
  CHECK(cfg.providers[0].connect_timeout_ms == 100);
  CHECK(cfg.providers[0].headers.at(0).second == "yes-please");
  CHECK(cfg.providers[1].kv_cache == "f16");
  CHECK(cfg.providers[1].device == "cuda:1");
  const ModelConfig* m = cfg.find_model("a/b");
  REQUIRE(m);
  REQUIRE(m->endpoints.size() == 2);
  CHECK(m->endpoints[0].pricing->prompt == billing::Picodollars(650000));
  CHECK(m->endpoints[0].pricing->completion == billing::Picodollars(620000));
  CHECK(m->endpoints[0].pricing->request == billing::Picodollars(100000000));
  CHECK(m->endpoints[0].context_length == 4096);
}

TEST_CASE("a provider without its secret is skipped with a warning, and its endpoints go", "[config]") {
  auto c = parse_config(kGood, "c.yaml", {no_env});
  REQUIRE(c);
  CHECK((*c)->providers.size() == 1);
  REQUIRE((*c)->warnings.size() == 1);
  CHECK((*c)->warnings[0].find("UP_KEY") != std::string::npos);
  CHECK((*c)->find_model("a/b")->endpoints.size() == 1);
}

TEST_CASE("config errors name the file, the key path and what was expected", "[config]") {
  auto [yaml, fragment] = GENERATE(table<std::string, std::string>({
      {"server: { port: 70000 }\nproviders: []\nmodels: []", "c.yaml:1: server.port: expected an integer in [0, 65535]"},
      {"providers: [{ name: x, kind: grpc, base_url: http://a }]\nmodels: []", "providers[0].kind: expected one of"},
      {"providers: [{ name: x, kind: openai }]\nmodels: []", "providers[0].base_url: expected a string (required)"},
      {"providers: [{ name: x, kind: openai, base_url: http://a, model_path: m.gguf }]\nmodels: []",
       "providers[0].model_path: expected one of the known keys"},
      {"providers: []\nmodels: [{ id: m, context_length: 10, endpoints: [{ provider: ghost, model: g }] }]",
       "models[0].endpoints[0].provider: expected the name of a provider"},
      {"providers: []\nmodels: [{ id: m, endpoints: [] }]", "models[0].context_length"},
      {"bogus: 1\nproviders: []\nmodels: []", "bogus: expected one of the known keys"},
      {"providers: [{ name: x, kind: openai, base_url: ftp://a }]\nmodels: []", "an http:// or https:// URL"},
      {"providers: []\nmodels: [{ id: m, context_length: 10, endpoints: [{ provider: x, model: g, pricing: { prompt: -1 } }] }]",
       "models[0]"},
      {"server: [1, 2", "invalid YAML"},
      {"providers: [{ name: x, kind: local, model_path: m.gguf, kv_cache: q4 }]\nmodels: []", "providers[0].kv_cache: expected f32 or f16"},
      {"providers: [{ name: x, kind: local, model_path: m.gguf, device: gpu }]\nmodels: []", "providers[0].device: expected auto, cpu or cuda:N"},
      {"providers: [{ name: x, kind: local, model_path: m.gguf, device: \"cuda:x\" }]\nmodels: []", "providers[0].device: expected auto, cpu or cuda:N"},
  }));
  auto c = parse_config(yaml, "c.yaml", {no_env});
  REQUIRE_FALSE(c);
  INFO(c.error().message);
  CHECK(c.error().message.find(fragment) != std::string::npos);
  CHECK(c.error().message.rfind("c.yaml", 0) == 0);
}

TEST_CASE("the shipped config.yaml loads", "[config]") {
  auto c = load_config(SWITCHYARD_SOURCE_DIR "/config.yaml", {no_env});
  REQUIRE(c);
  const ModelConfig* w = (*c)->find_model("microsoft/wizardlm-2-8x22b");
  REQUIRE(w);
  const ModelConfig* demo = (*c)->find_model("switchyard/demo-mixtral");
  REQUIRE(demo);
  CHECK(demo->default_max_tokens == 64);  // a short demo answer unless max_tokens is set
  REQUIRE(demo->endpoints.size() == 1);
  CHECK(demo->endpoints[0].default_max_tokens == 64);  // endpoints inherit it
  CHECK((*c)->skipped_providers.size() == 2);  // no DeepInfra or OpenRouter key in tests
  CHECK((*c)->logging.access_log);
  CHECK_FALSE((*c)->logging.json);
}

TEST_CASE("logging: format text or json, anything else named", "[config]") {
  auto json = parse_config("logging: { format: json, access_log: false }\nproviders: []\nmodels: []\n", "c.yaml", {no_env});
  REQUIRE(json);
  CHECK((*json)->logging.json);
  CHECK_FALSE((*json)->logging.access_log);
  auto bad = parse_config("logging: { format: xml }\nproviders: []\nmodels: []\n", "c.yaml", {no_env});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("logging.format") != std::string::npos);
}

