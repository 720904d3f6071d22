// OpenAI compatibility without surprises: models.retrieve, the listing of models that cannot
// be served, 405 with Allow, CORS, legacy completions logprobs, n bounds.
#include "admin_fixture.h"
#include "local_engine/demo_model.h"

using namespace switchyard;
using namespace switchyard::testing;

TEST_CASE("GET /v1/models/{id} retrieves one model, ids with '/' and suffixes included", "[openai][integration]") {
  AdminFixture f;
  simdjson::dom::parser p;
  for (const char* path : {"/v1/models/test/m", "/v1/models/test%2Fm", "/api/v1/models/test/m", "/v1/models/test/m:floor"}) {
    INFO(path);
    auto r = f.proxy->client().Get(path);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    auto m = json(p, r->body);
    CHECK(text(m["id"]) == "test/m");
    CHECK(text(m["object"]) == "model");
    CHECK(text(m["pricing"]["prompt"]) == "0.000001");
  }
  auto missing = f.proxy->client().Get("/v1/models/no/such");
  CHECK(missing->status == 404);
  CHECK(missing->body.find("not_found_error") != std::string::npos);
  // The endpoints listing still has its own route.
  CHECK(f.proxy->client().Get("/api/v1/models/test/m/endpoints")->status == 200);
}

TEST_CASE("models nothing can serve are hidden, or listed with their status, never at price 0", "[openai][integration]") {
  simdjson::dom::parser p;
  {
    AdminFixture hidden;
    auto list = hidden.proxy->client().Get("/v1/models");
    CHECK(list->body.find("test/unpriced") == std::string::npos);
    CHECK(hidden.proxy->client().Get("/v1/models/test/unpriced")->status == 404);
  }
  auto log = std::make_shared<ScriptLog>();
  RunningProxy shown(std::string("server: { list_unavailable_models: true }\n") + (kAdminConfig + std::string(kAdminConfig).find("providers:")),
                     [log](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
                       return std::make_shared<ScriptedProvider>([](const OpenParams&) { return Script{}; }, log);
                     });
  auto r = shown.client().Get("/v1/models/test/unpriced");
  REQUIRE(r->status == 200);
  auto m = json(p, r->body);
  CHECK(m["pricing"].is_null());
  CHECK(text(m["status"]) == "unavailable");
  CHECK(text(m["unavailable_reason"]).find("price") != std::string::npos);
  CHECK(text(json(p, shown.client().Get("/v1/models/test/m")->body)["status"]) == "available");
}

TEST_CASE("a known path with the wrong method is a 405 with Allow", "[openai][integration]") {
  AdminFixture f;
  auto get_chat = f.proxy->client().Get("/v1/chat/completions");
  REQUIRE(get_chat);
  CHECK(get_chat->status == 405);
  CHECK(get_chat->get_header_value("Allow") == "POST");
  CHECK(get_chat->body.find("\"type\":\"invalid_request_error\"") != std::string::npos);
  auto put_models = f.proxy->client().Put("/v1/models", "", "application/json");
  CHECK(put_models->status == 405);
  CHECK(put_models->get_header_value("Allow") == "GET, HEAD");
  auto key_delete = f.proxy->client().Post("/api/v1/keys/" + std::string(64, 'a'), "", "application/json");
  CHECK(key_delete->status == 405);
  CHECK(key_delete->get_header_value("Allow") == "GET, HEAD, PATCH, DELETE");
  CHECK(f.proxy->client().Get("/v1/nothing-here")->status == 404);
}

