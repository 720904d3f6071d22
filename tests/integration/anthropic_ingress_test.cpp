// POST /v1/messages over real HTTP with scripted providers behind it: Anthropic's shapes
// (plain and streamed), auth by x-api-key or Bearer, errors in Anthropic's shape with the
// pipeline's status, ping events while the upstream is quiet, and one ledger row per request
// with api "messages".
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "anthropic_support.h"
#include "harness.h"
#include "scripted_provider.h"

using namespace switchyard;
using namespace switchyard::testing;
using namespace switchyard::testing::anthropic;

namespace {

const char* kConfig = R"(
server: { threads: 8 }
providers:
  - { name: scripted, kind: openai, base_url: "http://127.0.0.1:1" }
models:
  - id: test/model
    context_length: 4096
    endpoints:
      - { provider: scripted, model: up-model, pricing: { prompt: 1, completion: 2 } }
)";

struct Fixture {
  std::shared_ptr<ScriptLog> log = std::make_shared<ScriptLog>();
  SharedScripter script = [](const OpenParams&) {
    return Script{{ev_role(), ev_text("Hello"), ev_text(" world"), ev_finish("stop"), ev_usage(10, 2)}};
  };
  std::mutex mu;
  std::vector<ChatRequest> seen;  // what the provider was asked; read it through asked()
  // After the answer arrived: under the provider's mutex, so the hand-over from the server
  // thread is ordered for ThreadSanitizer too.
  std::vector<ChatRequest> asked() {  // a copy: later requests may still be adding to it
    std::lock_guard lock(mu);
    return seen;
  }
  std::unique_ptr<RunningProxy> proxy;
  std::string key;

  Fixture() {
    proxy = std::make_unique<RunningProxy>(kConfig, [this](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
      return std::make_shared<ScriptedProvider>(
          [this](const OpenParams& p) {
            std::lock_guard lock(mu);
            seen.push_back(*p.request);
            return script(p);
          },
          log);
    });
    key = proxy->create_key();
  }
  httplib::Result post(const std::string& body, httplib::Headers headers = {}, const std::string& path = "/v1/messages") {
    if (headers.empty()) headers = api_key(key);
    return proxy->client().Post(path.c_str(), headers, body, "application/json");
  }
  std::vector<db::UsageRecord> rows() { return usage_rows(*proxy); }
  db::UsageRecord row(const httplib::Result& r) {
    proxy->flush();
    auto got = proxy->store().get_generation(r->get_header_value("X-Generation-Id"));
    REQUIRE((got && *got));
    return **got;
  }
};

const std::string kHello = R"({"model":"test/model","max_tokens":100,"messages":[{"role":"user","content":"hi"}]})";
const std::string kHelloStream =
    R"({"model":"test/model","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]})";

}  // namespace

TEST_CASE("anthropic: a plain request is answered as a Message, billed and recorded once", "[integration][anthropic]") {
  Fixture f;
  auto r = f.post(kHello);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type").starts_with("application/json"));
  std::string gen = r->get_header_value("X-Generation-Id");
  simdjson::dom::parser p;
  auto doc = parse_json(p, r->body);
  CHECK(str(doc["id"]) == gen);
  CHECK(str(doc["type"]) == "message");
  CHECK(str(doc["role"]) == "assistant");
  CHECK(str(doc["model"]) == "test/model");
  CHECK(simdjson::dom::array(doc["content"]).size() == 1);
  CHECK(str(doc["content"].at(0)["type"]) == "text");
  CHECK(str(doc["content"].at(0)["text"]) == "Hello world");
  CHECK(str(doc["stop_reason"]) == "end_turn");
  CHECK(doc["stop_sequence"].is_null());
  CHECK(int64_t(doc["usage"]["input_tokens"]) == 10);
  CHECK(int64_t(doc["usage"]["output_tokens"]) == 2);
  CHECK(int64_t(doc["usage"]["cache_read_input_tokens"]) == 0);
  CHECK(int64_t(doc["usage"]["cache_creation_input_tokens"]) == 0);

  auto rows = f.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].generation_id == gen);
  CHECK(rows[0].api == "messages");
  CHECK(rows[0].status == 200);
  CHECK(rows[0].prompt_tokens == 10);
  CHECK(rows[0].completion_tokens == 2);
  CHECK(rows[0].cost_pico == 14000000);  // 10 x $1/M + 2 x $2/M
  CHECK(rows[0].finish_reason == "stop");
  CHECK_FALSE(rows[0].streamed);
  REQUIRE(f.asked().size() == 1);
  CHECK(f.asked()[0].sampling.max_tokens == 100);
  CHECK(f.log->max_tokens.at(0) == 100);
}

