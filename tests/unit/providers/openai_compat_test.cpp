// The OpenAI-compatible provider against the in-process mock upstream (no internet).
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <string>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

#include "providers/openai_compat/openai_provider.h"
#include "support/mock_upstream.h"

using namespace switchyard;
using namespace switchyard::testing;
using providers::openai_compat::OpenAiCompatProvider;
using providers::openai_compat::ProviderLimits;
using Clock = std::chrono::steady_clock;

namespace {

struct Fixture {
  MockUpstream mock;
  ProviderConfig provider;
  UpstreamEndpoint endpoint;
  ChatRequest request;
  ProviderLimits limits;

  Fixture() {
    provider.name = "mockprov";
    provider.kind = "openai";
    provider.base_url = mock.base_url();
    provider.api_key = "sk-test-secret";
    provider.headers = {{"HTTP-Referer", "https://switchyard.test"}};
    provider.connect_timeout_ms = 2000;
    provider.first_byte_timeout_ms = 5000;
    provider.idle_timeout_ms = 5000;
    provider.total_timeout_ms = 20000;
    endpoint.upstream_model = "upstream/model-x";
    request.model = "public/model";
    Message m;
    m.role = "user";
    m.text = "Hi";
    request.messages.push_back(m);
  }

  std::unique_ptr<EventStream> open(int64_t max_tokens = 64, std::function<bool()> keep_going = {}, int client_fd = -1) {
    OpenAiCompatProvider impl(limits);
    return impl.open({&request, &endpoint, &provider, max_tokens, std::move(keep_going), client_fd});
  }

  std::vector<Event> collect() {
    auto stream = open();
    std::vector<Event> events;
    while (auto e = stream->next()) events.push_back(std::move(*e));
    return events;
  }
};

std::vector<EventKind> kinds(const std::vector<Event>& events) {
  std::vector<EventKind> out;
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

std::string joined_text(const std::vector<Event>& events) {
  std::string s;
  for (const auto& e : events)
    if (e.kind == EventKind::content) s += e.text;
  return s;
}

long long elapsed_ms(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

}  // namespace

TEST_CASE("openai: a plain JSON reply becomes role, content, finish and usage", "[openai]") {
  Fixture f;
  ChatReplySpec spec;
  spec.finish_reason = "eos";
  spec.cached_tokens = 4;
  f.mock.set_response(MockResponse::json(chat_completion_json(spec)));
  auto events = f.collect();
  REQUIRE(kinds(events) == std::vector<EventKind>{EventKind::role, EventKind::content, EventKind::finish, EventKind::usage});
  CHECK(events[0].upstream_id == "chatcmpl-mock");
  CHECK(events[1].text == "Hello from the mock.");
  CHECK(events[2].finish_reason == "stop");
  CHECK(events[2].native_finish_reason == "eos");
  CHECK(events[3].usage.prompt_tokens == 11);
  CHECK(events[3].usage.completion_tokens == 5);
  CHECK(events[3].usage.cached_tokens == 4);
  CHECK_FALSE(events[3].usage.estimated);
}

TEST_CASE("openai: no usage from the upstream means no usage event", "[openai]") {
  Fixture f;
  ChatReplySpec spec;
  spec.with_usage = false;
  spec.finish_reason = "length";
  f.mock.set_response(MockResponse::json(chat_completion_json(spec)));
  auto events = f.collect();
  REQUIRE(kinds(events) == std::vector<EventKind>{EventKind::role, EventKind::content, EventKind::finish});
  CHECK(events[2].finish_reason == "length");
}

TEST_CASE("openai: a streamed reply gives deltas in order, then usage", "[openai]") {
  Fixture f;
  f.request.stream = true;
  ChatStreamSpec spec;
  spec.deltas = {"Hel", "lo", ", ", "world"};
  spec.with_comments = true;
  spec.crlf = GENERATE(false, true);
  f.mock.set_response(MockResponse::sse(chat_completion_sse(spec)));
  auto events = f.collect();
  REQUIRE(events.size() == 7);
  CHECK(events[0].kind == EventKind::role);
  CHECK(events[0].upstream_id == "chatcmpl-mock");
  CHECK(joined_text(events) == "Hello, world");
  CHECK(events[1].text == "Hel");
  CHECK(events[4].text == "world");
  CHECK(events[5].kind == EventKind::finish);
  CHECK(events[5].finish_reason == "stop");
  REQUIRE(events[6].kind == EventKind::usage);
  CHECK(events[6].usage.prompt_tokens == 11);
  CHECK(events[6].usage.completion_tokens == 3);
}

TEST_CASE("openai: a stream without a usage chunk has no usage event", "[openai]") {
  Fixture f;
  f.request.stream = true;
  ChatStreamSpec spec;
  spec.with_usage = false;
  f.mock.set_response(MockResponse::sse(chat_completion_sse(spec)));
  auto events = f.collect();
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().kind == EventKind::finish);
  for (const auto& e : events) CHECK(e.kind != EventKind::usage);
}

TEST_CASE("openai: streamed tool calls keep their index and id", "[openai]") {
  Fixture f;
  f.request.stream = true;
  ChatStreamSpec spec;
  spec.deltas = {};
  spec.tool_calls = {{0, "call_a", "get_weather", {"{\"city\":", "\"Paris\"}"}},
                     {1, "call_b", "get_time", {"{}"}}};
  spec.finish_reason = "tool_calls";
  f.mock.set_response(MockResponse::sse(chat_completion_sse(spec)));
  auto events = f.collect();
  std::vector<Event> calls;
  for (const auto& e : events)
    if (e.kind == EventKind::tool_call) calls.push_back(e);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].tool_call.index == 0);
  CHECK(calls[0].tool_call.id == "call_a");
  CHECK(calls[0].tool_call.name == "get_weather");
  CHECK(calls[0].tool_call.arguments == "{\"city\":");
  CHECK(calls[1].tool_call.index == 0);
  CHECK(calls[1].tool_call.id.empty());
  CHECK(calls[1].tool_call.arguments == "\"Paris\"}");
  CHECK(calls[2].tool_call.index == 1);
  CHECK(calls[2].tool_call.id == "call_b");
  CHECK(calls[2].tool_call.name == "get_time");
  auto finish = std::find_if(events.begin(), events.end(), [](const Event& e) { return e.kind == EventKind::finish; });
  REQUIRE(finish != events.end());
  CHECK(finish->finish_reason == "tool_calls");
}

