// Anthropic translation as pure functions: request body (exact JSON), plain response,
// stream events, error mapping.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include "providers/anthropic/request_translation.h"
#include "providers/anthropic/response_translation.h"
#include "providers/anthropic/stream_translator.h"

using namespace switchyard;
using namespace switchyard::anthropic;

namespace {

Message text_message(std::string role, std::string text) {
  Message m;
  m.role = std::move(role);
  m.text = text;
  m.content_json = "\"" + text + "\"";
  return m;
}

Message parts_message(std::string role, std::string content_json) {
  Message m;
  m.role = std::move(role);
  m.content_json = std::move(content_json);
  m.content_is_array = true;
  return m;
}

struct Fixture {
  ChatRequest request;
  UpstreamEndpoint endpoint;
  ProviderConfig provider;
  Fixture() {
    endpoint.upstream_model = "claude-sonnet-4-5";
    provider.name = "anthropic";
  }
  Result<std::string> body(int64_t max_tokens = 256) {
    OpenParams p;
    p.request = &request;
    p.endpoint = &endpoint;
    p.provider = &provider;
    p.max_tokens = max_tokens;
    return build_messages_body(p);
  }
};

}  // namespace

TEST_CASE("request: system hoisted, same-role turns merged, tool calls and results", "[anthropic]") {
  Fixture f;
  auto& msgs = f.request.messages;
  msgs.push_back(text_message("system", "Be terse."));
  msgs.push_back(text_message("user", "Hi"));
  msgs.push_back(text_message("user", "Weather in Paris?"));
  Message call = text_message("assistant", "Checking.");
  call.tool_calls.push_back({"toolu_1", "function", "get_weather", "{\"city\": \"Paris\"}"});
  call.tool_calls.push_back({"toolu_2", "function", "get_time", ""});
  msgs.push_back(call);
  Message r1 = text_message("tool", "18C");
  r1.tool_call_id = "toolu_1";
  Message r2 = text_message("tool", "noon");
  r2.tool_call_id = "toolu_2";
  msgs.push_back(r1);
  msgs.push_back(r2);
  msgs.push_back(text_message("developer", "Answer in French."));
  msgs.push_back(text_message("user", "Thanks"));
  f.request.sampling.stop = {"END", "\n\n"};
  f.request.sampling.top_k = 40;
  f.request.sampling.temperature = 1.7;
  f.request.sampling.top_p = 0.9;
  f.request.parameters_sent = {"temperature", "top_p"};
  f.request.user = "user-42";
  f.request.stream = true;

  auto body = f.body(512);
  REQUIRE(body);
  CHECK(*body ==
        R"({"model":"claude-sonnet-4-5","system":"Be terse.\n\nAnswer in French.","messages":[)"
        R"({"role":"user","content":[{"type":"text","text":"Hi"},{"type":"text","text":"Weather in Paris?"}]},)"
        R"({"role":"assistant","content":[{"type":"text","text":"Checking."},)"
        R"({"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},)"
        R"({"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}]},)"
        R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},)"
        R"({"type":"tool_result","tool_use_id":"toolu_2","content":"noon"},{"type":"text","text":"Thanks"}]}],)"
        R"("max_tokens":512,"temperature":1,"top_p":0.9,"top_k":40,"stop_sequences":["END","\n\n"],)"
        R"("metadata":{"user_id":"user-42"},"stream":true})");
}

TEST_CASE("request: defaults are not sent, temperature below 1 passes through", "[anthropic]") {
  Fixture f;
  f.request.messages.push_back(text_message("user", "Hi"));
  CHECK(f.body(100).value() ==
        R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"max_tokens":100})");
  f.request.sampling.temperature = 0.3;
  f.request.parameters_sent = {"temperature"};
  CHECK(f.body(100).value().find(R"("max_tokens":100,"temperature":0.3})") != std::string::npos);
}

