// The Anthropic Messages request -> ChatRequest mapping, and its errors by field path.
#include "tests/unit/proxy/api/anthropic/parse_test_support.h"

using namespace anthropic_parse_test;

TEST_CASE("a minimal request maps to one user message with max_tokens", "[anthropic][parse]") {
  ChatRequest r = accept(body_with());
  CHECK(r.model == "m");
  REQUIRE(r.messages.size() == 1);
  CHECK(r.messages[0].role == "user");
  CHECK(r.messages[0].text == "hi");
  CHECK(r.messages[0].content_json == R"("hi")");
  CHECK_FALSE(r.messages[0].content_is_array);
  CHECK(r.sampling.max_tokens == 64);
  CHECK_FALSE(r.stream);
  CHECK(r.parameters_sent == std::vector<std::string>{"max_tokens"});
  CHECK(r.extra_fields.empty());
}

TEST_CASE("system becomes the leading system message, whatever the key order", "[anthropic][parse]") {
  ChatRequest s = accept(R"({"messages":[{"role":"user","content":"hi"}],"system":"Be brief.","model":"m","max_tokens":5})");
  REQUIRE(s.messages.size() == 2);
  CHECK(s.messages[0].role == "system");
  CHECK(s.messages[0].text == "Be brief.");
  CHECK(s.messages[0].content_json == R"("Be brief.")");
  CHECK(s.messages[1].role == "user");

  ChatRequest blocks = accept(body_with(
      R"("system":[{"type":"text","text":"One"},{"type":"text","text":"Two","cache_control":{"type":"ephemeral"}}])"));
  const Message& m = blocks.messages[0];
  CHECK(m.role == "system");
  CHECK(m.text == "One\nTwo");
  CHECK(m.content_is_array);
  CHECK(m.content_json ==
        R"([{"type":"text","text":"One"},{"type":"text","text":"Two","cache_control":{"type":"ephemeral"}}])");

  CHECK(accept(body_with(R"("system":"")")).messages.size() == 1);  // empty: no system prompt
  CHECK(accept(body_with(R"("system":[])")).messages.size() == 1);
}

TEST_CASE("text and image blocks become OpenAI parts", "[anthropic][parse]") {
  ChatRequest r = accept(messages_body(R"({"role":"user","content":[
      {"type":"text","text":"Look"},
      {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0"}},
      {"type":"image","source":{"type":"url","url":"https://x/y.jpg"},"cache_control":{"type":"ephemeral"}},
      {"type":"text","text":"here","citations":null}]})"));
  REQUIRE(r.messages.size() == 1);
  const Message& m = r.messages[0];
  CHECK(m.role == "user");
  CHECK(m.text == "Look\nhere");
  CHECK(m.content_is_array);
  CHECK(m.content_json == R"([{"type":"text","text":"Look"},)"
                          R"({"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0"}},)"
                          R"({"type":"image_url","image_url":{"url":"https://x/y.jpg"},"cache_control":{"type":"ephemeral"}},)"
                          R"({"type":"text","text":"here"}])");
}