TEST_CASE("anthropic: Authorization Bearer works too, under /api/v1 as well", "[integration][anthropic]") {
  Fixture f;
  auto r = f.post(kHello, bearer(f.key), "/api/v1/messages");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find(R"("text":"Hello world")") != std::string::npos);
}

TEST_CASE("anthropic: Claude Code's request line and headers are served", "[integration][anthropic]") {
  Fixture f;
  auto headers = api_key(f.key);
  headers.emplace("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14");
  headers.emplace("x-app", "cli");
  auto r = f.post(kHello, headers, "/v1/messages?beta=true");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find(R"("text":"Hello world")") != std::string::npos);
}

TEST_CASE("anthropic: a streamed request is Anthropic's event sequence with the usage at the end",
          "[integration][anthropic][sse]") {
  Fixture f;
  auto r = f.post(kHelloStream);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type").starts_with("text/event-stream"));
  auto events = sse_events(r->body);
  CHECK(event_types(events) == std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                                        "content_block_delta", "content_block_stop", "message_delta",
                                                        "message_stop"});
  simdjson::dom::parser p;
  auto start = parse_json(p, events[0].data);
  CHECK(str(start["message"]["id"]) == r->get_header_value("X-Generation-Id"));
  CHECK(str(start["message"]["model"]) == "test/model");
  CHECK(simdjson::dom::array(start["message"]["content"]).size() == 0);
  auto delta = parse_json(p, events[2].data);
  CHECK(str(delta["delta"]["text"]) == "Hello");
  auto end = parse_json(p, events[5].data);
  CHECK(str(end["delta"]["stop_reason"]) == "end_turn");
  CHECK(int64_t(end["usage"]["input_tokens"]) == 10);
  CHECK(int64_t(end["usage"]["output_tokens"]) == 2);

  auto rows = f.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].api == "messages");
  CHECK(rows[0].streamed);
  CHECK(rows[0].status == 200);
  CHECK(rows[0].cost_pico == 14000000);
}

TEST_CASE("anthropic: tool calls come back as tool_use blocks, plain and streamed", "[integration][anthropic]") {
  Fixture f;
  f.script = [](const OpenParams&) {
    return Script{{ev_role(), ev_text("Let me look."), ev_tool(0, "call_1", "get_weather", R"({"city":)"),
                   ev_tool(0, "", "", R"("Paris"})"), ev_finish("tool_calls"), ev_usage(30, 12)}};
  };
  const std::string body = R"({"model":"test/model","max_tokens":50,
      "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
      "tool_choice":{"type":"tool","name":"get_weather"},
      "messages":[{"role":"user","content":"Weather in Paris?"}]})";
  auto r = f.post(body);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  simdjson::dom::parser p;
  auto doc = parse_json(p, r->body);
  CHECK(str(doc["stop_reason"]) == "tool_use");
  REQUIRE(simdjson::dom::array(doc["content"]).size() == 2);
  auto tool = doc["content"].at(1);
  CHECK(str(tool["type"]) == "tool_use");
  CHECK(str(tool["id"]) == "call_1");
  CHECK(str(tool["name"]) == "get_weather");
  CHECK(str(tool["input"]["city"]) == "Paris");
  REQUIRE(f.asked().size() == 1);
  CHECK(f.asked()[0].tool_choice_json == R"({"type":"function","function":{"name":"get_weather"}})");

  std::string streamed = body;
  streamed.insert(1, R"("stream":true,)");
  auto s = f.post(streamed);
  REQUIRE(s);
  auto events = sse_events(s->body);
  CHECK(event_types(events) == std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                                        "content_block_stop", "content_block_start",
                                                        "content_block_delta", "content_block_delta",
                                                        "content_block_stop", "message_delta", "message_stop"});
  auto tool_start = parse_json(p, events[4].data);
  CHECK(int64_t(tool_start["index"]) == 1);
  CHECK(str(tool_start["content_block"]["type"]) == "tool_use");
  CHECK(str(tool_start["content_block"]["id"]) == "call_1");
  CHECK(str(tool_start["content_block"]["name"]) == "get_weather");
  std::string arguments;
  for (int i : {5, 6}) arguments += str(parse_json(p, events[i].data)["delta"]["partial_json"]);
  CHECK(arguments == R"({"city":"Paris"})");
  CHECK(str(parse_json(p, events[8].data)["delta"]["stop_reason"]) == "tool_use");
}