TEST_CASE("request: a final assistant prefill loses trailing whitespace", "[anthropic]") {
  Fixture f;
  f.request.messages.push_back(text_message("user", "JSON please"));
  f.request.messages.push_back(text_message("assistant", "{\n  "));
  CHECK(f.body(10).value().find(R"({"role":"assistant","content":[{"type":"text","text":"{"}]})") != std::string::npos);
}

TEST_CASE("request: max_tokens falls back when the proxy did not resolve it", "[anthropic]") {
  Fixture f;
  f.request.messages.push_back(text_message("user", "Hi"));
  f.request.sampling.max_tokens = 77;
  CHECK(f.body(0).value().find(R"("max_tokens":77)") != std::string::npos);
  f.request.sampling.max_tokens.reset();
  CHECK(f.body(0).value().find(R"("max_tokens":4096)") != std::string::npos);
}

TEST_CASE("request: tools and every tool_choice form", "[anthropic]") {
  Fixture f;
  f.request.messages.push_back(text_message("user", "Hi"));
  f.request.tools_json =
      R"([{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},)"
      R"({"type":"function","function":{"name":"ping"}}])";
  const std::string tools =
      R"("tools":[{"name":"get_weather","description":"Weather now","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},)"
      R"({"name":"ping","input_schema":{"type":"object","properties":{}}}])";

  auto [choice, parallel, expected] = GENERATE(table<std::string, std::optional<bool>, std::string>({
      {"", std::nullopt, ""},
      {"", false, R"(,"tool_choice":{"type":"auto","disable_parallel_tool_use":true})"},
      {R"("auto")", std::nullopt, R"(,"tool_choice":{"type":"auto"})"},
      {R"("required")", std::nullopt, R"(,"tool_choice":{"type":"any"})"},
      {R"("required")", false, R"(,"tool_choice":{"type":"any","disable_parallel_tool_use":true})"},
      {R"("none")", false, R"(,"tool_choice":{"type":"none"})"},
      {R"({"type":"function","function":{"name":"ping"}})", std::nullopt, R"(,"tool_choice":{"type":"tool","name":"ping"})"},
      {R"({"type":"function","function":{"name":"ping"}})", true, R"(,"tool_choice":{"type":"tool","name":"ping"})"},
  }));
  f.request.tool_choice_json = choice;
  f.request.parallel_tool_calls = parallel;
  CAPTURE(choice);
  CHECK(f.body(10).value() ==
        R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"max_tokens":10,)" +
            tools + expected + "}");
}

TEST_CASE("request: tool_choice without tools is dropped, a bad tool_choice is rejected", "[anthropic]") {
  Fixture f;
  f.request.messages.push_back(text_message("user", "Hi"));
  f.request.tool_choice_json = R"("required")";
  CHECK(f.body(10).value().find("tool_choice") == std::string::npos);
  f.request.tools_json = R"([{"type":"function","function":{"name":"ping"}}])";
  f.request.tool_choice_json = R"("sometimes")";
  auto r = f.body(10);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::invalid_argument);
}

TEST_CASE("request: content parts, images and cache_control", "[anthropic]") {
  Fixture f;
  f.request.messages.push_back(parts_message(
      "system", R"([{"type":"text","text":"Long context","cache_control":{"type":"ephemeral"}},{"type":"text","text":"Rules"}])"));
  f.request.messages.push_back(parts_message(
      "user",
      R"([{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},)"
      R"({"type":"image_url","image_url":{"url":"https://example.com/cat.jpg","detail":"high"}},{"type":"text","text":""}])"));
  CHECK(f.body(10).value() ==
        R"({"model":"claude-sonnet-4-5","system":[{"type":"text","text":"Long context","cache_control":{"type":"ephemeral"}},)"
        R"({"type":"text","text":"Rules"}],"messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},)"
        R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},)"
        R"({"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}],"max_tokens":10})");
}