TEST_CASE("assistant tool_use blocks become tool_calls with minified arguments", "[anthropic][parse]") {
  ChatRequest r = accept(messages_body(R"({"role":"user","content":"weather?"},
      {"role":"assistant","content":[{"type":"text","text":"Checking."},
        {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{ "city" : "Paris", "days": [1, 2] }},
        {"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}]},
      {"role":"assistant","content":[{"type":"tool_use","id":"toolu_3","name":"noop","input":{}}]})"));
  REQUIRE(r.messages.size() == 3);
  const Message& a = r.messages[1];
  CHECK(a.role == "assistant");
  CHECK(a.text == "Checking.");
  CHECK(a.content_json == R"("Checking.")");
  CHECK_FALSE(a.content_is_null);
  REQUIRE(a.tool_calls.size() == 2);
  CHECK(a.tool_calls[0].id == "toolu_1");
  CHECK(a.tool_calls[0].type == "function");
  CHECK(a.tool_calls[0].name == "get_weather");
  CHECK(a.tool_calls[0].arguments == R"({"city":"Paris","days":[1,2]})");
  CHECK(a.tool_calls[1].arguments == "{}");
  const Message& only_tools = r.messages[2];
  CHECK(only_tools.content_is_null);
  CHECK(only_tools.content_json == "null");
  REQUIRE(only_tools.tool_calls.size() == 1);
}

TEST_CASE("tool_result blocks become tool messages in order, then the user's other blocks", "[anthropic][parse]") {
  ChatRequest r = accept(messages_body(R"({"role":"user","content":[
      {"type":"tool_result","tool_use_id":"toolu_1","content":"18C, sunny"},
      {"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"12:00"},{"type":"text","text":"UTC"}]},
      {"type":"tool_result","tool_use_id":"toolu_3","content":"no such city","is_error":true},
      {"type":"tool_result","tool_use_id":"toolu_4"},
      {"type":"text","text":"Thanks"}]})"));
  REQUIRE(r.messages.size() == 5);
  for (int i = 0; i < 4; ++i) {
    CHECK(r.messages[i].role == "tool");
    CHECK(r.messages[i].tool_call_id == "toolu_" + std::to_string(i + 1));
  }
  CHECK(r.messages[0].text == "18C, sunny");
  CHECK(r.messages[0].content_json == R"("18C, sunny")");
  CHECK(r.messages[1].text == "12:00\nUTC");
  CHECK(r.messages[2].text == "Error: no such city");
  CHECK(r.messages[3].text == "");
  CHECK(r.messages[4].role == "user");
  CHECK(r.messages[4].content_json == R"([{"type":"text","text":"Thanks"}])");
}

TEST_CASE("an image inside a tool_result moves into the turn's user message", "[anthropic][parse]") {
  ChatRequest r = accept(messages_body(R"({"role":"user","content":[
      {"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"screenshot:"},
        {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}]}]})"));
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[0].role == "tool");
  CHECK(r.messages[0].text == "screenshot:");
  CHECK(r.messages[1].role == "user");
  CHECK(r.messages[1].content_json == R"([{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/"}}])");
}

TEST_CASE("thinking blocks are dropped, and a turn of only thinking leaves nothing", "[anthropic][parse]") {
  ChatRequest r = accept(messages_body(R"({"role":"user","content":"hi"},
      {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"x"},{"type":"text","text":"Hello"}]},
      {"role":"assistant","content":[{"type":"redacted_thinking","data":"abc"}]},
      {"role":"user","content":"again"})"));
  REQUIRE(r.messages.size() == 3);
  CHECK(r.messages[1].role == "assistant");
  CHECK(r.messages[1].text == "Hello");
  CHECK(r.messages[2].text == "again");
}

TEST_CASE("tools become OpenAI function tools", "[anthropic][parse]") {
  ChatRequest r = accept(body_with(R"("tools":[
      {"name":"get_weather","description":"Weather now","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
      {"type":"custom","name":"ping","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}])"));
  CHECK(r.tools_json ==
        R"([{"type":"function","function":{"name":"get_weather","description":"Weather now",)"
        R"("parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},)"
        R"({"type":"function","function":{"name":"ping","parameters":{"type":"object"}},"cache_control":{"type":"ephemeral"}}])");
  CHECK(r.sent("tools"));
  CHECK(r.tool_choice_json.empty());
  ChatRequest none = accept(body_with(R"("tools":[])"));
  CHECK(none.tools_json.empty());
  CHECK_FALSE(none.sent("tools"));
}

TEST_CASE("tool_choice maps to OpenAI's", "[anthropic][parse]") {
  auto [choice, expected] = GENERATE(table<std::string, std::string>({
      {R"({"type":"auto"})", R"("auto")"},
      {R"({"type":"any"})", R"("required")"},
      {R"({"type":"none"})", R"("none")"},
      {R"({"type":"tool","name":"b"})", R"({"type":"function","function":{"name":"b"}})"},
  }));
  // tool_choice before tools: the order of keys does not matter.
  ChatRequest r = accept(body_with(R"("tool_choice":)" + choice +
                                   R"(,"tools":[{"name":"a","input_schema":{}},{"name":"b","input_schema":{}}])"));
  CHECK(r.tool_choice_json == expected);
  CHECK(r.sent("tool_choice"));
  CHECK_FALSE(r.parallel_tool_calls.has_value());
}