TEST_CASE("anthropic: a tool-use round trip reaches the provider as OpenAI tool turns", "[integration][anthropic]") {
  Fixture f;
  auto r = f.post(R"({"model":"test/model","max_tokens":50,"system":"You are terse.",
      "tools":[{"name":"get_weather","input_schema":{"type":"object"}}],
      "messages":[{"role":"user","content":"Weather in Paris?"},
        {"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}}]},
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"18C"},{"type":"text","text":"And?"}]}]})");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  const auto asked = f.asked();
  REQUIRE(asked.size() == 1);
  const auto& m = asked[0].messages;
  REQUIRE(m.size() == 5);
  CHECK(m[0].role == "system");
  CHECK(m[1].role == "user");
  CHECK(m[2].role == "assistant");
  REQUIRE(m[2].tool_calls.size() == 1);
  CHECK(m[2].tool_calls[0].arguments == R"({"city":"Paris"})");
  CHECK(m[3].role == "tool");
  CHECK(m[3].tool_call_id == "call_1");
  CHECK(m[3].text == "18C");
  CHECK(m[4].role == "user");
  CHECK(m[4].text == "And?");
}

TEST_CASE("anthropic: errors are in Anthropic's shape with the pipeline's status", "[integration][anthropic]") {
  Fixture f;
  SECTION("no key: 401 authentication_error, and no row") {
    auto r = f.post(kHello, {{"anthropic-version", "2023-06-01"}});
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(error_of(r->body).type == "authentication_error");
    CHECK(f.rows().empty());
  }
  SECTION("a wrong key: 401 authentication_error") {
    auto r = f.post(kHello, api_key("sk-sy-v1-wrong"));
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(error_of(r->body).type == "authentication_error");
    CHECK(error_of(r->body).message == "Invalid API key");
  }
  SECTION("max_tokens missing: 400 invalid_request_error naming it, recorded once") {
    auto r = f.post(R"({"model":"test/model","messages":[{"role":"user","content":"hi"}]})");
    REQUIRE(r);
    CHECK(r->status == 400);
    auto e = error_of(r->body);
    CHECK(e.type == "invalid_request_error");
    CHECK(e.message == "max_tokens must be an integer >= 1, got nothing");
    auto rows = f.rows();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].status == 400);
    CHECK(rows[0].api == "messages");
    CHECK(rows[0].cost_pico == 0);
    CHECK(f.log->opened == 0);
  }
  SECTION("an unknown model: 404 not_found_error") {
    auto r = f.post(R"({"model":"nope/none","max_tokens":5,"messages":[{"role":"user","content":"hi"}]})");
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(error_of(r->body).type == "not_found_error");
  }
  SECTION("a key over its limit: 402 billing_error") {
    auto broke = f.proxy->create_key("broke", 0);
    auto r = f.post(kHello, api_key(broke));
    REQUIRE(r);
    CHECK(r->status == 402);
    CHECK(error_of(r->body).type == "billing_error");
  }
  SECTION("the upstream rate-limits: 429 rate_limit_error with Retry-After") {
    f.script = [](const OpenParams&) {
      Event e = ev_error(ErrorKind::rate_limited, "slow down");
      e.error.retry_after_seconds = 7;
      return Script{{e}};
    };
    auto r = f.post(kHello);
    REQUIRE(r);
    CHECK(r->status == 429);
    CHECK(r->get_header_value("Retry-After") == "7");
    CHECK(error_of(r->body).type == "rate_limit_error");
  }
  SECTION("the upstream cannot be reached: 502 overloaded_error") {
    f.script = [](const OpenParams&) { return Script{{ev_error(ErrorKind::upstream_unavailable, "connection refused")}}; };
    auto r = f.post(kHello);
    REQUIRE(r);
    CHECK(r->status == 502);
    CHECK(error_of(r->body).type == "overloaded_error");
    CHECK(error_of(r->body).message == "connection refused");
  }
  SECTION("the upstream answers 500: api_error") {
    f.script = [](const OpenParams&) { return Script{{ev_error(ErrorKind::upstream_error, "upstream broke", 500)}}; };
    auto r = f.post(kHello);
    REQUIRE(r);
    CHECK(r->status == 500);
    CHECK(error_of(r->body).type == "api_error");
  }
  SECTION("a plain response whose stream breaks is an HTTP error, billed for what came") {
    f.script = [](const OpenParams&) {
      return Script{{ev_role(), ev_text("par"), ev_error(ErrorKind::upstream_error, "upstream reset")}};
    };
    auto r = f.post(kHello);
    REQUIRE(r);
    CHECK(r->status == 502);
    CHECK(error_of(r->body).type == "api_error");
    auto rows = f.rows();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].status == 502);
  }
}