TEST_CASE("request: untranslatable input is a 400 naming the message", "[anthropic]") {
  Fixture f;
  f.request.messages.push_back(text_message("user", "Hi"));
  SECTION("tool-call arguments that are not JSON") {
    Message call;
    call.role = "assistant";
    call.content_is_null = true;
    call.tool_calls.push_back({"toolu_1", "function", "f", "{\"a\": "});
    f.request.messages.push_back(call);
    auto r = f.body();
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::invalid_argument);
    CHECK(http_status(r.error()) == 400);
    CHECK(r.error().message.find("messages[1].tool_calls[0].function.arguments") != std::string::npos);
    CHECK(r.error().metadata_json == R"({"param":"messages[1].tool_calls[0].function.arguments"})");
  }
  SECTION("arguments that are JSON but not an object") {
    Message call;
    call.role = "assistant";
    call.tool_calls.push_back({"toolu_1", "function", "f", "[1,2]"});
    f.request.messages.push_back(call);
    auto r = f.body();
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("messages[1]") != std::string::npos);
  }
  SECTION("a data: URL that is not base64") {
    f.request.messages.push_back(parts_message("user", R"([{"type":"image_url","image_url":{"url":"data:image/png,raw"}}])"));
    auto r = f.body();
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("messages[1].content[0]") != std::string::npos);
  }
  SECTION("an unsupported part") {
    f.request.messages.push_back(parts_message("user", R"([{"type":"input_audio","input_audio":{"data":"x","format":"wav"}}])"));
    CHECK_FALSE(f.body());
  }
}

TEST_CASE("response: text, tool_use, stop reason and cache usage", "[anthropic]") {
  const std::string body = R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5",
    "content":[{"type":"thinking","thinking":"hmm","signature":"x"},{"type":"text","text":"Let me "},{"type":"text","text":"check."},
      {"type":"tool_use","id":"toolu_a","name":"get_weather","input":{ "city" : "Paris", "units": ["c"] }},
      {"type":"tool_use","id":"toolu_b","name":"get_time","input":{}}],
    "stop_reason":"tool_use","stop_sequence":null,
    "usage":{"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":40}})";
  auto m = parse_message_response(body);
  REQUIRE(m);
  CHECK(m->id == "msg_01");
  CHECK(m->text == "Let me check.");
  REQUIRE(m->tool_calls.size() == 2);
  CHECK(m->tool_calls[0].id == "toolu_a");
  CHECK(m->tool_calls[0].name == "get_weather");
  CHECK(m->tool_calls[0].arguments == R"({"city":"Paris","units":["c"]})");
  CHECK(m->tool_calls[1].arguments == "{}");
  CHECK(m->usage.prompt_tokens == 2112);
  CHECK(m->usage.completion_tokens == 40);
  CHECK(m->usage.cached_tokens == 2000);
  CHECK(m->usage.cache_write_tokens == 100);

  auto events = message_events(*m);
  REQUIRE(events.size() == 6);
  CHECK(events[0].kind == EventKind::role);
  CHECK(events[0].upstream_id == "msg_01");
  CHECK(events[1].kind == EventKind::content);
  CHECK(events[1].text == "Let me check.");
  CHECK(events[2].kind == EventKind::tool_call);
  CHECK(events[2].tool_call.index == 0);
  CHECK(events[3].tool_call.index == 1);
  CHECK(events[3].tool_call.id == "toolu_b");
  CHECK(events[4].kind == EventKind::finish);
  CHECK(events[4].finish_reason == "tool_calls");
  CHECK(events[4].native_finish_reason == "tool_use");
  CHECK(events[5].kind == EventKind::usage);
  CHECK(events[5].usage.prompt_tokens == 2112);
}

TEST_CASE("response: stop reasons map to OpenAI finish reasons", "[anthropic]") {
  auto [native, expected] = GENERATE(table<std::string, std::string>({
      {"end_turn", "stop"},
      {"stop_sequence", "stop"},
      {"max_tokens", "length"},
      {"tool_use", "tool_calls"},
      {"refusal", "content_filter"},
      {"something_new", "stop"},
  }));
  CHECK(map_stop_reason(native) == expected);
}

TEST_CASE("response: garbage is an upstream_error", "[anthropic]") {
  auto r = parse_message_response("<html>502</html>");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::upstream_error);
  CHECK_FALSE(parse_message_response(R"({"type":"message"})"));
  CHECK(r.error().metadata_json == R"({"provider_name":"anthropic","upstream_status":200,"raw":"<html>502</html>"})");
}