TEST_CASE("CORS: preflights are answered and responses name the allowed origin", "[openai][integration]") {
  AdminFixture open_to_all;
  std::string key = open_to_all.proxy->create_key("browser");
  auto c = open_to_all.proxy->client();
  httplib::Request pre;
  pre.method = "OPTIONS";
  pre.path = "/v1/chat/completions";
  pre.set_header("Origin", "https://app.example");
  pre.set_header("Access-Control-Request-Method", "POST");
  auto r = c.send(pre);
  REQUIRE(r);
  CHECK(r->status == 204);
  CHECK(r->get_header_value("Access-Control-Allow-Methods") == "POST, OPTIONS");
  CHECK(r->get_header_value("Access-Control-Allow-Headers").find("Authorization") != std::string::npos);
  httplib::Headers h = bearer(key);
  h.emplace("Origin", "https://app.example");
  auto answer = c.Post("/v1/chat/completions", h, R"({"model":"test/m","messages":[{"role":"user","content":"hi"}]})",
                       "application/json");
  REQUIRE(answer->status == 200);
  CHECK(answer->get_header_value("Access-Control-Allow-Origin") == "https://app.example");
  CHECK(answer->get_header_value("Access-Control-Expose-Headers").find("X-Generation-Id") != std::string::npos);

  auto log = std::make_shared<ScriptLog>();
  RunningProxy closed(std::string("server: { cors_origins: [\"https://ok.example\"] }\n") +
                          (kAdminConfig + std::string(kAdminConfig).find("providers:")),
                      [log](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
                        return std::make_shared<ScriptedProvider>([](const OpenParams&) { return Script{}; }, log);
                      });
  auto models = closed.client().Get("/v1/models", httplib::Headers{{"Origin", "https://evil.example"}});
  CHECK(models->get_header_value("Access-Control-Allow-Origin").empty());
  auto ok = closed.client().Get("/v1/models", httplib::Headers{{"Origin", "https://ok.example"}});
  CHECK(ok->get_header_value("Access-Control-Allow-Origin") == "https://ok.example");
  pre.set_header("Origin", "https://evil.example");
  CHECK(closed.client().send(pre)->status == 403);
}

namespace {

// A proxy serving the demo model through the local engine as local/demo.
RunningProxy demo_proxy(const std::string& stem, int context = 512) {
  std::string path = temp_path(stem) + ".gguf";
  engine::DemoModelParams p;
  p.n_threads = 2;
  REQUIRE(engine::write_demo_model(path, p).has_value());
  const std::string ctx = std::to_string(context);
  return RunningProxy("providers:\n  - { name: engine, kind: local, model_path: \"" + path +
                      "\", threads: 2, context_length: " + ctx + " }\n"
                      "models:\n  - id: local/demo\n    context_length: " + ctx + "\n    endpoints:\n"
                      "      - { provider: engine, model: demo, pricing: { prompt: 0, completion: 0 } }\n");
}

// Checks one legacy logprobs object: parallel arrays, each position's dict holding the
// sampled token at its logprob and at most `n` + 1 entries; returns the tokens joined.
std::string check_legacy(simdjson::dom::element lp, size_t n, int64_t first_offset, int64_t* next_offset) {
  auto tokens = lp["tokens"].get_array().value();
  auto lps = lp["token_logprobs"].get_array().value();
  auto tops = lp["top_logprobs"].get_array().value();
  auto offsets = lp["text_offset"].get_array().value();
  REQUIRE(lps.size() == tokens.size());
  REQUIRE(tops.size() == tokens.size());
  REQUIRE(offsets.size() == tokens.size());
  std::string joined;
  int64_t offset = first_offset;
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string_view token = tokens.at(i).get_string().value();
    auto top = tops.at(i).get_object().value();
    CHECK(top.size() >= 1);
    CHECK(top.size() <= n + 1);
    CHECK(top[token].get_double().value() == lps.at(i).get_double().value());
    CHECK(lps.at(i).get_double().value() <= 0);
    CHECK(offsets.at(i).get_int64().value() == offset);
    for (unsigned char b : token) offset += (b & 0xC0) != 0x80;  // code points
    joined += token;
  }
  *next_offset = offset;
  return joined;
}

}  // namespace

