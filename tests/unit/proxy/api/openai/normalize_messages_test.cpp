// Normalization of `messages` (roles, content forms, tool turns) and the completions
// `prompt` form.
#include "tests/unit/proxy/api/openai/normalize_test_support.h"

using namespace normalize_test;

TEST_CASE("string content fills text and content_json", "[normalize]") {
  ChatRequest r = accept(message_body(R"({"role":"user","content":"Hello \"you\"","name":"alice"})"));
  REQUIRE(r.messages.size() == 1);
  const Message& m = r.messages[0];
  CHECK(m.role == "user");
  CHECK(m.text == "Hello \"you\"");
  CHECK(m.content_json == R"("Hello \"you\"")");
  CHECK_FALSE(m.content_is_array);
  CHECK_FALSE(m.content_is_null);
  CHECK(m.name == "alice");
  CHECK(m.tool_calls.empty());
}

TEST_CASE("content parts: text joined, other parts kept raw", "[normalize]") {
  ChatRequest r = accept(message_body(R"({"role":"user","content":[
      {"type":"text","text":"Look at"},
      {"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}},
      {"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}},
      {"type":"text","text":"this","cache_control":{"type":"ephemeral"}}]})"));
  const Message& m = r.messages[0];
  CHECK(m.content_is_array);
  CHECK_FALSE(m.content_is_null);
  CHECK(m.text == "Look at\nthis");
  CHECK(m.content_json ==
        R"([{"type":"text","text":"Look at"},{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}},)"
        R"({"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}},)"
        R"({"type":"text","text":"this","cache_control":{"type":"ephemeral"}}])");
  // An empty parts array is allowed: nothing to check, nothing to say.
  CHECK(accept(message_body(R"({"role":"user","content":[]})")).messages[0].content_json == "[]");
}

TEST_CASE("malformed content parts are rejected by path", "[normalize]") {
  auto [parts, message, param] = GENERATE(table<std::string, std::string, std::string>({
      {R"([{"type":"video"}])",
       "messages[0].content[0].type must be one of text, image_url, input_audio, file, got \"video\"",
       "messages[0].content[0].type"},
      {R"([{"text":"x"}])", "messages[0].content[0].type must be one of text, image_url, input_audio, file, got nothing",
       "messages[0].content[0].type"},
      {R"([{"type":"text","text":"a"},{"type":"text"}])", "messages[0].content[1].text must be a string, got nothing",
       "messages[0].content[1].text"},
      {R"([{"type":"text","text":5}])", "messages[0].content[0].text must be a string, got number",
       "messages[0].content[0].text"},
      {R"([{"type":"image_url","image_url":{}}])",
       "messages[0].content[0].image_url.url must be a non-empty string, got nothing",
       "messages[0].content[0].image_url.url"},
      {R"([{"type":"image_url","image_url":"https://x"}])",
       "messages[0].content[0].image_url must be an object, got string", "messages[0].content[0].image_url"},
      {R"([{"type":"input_audio"}])", "messages[0].content[0].input_audio must be an object, got nothing",
       "messages[0].content[0].input_audio"},
      {R"(["text"])", "messages[0].content[0] must be an object, got string", "messages[0].content[0]"},
      {"42", "messages[0].content must be a string or an array of content parts, got number",
       "messages[0].content"},
  }));
  Error e = reject(message_body(R"({"role":"user","content":)" + parts + "}"));
  CHECK(e.message == message);
  CHECK(e.metadata_json == "{\"param\":\"" + param + "\"}");
}

TEST_CASE("roles: the five OpenAI roles, developer read as system", "[normalize]") {
  ChatRequest r = accept(R"({"model":"m","messages":[
      {"role":"system","content":"s"},{"role":"developer","content":"d"},{"role":"user","content":"u"},
      {"role":"assistant","content":"a"},{"role":"tool","content":"t","tool_call_id":"call_1"}]})");
  REQUIRE(r.messages.size() == 5);
  CHECK(r.messages[0].role == "system");
  CHECK(r.messages[1].role == "system");
  CHECK(r.messages[1].text == "d");
  CHECK(r.messages[2].role == "user");
  CHECK(r.messages[3].role == "assistant");
  CHECK(r.messages[4].role == "tool");
  CHECK(r.messages[4].tool_call_id == "call_1");
}

