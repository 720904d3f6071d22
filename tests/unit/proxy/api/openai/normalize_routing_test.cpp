// Normalization of model selection (model, models, route), provider preferences, tools,
// tool_choice and response_format.
#include "tests/unit/proxy/api/openai/normalize_test_support.h"

using namespace normalize_test;

namespace {

const std::string kMessages = R"("messages":[{"role":"user","content":"hi"}])";

std::string body_with(std::string_view fields) { return "{" + kMessages + "," + std::string(fields) + "}"; }

}  // namespace

TEST_CASE("model and the models fallback list", "[normalize]") {
  ChatRequest only_models = accept(body_with(R"("models":["a/x","b/y"],"route":"fallback")"));
  CHECK(only_models.model == "a/x");
  CHECK(only_models.models == std::vector<std::string>{"a/x", "b/y"});
  CHECK(only_models.route == "fallback");
  CHECK(only_models.parameters_sent.empty());

  ChatRequest both = accept(body_with(R"("model":"c/z:free","models":["a/x"])"));
  CHECK(both.model == "c/z:free");
  CHECK(both.models == std::vector<std::string>{"a/x"});
  CHECK(accept(body_with(R"("model":null,"models":["a/x"])")).model == "a/x");

  auto [fields, message, param] = GENERATE(table<std::string, std::string, std::string>({
      {R"("temperature":1)", "model must be a non-empty string (or models a non-empty array), got nothing", "model"},
      {R"("model":"")", "model must be a non-empty string, got \"\"", "model"},
      {R"("model":5)", "model must be a non-empty string, got number", "model"},
      {R"("models":[])", "models must be an array of at most 8 non-empty strings, got an empty array", "models"},
      {R"("models":"a")", "models must be an array of at most 8 non-empty strings, got string", "models"},
      {R"("models":["a","b","c","d","e","f","g","h","i"])",
       "models must be an array of at most 8 non-empty strings, got 9 items", "models"},
      {R"("models":["a",""])", "models[1] must be a non-empty string, got \"\"", "models[1]"},
      {R"("model":"m","route":"random")", "route must be one of fallback, got \"random\"", "route"},
      {R"("model":"m","route":1)", "route must be one of fallback, got number", "route"},
  }));
  Error e = reject(body_with(fields));
  CHECK(e.message == message);
  CHECK(e.metadata_json == "{\"param\":\"" + param + "\"}");
}

TEST_CASE("provider preferences are parsed in full", "[normalize]") {
  ChatRequest r = accept(chat_body(R"("provider":{"order":["deepinfra","together"],"only":["deepinfra"],
      "ignore":["azure"],"quantizations":["fp8","bf16"],"allow_fallbacks":false,"require_parameters":true,
      "sort":"throughput","max_price":{"prompt":1.5,"completion":2,"request":0,"image":0.01},
      "data_collection":"deny","zdr":true,"experimental":{"x":1}})"));
  REQUIRE(r.provider.has_value());
  const ProviderPreferences& p = *r.provider;
  CHECK(p.order == std::vector<std::string>{"deepinfra", "together"});
  CHECK(p.only == std::vector<std::string>{"deepinfra"});
  CHECK(p.ignore == std::vector<std::string>{"azure"});
  CHECK(p.quantizations == std::vector<std::string>{"fp8", "bf16"});
  CHECK_FALSE(p.allow_fallbacks);
  CHECK(p.require_parameters);
  CHECK(p.sort == "throughput");
  CHECK(p.sort_partition.empty());
  CHECK(p.max_price_prompt == 1.5);
  CHECK(p.max_price_completion == 2.0);
  CHECK(p.max_price_request == 0.0);
  CHECK(p.data_collection == "deny");
  CHECK(r.parameters_sent.empty());  // provider routes; it is not a model parameter
}

TEST_CASE("provider defaults, nulls inside, and the sort object", "[normalize]") {
  ChatRequest empty = accept(chat_body(R"("provider":{"allow_fallbacks":null,"order":null,"sort":null})"));
  REQUIRE(empty.provider.has_value());
  CHECK(empty.provider->allow_fallbacks);
  CHECK_FALSE(empty.provider->require_parameters);
  CHECK(empty.provider->order.empty());
  CHECK(empty.provider->sort.empty());
  CHECK_FALSE(empty.provider->max_price_prompt.has_value());
  CHECK(empty.provider->data_collection.empty());

  ChatRequest sorted = accept(chat_body(R"("provider":{"sort":{"by":"price","partition":"none"}})"));
  CHECK(sorted.provider->sort == "price");
  CHECK(sorted.provider->sort_partition == "none");
  CHECK(accept(chat_body(R"("provider":{"sort":"latency"})")).provider->sort == "latency");
}

