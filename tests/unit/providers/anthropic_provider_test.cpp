// The Anthropic provider against an in-process mock upstream (127.0.0.1:0) that speaks the
// real Messages API event sequence.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include "providers/anthropic/anthropic_provider.h"
#include "support/mock_upstream.h"

using namespace switchyard;
using switchyard::testing::MockResponse;
using switchyard::testing::MockUpstream;

namespace {

std::string sse(const std::string& name, const std::string& data) { return "event: " + name + "\ndata: " + data + "\n\n"; }

// message_start .. message_stop with a text block, a tool_use block whose input arrives in
// several input_json_delta fragments, pings, and cache usage.
std::vector<std::string> tool_stream() {
  return {
      sse("message_start", R"({"type":"message_start","message":{"id":"msg_01Xy","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":21,"cache_creation_input_tokens":0,"cache_read_input_tokens":1800,"output_tokens":2}}})"),
      sse("content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"),
      sse("ping", R"({"type": "ping"})"),
      sse("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me look"}})"),
      sse("content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" that up."}})"),
      sse("content_block_stop", R"({"type":"content_block_stop","index":0})"),
      sse("content_block_start", R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{}}})"),
      sse("content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}})"),
      sse("content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}})"),
      sse("ping", R"({"type": "ping"})"),
      sse("content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\", \"unit\": \"fah"}})"),
      sse("content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"renheit\"}"}})"),
      sse("content_block_stop", R"({"type":"content_block_stop","index":1})"),
      sse("content_block_start", R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01B","name":"get_time","input":{}}})"),
      sse("content_block_delta", R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"tz\":"}})"),
      sse("content_block_delta", R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":" \"PST\"}"}})"),
      sse("content_block_stop", R"({"type":"content_block_stop","index":2})"),
      sse("message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}})"),
      sse("message_stop", R"({"type":"message_stop"})"),
  };
}

struct Setup {
  MockUpstream mock;
  ChatRequest request;
  UpstreamEndpoint endpoint;
  ProviderConfig provider;
  std::unique_ptr<Provider> anthropic = anthropic::make_anthropic_provider();

  Setup() {
    provider.name = "anthropic";
    provider.kind = "anthropic";
    provider.base_url = mock.base_url();
    provider.api_key = "sk-ant-test";
    // The per-thread curl pool keeps connections alive, and the mock's stop() waits out its
    // 1 s keep-alive for each; closing after every answer keeps the tests fast.
    provider.headers = {{"Connection", "close"}};
    endpoint.upstream_model = "claude-sonnet-4-5";
    Message m;
    m.role = "user";
    m.text = "Weather in SF?";
    m.content_json = "\"Weather in SF?\"";
    request.messages.push_back(m);
  }
  std::unique_ptr<EventStream> open() { return anthropic->open(OpenParams{&request, &endpoint, &provider, 1024}); }
  std::vector<Event> collect() {
    auto stream = open();
    std::vector<Event> events;
    while (auto e = stream->next()) events.push_back(std::move(*e));
    return events;
  }
};

}  // namespace

