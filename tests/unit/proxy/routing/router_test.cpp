// The router: provider preferences, suffixes, price weighting, health demotion.
#include <catch2/catch.hpp>

#include <map>

#include "proxy/routing/router.h"

using namespace switchyard;
using namespace switchyard::proxy;

namespace {

class NullProvider : public Provider {
 public:
  std::unique_ptr<EventStream> open(const OpenParams&) override { return nullptr; }
};

// Three providers serve m/x: cheap ($1/M+$1/M... blended per token 2e6 pico), mid, dear.
const char* kYaml = R"(
providers:
  - { name: cheap, kind: openai, base_url: "http://127.0.0.1:1", data_collection: allow }
  - { name: mid, kind: openai, base_url: "http://127.0.0.1:1", data_collection: deny }
  - { name: dear, kind: openai, base_url: "http://127.0.0.1:1", data_collection: deny }
  - { name: gratis, kind: openai, base_url: "http://127.0.0.1:1" }
models:
  - id: m/x
    context_length: 1000
    endpoints:
      - { provider: dear, model: x-dear, quantization: fp16, pricing: { prompt: 3, completion: 3 } }
      - { provider: cheap, model: x-cheap, quantization: fp8, pricing: { prompt: 1, completion: 1 },
          supported_parameters: [temperature, max_tokens] }
      - { provider: mid, model: x-mid, quantization: fp8, pricing: { prompt: 2, completion: 2, request: 0.01 } }
  - id: m/y
    context_length: 1000
    endpoints:
      - { provider: gratis, model: y-free, pricing: { prompt: 0, completion: 0 } }
      - { provider: cheap, model: y-cheap, pricing: { prompt: 1, completion: 1 } }
)";

struct Fixture {
  std::shared_ptr<const Config> config;
  std::shared_ptr<ProviderRegistry> registry;
  int64_t now = 1'000'000'000;
  std::unique_ptr<HealthTracker> health;
  std::unique_ptr<Router> router;
  std::mt19937_64 rng{42};

  Fixture() {
    config = *parse_config(kYaml, "router.yaml");
    registry = *ProviderRegistry::build(
        *config, [](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> { return std::make_shared<NullProvider>(); });
    HealthOptions ho;
    ho.flush_interval_ms = 0;
    health = std::make_unique<HealthTracker>(ho, nullptr, [this] { return now; });
    router = std::make_unique<Router>(config, registry, health.get());
  }

  std::vector<std::string> order(const ChatRequest& r) {
    auto plan = router->plan(r, &rng);
    REQUIRE(plan);
    std::vector<std::string> names;
    for (const auto& a : plan->attempts) names.push_back(a.provider->name + ":" + a.endpoint->upstream_model);
    return names;
  }
  Error error(const ChatRequest& r) {
    auto plan = router->plan(r, &rng);
    REQUIRE_FALSE(plan);
    return plan.error();
  }
};

ChatRequest request(std::string model) {
  ChatRequest r;
  r.model = std::move(model);
  return r;
}

ChatRequest with_prefs(std::string model, ProviderPreferences p) {
  ChatRequest r = request(std::move(model));
  r.provider = std::move(p);
  return r;
}

}  // namespace

TEST_CASE("price weighting: 1/price^2, so $1 leads $3 nine to one", "[router]") {
  // Two endpoints at blended $1 and $3: P(first = $1) = (1/1) / (1/1 + 1/9) = 0.9.
  const char* yaml = R"(
providers:
  - { name: a, kind: openai, base_url: "http://127.0.0.1:1" }
  - { name: b, kind: openai, base_url: "http://127.0.0.1:1" }
models:
  - id: m/two
    context_length: 100
    endpoints:
      - { provider: b, model: b3, pricing: { prompt: 1.5, completion: 1.5 } }
      - { provider: a, model: a1, pricing: { prompt: 0.5, completion: 0.5 } }
)";
  auto config = *parse_config(yaml, "two.yaml");
  auto registry = *ProviderRegistry::build(
      *config, [](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> { return std::make_shared<NullProvider>(); });
  Router router(config, registry, nullptr);
  std::mt19937_64 rng(7);
  const int draws = 20000;
  int a_first = 0;
  for (int i = 0; i < draws; ++i) {
    auto plan = router.plan(request("m/two"), &rng);
    REQUIRE(plan->attempts.size() == 2);  // the other one is always the fallback
    if (plan->attempts[0].provider->name == "a") ++a_first;
  }
  // Binomial(20000, 0.9): sd = sqrt(20000 * 0.9 * 0.1) ~ 42.4 draws; allow 5 sd (~0.011).
  double share = static_cast<double>(a_first) / draws;
  CHECK(share == Approx(0.9).margin(0.011));
}