TEST_CASE("provider preference errors name the nested field", "[normalize]") {
  auto [provider, message, param] = GENERATE(table<std::string, std::string, std::string>({
      {"[]", "provider must be an object, got array", "provider"},
      {R"({"order":"deepinfra"})", "provider.order must be an array of at most 256 non-empty strings, got string",
       "provider.order"},
      {R"({"only":["a",1]})", "provider.only[1] must be a non-empty string, got number", "provider.only[1]"},
      {R"({"ignore":[""]})", "provider.ignore[0] must be a non-empty string, got \"\"", "provider.ignore[0]"},
      {R"({"quantizations":{}})",
       "provider.quantizations must be an array of at most 256 non-empty strings, got object",
       "provider.quantizations"},
      {R"({"allow_fallbacks":"no"})", "provider.allow_fallbacks must be a boolean, got string",
       "provider.allow_fallbacks"},
      {R"({"require_parameters":1})", "provider.require_parameters must be a boolean, got number",
       "provider.require_parameters"},
      {R"({"sort":"cheap"})", "provider.sort must be one of price, throughput, latency, got \"cheap\"",
       "provider.sort"},
      {R"({"sort":5})", "provider.sort must be one of price, throughput, latency, or an object, got number",
       "provider.sort"},
      {R"({"sort":{"by":"speed"}})", "provider.sort.by must be one of price, throughput, latency, got \"speed\"",
       "provider.sort.by"},
      {R"({"sort":{"by":"price","partition":"all"}})",
       "provider.sort.partition must be one of model, none, got \"all\"", "provider.sort.partition"},
      {R"({"max_price":{"prompt":-1}})", "provider.max_price.prompt must be a number >= 0, got -1",
       "provider.max_price.prompt"},
      {R"({"max_price":{"completion":"1"}})", "provider.max_price.completion must be a number >= 0, got string",
       "provider.max_price.completion"},
      {R"({"max_price":{"image":-0.5}})", "provider.max_price.image must be a number >= 0, got -0.5",
       "provider.max_price.image"},
      {R"({"max_price":3})", "provider.max_price must be an object, got number", "provider.max_price"},
      {R"({"data_collection":"maybe"})", "provider.data_collection must be one of allow, deny, got \"maybe\"",
       "provider.data_collection"},
  }));
  Error e = reject(chat_body("\"provider\":" + provider));
  CHECK(e.message == message);
  CHECK(e.metadata_json == "{\"param\":\"" + param + "\"}");
}

TEST_CASE("tools are checked and kept minified", "[normalize]") {
  ChatRequest r = accept(chat_body(R"("tools": [ {"type":"function","function":{"name":"get_weather",
      "description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
      {"type":"function","function":{"name":"A-b_9"}} ])"));
  CHECK(r.tools_json ==
        R"([{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":)"
        R"({"type":"object","properties":{"city":{"type":"string"}}}}},{"type":"function","function":{"name":"A-b_9"}}])");
  CHECK(r.parameters_sent == std::vector<std::string>{"tools"});

  // An empty list is absent: nothing to forward, and not counted as sent.
  ChatRequest none = accept(chat_body(R"("tools":[])"));
  CHECK(none.tools_json.empty());
  CHECK(none.parameters_sent.empty());
}

TEST_CASE("tool errors name the tool", "[normalize]") {
  std::string long_name(65, 'a');
  auto [tools, message, param] = GENERATE_COPY(table<std::string, std::string, std::string>({
      {"{}", "tools must be an array, got object", "tools"},
      {"[1]", "tools[0] must be an object, got number", "tools[0]"},
      {R"([{"function":{"name":"f"}}])", "tools[0].type must be one of function, got nothing", "tools[0].type"},
      {R"([{"type":"retrieval","function":{"name":"f"}}])", "tools[0].type must be one of function, got \"retrieval\"",
       "tools[0].type"},
      {R"([{"type":"function"}])", "tools[0].function must be an object with a name, got nothing", "tools[0].function"},
      {R"([{"type":"function","function":{"name":"bad name"}}])",
       "tools[0].function.name must be a string of 1 to 64 characters from a-z, A-Z, 0-9, _ and -, got \"bad name\"",
       "tools[0].function.name"},
      {R"([{"type":"function","function":{"name":")" + long_name + R"("}}])",
       "tools[0].function.name must be a string of 1 to 64 characters from a-z, A-Z, 0-9, _ and -, got \"" +
           long_name.substr(0, 64) + "...\"",
       "tools[0].function.name"},
      {R"([{"type":"function","function":{"name":""}}])",
       "tools[0].function.name must be a string of 1 to 64 characters from a-z, A-Z, 0-9, _ and -, got \"\"",
       "tools[0].function.name"},
      {R"([{"type":"function","function":{}}])",
       "tools[0].function.name must be a string of 1 to 64 characters from a-z, A-Z, 0-9, _ and -, got nothing",
       "tools[0].function.name"},
      {R"([{"type":"function","function":{"name":"f","parameters":"{}"}}])",
       "tools[0].function.parameters must be an object, got string", "tools[0].function.parameters"},
      {R"([{"type":"function","function":{"name":"f","description":1}}])",
       "tools[0].function.description must be a string, got number", "tools[0].function.description"},
      {R"([{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"f"}}])",
       "tools[1].function.name repeats the tool name \"f\"", "tools[1].function.name"},
  }));
  Error e = reject(chat_body("\"tools\":" + tools));
  CHECK(e.message == message);
  CHECK(e.metadata_json == "{\"param\":\"" + param + "\"}");
}

