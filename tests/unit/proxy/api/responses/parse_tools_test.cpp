// Responses tools, tool_choice and text.format -> the chat tools, tool_choice and
// response_format the providers send; errors name the field.
#include "tests/unit/proxy/api/responses/responses_test_support.h"

using namespace responses_test;

namespace {

const std::string kWeatherTool =
    R"({"type":"function","name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true})";

}  // namespace

TEST_CASE("responses: function tools become chat function tools and are echoed as sent", "[responses]") {
  ChatRequest r = accept(body_with("\"tools\":[" + kWeatherTool + R"(,{"type":"function","name":"noop"}])"));
  CHECK(r.tools_json ==
        R"([{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}},)"
        R"({"type":"function","function":{"name":"noop"}}])");
  CHECK(r.sent("tools"));
  CHECK(echo(r, "tools") == "[" + kWeatherTool + R"(,{"type":"function","name":"noop"}])");
  // An empty list is treated as absent.
  ChatRequest none = accept(body_with(R"("tools":[])"));
  CHECK(none.tools_json.empty());
  CHECK_FALSE(none.sent("tools"));
}

TEST_CASE("responses: tool errors name the tool", "[responses]") {
  auto [tools, message] = GENERATE(table<std::string, std::string>({
      {R"({})", "tools must be an array, got object"},
      {R"([{"name":"f"}])", "tools[0].type must be one of function, got nothing"},
      {R"([{"type":"web_search"}])", "tools[0].type \"web_search\" is not supported here; only function tools are"},
      {R"([{"type":"function"}])",
       "tools[0].name must be a string of 1 to 64 characters from a-z, A-Z, 0-9, _ and -, got nothing"},
      {R"([{"type":"function","name":"f"},{"type":"function","name":"f"}])", "tools[1].name repeats the tool name \"f\""},
      {R"([{"type":"function","name":"f","parameters":"{}"}])", "tools[0].parameters must be an object, got string"},
      {R"([{"type":"function","name":"f","strict":"yes"}])", "tools[0].strict must be a boolean, got string"},
      {R"([{"type":"function","name":"f","description":1}])", "tools[0].description must be a string, got number"},
  }));
  CHECK(reject(body_with("\"tools\":" + tools)).message == message);
}

TEST_CASE("responses: tool_choice maps to chat's, checked against the tools", "[responses]") {
  const std::string tools = "\"tools\":[" + kWeatherTool + "]";
  auto [choice, chat] = GENERATE(table<std::string, std::string>({
      {R"("auto")", R"("auto")"},
      {R"("none")", R"("none")"},
      {R"("required")", R"("required")"},
      {R"({"type":"function","name":"get_weather"})", R"({"type":"function","function":{"name":"get_weather"}})"},
  }));
  // tool_choice before tools: key order does not matter.
  ChatRequest r = accept(body_with("\"tool_choice\":" + choice + "," + tools));
  CHECK(r.tool_choice_json == chat);
  CHECK(echo(r, "tool_choice") == choice);
  CHECK(r.sent("tool_choice"));
}

TEST_CASE("responses: tool_choice errors", "[responses]") {
  CHECK(reject(body_with(R"("tool_choice":"required")")).message ==
        "tool_choice \"required\" needs a non-empty tools list");
  CHECK(reject(body_with(R"("tool_choice":"sometimes")")).message ==
        "tool_choice must be one of none, auto, required, got \"sometimes\"");
  CHECK(reject(body_with(R"("tool_choice":{"type":"function","name":"ghost"},"tools":[)" + kWeatherTool + "]")).message ==
        "tool_choice.name \"ghost\" is not one of the tools");
  CHECK(reject(body_with(R"("tool_choice":{"type":"web_search_preview"})")).message ==
        "tool_choice.type must be one of function, got \"web_search_preview\"");
  CHECK(reject(body_with(R"("tool_choice":3)")).message ==
        "tool_choice must be one of none, auto, required, or {\"type\":\"function\",\"name\":...}, got number");
}

TEST_CASE("responses: text.format maps to chat's response_format", "[responses]") {
  ChatRequest plain = accept(body_with(R"("text":{"format":{"type":"text"}})"));
  CHECK(plain.response_format_json.empty());
  CHECK_FALSE(plain.sent("response_format"));
  CHECK(echo(plain, "text") == R"({"format":{"type":"text"}})");

  ChatRequest object = accept(body_with(R"("text":{"format":{"type":"json_object"}})"));
  CHECK(object.response_format_json == R"({"type":"json_object"})");
  CHECK(object.sent("response_format"));

  ChatRequest schema = accept(body_with(
      R"("text":{"format":{"type":"json_schema","name":"city","description":"A city","schema":{"type":"object"},"strict":true}})"));
  CHECK(schema.response_format_json ==
        R"({"type":"json_schema","json_schema":{"name":"city","description":"A city","schema":{"type":"object"},"strict":true}})");
  CHECK(schema.sent("response_format"));
}

TEST_CASE("responses: text.format errors name the field", "[responses]") {
  auto [text, message] = GENERATE(table<std::string, std::string>({
      {R"("json")", "text must be an object, got string"},
      {R"({"format":"json"})", "text.format must be an object, got string"},
      {R"({"format":{}})", "text.format.type must be one of text, json_object, json_schema, got nothing"},
      {R"({"format":{"type":"yaml"}})", "text.format.type must be one of text, json_object, json_schema, got \"yaml\""},
      {R"({"format":{"type":"json_schema","schema":{}}})",
       "text.format.name must be a string of 1 to 64 characters from a-z, A-Z, 0-9, _ and -, got nothing"},
      {R"({"format":{"type":"json_schema","name":"x"}})", "text.format.schema must be an object (a JSON Schema), got nothing"},
      {R"({"format":{"type":"json_schema","name":"x","schema":[]}})", "text.format.schema must be an object, got array"},
      {R"({"format":{"type":"json_schema","name":"x","schema":{},"strict":1}})", "text.format.strict must be a boolean, got number"},
  }));
  CHECK(reject(body_with("\"text\":" + text)).message == message);
}