TEST_CASE("three endpoints are weighted 1/p^2 in the first position", "[router]") {
  Fixture f;
  std::map<std::string, int> first;
  const int draws = 30000;
  for (int i = 0; i < draws; ++i) first[f.order(request("m/x"))[0]]++;
  // Blended prices 2, 4, 6 -> weights 1/4, 1/16, 1/36: shares 0.7347, 0.1837, 0.0816.
  // sd of each share < 0.0026; allow 5 sd.
  CHECK(first["cheap:x-cheap"] / double(draws) == Approx(0.7347).margin(0.013));
  CHECK(first["mid:x-mid"] / double(draws) == Approx(0.1837).margin(0.013));
  CHECK(first["dear:x-dear"] / double(draws) == Approx(0.0816).margin(0.013));
}

TEST_CASE("free endpoints lead and :free keeps only them", "[router]") {
  Fixture f;
  CHECK(f.order(request("m/y"))[0] == "gratis:y-free");
  CHECK(f.order(request("m/y:free")) == std::vector<std::string>{"gratis:y-free"});
  Error e = f.error(request("m/x:free"));
  CHECK(e.kind == ErrorKind::not_found);
  CHECK(e.message.find(":free") != std::string::npos);
}

TEST_CASE(":floor sorts by price, :nitro by throughput", "[router]") {
  Fixture f;
  CHECK(f.order(request("m/x:floor")) == std::vector<std::string>{"cheap:x-cheap", "mid:x-mid", "dear:x-dear"});
  // Throughput: dear is fastest, then mid; cheap has no measurements (sorted last).
  f.health->record_completion(EndpointId{"m/x", "dear", "x-dear"}, 1000, 1000);  // 1000 tok/s
  f.health->record_completion(EndpointId{"m/x", "mid", "x-mid"}, 100, 1000);     // 100 tok/s
  CHECK(f.order(request("m/x:nitro")) == std::vector<std::string>{"dear:x-dear", "mid:x-mid", "cheap:x-cheap"});
  ProviderPreferences p;
  p.sort = "throughput";
  CHECK(f.order(with_prefs("m/x", p))[0] == "dear:x-dear");
}

TEST_CASE("sort by latency uses the measured time to first token", "[router]") {
  Fixture f;
  AttemptOutcome ok;
  ok.success = true;
  ok.status = 200;
  ok.ttft_ms = 900;
  f.health->record(EndpointId{"m/x", "cheap", "x-cheap"}, ok);
  ok.ttft_ms = 100;
  f.health->record(EndpointId{"m/x", "dear", "x-dear"}, ok);
  ProviderPreferences p;
  p.sort = "latency";
  CHECK(f.order(with_prefs("m/x", p)) == std::vector<std::string>{"dear:x-dear", "cheap:x-cheap", "mid:x-mid"});
}

