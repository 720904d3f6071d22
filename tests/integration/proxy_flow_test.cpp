// The proxy's request path end to end over real HTTP, with scripted providers behind it:
// auth, limits, validation, routing/fallback, JSON and SSE shapes, usage, cost, ledger.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "db/key_hash.h"
#include "harness.h"
#include "scripted_provider.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

// Two endpoints for one model: "cheap" ($1/M prompt, $2/M completion) is tried first.
const char* kConfig = R"(
server: { threads: 8, max_body_bytes: 65536 }
providers:
  - { name: cheap, kind: openai, base_url: "http://127.0.0.1:1" }
  - { name: pricey, kind: openai, base_url: "http://127.0.0.1:1" }
models:
  - id: test/model
    context_length: 1000
    max_completion_tokens: 300
    endpoints:
      - { provider: pricey, model: up-pricey, pricing: { prompt: 3, completion: 3 } }
      - { provider: cheap, model: up-cheap, pricing: { prompt: 1, completion: 2, request: 0.001 } }
  - id: test/solo
    context_length: 1000
    endpoints:
      - { provider: cheap, model: up-solo, pricing: { prompt: 0, completion: 0 } }
)";

struct Fixture {
  std::shared_ptr<ScriptLog> log = std::make_shared<ScriptLog>();
  std::map<std::string, SharedScripter> scripts;  // by provider name (both made before the server)
  std::unique_ptr<RunningProxy> proxy;
  std::string key;

  Fixture() {
    auto happy = [](const OpenParams&) {
      return Script{{ev_role(), ev_text("Hello"), ev_text(" world"), ev_finish("stop"), ev_usage(10, 2)}};
    };
    scripts["cheap"] = happy;
    scripts["pricey"] = happy;
    proxy = std::make_unique<RunningProxy>(kConfig, [this](const ProviderConfig& pc) -> Result<std::shared_ptr<Provider>> {
      auto name = pc.name;
      return std::make_shared<ScriptedProvider>([this, name](const OpenParams& p) { return scripts[name](p); }, log);
    });
    key = proxy->create_key();
  }
  httplib::Result post(const std::string& body, const std::string& path = "/v1/chat/completions",
                       httplib::Headers headers = {}) {
    auto c = proxy->client();
    if (headers.empty()) headers = bearer(key);
    return c.Post(path.c_str(), headers, body, "application/json");
  }
};

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& s) {
  simdjson::dom::element e;
  REQUIRE(p.parse(s).get(e) == simdjson::SUCCESS);
  return e;
}

std::string str(simdjson::dom::element e) { return std::string(std::string_view(e)); }

const std::string kHello = R"({"model":"test/model:floor","messages":[{"role":"user","content":"hi"}]})";

}  // namespace

TEST_CASE("a plain request is answered in the OpenAI shape with usage and cost", "[proxy][integration]") {
  Fixture f;
  auto r = f.post(kHello);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  std::string gen = r->get_header_value("X-Generation-Id");
  CHECK(gen.rfind("gen-", 0) == 0);
  simdjson::dom::parser p;
  auto doc = parse(p, r->body);
  CHECK(str(doc["id"]) == gen);
  CHECK(str(doc["object"]) == "chat.completion");
  CHECK(str(doc["model"]) == "test/model");
  CHECK(str(doc["provider"]) == "cheap");
  CHECK(str(doc["choices"].at(0)["message"]["content"]) == "Hello world");
  CHECK(str(doc["choices"].at(0)["message"]["role"]) == "assistant");
  CHECK(str(doc["choices"].at(0)["finish_reason"]) == "stop");
  CHECK(str(doc["choices"].at(0)["native_finish_reason"]) == "stop");
  CHECK(int64_t(doc["usage"]["prompt_tokens"]) == 10);
  CHECK(int64_t(doc["usage"]["completion_tokens"]) == 2);
  CHECK(int64_t(doc["usage"]["total_tokens"]) == 12);
  // 10 x $1/M + 2 x $2/M + $0.001 per request = 0.00001 + 0.000004 + 0.001
  CHECK(double(doc["usage"]["cost"]) == Approx(0.001014));
  CHECK(double(doc["usage"]["estimated_cost"]) == Approx(0.001014));

  f.proxy->flush();
  auto row = f.proxy->store().get_generation(gen);
  REQUIRE(row);
  REQUIRE(*row);
  CHECK((*row)->cost_pico == 1014000000);
  CHECK((*row)->provider == "cheap");
  CHECK((*row)->upstream_model == "up-cheap");
  CHECK((*row)->status == 200);
  CHECK((*row)->finish_reason == "stop");
  CHECK_FALSE((*row)->streamed);
  CHECK_FALSE((*row)->usage_estimated);
}