TEST_CASE("tool_choice modes and named functions", "[normalize]") {
  const std::string tools = R"("tools":[{"type":"function","function":{"name":"f"}}])";
  CHECK(accept(chat_body(R"("tool_choice":"auto")")).tool_choice_json == R"("auto")");
  CHECK(accept(chat_body(R"("tool_choice":"none")")).tool_choice_json == R"("none")");
  CHECK(accept(chat_body(tools + R"(,"tool_choice":"required")")).tool_choice_json == R"("required")");
  // tool_choice before tools in the body: checked after the walk, so order does not matter.
  ChatRequest named = accept(chat_body(R"("tool_choice": {"type":"function","function":{"name":"f"}},)" + tools));
  CHECK(named.tool_choice_json == R"({"type":"function","function":{"name":"f"}})");
  CHECK(named.parameters_sent == std::vector<std::string>{"tool_choice", "tools"});

  auto [fields, message, param] = GENERATE_COPY(table<std::string, std::string, std::string>({
      {R"("tool_choice":"sometimes")",
       "tool_choice must be one of none, auto, required, got \"sometimes\"", "tool_choice"},
      {R"("tool_choice":5)",
       "tool_choice must be one of none, auto, required, or {\"type\":\"function\",\"function\":{\"name\":...}}, "
       "got number",
       "tool_choice"},
      {R"("tool_choice":"required")", "tool_choice \"required\" needs a non-empty tools list", "tool_choice"},
      {R"("tool_choice":"required","tools":[])", "tool_choice \"required\" needs a non-empty tools list",
       "tool_choice"},
      {tools + R"(,"tool_choice":{"type":"function","function":{"name":"g"}})",
       "tool_choice.function.name \"g\" is not one of the tools", "tool_choice.function.name"},
      {tools + R"(,"tool_choice":{"function":{"name":"f"}})", "tool_choice.type must be one of function, got nothing",
       "tool_choice.type"},
      {tools + R"(,"tool_choice":{"type":"function"})", "tool_choice.function must be an object with a name, got nothing",
       "tool_choice.function"},
  }));
  Error e = reject(chat_body(fields));
  CHECK(e.message == message);
  CHECK(e.metadata_json == "{\"param\":\"" + param + "\"}");
}

TEST_CASE("response_format", "[normalize]") {
  CHECK(accept(chat_body(R"("response_format":{ "type" : "json_object" })")).response_format_json ==
        R"({"type":"json_object"})");
  CHECK(accept(chat_body(R"("response_format":{"type":"text"})")).response_format_json == R"({"type":"text"})");
  ChatRequest schema = accept(chat_body(
      R"("response_format":{"type":"json_schema","json_schema":{"name":"out","strict":true,"schema":{"type":"object"}}})"));
  CHECK(schema.response_format_json ==
        R"({"type":"json_schema","json_schema":{"name":"out","strict":true,"schema":{"type":"object"}}})");
  CHECK(schema.parameters_sent == std::vector<std::string>{"response_format"});

  auto [format, message, param] = GENERATE(table<std::string, std::string, std::string>({
      {R"("json")", "response_format must be an object, got string", "response_format"},
      {"{}", "response_format.type must be one of text, json_object, json_schema, got nothing",
       "response_format.type"},
      {R"({"type":"xml"})", "response_format.type must be one of text, json_object, json_schema, got \"xml\"",
       "response_format.type"},
      {R"({"type":"json_schema"})", "response_format.json_schema must be an object with a name, got nothing",
       "response_format.json_schema"},
      {R"({"type":"json_schema","json_schema":{"schema":{}}})",
       "response_format.json_schema.name must be a non-empty string, got nothing", "response_format.json_schema.name"},
      {R"({"type":"json_schema","json_schema":[]})", "response_format.json_schema must be an object, got array",
       "response_format.json_schema"},
  }));
  Error e = reject(chat_body("\"response_format\":" + format));
  CHECK(e.message == message);
  CHECK(e.metadata_json == "{\"param\":\"" + param + "\"}");
}