TEST_CASE("provider.order puts named providers first, allow_fallbacks false keeps only them", "[router]") {
  Fixture f;
  ProviderPreferences p;
  p.order = {"dear", "MID"};
  auto names = f.order(with_prefs("m/x", p));
  CHECK(names == std::vector<std::string>{"dear:x-dear", "mid:x-mid", "cheap:x-cheap"});
  p.allow_fallbacks = false;
  CHECK(f.order(with_prefs("m/x", p)) == std::vector<std::string>{"dear:x-dear", "mid:x-mid"});
  ProviderPreferences q;
  q.allow_fallbacks = false;
  CHECK(f.order(with_prefs("m/x", q)).size() == 1);
  ProviderPreferences ghost;
  ghost.order = {"nobody"};
  ghost.allow_fallbacks = false;
  CHECK(f.error(with_prefs("m/x", ghost)).kind == ErrorKind::not_found);
}

TEST_CASE("each provider filter, and the 404 that names the filter that emptied the set", "[router]") {
  Fixture f;
  auto [name, make, survivors] = GENERATE(table<std::string, std::function<ProviderPreferences()>, std::vector<std::string>>({
      {"only", [] { ProviderPreferences p; p.only = {"mid", "dear"}; return p; }, {"mid", "dear"}},
      {"ignore", [] { ProviderPreferences p; p.ignore = {"cheap"}; return p; }, {"mid", "dear"}},
      {"quantizations", [] { ProviderPreferences p; p.quantizations = {"fp8"}; return p; }, {"cheap", "mid"}},
      {"data_collection", [] { ProviderPreferences p; p.data_collection = "deny"; return p; }, {"mid", "dear"}},
      {"max_price.prompt", [] { ProviderPreferences p; p.max_price_prompt = 2.0; return p; }, {"cheap", "mid"}},
      {"max_price.completion", [] { ProviderPreferences p; p.max_price_completion = 1.0; return p; }, {"cheap"}},
      {"max_price.request", [] { ProviderPreferences p; p.max_price_request = 0.001; return p; }, {"cheap", "dear"}},
  }));
  INFO(name);
  auto names = f.order(with_prefs("m/x:floor", make()));
  std::vector<std::string> providers;
  for (auto& n : names) providers.push_back(n.substr(0, n.find(':')));
  std::sort(providers.begin(), providers.end());
  std::sort(survivors.begin(), survivors.end());
  CHECK(providers == survivors);
}

TEST_CASE("filters that leave nothing give a 404 naming the filter", "[router]") {
  Fixture f;
  auto [make, fragment] = GENERATE(table<std::function<ProviderPreferences()>, std::string>({
      {[] { ProviderPreferences p; p.only = {"nobody"}; return p; }, "provider.only [nobody]"},
      {[] { ProviderPreferences p; p.ignore = {"cheap", "mid", "dear"}; return p; }, "provider.ignore"},
      {[] { ProviderPreferences p; p.quantizations = {"int4"}; return p; }, "provider.quantizations [int4]"},
      {[] { ProviderPreferences p; p.max_price_prompt = 0.5; return p; }, "provider.max_price.prompt"},
      {[] { ProviderPreferences p; p.only = {"cheap"}; p.data_collection = "deny"; return p; }, "provider.data_collection deny"},
  }));
  Error e = f.error(with_prefs("m/x", make()));
  CHECK(e.kind == ErrorKind::not_found);
  CHECK(http_status(e) == 404);
  INFO(e.message);
  CHECK(e.message.find(fragment) != std::string::npos);
}

TEST_CASE("require_parameters keeps endpoints that support every parameter sent", "[router]") {
  Fixture f;
  ProviderPreferences p;
  p.require_parameters = true;
  ChatRequest r = with_prefs("m/x:floor", p);
  r.parameters_sent = {"temperature", "max_tokens"};
  CHECK(f.order(r).size() == 3);  // cheap lists both; the others list nothing (= all)
  r.parameters_sent = {"temperature", "logprobs"};
  CHECK(f.order(r) == std::vector<std::string>{"mid:x-mid", "dear:x-dear"});
}