TEST_CASE("/v1/completions answers the legacy integer logprobs with the legacy object, plain and streamed",
          "[openai][integration][logprobs]") {
  RunningProxy proxy = demo_proxy("switchyard-legacy-logprobs");
  std::string key = proxy.create_key();
  simdjson::dom::parser p;
  const std::string body = R"({"model":"local/demo","prompt":"Once upon a time","max_tokens":10,"temperature":0,"logprobs":2)";
  auto plain = proxy.client().Post("/v1/completions", bearer(key), body + "}", "application/json");
  REQUIRE(plain);
  REQUIRE(plain->status == 200);
  auto doc = json(p, plain->body);
  auto choice = doc["choices"].at(0);
  int64_t end = 0;
  const std::string answer = text(choice["text"]);
  CHECK(check_legacy(choice["logprobs"], 2, 0, &end) == answer);
  CHECK(int64_t(doc["usage"]["completion_tokens"]) == int64_t(choice["logprobs"]["tokens"].get_array().value().size()));

  auto streamed = proxy.client().Post("/v1/completions", bearer(key), body + R"(,"stream":true})", "application/json");
  REQUIRE(streamed);
  REQUIRE(streamed->status == 200);
  std::string streamed_text, streamed_tokens;
  int64_t offset = 0, chunks_with_logprobs = 0;
  simdjson::dom::parser cp;
  for (const std::string& data : sse_data(streamed->body)) {
    if (data == "[DONE]") break;
    auto chunk = json(cp, data);
    auto choices = chunk["choices"].get_array().value();
    if (choices.size() == 0) continue;
    streamed_text += text(choices.at(0)["text"]);
    if (choices.at(0)["logprobs"].is_null()) continue;
    ++chunks_with_logprobs;
    streamed_tokens += check_legacy(choices.at(0)["logprobs"], 2, offset, &offset);
  }
  CHECK(chunks_with_logprobs > 0);
  CHECK(streamed_tokens == streamed_text);
  CHECK(streamed_text == answer);  // greedy: the same answer both ways

  auto bad = proxy.client().Post("/v1/completions", bearer(key),
                                 R"({"model":"local/demo","prompt":"x","logprobs":6})", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(json(p, bad->body)["error"]["param"].get_string().value() == std::string_view("logprobs"));
}

TEST_CASE("a local stream the client leaves is billed the exact prompt and the tokens sampled", "[openai][integration][cancel]") {
  RunningProxy proxy = demo_proxy("switchyard-cancel-billing", 2048);
  const std::string key = proxy.create_key();
  const std::string prompt =
      "A long prompt, so that an estimate from its bytes and the engine's own count part ways: "
      "the quick brown fox jumps over the lazy dog, again and again, while the proxy keeps count.";
  // The same prompt answered in full: the engine's count.
  auto plain = proxy.client().Post("/v1/completions", bearer(key),
                                   R"({"model":"local/demo","max_tokens":1,"prompt":")" + prompt + R"("})",
                                   "application/json");
  REQUIRE(plain);
  REQUIRE(plain->status == 200);
  auto counted = proxy.wait_for_generation(plain->get_header_value("X-Generation-Id"));
  REQUIRE(counted);
  REQUIRE_FALSE(counted->usage_estimated);

  // Streamed, with EOS forbidden so it runs long, and left after the first bytes.
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/completions";
  req.headers = bearer(key);
  req.set_header("Content-Type", "application/json");
  req.body = R"({"model":"local/demo","stream":true,"max_tokens":1800,"logit_bias":{"2":-100},"prompt":")" + prompt +
             R"("})";
  std::string gen;
  req.response_handler = [&](const httplib::Response& res) {
    gen = res.get_header_value("X-Generation-Id");
    return true;
  };
  size_t received = 0;
  req.content_receiver = [&](const char*, size_t n, uint64_t, uint64_t) {
    received += n;
    return received < 2048;
  };
  CHECK_FALSE(proxy.client().send(req));
  REQUIRE(!gen.empty());
  auto row = proxy.wait_for_generation(gen);
  REQUIRE(row);
  CHECK(row->cancelled);
  CHECK(row->status == 499);
  CHECK(row->prompt_tokens == counted->prompt_tokens);
  CHECK_FALSE(row->usage_estimated);
  CHECK(row->completion_tokens >= 1);
  CHECK(row->completion_tokens < 1800);
}