TEST_CASE("disable_parallel_tool_use turns parallel tool calls off", "[anthropic][parse]") {
  ChatRequest r = accept(body_with(
      R"("tools":[{"name":"a","input_schema":{}}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true})"));
  CHECK(r.parallel_tool_calls == false);
  CHECK(r.sent("parallel_tool_calls"));
  ChatRequest allowed = accept(body_with(
      R"("tools":[{"name":"a","input_schema":{}}],"tool_choice":{"type":"any","disable_parallel_tool_use":false})"));
  CHECK_FALSE(allowed.parallel_tool_calls.has_value());
}

TEST_CASE("tool_choice auto or none without tools says nothing", "[anthropic][parse]") {
  ChatRequest r = accept(body_with(R"("tool_choice":{"type":"auto"})"));
  CHECK(r.tool_choice_json.empty());
  CHECK_FALSE(r.sent("tool_choice"));
}

TEST_CASE("sampling, stop_sequences, stream and metadata.user_id map to OpenAI names", "[anthropic][parse]") {
  ChatRequest r = accept(body_with(
      R"("temperature":0.5,"top_p":0.9,"top_k":40,"stop_sequences":["END","###"],"stream":true,)"
      R"("metadata":{"user_id":"u-42"})"));
  CHECK(r.sampling.temperature == 0.5);
  CHECK(r.sampling.top_p == 0.9);
  CHECK(r.sampling.top_k == 40);
  CHECK(r.sampling.stop == std::vector<std::string>{"END", "###"});
  CHECK(r.stream);
  CHECK(r.user == "u-42");
  CHECK(r.parameters_sent ==
        std::vector<std::string>{"max_tokens", "temperature", "top_p", "top_k", "stop", "stream", "user"});
  ChatRequest edges = accept(body_with(R"("temperature":0,"top_p":1,"top_k":0,"stop_sequences":[],"metadata":{})"));
  CHECK(edges.sampling.temperature == 0);
  CHECK_FALSE(edges.sent("stop"));
  CHECK_FALSE(edges.sent("user"));
}

TEST_CASE("unknown top-level fields and nulls are ignored, never passed upstream", "[anthropic][parse]") {
  ChatRequest r = accept(body_with(
      R"("thinking":{"type":"enabled","budget_tokens":2048},"service_tier":"auto","container":null,)"
      R"("temperature":null,"anthropic_version":"2023-06-01","mcp_servers":[])"));
  CHECK(r.extra_fields.empty());
  CHECK(r.parameters_sent == std::vector<std::string>{"max_tokens"});
  CHECK(r.sampling.temperature == 1.0);
}

TEST_CASE("max_tokens is required, except for count_tokens", "[anthropic][parse]") {
  const std::string body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  Error e = reject(body);
  CHECK(e.message == "max_tokens must be an integer >= 1, got nothing");
  CHECK(e.metadata_json == R"({"param":"max_tokens"})");
  ChatRequest counted = accept(body, ParseOptions{.require_max_tokens = false});
  CHECK_FALSE(counted.sampling.max_tokens.has_value());
}

namespace {

// A valid body without max_tokens, with `fields` appended.
std::string bare(std::string_view fields) {
  return std::string(R"({"model":"m","messages":[{"role":"user","content":"hi"}],)") + std::string(fields) + "}";
}

// A body whose one user message has these content blocks.
std::string user_blocks(std::string_view blocks) {
  return messages_body(std::string(R"({"role":"user","content":[)") + std::string(blocks) + "]}");
}

// A body whose second message is an assistant turn with these content blocks.
std::string assistant_blocks(std::string_view blocks) {
  return messages_body(std::string(R"({"role":"user","content":"hi"},{"role":"assistant","content":[)") +
                       std::string(blocks) + "]}");
}

const std::string kTwoTools = R"("tools":[{"name":"a","input_schema":{}},{"name":"b","input_schema":{}}])";

}  // namespace