TEST_CASE("endpoints with recent failures or an open circuit go to the back", "[router]") {
  Fixture f;
  AttemptOutcome bad;
  bad.status = 500;
  bad.error_kind = ErrorKind::upstream_error;
  EndpointId cheap{"m/x", "cheap", "x-cheap"};
  f.health->record(cheap, bad);
  f.health->record(cheap, bad);  // 2 of 2 in 30 s: significant
  for (int i = 0; i < 200; ++i) CHECK(f.order(request("m/x")).back() == "cheap:x-cheap");
  f.now += 31'000;  // out of the 30 s window, circuit still closed (2 < 3)
  std::map<std::string, int> first;
  for (int i = 0; i < 1000; ++i) first[f.order(request("m/x"))[0]]++;
  CHECK(first["cheap:x-cheap"] > 600);
}

TEST_CASE("models fallback list: every model's endpoints in turn, unknown ones skipped", "[router]") {
  Fixture f;
  ChatRequest r = request("m/x:floor");
  r.models = {"m/x:floor", "nobody/none", "m/y:floor"};
  auto names = f.order(r);
  REQUIRE(names.size() == 5);
  CHECK(names[0] == "cheap:x-cheap");
  CHECK(names[3] == "gratis:y-free");
  CHECK(f.error(request("nobody/none")).kind == ErrorKind::not_found);
}

TEST_CASE("n > 1 keeps the endpoints whose kind answers with several choices", "[router]") {
  // openai and local (forked choices) can; anthropic cannot.
  const char* yaml = R"(
providers:
  - { name: remote, kind: openai, base_url: "http://127.0.0.1:1" }
  - { name: engine, kind: local, model_path: /nonexistent.gguf }
  - { name: claude, kind: anthropic, base_url: "http://127.0.0.1:2" }
models:
  - id: m/mixed
    context_length: 100
    endpoints:
      - { provider: claude, model: c, pricing: { prompt: 0, completion: 0 } }
      - { provider: remote, model: r, pricing: { prompt: 1, completion: 1 } }
  - id: m/local
    context_length: 100
    endpoints:
      - { provider: engine, model: local, pricing: { prompt: 0, completion: 0 } }
  - id: m/claude
    context_length: 100
    endpoints:
      - { provider: claude, model: c, pricing: { prompt: 0, completion: 0 } }
)";
  auto config = *parse_config(yaml, "n.yaml");
  auto registry = *ProviderRegistry::build(
      *config, [](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> { return std::make_shared<NullProvider>(); });
  Router router(config, registry, nullptr);
  ChatRequest r = request("m/mixed");
  r.n = 2;
  auto plan = router.plan(r);
  REQUIRE(plan);
  REQUIRE(plan->attempts.size() == 1);
  CHECK(plan->attempts[0].provider->name == "remote");
  r.model = "m/local";
  auto local = router.plan(r);
  REQUIRE(local);
  CHECK(local->attempts[0].provider->name == "engine");
  r.model = "m/claude";
  auto none = router.plan(r);
  REQUIRE_FALSE(none);
  CHECK(http_status(none.error()) == 400);
  CHECK(none.error().message.find("n = 2 is more than any endpoint of model 'm/claude' answers") != std::string::npos);
  CHECK(none.error().message.find("at most 1") != std::string::npos);
  r.model = "m/local";
  r.n = 5;  // the engine's default bound is 4
  CHECK_FALSE(router.plan(r));
  r.model = "m/mixed";
  r.n = 100;  // only the OpenAI-compatible endpoint answers that many
  auto many = router.plan(r);
  REQUIRE(many);
  CHECK(many->attempts.size() == 1);
  CHECK(many->attempts[0].provider->name == "remote");
}

TEST_CASE("suffixes parse off the model id", "[router]") {
  CHECK(parse_model_ref("a/b:nitro").id == "a/b");
  CHECK(parse_model_ref("a/b:nitro").suffix == "nitro");
  CHECK(parse_model_ref("a/b:floor").suffix == "floor");
  CHECK(parse_model_ref("a/b:free").suffix == "free");
  CHECK(parse_model_ref("a/b:beta").id == "a/b:beta");  // not a routing suffix
  CHECK(parse_model_ref("a/b").suffix.empty());
}