TEST_CASE("assistant tool calls with null or absent content", "[normalize]") {
  auto content = GENERATE(as<std::string>{}, R"("content":null,)", "");
  ChatRequest r = accept(message_body(R"({"role":"assistant",)" + content + R"("tool_calls":[
      {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}},
      {"id":"call_2","function":{"name":"now","arguments":""}}]})"));
  const Message& m = r.messages[0];
  CHECK(m.content_is_null);
  CHECK(m.content_json == "null");
  CHECK(m.text.empty());
  REQUIRE(m.tool_calls.size() == 2);
  CHECK(m.tool_calls[0].id == "call_1");
  CHECK(m.tool_calls[0].type == "function");
  CHECK(m.tool_calls[0].name == "get_weather");
  CHECK(m.tool_calls[0].arguments == R"({"city":"Oslo"})");
  CHECK(m.tool_calls[1].id == "call_2");
  CHECK(m.tool_calls[1].name == "now");
}

TEST_CASE("message errors name the message and the field", "[normalize]") {
  auto [messages, message, param] = GENERATE(table<std::string, std::string, std::string>({
      {"[]", "messages must be a non-empty array of at most 10000 messages, got an empty array", "messages"},
      {"{}", "messages must be a non-empty array of at most 10000 messages, got object", "messages"},
      {R"([{"role":"user","content":"a"},"hi"])", "messages[1] must be an object, got string", "messages[1]"},
      {R"([{"role":"wizard","content":"a"}])",
       "messages[0].role must be one of system, user, assistant, tool, developer, got \"wizard\"",
       "messages[0].role"},
      {R"([{"content":"a"}])", "messages[0].role must be one of system, user, assistant, tool, developer, got nothing",
       "messages[0].role"},
      {R"([{"role":"user"}])",
       "messages[0].content must be a string or an array of content parts (null only for assistant messages with "
       "tool_calls), got nothing",
       "messages[0].content"},
      {R"([{"role":"assistant","content":null}])",
       "messages[0].content must be a string or an array of content parts (null only for assistant messages with "
       "tool_calls), got nothing",
       "messages[0].content"},
      {R"([{"role":"user","content":"a"},{"role":"tool","content":"42"}])",
       "messages[1].tool_call_id must be a non-empty string (required for role tool), got nothing",
       "messages[1].tool_call_id"},
      {R"([{"role":"tool","content":"42","tool_call_id":7}])",
       "messages[0].tool_call_id must be a non-empty string, got number", "messages[0].tool_call_id"},
      {R"([{"role":"user","content":"a","name":5}])", "messages[0].name must be a string, got number",
       "messages[0].name"},
      {R"([{"role":"user","content":"a","tool_calls":[]}])",
       "messages[0].tool_calls is only allowed on assistant messages", "messages[0].tool_calls"},
      {R"([{"role":"assistant","tool_calls":{}}])", "messages[0].tool_calls must be an array, got object",
       "messages[0].tool_calls"},
      {R"([{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}])",
       "messages[0].tool_calls[0].id must be a non-empty string, got nothing", "messages[0].tool_calls[0].id"},
      {R"([{"role":"assistant","tool_calls":[{"id":"c","type":"code","function":{"name":"f","arguments":"{}"}}]}])",
       "messages[0].tool_calls[0].type must be one of function, got \"code\"", "messages[0].tool_calls[0].type"},
      {R"([{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":{}}}]}])",
       "messages[0].tool_calls[0].function.arguments must be a string, got object",
       "messages[0].tool_calls[0].function.arguments"},
      {R"([{"role":"assistant","tool_calls":[{"id":"c","function":{"arguments":"{}"}}]}])",
       "messages[0].tool_calls[0].function.name must be a non-empty string, got nothing",
       "messages[0].tool_calls[0].function.name"},
      {R"([{"role":"assistant","tool_calls":[{"id":"c"}]}])",
       "messages[0].tool_calls[0].function must be an object with name and arguments, got nothing",
       "messages[0].tool_calls[0].function"},
  }));
  Error e = reject(R"({"model":"m","messages":)" + messages + "}");
  CHECK(e.message == message);
  CHECK(e.metadata_json == "{\"param\":\"" + param + "\"}");
}