TEST_CASE("/api/v1 serves the same endpoint and attribution headers reach the ledger", "[proxy][integration]") {
  Fixture f;
  auto headers = bearer(f.key);
  headers.emplace("HTTP-Referer", "https://app.example");
  headers.emplace("X-Title", "My App");
  auto r = f.post(kHello, "/api/v1/chat/completions", headers);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  f.proxy->flush();
  auto row = f.proxy->store().get_generation(r->get_header_value("X-Generation-Id"));
  REQUIRE((row && *row));
  CHECK((*row)->http_referer == "https://app.example");
  CHECK((*row)->x_title == "My App");
}

TEST_CASE("streaming sends SSE chunks, a usage chunk and [DONE]", "[proxy][integration][sse]") {
  Fixture f;
  f.scripts["cheap"] = [](const OpenParams&) {
    return Script{{ev_role(), ev_text("a"), ev_tool(0, "call_1", "lookup", "{\"q\":"), ev_tool(0, "", "", "1}"),
                   ev_finish("tool_calls")}};  // no usage: the proxy estimates
  };
  auto r = f.post(R"({"model":"test/model:floor","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type").find("text/event-stream") == 0);
  std::vector<std::string> datas = sse_data(r->body);
  REQUIRE(datas.size() == 7);  // role, text, 2 tool deltas, finish, usage, [DONE]
  CHECK(datas.back() == "[DONE]");
  simdjson::dom::parser p;
  auto first = parse(p, datas[0]);
  CHECK(str(first["object"]) == "chat.completion.chunk");
  CHECK(str(first["choices"].at(0)["delta"]["role"]) == "assistant");
  auto tool = parse(p, datas[2]);
  CHECK(int64_t(tool["choices"].at(0)["delta"]["tool_calls"].at(0)["index"]) == 0);
  CHECK(str(tool["choices"].at(0)["delta"]["tool_calls"].at(0)["id"]) == "call_1");
  CHECK(str(tool["choices"].at(0)["delta"]["tool_calls"].at(0)["function"]["name"]) == "lookup");
  auto fin = parse(p, datas[4]);
  CHECK(str(fin["choices"].at(0)["finish_reason"]) == "tool_calls");
  auto usage = parse(p, datas[5]);
  CHECK(simdjson::dom::array(usage["choices"]).size() == 0);
  CHECK(int64_t(usage["usage"]["completion_tokens"]) > 0);
  f.proxy->flush();
  auto row = f.proxy->store().get_generation(r->get_header_value("X-Generation-Id"));
  REQUIRE((row && *row));
  CHECK((*row)->streamed);
  CHECK((*row)->usage_estimated);
  CHECK((*row)->finish_reason == "tool_calls");
}

TEST_CASE("a failure mid-stream becomes an error chunk, then usage and [DONE]", "[proxy][integration][sse]") {
  Fixture f;
  f.scripts["cheap"] = [](const OpenParams&) {
    return Script{{ev_role(), ev_text("par"), ev_error(ErrorKind::upstream_error, "upstream reset the connection")}};
  };
  auto r = f.post(R"({"model":"test/model:floor","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find("\"finish_reason\":\"error\"") != std::string::npos);
  CHECK(r->body.find("upstream reset the connection") != std::string::npos);
  CHECK(r->body.find("\"code\":502") != std::string::npos);
  CHECK(r->body.rfind("data: [DONE]\n\n") == r->body.size() - 14);
  f.proxy->flush();
  auto row = f.proxy->store().get_generation(r->get_header_value("X-Generation-Id"));
  REQUIRE((row && *row));
  CHECK((*row)->finish_reason == "error");
  CHECK((*row)->status == 502);
}

TEST_CASE("a retryable failure before the first byte falls over to the next endpoint", "[proxy][integration]") {
  Fixture f;
  f.scripts["cheap"] = [](const OpenParams&) { return Script{{ev_error(ErrorKind::upstream_error, "boom", 500)}}; };
  auto r = f.post(kHello);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->body.find("\"provider\":\"pricey\"") != std::string::npos);
  f.proxy->flush();
  auto row = f.proxy->store().get_generation(r->get_header_value("X-Generation-Id"));
  REQUIRE((row && *row));
  REQUIRE((*row)->attempts.size() == 2);
  CHECK((*row)->attempts[0].provider == "cheap");
  CHECK((*row)->attempts[0].status == 500);
  CHECK((*row)->attempts[1].provider == "pricey");
  CHECK((*row)->attempts[1].status == 200);
}

