// `tools`, `tool_choice` and `response_format`: checked for shape, then kept as minified
// JSON for the providers to forward or translate.
#include "proxy/api/openai/normalize_detail.h"

namespace switchyard::proxy::normalize_detail {

// An empty list is treated as absent: OpenAI rejects `tools: []` upstream, and clients
// send it when they have no tools.
Status parse_tools(element e, Context& c) {
  NORM_TRY(tools, array(e, "tools"));
  size_t i = 0;
  for (element tool : tools) {
    std::string path = index_path("tools", i++);
    NORM_TRY(fields, object(tool, path));
    auto type = member(fields, "type");
    if (!type) return invalid(key_path(path, "type"), "one of function", "nothing");
    NORM_CHECK(one_of(*type, key_path(path, "type"), {"function"}));
    std::string function_path = key_path(path, "function");
    auto function = member(fields, "function");
    if (!function) return invalid(function_path, "an object with a name", "nothing");
    NORM_TRY(function_fields, object(*function, function_path));
    NORM_TRY(name, function_name(member(function_fields, "name"), key_path(function_path, "name")));
    if (!c.tool_names.emplace(name).second)
      return invalid_message(key_path(function_path, "name"),
                             key_path(function_path, "name") + " repeats the tool name \"" + std::string(name) + "\"");
    if (auto description = member(function_fields, "description"))
      NORM_CHECK(string(*description, key_path(function_path, "description")));
    if (auto parameters = member(function_fields, "parameters"))
      NORM_CHECK(object(*parameters, key_path(function_path, "parameters")));
  }
  if (i > 0) c.request.tools_json = simdjson::minify(e);
  return {};
}

Status parse_tool_choice_deferred(element e, Context& c) {
  c.tool_choice = e;
  return {};
}

// "none" | "auto" | "required" | {type: "function", function: {name}}. "required" and a
// named function need tools (and the name must be one of them), as OpenAI enforces.
Status parse_tool_choice(element e, Context& c) {
  constexpr std::string_view kExpected = "one of none, auto, required, or {\"type\":\"function\",\"function\":{\"name\":...}}";
  if (e.is_string()) {
    NORM_TRY(mode, one_of(e, "tool_choice", {"none", "auto", "required"}));
    if (mode == "required" && c.tool_names.empty())
      return invalid_message("tool_choice", "tool_choice \"required\" needs a non-empty tools list");
  } else if (e.is_object()) {
    simdjson::dom::object fields = e.get_object().value_unsafe();
    auto type = member(fields, "type");
    if (!type) return invalid("tool_choice.type", "one of function", "nothing");
    NORM_CHECK(one_of(*type, "tool_choice.type", {"function"}));
    auto function = member(fields, "function");
    if (!function) return invalid("tool_choice.function", "an object with a name", "nothing");
    NORM_TRY(function_fields, object(*function, "tool_choice.function"));
    NORM_TRY(name, function_name(member(function_fields, "name"), "tool_choice.function.name"));
    if (!c.tool_names.contains(std::string(name)))
      return invalid_message("tool_choice.function.name", "tool_choice.function.name \"" + std::string(name) +
                                                              "\" is not one of the tools");
  } else {
    return invalid("tool_choice", kExpected, type_name(e));
  }
  c.request.tool_choice_json = simdjson::minify(e);
  return {};
}

Status parse_response_format(element e, Context& c) {
  NORM_TRY(fields, object(e, "response_format"));
  auto type = member(fields, "type");
  if (!type) return invalid("response_format.type", "one of text, json_object, json_schema", "nothing");
  NORM_TRY(kind, one_of(*type, "response_format.type", {"text", "json_object", "json_schema"}));
  if (kind == "json_schema") {
    auto schema = member(fields, "json_schema");
    if (!schema) return invalid("response_format.json_schema", "an object with a name", "nothing");
    NORM_TRY(schema_fields, object(*schema, "response_format.json_schema"));
    auto name = member(schema_fields, "name");
    if (!name) return invalid("response_format.json_schema.name", "a non-empty string", "nothing");
    NORM_CHECK(non_empty_string(*name, "response_format.json_schema.name"));
  }
  c.request.response_format_json = simdjson::minify(e);
  return {};
}

}  // namespace switchyard::proxy::normalize_detail