TEST_CASE("errors: raw bodies are cut on a UTF-8 boundary", "[anthropic]") {
  std::string body;
  for (int i = 0; i < 3000; ++i) body += "\xc3\xa9";  // é: two bytes each
  body = "x" + body;  // shifts the pairs so that byte 4096 is the second byte of an é
  Error e = upstream_error(ErrorContext{"anthropic", 500, 0}, body);
  simdjson::dom::parser parser;
  simdjson::dom::element meta;
  REQUIRE(parser.parse(e.metadata_json).get(meta) == simdjson::SUCCESS);
  std::string_view raw;
  REQUIRE(meta["raw"].get(raw) == simdjson::SUCCESS);
  CHECK(raw.size() == 4095);
  CHECK(simdjson::validate_utf8(raw.data(), raw.size()));
}

TEST_CASE("errors: upstream status mapping and metadata", "[anthropic]") {
  const std::string body = R"({"type":"error","error":{"type":"rate_limit_error","message":"Slow down"}})";
  auto [status, kind, http] = GENERATE(table<int, ErrorKind, int>({
      {400, ErrorKind::invalid_argument, 400},
      {401, ErrorKind::upstream_error, 502},
      {404, ErrorKind::upstream_error, 502},
      {413, ErrorKind::payload_too_large, 413},
      {422, ErrorKind::unprocessable, 422},
      {429, ErrorKind::rate_limited, 429},
      {500, ErrorKind::upstream_error, 502},
      {529, ErrorKind::upstream_error, 502},
  }));
  Error e = upstream_error(ErrorContext{"anthropic", status, 7}, body);
  CAPTURE(status);
  CHECK(e.kind == kind);
  CHECK(http_status(e) == http);
  CHECK(e.retry_after_seconds == 7);
  CHECK(e.message.find("Slow down") != std::string::npos);
  CHECK(e.metadata_json == R"({"provider_name":"anthropic","upstream_status":)" + std::to_string(status) +
                               R"(,"raw":"{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Slow down\"}}"})");
}

TEST_CASE("errors: Retry-After parsing", "[anthropic]") {
  CHECK(parse_retry_after("12") == 12);
  CHECK(parse_retry_after(" 3 ") == 3);
  CHECK(parse_retry_after("0.2") == 1);
  CHECK(parse_retry_after("") == 0);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0);
  CHECK(parse_retry_after("-4") == 0);
}

namespace {

std::vector<Event> translate(const std::vector<std::pair<std::string, std::string>>& sse, bool end = true) {
  StreamTranslator t;
  std::vector<Event> out;
  for (const auto& [name, data] : sse) t.on_event(name, data, out);
  if (end) t.finish(out);
  return out;
}

const std::vector<std::pair<std::string, std::string>> kToolStream = {
    {"message_start", R"({"type":"message_start","message":{"id":"msg_s1","type":"message","role":"assistant","content":[],"model":"claude","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":10,"cache_read_input_tokens":300,"output_tokens":1}}})"},
    {"content_block_start", R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
    {"ping", R"({"type": "ping"})"},
    {"content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}})"},
    {"content_block_delta", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}})"},
    {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
    {"content_block_start", R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_x","name":"get_weather","input":{}}})"},
    {"content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}})"},
    {"content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"ci"}})"},
    {"content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ty\": \"Par"}})"},
    {"content_block_delta", R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"is\"}"}})"},
    {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
    {"content_block_start", R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_y","name":"get_time","input":{}}})"},
    {"content_block_stop", R"({"type":"content_block_stop","index":2})"},
    {"message_delta", R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}})"},
    {"message_stop", R"({"type":"message_stop"})"},
};

}  // namespace