TEST_CASE("bad top-level fields are rejected naming their path", "[anthropic][parse]") {
  auto [body, message, param] = GENERATE_COPY(table<std::string, std::string, std::string>({
      {R"({"max_tokens":5,"messages":[{"role":"user","content":"hi"}]})", "model must be a non-empty string, got nothing",
       "model"},
      {R"({"model":"m","max_tokens":5})", "messages must be a non-empty array of messages, got nothing", "messages"},
      {bare(R"("max_tokens":0)"), "max_tokens must be an integer >= 1, got 0", "max_tokens"},
      {bare(R"("max_tokens":1.5)"), "max_tokens must be an integer >= 1, got 1.5", "max_tokens"},
      {body_with(R"("temperature":1.5)"), "temperature must be a number in [0, 1], got 1.5", "temperature"},
      {body_with(R"("top_p":0)"), "top_p must be a number in (0, 1], got 0", "top_p"},
      {body_with(R"("top_k":-1)"), "top_k must be an integer >= 0, got -1", "top_k"},
      {body_with(R"("stop_sequences":"END")"), "stop_sequences must be an array of at most 16 non-empty strings, got string",
       "stop_sequences"},
      {body_with(R"("stream":"yes")"), "stream must be a boolean, got string", "stream"},
      {body_with(R"("metadata":{"user_id":5})"), "metadata.user_id must be a string, got number", "metadata.user_id"},
      {body_with(R"("system":5)"), "system must be a string or an array of text blocks, got number", "system"},
      {body_with(R"("system":[{"type":"image"}])"), "system[0].type must be one of text, got \"image\"", "system[0].type"},
      {body_with(R"("model":"n")"), "The field \"model\" appears more than once", "model"},
  }));
  Error e = reject(body);
  CHECK(e.message == message);
  CHECK(e.metadata_json == R"({"param":")" + param + R"("})");
}