TEST_CASE("provider: streamed tool use over the real event sequence", "[anthropic]") {
  Setup s;
  s.request.stream = true;
  s.provider.headers.push_back({"anthropic-beta", "prompt-caching-2024-07-31"});
  s.mock.set_response(MockResponse::sse(tool_stream()));
  auto events = s.collect();

  auto req = s.mock.last_request();
  REQUIRE(req);
  CHECK(req->method == "POST");
  CHECK(req->path == "/v1/messages");
  CHECK(req->header("x-api-key") == "sk-ant-test");
  CHECK(req->header("anthropic-version") == "2023-06-01");
  CHECK(req->header("anthropic-beta") == "prompt-caching-2024-07-31");
  CHECK(req->header("content-type") == "application/json");
  CHECK(req->header("authorization").empty());
  CHECK(req->body ==
        R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[{"type":"text","text":"Weather in SF?"}]}],"max_tokens":1024,"stream":true})");

  REQUIRE(events.size() >= 4);
  CHECK(events.front().kind == EventKind::role);
  CHECK(events.front().upstream_id == "msg_01Xy");
  std::string text;
  std::map<int64_t, std::string> ids, names, args;
  std::map<int64_t, int> deltas;
  int finishes = 0, usages = 0;
  Usage usage;
  for (const auto& e : events) {
    CHECK(e.kind != EventKind::error);
    if (e.kind == EventKind::content) text += e.text;
    if (e.kind == EventKind::tool_call) {
      const auto i = e.tool_call.index;
      if (deltas[i]++ == 0) {  // id and name on the first delta of each call only
        CHECK_FALSE(e.tool_call.id.empty());
        ids[i] = e.tool_call.id;
        names[i] = e.tool_call.name;
      } else {
        CHECK(e.tool_call.id.empty());
        CHECK(e.tool_call.name.empty());
      }
      args[i] += e.tool_call.arguments;
    }
    if (e.kind == EventKind::finish) {
      ++finishes;
      CHECK(e.finish_reason == "tool_calls");
      CHECK(e.native_finish_reason == "tool_use");
    }
    if (e.kind == EventKind::usage) {
      ++usages;
      usage = e.usage;
    }
  }
  CHECK(text == "Let me look that up.");
  CHECK(ids == std::map<int64_t, std::string>{{0, "toolu_01A"}, {1, "toolu_01B"}});
  CHECK(names == std::map<int64_t, std::string>{{0, "get_weather"}, {1, "get_time"}});
  CHECK(args[0] == R"({"location": "San Francisco, CA", "unit": "fahrenheit"})");
  CHECK(args[1] == R"({"tz": "PST"})");
  simdjson::dom::parser parser;
  for (const auto& [i, a] : args) CHECK(parser.parse(a).error() == simdjson::SUCCESS);
  CHECK(finishes == 1);
  CHECK(usages == 1);
  CHECK(usage.prompt_tokens == 1821);
  CHECK(usage.completion_tokens == 89);
  CHECK(usage.cached_tokens == 1800);
  CHECK(usage.cache_write_tokens == 0);
  CHECK(events.back().kind == EventKind::usage);
}

TEST_CASE("provider: SSE split at arbitrary byte boundaries", "[anthropic]") {
  Setup s;
  s.request.stream = true;
  std::string all;
  for (const auto& c : tool_stream()) all += c;
  std::vector<std::string> pieces;
  for (size_t i = 0; i < all.size(); i += 7) pieces.push_back(all.substr(i, 7));
  s.mock.set_response(MockResponse::sse(pieces));
  auto events = s.collect();
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().kind == EventKind::usage);
  CHECK(events.back().usage.completion_tokens == 89);
}

TEST_CASE("provider: plain (non-streamed) answer", "[anthropic]") {
  Setup s;
  s.mock.set_response(MockResponse::json(
      R"({"id":"msg_plain","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Hi!"}],)"
      R"("stop_reason":"max_tokens","stop_sequence":null,"usage":{"input_tokens":5,"cache_creation_input_tokens":40,"cache_read_input_tokens":0,"output_tokens":3}})"));
  auto events = s.collect();
  CHECK(s.mock.last_request()->header("accept") == "application/json");
  REQUIRE(events.size() == 4);
  CHECK(events[0].upstream_id == "msg_plain");
  CHECK(events[1].text == "Hi!");
  CHECK(events[2].finish_reason == "length");
  CHECK(events[3].usage.prompt_tokens == 45);
  CHECK(events[3].usage.cache_write_tokens == 40);
}

TEST_CASE("provider: 429 maps to rate_limited with Retry-After", "[anthropic]") {
  Setup s;
  s.mock.set_response(MockResponse::error(
      429, R"({"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your rate limit"}})", 17));
  auto events = s.collect();
  REQUIRE(events.size() == 1);
  const Error& e = events[0].error;
  CHECK(events[0].kind == EventKind::error);
  CHECK(e.kind == ErrorKind::rate_limited);
  CHECK(http_status(e) == 429);
  CHECK(e.retry_after_seconds == 17);
  CHECK(e.message.find("rate limit") != std::string::npos);
  CHECK(e.metadata_json.find(R"("provider_name":"anthropic","upstream_status":429,"raw":)") != std::string::npos);
}