TEST_CASE("openai: the request forwarded upstream", "[openai]") {
  Fixture f;
  f.request.parameters_sent = {"temperature", "max_tokens", "stop", "tools"};
  f.request.sampling.temperature = 0.25;
  f.request.sampling.top_p = 0.5;  // not sent by the client: must not be forwarded
  f.request.sampling.stop = {"END"};
  f.request.tools_json = R"([{"type":"function","function":{"name":"f","parameters":{}}}])";
  f.request.extra_fields = {{"transforms", R"(["middle-out"])"}, {"model", R"("evil")"}};
  Message assistant;
  assistant.role = "assistant";
  assistant.content_is_null = true;
  assistant.tool_calls = {ToolCall{"call_1", "function", "f", "{}"}};
  Message tool;
  tool.role = "tool";
  tool.text = "42";
  tool.tool_call_id = "call_1";
  Message parts;
  parts.role = "user";
  parts.text = "look";
  parts.content_is_array = true;
  parts.content_json = R"([{"type":"text","text":"look"}])";
  f.request.messages.push_back(assistant);
  f.request.messages.push_back(tool);
  f.request.messages.push_back(parts);
  f.request.stream = GENERATE(false, true);
  if (f.request.stream) f.mock.set_response(MockResponse::sse(chat_completion_sse()));
  auto events = f.collect();
  REQUIRE(!events.empty());
  CHECK(events.back().kind != EventKind::error);

  auto sent = f.mock.last_request();
  REQUIRE(sent);
  CHECK(sent->method == "POST");
  CHECK(sent->path == "/v1/chat/completions");
  CHECK(sent->header("Authorization") == "Bearer sk-test-secret");
  CHECK(sent->header("HTTP-Referer") == "https://switchyard.test");
  CHECK(sent->header("Content-Type") == "application/json");

  simdjson::dom::parser parser;
  simdjson::dom::element body;
  REQUIRE(parser.parse(sent->body).get(body) == simdjson::SUCCESS);
  CHECK(std::string_view(body["model"]) == "upstream/model-x");
  CHECK(double(body["temperature"]) == Approx(0.25));
  CHECK(body["top_p"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(body["seed"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(int64_t(body["max_tokens"]) == 64);  // the proxy's resolved value
  CHECK(std::string_view(body["stop"].at(0)) == "END");
  CHECK(std::string_view(body["tools"].at(0)["function"]["name"]) == "f");
  CHECK(std::string_view(body["transforms"].at(0)) == "middle-out");
  CHECK(bool(body["stream"]) == f.request.stream);
  if (f.request.stream)
    CHECK(bool(body["stream_options"]["include_usage"]));
  else
    CHECK(body["stream_options"].error() == simdjson::NO_SUCH_FIELD);
  simdjson::dom::array messages = body["messages"];
  REQUIRE(messages.size() == 4);
  CHECK(std::string_view(messages.at(0)["content"]) == "Hi");
  CHECK(messages.at(1)["content"].is_null());
  CHECK(std::string_view(messages.at(1)["tool_calls"].at(0)["id"]) == "call_1");
  CHECK(std::string_view(messages.at(2)["tool_call_id"]) == "call_1");
  CHECK(std::string_view(messages.at(3)["content"].at(0)["type"]) == "text");
}

TEST_CASE("openai: max_tokens goes upstream when the catalog sets a default, else only when sent", "[openai]") {
  Fixture f;
  f.collect();
  simdjson::dom::parser parser;
  simdjson::dom::element body;
  REQUIRE(parser.parse(f.mock.last_request()->body).get(body) == simdjson::SUCCESS);
  CHECK(body["max_tokens"].error() == simdjson::NO_SUCH_FIELD);  // the upstream's own default

  f.endpoint.default_max_tokens = 64;
  auto stream = f.open(64);
  while (stream->next()) {
  }
  simdjson::dom::parser parser2;
  REQUIRE(parser2.parse(f.mock.last_request()->body).get(body) == simdjson::SUCCESS);
  CHECK(int64_t(body["max_tokens"]) == 64);  // every endpoint of the model answers alike
}

TEST_CASE("openai: no Authorization header without a key", "[openai]") {
  Fixture f;
  f.provider.api_key.clear();
  f.collect();
  auto sent = f.mock.last_request();
  REQUIRE(sent);
  CHECK(sent->header("Authorization").empty());
}

TEST_CASE("openai: a completion request posts a prompt to /completions", "[openai]") {
  Fixture f;
  f.request.is_completion = true;
  f.request.prompt = "Once upon";
  f.request.messages.clear();
  f.mock.set_response(MockResponse::json(
      R"({"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":" a time","finish_reason":"stop","logprobs":null}],)"
      R"("usage":{"prompt_tokens":2,"completion_tokens":3}})"));
  auto events = f.collect();
  CHECK(joined_text(events) == " a time");
  auto sent = f.mock.last_request();
  REQUIRE(sent);
  CHECK(sent->path == "/v1/completions");
  simdjson::dom::parser parser;
  simdjson::dom::element body;
  REQUIRE(parser.parse(sent->body).get(body) == simdjson::SUCCESS);
  CHECK(std::string_view(body["prompt"]) == "Once upon");
  CHECK(body["messages"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("openai: a completion asks for logprobs with the legacy integer and passes the legacy object on", "[openai]") {
  Fixture f;
  f.request.is_completion = true;
  f.request.prompt = "Once upon";
  f.request.messages.clear();
  f.request.sampling.logprobs = true;
  f.request.sampling.top_logprobs = 3;
  f.request.parameters_sent = {"logprobs"};
  f.mock.set_response(MockResponse::json(
      R"({"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":" a","finish_reason":"stop",)"
      R"("logprobs":{"tokens":[" a"],"token_logprobs":[-0.1],"top_logprobs":[{" a":-0.1}],"text_offset":[0]}}]})"));
  auto events = f.collect();
  auto sent = f.mock.last_request();
  REQUIRE(sent);
  simdjson::dom::parser parser;
  simdjson::dom::element body;
  REQUIRE(parser.parse(sent->body).get(body) == simdjson::SUCCESS);
  CHECK(int64_t(body["logprobs"]) == 3);
  CHECK(body["top_logprobs"].error() == simdjson::NO_SUCH_FIELD);
  bool passed_on = false;
  for (const auto& e : events)
    passed_on |= e.kind == EventKind::logprobs && e.logprobs_json.find(R"("tokens":[" a"])") != std::string::npos;
  CHECK(passed_on);
}

TEST_CASE("openai: logprobs are passed on minified", "[openai]") {
  Fixture f;
  f.mock.set_response(MockResponse::json(
      R"({"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},)"
      R"("logprobs":{ "content": [ {"token":"Hi","logprob":-0.5,"top_logprobs":[]} ] },"finish_reason":"stop"}]})"));
  auto events = f.collect();
  REQUIRE(kinds(events) == std::vector<EventKind>{EventKind::role, EventKind::content, EventKind::logprobs, EventKind::finish});
  CHECK(events[2].logprobs_json == R"({"content":[{"token":"Hi","logprob":-0.5,"top_logprobs":[]}]})");
}

TEST_CASE("openai: upstream HTTP errors map to kinds, statuses and metadata", "[openai]") {
  auto [upstream, kind, status] = GENERATE(table<int, ErrorKind, int>({
      {400, ErrorKind::invalid_argument, 400},
      {401, ErrorKind::upstream_error, 502},
      {404, ErrorKind::upstream_error, 502},
      {413, ErrorKind::payload_too_large, 413},
      {422, ErrorKind::unprocessable, 422},
      {500, ErrorKind::upstream_error, 502},
      {503, ErrorKind::upstream_error, 502},
  }));
  Fixture f;
  f.request.stream = GENERATE(false, true);
  f.mock.set_response(MockResponse::error(upstream, R"({"error":{"message":"upstream says no","code":)" +
                                                        std::to_string(upstream) + "}}"));
  auto events = f.collect();
  REQUIRE(events.size() == 1);
  const Error& e = events[0].error;
  CHECK(events[0].kind == EventKind::error);
  CHECK(e.kind == kind);
  CHECK(http_status(e) == status);
  CHECK(e.message == "upstream says no");
  CHECK_THAT(e.metadata_json, Catch::Contains(R"("provider_name":"mockprov")"));
  CHECK_THAT(e.metadata_json, Catch::Contains(R"("upstream_status":)" + std::to_string(upstream)));
  CHECK_THAT(e.metadata_json, Catch::Contains(R"("raw":"{\"error\":{\"message\":\"upstream says no\")"));
}

TEST_CASE("openai: a non-JSON error body keeps a generic message and a truncated raw", "[openai]") {
  Fixture f;
  f.mock.set_response(MockResponse::error(502, std::string(10000, 'x')));
  auto events = f.collect();
  REQUIRE(events.size() == 1);
  CHECK(events[0].error.kind == ErrorKind::upstream_error);
  CHECK(events[0].error.message == "upstream returned HTTP 502");
  CHECK(events[0].error.metadata_json.size() < 4096 + 200);
}

TEST_CASE("openai: 429 becomes rate_limited with Retry-After", "[openai]") {
  Fixture f;
  f.mock.set_response(MockResponse::error(429, R"({"error":{"message":"slow down"}})", 7));
  auto events = f.collect();
  REQUIRE(events.size() == 1);
  CHECK(events[0].error.kind == ErrorKind::rate_limited);
  CHECK(http_status(events[0].error) == 429);
  CHECK(events[0].error.retry_after_seconds == 7);
  CHECK(events[0].error.message == "slow down");
}

TEST_CASE("openai: a silent upstream times out at first_byte_timeout", "[openai]") {
  Fixture f;
  f.provider.first_byte_timeout_ms = 300;
  f.mock.set_response(MockResponse::hang());
  const auto start = Clock::now();
  auto events = f.collect();
  const auto took = elapsed_ms(start);
  REQUIRE(events.size() == 1);
  CHECK(events[0].error.kind == ErrorKind::timeout);
  CHECK(http_status(events[0].error) == 504);
  CHECK(took >= 290);
  CHECK(took < 2000);
}

TEST_CASE("openai: silence mid-stream times out at idle_timeout", "[openai]") {
  Fixture f;
  f.request.stream = true;
  f.provider.idle_timeout_ms = 300;
  ChatStreamSpec spec;
  spec.finish_reason.clear();
  spec.with_usage = false;
  spec.with_done = false;
  f.mock.set_response(MockResponse::sse(chat_completion_sse(spec), MockResponse::Tail::hang_silent));
  const auto start = Clock::now();
  auto events = f.collect();
  CHECK(elapsed_ms(start) < 2000);
  CHECK(joined_text(events) == "Hello!");
  REQUIRE(!events.empty());
  CHECK(events.back().kind == EventKind::error);
  CHECK(events.back().error.kind == ErrorKind::timeout);
}

TEST_CASE("openai: total_timeout bounds a stream that keeps trickling", "[openai]") {
  Fixture f;
  f.request.stream = true;
  f.provider.total_timeout_ms = 300;
  ChatStreamSpec spec;
  spec.finish_reason.clear();
  spec.with_usage = false;
  spec.with_done = false;
  f.mock.set_response(MockResponse::sse(chat_completion_sse(spec), MockResponse::Tail::hang_pinging));
  const auto start = Clock::now();
  auto events = f.collect();
  CHECK(elapsed_ms(start) < 2000);
  REQUIRE(!events.empty());
  CHECK(events.back().error.kind == ErrorKind::timeout);
}

TEST_CASE("openai: a connection dropped mid-stream ends with an error after the content", "[openai]") {
  Fixture f;
  f.request.stream = true;
  ChatStreamSpec spec;
  spec.finish_reason.clear();
  spec.with_usage = false;
  spec.with_done = false;
  f.mock.set_response(MockResponse::sse(chat_completion_sse(spec), MockResponse::Tail::drop));
  auto events = f.collect();
  CHECK(joined_text(events) == "Hello!");
  REQUIRE(!events.empty());
  CHECK(events.back().kind == EventKind::error);
  CHECK(events.back().error.kind == ErrorKind::upstream_error);
}

TEST_CASE("openai: a stream that ends cleanly but early is reported as truncated", "[openai]") {
  Fixture f;
  f.request.stream = true;
  ChatStreamSpec spec;
  spec.finish_reason.clear();
  spec.with_done = false;
  spec.with_usage = true;
  f.mock.set_response(MockResponse::sse(chat_completion_sse(spec)));
  auto events = f.collect();
  REQUIRE(events.size() >= 2);
  CHECK(events[events.size() - 2].kind == EventKind::usage);  // what was reported still counts
  CHECK(events.back().kind == EventKind::error);
  CHECK_THAT(events.back().error.message, Catch::Contains("truncated"));
}

TEST_CASE("openai: a finish without [DONE] is a complete answer", "[openai]") {
  Fixture f;
  f.request.stream = true;
  ChatStreamSpec spec;
  spec.with_done = false;
  f.mock.set_response(MockResponse::sse(chat_completion_sse(spec)));
  auto events = f.collect();
  REQUIRE(!events.empty());
  CHECK(events.back().kind == EventKind::usage);
}

TEST_CASE("openai: garbage and malformed answers become upstream errors", "[openai]") {
  Fixture f;
  SECTION("HTML with status 200") {
    f.mock.set_response(MockResponse::garbage());
    auto events = f.collect();
    REQUIRE(events.size() == 1);
    CHECK(events[0].error.kind == ErrorKind::upstream_error);
    CHECK_THAT(events[0].error.message, Catch::Contains("non-JSON"));
  }
  SECTION("JSON without choices") {
    f.mock.set_response(MockResponse::json(R"({"id":"x","choices":"nope"})"));
    auto events = f.collect();
    REQUIRE(events.size() == 1);
    CHECK(events[0].error.kind == ErrorKind::upstream_error);
  }
  SECTION("wrong types everywhere do not crash") {
    f.mock.set_response(MockResponse::json(
        R"({"id":5,"choices":[{"index":"a","message":{"content":7,"tool_calls":[1,{"function":3}]},"finish_reason":[]}],"usage":{"prompt_tokens":"x"}})"));
    auto events = f.collect();
    REQUIRE(!events.empty());
    CHECK(events.back().kind == EventKind::finish);
  }
  SECTION("a malformed stream chunk") {
    f.request.stream = true;
    f.mock.set_response(MockResponse::sse({"data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n", "data: {not json\n\n"}));
    auto events = f.collect();
    CHECK(joined_text(events) == "ok");
    REQUIRE(!events.empty());
    CHECK(events.back().error.kind == ErrorKind::upstream_error);
    CHECK_THAT(events.back().error.message, Catch::Contains("malformed"));
  }
  SECTION("an error object inside the stream") {
    f.request.stream = true;
    f.mock.set_response(MockResponse::sse({"data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n",
                                           "data: {\"error\":{\"message\":\"model crashed\",\"code\":502}}\n\n"}));
    auto events = f.collect();
    REQUIRE(!events.empty());
    CHECK(events.back().error.kind == ErrorKind::upstream_error);
    CHECK(events.back().error.message == "model crashed");
  }
  SECTION("a body over the size limit") {
    f.limits.max_response_bytes = 1024;
    f.mock.set_response(MockResponse::json(R"({"pad":")" + std::string(4096, 'x') + R"("})"));
    auto events = f.collect();
    REQUIRE(events.size() == 1);
    CHECK_THAT(events[0].error.message, Catch::Contains("exceeds"));
  }
}

TEST_CASE("openai: an unreachable upstream is upstream_unavailable", "[openai]") {
  Fixture f;
  int dead_port = 0;
  {
    MockUpstream gone;
    dead_port = gone.port();
  }
  f.provider.base_url = "http://127.0.0.1:" + std::to_string(dead_port) + "/v1";
  auto events = f.collect();
  REQUIRE(events.size() == 1);
  CHECK(events[0].error.kind == ErrorKind::upstream_unavailable);
  CHECK(events[0].error.message.find("sk-test-secret") == std::string::npos);
}

TEST_CASE("openai: destroying a stream mid-transfer cancels it promptly", "[openai]") {
  Fixture f;
  f.request.stream = true;
  ChatStreamSpec spec;
  spec.finish_reason.clear();
  spec.with_usage = false;
  spec.with_done = false;
  f.mock.set_response(MockResponse::sse(chat_completion_sse(spec), MockResponse::Tail::hang_pinging));
  auto stream = f.open();
  auto first = stream->next();
  REQUIRE(first);
  auto second = stream->next();
  REQUIRE(second);
  CHECK(second->kind == EventKind::content);
  const auto start = Clock::now();
  stream.reset();
  CHECK(elapsed_ms(start) < 200);
  CHECK(f.mock.wait_for_disconnects(1, std::chrono::seconds(5)));
}

namespace {

// A client connection as the proxy's worker holds it: `ours` is the server's end (the
// OpenParams::client_fd), `theirs` the client's.
struct ClientPair {
  int ours = -1, theirs = -1;
  ClientPair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    ours = fds[0];
    theirs = fds[1];
  }
  ~ClientPair() {
    ::close(ours);
    if (theirs >= 0) ::close(theirs);
  }
  bool client_left() const {  // the FIN has arrived
    char c;
    return ::recv(ours, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }
};

}  // namespace

TEST_CASE("openai: the client's socket wakes a silent transfer, so keep_going is not polled every 50 ms",
          "[openai][cancel]") {
  Fixture f;
  f.provider.first_byte_timeout_ms = 1000;
  f.mock.set_response(MockResponse::hang());
  ClientPair client;
  std::atomic<int> asked{0};
  auto stream = f.open(64, [&] { ++asked; return !client.client_left(); }, client.ours);
  auto e = stream->next();
  REQUIRE(e);
  CHECK(e->error.kind == ErrorKind::timeout);
  // One second of silence: every 250 ms while the socket is watched (4-5 times), where
  // 50 ms slices asked 20 times. A slow machine asks fewer times, never more.
  CHECK(asked.load() <= 8);
}

TEST_CASE("openai: a client that closes while the upstream is silent cancels the transfer at once",
          "[openai][cancel]") {
  Fixture f;
  f.provider.first_byte_timeout_ms = 10000;
  f.mock.set_response(MockResponse::hang());
  ClientPair client;
  std::atomic<int> asked{0};
  auto stream = f.open(64, [&] { ++asked; return !client.client_left(); }, client.ours);
  Clock::time_point closed_at;
  std::thread leaver([&] {
    while (asked.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the poll is waiting
    closed_at = Clock::now();
    ::close(client.theirs);
    client.theirs = -1;
  });
  auto e = stream->next();
  leaver.join();
  REQUIRE(e);
  CHECK(e->error.kind == ErrorKind::cancelled);
  // Woken by the FIN, not by the next 250 ms slice.
  CHECK(elapsed_ms(closed_at) < 150);
}

TEST_CASE("openai: bytes waiting on the client's socket (a pipelined request) do not spin the transfer",
          "[openai][cancel]") {
  Fixture f;
  f.provider.first_byte_timeout_ms = 1000;
  f.mock.set_response(MockResponse::hang());
  ClientPair client;
  const std::string next_request = "GET /health/live HTTP/1.1\r\n\r\n";
  REQUIRE(::send(client.theirs, next_request.data(), next_request.size(), 0) == static_cast<ssize_t>(next_request.size()));
  std::atomic<int> asked{0};
  auto stream = f.open(64, [&] { ++asked; return !client.client_left(); }, client.ours);
  auto e = stream->next();
  REQUIRE(e);
  CHECK(e->error.kind == ErrorKind::timeout);  // still there: not cancelled
  CHECK(asked.load() <= 40);                   // back to 50 ms slices, not a poll that returns at once
  char buf[64];
  CHECK(::recv(client.ours, buf, sizeof buf, MSG_DONTWAIT) == static_cast<ssize_t>(next_request.size()));  // untouched
}

TEST_CASE("openai: sequential requests on one thread reuse the connection", "[openai]") {
  Fixture f;
  f.collect();
  f.collect();
  f.request.stream = true;
  f.mock.set_response(MockResponse::sse(chat_completion_sse()));
  f.collect();
  f.collect();  // after a finished stream, too
  auto requests = f.mock.requests();
  REQUIRE(requests.size() == 4);
  CHECK(requests[0].remote_port == requests[1].remote_port);
  CHECK(requests[1].remote_port == requests[2].remote_port);
  CHECK(requests[2].remote_port == requests[3].remote_port);
}

TEST_CASE("openai: two streams pulled alternately on one thread stay apart", "[openai]") {
  Fixture f;
  f.request.stream = true;
  ChatStreamSpec a, b;
  a.deltas = {"a1", "a2", "a3"};
  b.deltas = {"b1", "b2"};
  b.id = "chatcmpl-b";
  f.mock.enqueue(MockResponse::sse(chat_completion_sse(a)));
  f.mock.enqueue(MockResponse::sse(chat_completion_sse(b)));
  auto first = f.open();
  auto second = f.open();
  std::vector<Event> from_first, from_second;
  for (bool more_first = true, more_second = true; more_first || more_second;) {
    if (more_first) {
      auto e = first->next();
      more_first = e.has_value();
      if (e) from_first.push_back(*e);
    }
    if (more_second) {
      auto e = second->next();
      more_second = e.has_value();
      if (e) from_second.push_back(*e);
    }
  }
  // Whichever request the mock saw first got the first queued answer.
  std::string t1 = joined_text(from_first), t2 = joined_text(from_second);
  if (t1 != "a1a2a3") std::swap(t1, t2);
  CHECK(t1 == "a1a2a3");
  CHECK(t2 == "b1b2");
  CHECK(from_first.back().kind == EventKind::usage);
  CHECK(from_second.back().kind == EventKind::usage);
}

TEST_CASE("openai: many threads at once, each with its own connection pool", "[openai]") {
  Fixture f;
  constexpr int kThreads = 4, kPerThread = 5;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        OpenAiCompatProvider impl;
        auto stream = impl.open({&f.request, &f.endpoint, &f.provider, 16});
        std::string text;
        bool error = false;
        while (auto e = stream->next()) {
          if (e->kind == EventKind::content) text += e->text;
          if (e->kind == EventKind::error) error = true;
        }
        if (!error && text == "Hello from the mock.") ++good;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(good == kThreads * kPerThread);
  CHECK(f.mock.request_count() == size_t{kThreads * kPerThread});
}