TEST_CASE("anthropic: a failure mid-stream is an error event, and the row says error", "[integration][anthropic][sse]") {
  Fixture f;
  f.script = [](const OpenParams&) {
    return Script{{ev_role(), ev_text("par"), ev_error(ErrorKind::upstream_error, "upstream reset the connection")}};
  };
  auto r = f.post(kHelloStream);
  REQUIRE(r);
  CHECK(r->status == 200);
  auto events = sse_events(r->body);
  CHECK(event_types(events) ==
        std::vector<std::string>{"message_start", "content_block_start", "content_block_delta", "error"});
  auto e = error_of(events.back().data);
  CHECK(e.type == "api_error");
  CHECK(e.message == "upstream reset the connection");
  auto row = f.row(r);
  CHECK(row.finish_reason == "error");
  CHECK(row.status == 502);
  CHECK(row.api == "messages");
}

namespace {

// A provider that goes quiet after its first event until the test releases it, asking
// keep_going all the while (as the real providers do while they wait on the upstream).
struct QuietUpstream {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  void release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
};

class QuietStream : public EventStream {
 public:
  QuietStream(QuietUpstream& q, std::function<bool()> keep_going) : q_(q), keep_going_(std::move(keep_going)) {}
  std::optional<Event> next() override {
    if (step_ == 0) return ++step_, ev_role();
    if (step_ == 1) {
      ++step_;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);  // a failing test, not a hang
      std::unique_lock lock(q_.mu);
      while (!q_.released && std::chrono::steady_clock::now() < deadline) {
        lock.unlock();
        if (!keep_going_()) return ev_error(ErrorKind::cancelled, "client gone");
        lock.lock();
        q_.cv.wait_for(lock, std::chrono::milliseconds(20));
      }
      return ev_text("late");
    }
    if (step_ == 2) return ++step_, ev_finish("stop");
    return std::nullopt;
  }

 private:
  QuietUpstream& q_;
  std::function<bool()> keep_going_;
  int step_ = 0;
};

class QuietProvider : public Provider {
 public:
  explicit QuietProvider(QuietUpstream& q) : q_(q) {}
  std::unique_ptr<EventStream> open(const OpenParams& p) override { return std::make_unique<QuietStream>(q_, p.keep_going); }

 private:
  QuietUpstream& q_;
};

}  // namespace

TEST_CASE("anthropic: ping events go out while the upstream is quiet", "[integration][anthropic][sse]") {
  QuietUpstream quiet;
  RunningProxy proxy(kConfig, [&](const ProviderConfig&) -> Result<std::shared_ptr<Provider>> {
    return std::make_shared<QuietProvider>(quiet);
  });
  std::string key = proxy.create_key();
  std::string body;
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/messages";
  req.headers = api_key(key);
  req.body = kHelloStream;
  req.set_header("Content-Type", "application/json");
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    body.append(data, n);
    if (body.find("event: ping\n") != std::string::npos) quiet.release();
    return true;
  };
  auto c = proxy.client();
  auto r = c.send(req);
  REQUIRE(r);
  auto events = sse_events(body);
  REQUIRE(events.size() >= 2);
  CHECK(events[0].event == "message_start");
  CHECK(events[1].event == "ping");
  CHECK(events[1].data == R"({"type": "ping"})");
  CHECK(body.find(R"("text":"late")") != std::string::npos);  // released by the ping, not by the deadline
  CHECK(events.back().event == "message_stop");
}