TEST_CASE("stream: text and tool_use blocks become OpenAI deltas with one merged usage", "[anthropic]") {
  auto ev = translate(kToolStream);
  REQUIRE(ev.size() == 11);
  CHECK(ev[0].kind == EventKind::role);
  CHECK(ev[0].upstream_id == "msg_s1");
  CHECK((ev[1].kind == EventKind::content && ev[1].text == "Hello"));
  CHECK((ev[2].kind == EventKind::content && ev[2].text == " there"));
  // First tool: index 0 (the text block does not count), id+name first, then fragments.
  CHECK(ev[3].kind == EventKind::tool_call);
  CHECK(ev[3].tool_call.index == 0);
  CHECK(ev[3].tool_call.id == "toolu_x");
  CHECK(ev[3].tool_call.name == "get_weather");
  CHECK(ev[3].tool_call.arguments == "");
  std::string args;
  for (int i = 4; i <= 6; ++i) {
    CHECK(ev[i].tool_call.index == 0);
    CHECK(ev[i].tool_call.id.empty());
    args += ev[i].tool_call.arguments;
  }
  CHECK(args == R"({"city": "Paris"})");
  simdjson::dom::parser parser;
  CHECK(parser.parse(args).error() == simdjson::SUCCESS);
  // A parameterless tool still yields valid JSON arguments.
  CHECK(ev[7].tool_call.index == 1);
  CHECK(ev[7].tool_call.id == "toolu_y");
  CHECK(ev[8].tool_call.index == 1);
  CHECK(ev[8].tool_call.arguments == "{}");
  CHECK(ev[9].kind == EventKind::finish);
  CHECK(ev[9].finish_reason == "tool_calls");
  CHECK(ev[9].native_finish_reason == "tool_use");
  CHECK(ev[10].kind == EventKind::usage);
  CHECK(ev[10].usage.prompt_tokens == 335);
  CHECK(ev[10].usage.completion_tokens == 89);
  CHECK(ev[10].usage.cached_tokens == 300);
  CHECK(ev[10].usage.cache_write_tokens == 10);
}

TEST_CASE("stream: truncation before message_stop is an error after usage so far", "[anthropic]") {
  std::vector<std::pair<std::string, std::string>> cut(kToolStream.begin(), kToolStream.begin() + 5);
  auto ev = translate(cut);
  REQUIRE(ev.size() == 5);
  CHECK(ev[3].kind == EventKind::usage);
  CHECK(ev[3].usage.prompt_tokens == 335);
  CHECK(ev[4].kind == EventKind::error);
  CHECK(ev[4].error.kind == ErrorKind::upstream_error);
  CHECK(ev[4].error.message.find("truncated") != std::string::npos);

  auto empty = translate({});
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].kind == EventKind::error);
}

TEST_CASE("stream: a stream left early knows the prompt message_start counted", "[anthropic]") {
  StreamTranslator t;
  std::vector<Event> out;
  CHECK_FALSE(t.partial_usage().prompt_tokens);  // nothing counted before message_start
  for (size_t i = 0; i < 4; ++i) t.on_event(kToolStream[i].first, kToolStream[i].second, out);
  PartialUsage p = t.partial_usage();
  REQUIRE(p.prompt_tokens);
  CHECK(*p.prompt_tokens == 335);  // input + cache read + cache write
  CHECK(p.cached_tokens == 300);
  CHECK_FALSE(p.completion_tokens);  // counted only at message_delta
}

TEST_CASE("stream: an error event ends the stream", "[anthropic]") {
  std::vector<std::pair<std::string, std::string>> sse(kToolStream.begin(), kToolStream.begin() + 4);
  sse.push_back({"error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"});
  sse.push_back(kToolStream.back());  // ignored after the error
  auto ev = translate(sse);
  REQUIRE(ev.size() == 4);
  CHECK(ev[2].kind == EventKind::usage);
  CHECK(ev[3].kind == EventKind::error);
  CHECK(ev[3].error.kind == ErrorKind::upstream_error);
  CHECK(ev[3].error.message.find("Overloaded") != std::string::npos);
  CHECK(ev[3].error.metadata_json.find(R"("upstream_status":200)") != std::string::npos);

  auto rate = translate({{"error", R"({"type":"error","error":{"type":"rate_limit_error","message":"x"}})"}});
  REQUIRE(rate.size() == 1);
  CHECK(rate[0].error.kind == ErrorKind::rate_limited);
}

TEST_CASE("stream: non-JSON data is an upstream_error", "[anthropic]") {
  auto ev = translate({{"message_start", "not json"}});
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == EventKind::error);
  CHECK(ev[0].error.kind == ErrorKind::upstream_error);
}