TEST_CASE("bad messages and blocks are rejected naming their path", "[anthropic][parse]") {
  auto [body, message, param] = GENERATE_COPY(table<std::string, std::string, std::string>({
      {messages_body(""), "messages must be a non-empty array of at most 100000 messages, got an empty array", "messages"},
      {messages_body(R"("hi")"), "messages[0] must be an object, got string", "messages[0]"},
      {messages_body(R"({"role":"system","content":"x"})"), "messages[0].role must be one of user, assistant, got \"system\"",
       "messages[0].role"},
      {messages_body(R"({"role":"user"})"),
       "messages[0].content must be a string or a non-empty array of content blocks, got nothing", "messages[0].content"},
      {messages_body(R"({"role":"user","content":[]})"),
       "messages[0].content must be a string or a non-empty array of content blocks, got an empty array",
       "messages[0].content"},
      {user_blocks(R"({"type":"document","source":{}})"),
       "messages[0].content[0].type must be one of text, image, tool_use, tool_result, thinking, redacted_thinking, got "
       "\"document\"",
       "messages[0].content[0].type"},
      {user_blocks(R"({"text":"x"})"),
       "messages[0].content[0].type must be one of text, image, tool_use, tool_result, thinking, redacted_thinking, got "
       "nothing",
       "messages[0].content[0].type"},
      {user_blocks(R"({"type":"tool_use","id":"t","name":"n","input":{}})"),
       "messages[0].content[0].type \"tool_use\" is not allowed in a user message", "messages[0].content[0].type"},
      {assistant_blocks(R"({"type":"tool_result","tool_use_id":"t"})"),
       "messages[1].content[0].type \"tool_result\" is not allowed in an assistant message", "messages[1].content[0].type"},
      {assistant_blocks(R"({"type":"image","source":{"type":"url","url":"https://x"}})"),
       "messages[1].content[0].type \"image\" is not allowed in an assistant message", "messages[1].content[0].type"},
      {user_blocks(R"({"type":"text"})"), "messages[0].content[0].text must be a string, got nothing",
       "messages[0].content[0].text"},
      {user_blocks(R"({"type":"text","text":"x","cache_control":"x"})"),
       "messages[0].content[0].cache_control must be an object, got string", "messages[0].content[0].cache_control"},
      {user_blocks(R"({"type":"image"})"), "messages[0].content[0].source must be an object with type base64 or url, got nothing",
       "messages[0].content[0].source"},
      {user_blocks(R"({"type":"image","source":{"type":"file","file_id":"f"}})"),
       "messages[0].content[0].source.type must be one of base64, url, got \"file\"", "messages[0].content[0].source.type"},
      {user_blocks(R"({"type":"image","source":{"type":"base64","media_type":"image/bmp","data":"x"}})"),
       "messages[0].content[0].source.media_type must be one of image/jpeg, image/png, image/gif, image/webp, got "
       "\"image/bmp\"",
       "messages[0].content[0].source.media_type"},
      {user_blocks(R"({"type":"image","source":{"type":"base64","media_type":"image/png"}})"),
       "messages[0].content[0].source.data must be a non-empty string, got nothing", "messages[0].content[0].source.data"},
      {user_blocks(R"({"type":"image","source":{"type":"url","url":""}})"),
       "messages[0].content[0].source.url must be a non-empty string, got \"\"", "messages[0].content[0].source.url"},
      {assistant_blocks(R"({"type":"tool_use","name":"n","input":{}})"),
       "messages[1].content[0].id must be a non-empty string, got nothing", "messages[1].content[0].id"},
      {assistant_blocks(R"({"type":"tool_use","id":"t","name":"n","input":"{}"})"),
       "messages[1].content[0].input must be an object, got string", "messages[1].content[0].input"},
      {user_blocks(R"({"type":"tool_result","content":"x"})"),
       "messages[0].content[0].tool_use_id must be a non-empty string, got nothing", "messages[0].content[0].tool_use_id"},
      {user_blocks(R"({"type":"tool_result","tool_use_id":"t","content":5})"),
       "messages[0].content[0].content must be a string or an array of text and image blocks, got number",
       "messages[0].content[0].content"},
      {user_blocks(R"({"type":"tool_result","tool_use_id":"t","content":[{"type":"document"}]})"),
       "messages[0].content[0].content[0].type must be one of text, image, got \"document\"",
       "messages[0].content[0].content[0].type"},
      {user_blocks(R"({"type":"tool_result","tool_use_id":"t","is_error":"yes"})"),
       "messages[0].content[0].is_error must be a boolean, got string", "messages[0].content[0].is_error"},
  }));
  Error e = reject(body);
  CHECK(e.message == message);
  CHECK(e.metadata_json == R"({"param":")" + param + R"("})");
}

TEST_CASE("bad tools and tool_choice are rejected naming their path", "[anthropic][parse]") {
  auto [body, message, param] = GENERATE_COPY(table<std::string, std::string, std::string>({
      {body_with(R"("tools":{})"), "tools must be an array, got object", "tools"},
      {body_with(R"("tools":[{"type":"web_search_20250305","name":"web_search","max_uses":5}])"),
       "tools[0].type must be custom (server tools are not supported), got \"web_search_20250305\"", "tools[0].type"},
      {body_with(R"("tools":[{"name":"a"}])"), "tools[0].input_schema must be an object (a JSON schema), got nothing",
       "tools[0].input_schema"},
      {body_with(R"("tools":[{"name":"a b","input_schema":{}}])"),
       "tools[0].name must be a string of 1 to 128 characters from a-z, A-Z, 0-9, _ and -, got \"a b\"", "tools[0].name"},
      {body_with(R"("tools":[{"name":"a","input_schema":{}},{"name":"a","input_schema":{}}])"),
       "tools[1].name repeats the tool name \"a\"", "tools[1].name"},
      {body_with(R"("tools":[{"name":"a","description":7,"input_schema":{}}])"),
       "tools[0].description must be a string, got number", "tools[0].description"},
      {body_with(kTwoTools + R"(,"tool_choice":"auto")"), "tool_choice must be an object, got string", "tool_choice"},
      {body_with(kTwoTools + R"(,"tool_choice":{"type":"required"})"),
       "tool_choice.type must be one of auto, any, tool, none, got \"required\"", "tool_choice.type"},
      {body_with(R"("tool_choice":{"type":"any"})"), "tool_choice \"any\" needs a non-empty tools list", "tool_choice"},
      {body_with(kTwoTools + R"(,"tool_choice":{"type":"tool","name":"zzz"})"),
       "tool_choice.name \"zzz\" is not one of the tools", "tool_choice.name"},
      {body_with(kTwoTools + R"(,"tool_choice":{"type":"tool"})"),
       "tool_choice.name must be a string of 1 to 128 characters from a-z, A-Z, 0-9, _ and -, got nothing",
       "tool_choice.name"},
  }));
  Error e = reject(body);
  CHECK(e.message == message);
  CHECK(e.metadata_json == R"({"param":")" + param + R"("})");
}

TEST_CASE("a body that is not a JSON object is rejected", "[anthropic][parse]") {
  CHECK(reject("{\"model\":").message.rfind("Invalid JSON in request body: ", 0) == 0);
  CHECK(reject("[1]").message == "The request body must be a JSON object, got array");
  CHECK(reject("").message.rfind("Invalid JSON", 0) == 0);
}