TEST_CASE("provider: 529 overloaded and 400 invalid_request", "[anthropic]") {
  Setup s;
  s.request.stream = true;
  s.mock.enqueue(MockResponse::error(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
  s.mock.enqueue(MockResponse::error(400, R"({"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate"}})"));
  auto first = s.collect();
  REQUIRE(first.size() == 1);
  CHECK(first[0].error.kind == ErrorKind::upstream_error);
  CHECK(http_status(first[0].error) == 502);
  CHECK(first[0].error.message.find("Overloaded") != std::string::npos);
  auto second = s.collect();
  REQUIRE(second.size() == 1);
  CHECK(second[0].error.kind == ErrorKind::invalid_argument);
  CHECK(second[0].error.message == "messages: roles must alternate");
}

TEST_CASE("provider: an in-stream error event", "[anthropic]") {
  Setup s;
  s.request.stream = true;
  auto chunks = tool_stream();
  chunks.resize(4);
  chunks.push_back(sse("error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
  s.mock.set_response(MockResponse::sse(chunks));
  auto events = s.collect();
  REQUIRE(events.size() == 4);  // role, content, usage so far, error
  CHECK(events[1].text == "Let me look");
  CHECK(events[2].kind == EventKind::usage);
  CHECK(events[3].kind == EventKind::error);
  CHECK(events[3].error.kind == ErrorKind::upstream_error);
}

TEST_CASE("provider: a stream without message_stop is truncated", "[anthropic]") {
  auto tail = GENERATE(MockResponse::Tail::end, MockResponse::Tail::drop);
  Setup s;
  s.request.stream = true;
  auto chunks = tool_stream();
  chunks.resize(9);  // mid tool call
  s.mock.set_response(MockResponse::sse(chunks, tail));
  auto events = s.collect();
  REQUIRE(events.size() >= 2);
  CHECK(events[events.size() - 2].kind == EventKind::usage);
  CHECK(events[events.size() - 2].usage.prompt_tokens == 1821);
  CHECK(events.back().kind == EventKind::error);
  CHECK(events.back().error.kind == ErrorKind::upstream_error);
}

TEST_CASE("provider: timeouts and an unreachable upstream", "[anthropic]") {
  Setup s;
  SECTION("no first byte") {
    s.provider.first_byte_timeout_ms = 150;
    s.mock.set_response(MockResponse::hang());
    auto events = s.collect();
    REQUIRE(events.size() == 1);
    CHECK(events[0].error.kind == ErrorKind::timeout);
    CHECK(http_status(events[0].error) == 504);
  }
  SECTION("silence mid-stream") {
    s.request.stream = true;
    s.provider.idle_timeout_ms = 150;
    auto chunks = tool_stream();
    chunks.resize(4);
    s.mock.set_response(MockResponse::sse(chunks, MockResponse::Tail::hang_silent));
    auto events = s.collect();
    REQUIRE(events.size() == 4);
    CHECK(events[0].kind == EventKind::role);
    CHECK(events[2].kind == EventKind::usage);
    CHECK(events[3].error.kind == ErrorKind::timeout);
    s.mock.release_hangs();
  }
  SECTION("connection refused") {
    s.provider.base_url = "http://127.0.0.1:1/v1";
    auto events = s.collect();
    REQUIRE(events.size() == 1);
    CHECK(events[0].error.kind == ErrorKind::upstream_unavailable);
    CHECK(events[0].error.metadata_json.find("\"provider_name\":\"anthropic\"") != std::string::npos);
  }
}

TEST_CASE("provider: destroying the stream cancels the transfer", "[anthropic]") {
  Setup s;
  s.request.stream = true;
  auto chunks = tool_stream();
  chunks.resize(2);
  s.mock.set_response(MockResponse::sse(chunks, MockResponse::Tail::hang_pinging));
  {
    auto stream = s.open();
    auto first = stream->next();
    REQUIRE(first);
    CHECK(first->kind == EventKind::role);
  }
  CHECK(s.mock.wait_for_disconnects(1));
}

TEST_CASE("provider: untranslatable request fails before any byte is sent", "[anthropic]") {
  Setup s;
  Message call;
  call.role = "assistant";
  call.content_is_null = true;
  call.tool_calls.push_back({"toolu_1", "function", "f", "not json"});
  s.request.messages.push_back(call);
  auto events = s.collect();
  REQUIRE(events.size() == 1);
  CHECK(events[0].error.kind == ErrorKind::invalid_argument);
  CHECK(events[0].error.message.find("messages[1]") != std::string::npos);
  CHECK(s.mock.request_count() == 0);
}

TEST_CASE("provider: URL and headers", "[anthropic]") {
  CHECK(anthropic::messages_url("https://api.anthropic.com/v1/") == "https://api.anthropic.com/v1/messages");
  ProviderConfig p;
  p.api_key = "k";
  p.headers = {{"Anthropic-Version", "2024-01-01"}};
  CHECK(anthropic::request_headers(p, true) ==
        std::vector<std::string>{"x-api-key: k", "content-type: application/json", "accept: text/event-stream",
                                 "Anthropic-Version: 2024-01-01"});
}
