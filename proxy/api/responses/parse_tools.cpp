// `tools`, `tool_choice` and `text.format`: checked for shape, then written in the chat
// vocabulary (function tools, tool_choice, response_format) for the providers.
#include "providers/json_writer.h"
#include "proxy/api/responses/request_parser_detail.h"

namespace switchyard::proxy::responses_detail {

namespace {

using JsonObject = simdjson::dom::object;  // not `object`: files share unity batches

// Copies an optional member to `w` once `check` (a json_fields getter) accepts it.
template <class Check>
Status copy_member(JsonObject fields, std::string_view key, const std::string& path, Check check, JsonWriter& w) {
  auto value = member(fields, key);
  if (!value) return {};
  NORM_TRY(checked, check(*value, path));
  w.field(key, checked);
  return {};
}

// {type:"function", name, description, parameters, strict} ->
// {"type":"function","function":{"name","description","parameters","strict"}}.
Status write_function_tool(element tool, const std::string& path, Context& c, JsonWriter& w) {
  NORM_TRY(fields, json_fields::object(tool, path));
  std::string type_path = key_path(path, "type");
  NORM_TRY(type_element, required(fields, "type", type_path, "one of function"));
  NORM_TRY(type, string(type_element, type_path));
  if (type != "function")
    return invalid_message(type_path, type_path + " " + quoted_excerpt(type) +
                                          " is not supported here; only function tools are");
  NORM_TRY(name, function_name(member(fields, "name"), key_path(path, "name")));
  if (!c.tool_names.emplace(name).second)
    return invalid_message(key_path(path, "name"),
                           key_path(path, "name") + " repeats the tool name " + quoted_excerpt(name));
  w.begin_object().field("type", "function").key("function").begin_object().field("name", name);
  NORM_CHECK(copy_member(fields, "description", key_path(path, "description"), json_fields::string, w));
  if (auto parameters = member(fields, "parameters")) {
    NORM_CHECK(json_fields::object(*parameters, key_path(path, "parameters")));
    w.field_raw("parameters", simdjson::minify(*parameters));
  }
  NORM_CHECK(copy_member(fields, "strict", key_path(path, "strict"), json_fields::boolean, w));
  w.end_object().end_object();
  return {};
}

// {type:"json_schema", name, schema, strict, description} -> chat's
// {"type":"json_schema","json_schema":{"name","description","schema","strict"}}.
Result<std::string> json_schema_format(JsonObject fields) {
  // The format's name follows the same rule as a function name.
  NORM_TRY(name, function_name(member(fields, "name"), "text.format.name"));
  NORM_TRY(schema, required(fields, "schema", "text.format.schema", "an object (a JSON Schema)"));
  NORM_CHECK(json_fields::object(schema, "text.format.schema"));
  JsonWriter w;
  w.begin_object().field("type", "json_schema").key("json_schema").begin_object().field("name", name);
  NORM_CHECK(copy_member(fields, "description", "text.format.description", json_fields::string, w));
  w.field_raw("schema", simdjson::minify(schema));
  NORM_CHECK(copy_member(fields, "strict", "text.format.strict", json_fields::boolean, w));
  w.end_object().end_object();
  return w.take();
}

}  // namespace

// An empty list is treated as absent, as the chat parser does.
Status parse_tools(element e, Context& c) {
  NORM_TRY(tools, array(e, "tools"));
  JsonWriter w;
  w.begin_array();
  size_t i = 0;
  for (element tool : tools) NORM_CHECK(write_function_tool(tool, index_path("tools", i++), c, w));
  w.end_array();
  if (i > 0) c.request.tools_json = w.take();
  return {};
}

Status parse_tool_choice_deferred(element e, Context& c) {
  c.tool_choice = e;
  return {};
}

// "none" | "auto" | "required" | {type:"function", name}. "required" and a named function
// need tools (and the name must be one of them).
Status parse_tool_choice(element e, Context& c) {
  constexpr std::string_view kExpected = "one of none, auto, required, or {\"type\":\"function\",\"name\":...}";
  if (e.is_string()) {
    NORM_TRY(mode, one_of(e, "tool_choice", {"none", "auto", "required"}));
    if (mode == "required" && c.tool_names.empty())
      return invalid_message("tool_choice", "tool_choice \"required\" needs a non-empty tools list");
    c.request.tool_choice_json = json_quote(mode);
    return {};
  }
  if (!e.is_object()) return invalid("tool_choice", kExpected, type_name(e));
  JsonObject fields = e.get_object().value_unsafe();
  NORM_TRY(type, required(fields, "type", "tool_choice.type", "one of function"));
  NORM_CHECK(one_of(type, "tool_choice.type", {"function"}));
  NORM_TRY(name, function_name(member(fields, "name"), "tool_choice.name"));
  if (!c.tool_names.contains(std::string(name)))
    return invalid_message("tool_choice.name", "tool_choice.name " + quoted_excerpt(name) + " is not one of the tools");
  JsonWriter w;
  w.begin_object().field("type", "function").key("function").begin_object().field("name", name).end_object();
  c.request.tool_choice_json = w.end_object().take();
  return {};
}

// text.format: "text" asks for nothing; the JSON formats become response_format.
Status parse_text(element e, Context& c) {
  NORM_TRY(fields, json_fields::object(e, "text"));
  auto format = member(fields, "format");
  if (!format) return {};
  NORM_TRY(format_fields, json_fields::object(*format, "text.format"));
  NORM_TRY(type_element, required(format_fields, "type", "text.format.type", "one of text, json_object, json_schema"));
  NORM_TRY(type, one_of(type_element, "text.format.type", {"text", "json_object", "json_schema"}));
  if (type == "json_object") c.request.response_format_json = R"({"type":"json_object"})";
  if (type == "json_schema") {
    NORM_TRY(response_format, json_schema_format(format_fields));
    c.request.response_format_json = std::move(response_format);
  }
  return {};
}

}  // namespace switchyard::proxy::responses_detail