TEST_CASE("messages is required on chat and limited by max_messages", "[normalize]") {
  Error missing = reject(R"({"model":"m"})");
  CHECK(missing.message == "messages must be a non-empty array of messages, got nothing");
  CHECK(reject(R"({"model":"m","messages":null})").message == missing.message);

  NormalizeOptions options;
  options.max_messages = 2;
  std::string three = R"({"model":"m","messages":[{"role":"user","content":"1"},{"role":"assistant","content":"2"},)"
                      R"({"role":"user","content":"3"}]})";
  CHECK(reject(three, options).message == "messages must be a non-empty array of at most 2 messages, got 3 messages");
  options.max_messages = 3;
  CHECK(accept(three, options).messages.size() == 3);
}

TEST_CASE("completions take prompt instead of messages", "[normalize]") {
  NormalizeOptions completions;
  completions.completion_endpoint = true;
  ChatRequest r = accept(R"({"model":"m","prompt":"Once upon","max_tokens":8})", completions);
  CHECK(r.is_completion);
  CHECK(r.prompt == "Once upon");
  CHECK(r.messages.empty());
  CHECK(r.sampling.max_tokens == 8);
  CHECK(accept(R"({"model":"m","prompt":["only one"]})", completions).prompt == "only one");
  CHECK(accept(R"({"model":"m","prompt":""})", completions).prompt.empty());

  auto [body, message, param] = GENERATE(table<std::string, std::string, std::string>({
      {R"({"model":"m","prompt":["a","b"]})", "prompt must be a string or an array of exactly one string, got an array of 2",
       "prompt"},
      {R"({"model":"m","prompt":[]})", "prompt must be a string or an array of exactly one string, got an array of 0",
       "prompt"},
      {R"({"model":"m","prompt":[[1,2]]})",
       "prompt must be a string or an array of exactly one string, got an array holding array", "prompt"},
      {R"({"model":"m","prompt":5})", "prompt must be a string or an array of exactly one string, got number", "prompt"},
      {R"({"model":"m"})", "prompt must be a string or an array of exactly one string, got nothing", "prompt"},
      {R"({"model":"m","prompt":"x","messages":[{"role":"user","content":"hi"}]})",
       "messages is not accepted on /v1/completions; send prompt", "messages"},
  }));
  Error e = reject(body, completions);
  CHECK(e.message == message);
  CHECK(e.metadata_json == "{\"param\":\"" + param + "\"}");
}

TEST_CASE("prompt is refused on the chat endpoint", "[normalize]") {
  Error e = reject(chat_body(R"("prompt":"x")"));
  CHECK(e.message == "prompt is only accepted on /v1/completions; send messages");
  CHECK(e.metadata_json == R"({"param":"prompt"})");
}

TEST_CASE("completions take the legacy integer logprobs 0..5 (or a boolean), chat only a boolean",
          "[normalize][logprobs]") {
  NormalizeOptions completions;
  completions.completion_endpoint = true;
  ChatRequest three = accept(R"({"model":"m","prompt":"x","logprobs":3})", completions);
  CHECK(three.sampling.logprobs);
  CHECK(three.sampling.top_logprobs == 3);
  ChatRequest zero = accept(R"({"model":"m","prompt":"x","logprobs":0})", completions);
  CHECK(zero.sampling.logprobs);  // 0: the sampled tokens' logprobs, no alternatives
  CHECK(zero.sampling.top_logprobs == 0);
  CHECK(accept(R"({"model":"m","prompt":"x","logprobs":true,"top_logprobs":2})", completions).sampling.top_logprobs == 2);
  CHECK_FALSE(accept(R"({"model":"m","prompt":"x","logprobs":null})", completions).sampling.logprobs);

  auto [body, message] = GENERATE(table<std::string, std::string>({
      {R"({"model":"m","prompt":"x","logprobs":6})", "logprobs must be an integer in [0, 5], got 6"},
      {R"({"model":"m","prompt":"x","logprobs":-1})", "logprobs must be an integer in [0, 5], got -1"},
      {R"({"model":"m","prompt":"x","logprobs":1.5})", "logprobs must be an integer in [0, 5], got 1.5"},
      {R"({"model":"m","prompt":"x","logprobs":"2"})", "logprobs must be an integer from 0 to 5 (or a boolean), got \"2\""},
      {R"({"model":"m","prompt":"x","logprobs":2,"top_logprobs":2})",
       "send logprobs as an integer 0..5 or top_logprobs, not both"},
  }));
  Error e = reject(body, completions);
  CHECK(e.message == message);
  CHECK(reject(chat_body(R"("logprobs":2)")).message.find("logprobs must be a boolean") == 0);
}