TEST_CASE("errors caused by the request are returned, not retried elsewhere", "[proxy][integration]") {
  Fixture f;
  f.scripts["cheap"] = [](const OpenParams&) {
    Event e = ev_error(ErrorKind::invalid_argument, "upstream says no");
    e.error.metadata_json = R"({"upstream_status":400})";
    return Script{{e}};
  };
  auto r = f.post(kHello);
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(f.log->opened == 1);
  CHECK(r->body.find("\"upstream_status\":400") != std::string::npos);
}

TEST_CASE("when every endpoint fails the last error is returned", "[proxy][integration]") {
  Fixture f;
  f.scripts["cheap"] = [](const OpenParams&) { return Script{{ev_error(ErrorKind::timeout, "slow")}}; };
  f.scripts["pricey"] = [](const OpenParams&) { return Script{{ev_error(ErrorKind::timeout, "slow too")}}; };
  auto r = f.post(kHello);
  REQUIRE(r);
  CHECK(r->status == 504);
  CHECK(r->body.find("slow too") != std::string::npos);
}

TEST_CASE("authentication and limits", "[proxy][integration][auth]") {
  Fixture f;
  SECTION("missing key") {
    auto r = f.proxy->client().Post("/v1/chat/completions", kHello, "application/json");
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(r->body.find("\"code\":401") != std::string::npos);
  }
  SECTION("unknown key") {
    auto r = f.post(kHello, "/v1/chat/completions", bearer("sk-sy-v1-nope"));
    REQUIRE(r);
    CHECK(r->status == 401);
  }
  SECTION("disabled key") {
    std::string k = f.proxy->create_key("off");
    REQUIRE(f.proxy->store().set_key_disabled(db::hash_key(k), true));
    auto r = f.post(kHello, "/v1/chat/completions", bearer(k));
    REQUIRE(r);
    CHECK(r->status == 401);
  }
  SECTION("a key gets 402 once a request's worst case no longer fits what is left") {
    // Worst case of kHello on its dearest attempt ("cheap": $0.001 per request, up to 300
    // completion tokens at $2/M, its prompt's byte bound at $1/M): about $0.0016. It really
    // costs $0.001014, so a second one no longer fits in $0.0025.
    std::string k = f.proxy->create_key("capped", 2'500'000'000);  // $0.0025
    auto first = f.post(kHello, "/v1/chat/completions", bearer(k));
    REQUIRE(first);
    CHECK(first->status == 200);
    auto second = f.post(kHello, "/v1/chat/completions", bearer(k));
    REQUIRE(second);
    CHECK(second->status == 402);
  }
}

TEST_CASE("bad requests get OpenAI-style errors", "[proxy][integration]") {
  Fixture f;
  auto [body, status, fragment] = GENERATE(table<std::string, int, std::string>({
      {"{not json", 400, "Invalid JSON"},
      {R"({"model":"test/model:floor","messages":[{"role":"user","content":"x"}],"temperature":7})", 400, "temperature"},
      {R"({"model":"nope/none","messages":[{"role":"user","content":"x"}]})", 404, "nope/none"},
      {R"({"model":"test/model:floor","messages":[{"role":"user","content":"x"}],"n":200})", 400, "n must be"},
  }));
  auto r = f.post(body);
  REQUIRE(r);
  CHECK(r->status == status);
  CHECK(r->body.find(fragment) != std::string::npos);
  CHECK(r->body.find("\"error\":{\"code\":" + std::to_string(status)) != std::string::npos);
}

TEST_CASE("a body over the limit gets a 413 JSON error", "[proxy][integration]") {
  Fixture f;
  std::string big = R"({"model":"test/model:floor","messages":[{"role":"user","content":")" + std::string(70000, 'x') + "\"}]}";
  auto r = f.post(big);
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(r->body.find("\"code\":413") != std::string::npos);
}

TEST_CASE("max_tokens is clipped to the endpoint cap and the context left", "[proxy][integration]") {
  Fixture f;
  REQUIRE(f.post(R"({"model":"test/model:floor","max_tokens":5000,"messages":[{"role":"user","content":"hi"}]})")->status == 200);
  REQUIRE(f.post(R"({"model":"test/model:floor","max_tokens":7,"messages":[{"role":"user","content":"hi"}]})")->status == 200);
  std::string long_prompt(3800, 'a');  // ~950 tokens of a 1000-token context
  REQUIRE(f.post(R"({"model":"test/solo","messages":[{"role":"user","content":")" + long_prompt + "\"}]}")->status == 200);
  std::lock_guard lock(f.log->mu);
  REQUIRE(f.log->max_tokens.size() == 3);
  CHECK(f.log->max_tokens[0] == 300);
  CHECK(f.log->max_tokens[1] == 7);
  CHECK(f.log->max_tokens[2] < 60);
  CHECK(f.log->max_tokens[2] >= 1);
  auto too_long = f.post(R"({"model":"test/solo","messages":[{"role":"user","content":")" + std::string(5000, 'a') + "\"}]}");
  CHECK(too_long->status == 400);
}

TEST_CASE("a client that disconnects mid-stream cancels the stream and is still billed", "[proxy][integration][sse]") {
  Fixture f;
  f.scripts["cheap"] = [](const OpenParams&) {
    Script s;
    s.events.push_back(ev_role());
    for (int i = 0; i < 200000; ++i) s.events.push_back(ev_text("token "));
    s.events.push_back(ev_finish("stop"));
    return s;
  };
  auto c = f.proxy->client();
  size_t received = 0;
  std::string gen;
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.headers = bearer(f.key);
  req.body = R"({"model":"test/model:floor","stream":true,"messages":[{"role":"user","content":"hi"}]})";
  req.set_header("Content-Type", "application/json");
  req.response_handler = [&](const httplib::Response& res) {
    gen = res.get_header_value("X-Generation-Id");
    return true;
  };
  req.content_receiver = [&](const char*, size_t n, uint64_t, uint64_t) {
    received += n;
    return received < 4096;  // hang up early
  };
  auto r = c.send(req);
  CHECK_FALSE(r);  // the client cancelled
  REQUIRE(!gen.empty());
  // The server notices on a later write; the ledger row is the proof that it did.
  auto row = f.proxy->wait_for_generation(gen);
  REQUIRE(row);
  CHECK(row->cancelled);
  CHECK(row->streamed);
  CHECK(f.log->destroyed == 1);
  CHECK(f.log->events_pulled < 200000);
  CHECK(row->completion_tokens > 0);
}

TEST_CASE("GET /v1/models lists the catalog in OpenRouter's shape", "[proxy][integration]") {
  Fixture f;
  auto r = f.proxy->client().Get("/api/v1/models");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  simdjson::dom::parser p;
  auto doc = parse(p, r->body);
  auto m = doc["data"].at(0);
  CHECK(str(m["id"]) == "test/model");
  CHECK(int64_t(m["context_length"]) == 1000);
  CHECK(str(m["pricing"]["prompt"]) == "0.000001");      // cheapest endpoint, per token
  CHECK(str(m["pricing"]["completion"]) == "0.000002");
  CHECK(simdjson::dom::array(m["supported_parameters"]).size() > 10);
}

TEST_CASE("GET /api/v1/generation and /api/v1/key report the ledger", "[proxy][integration]") {
  Fixture f;
  std::string k = f.proxy->create_key("metered", 1000000000000);  // $1
  auto r = f.post(kHello, "/v1/chat/completions", bearer(k));
  REQUIRE(r->status == 200);
  std::string gen = r->get_header_value("X-Generation-Id");
  f.proxy->flush();
  auto c = f.proxy->client();
  auto g = c.Get(("/api/v1/generation?id=" + gen).c_str(), bearer(k));
  REQUIRE(g);
  REQUIRE(g->status == 200);
  simdjson::dom::parser p;
  auto doc = parse(p, g->body);
  CHECK(str(doc["data"]["id"]) == gen);
  CHECK(int64_t(doc["data"]["tokens_prompt"]) == 10);
  CHECK(double(doc["data"]["total_cost"]) == Approx(0.001014));
  CHECK(str(doc["data"]["provider_name"]) == "cheap");
  // Another key cannot read it.
  auto other = c.Get(("/api/v1/generation?id=" + gen).c_str(), bearer(f.key));
  CHECK(other->status == 404);

  auto key = c.Get("/api/v1/key", bearer(k));
  REQUIRE(key->status == 200);
  simdjson::dom::parser p2;
  auto kd = parse(p2, key->body);
  CHECK(double(kd["data"]["usage"]) == Approx(0.001014));
  CHECK(double(kd["data"]["limit"]) == Approx(1.0));
  CHECK(double(kd["data"]["limit_remaining"]) == Approx(1.0 - 0.001014));
}
