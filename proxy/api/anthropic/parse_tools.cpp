// `tools` (custom tools with input_schema) and `tool_choice`, into OpenAI function tools
// and OpenAI's tool_choice.
#include <algorithm>

#include "providers/json_writer.h"
#include "proxy/api/anthropic/parse_detail.h"

namespace switchyard::proxy::anthropic::parse_detail {

namespace {

// Anthropic's rule for tool names.
constexpr std::string_view kNameRule = "a string of 1 to 128 characters from a-z, A-Z, 0-9, _ and -";

bool valid_tool_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
  });
}

Result<std::string_view> tool_name(simdjson::dom::object o, const std::string& path) {
  auto name = member(o, "name");
  if (!name) return invalid(path, kNameRule, "nothing");
  if (!name->is_string()) return invalid(path, kNameRule, type_name(*name));
  std::string_view s = name->get_string().value_unsafe();
  if (!valid_tool_name(s)) return invalid(path, kNameRule, quoted_excerpt(s));
  return s;
}

// One custom tool -> {"type":"function","function":{name, description, parameters}}.
Result<std::string> function_tool(element e, const std::string& path, Context& c) {
  NORM_TRY(tool, object(e, path));
  if (auto type = member(tool, "type"); type && !(type->is_string() && type->get_string().value_unsafe() == "custom"))
    return invalid(key_path(path, "type"), "custom (server tools are not supported)", describe(*type));
  NORM_TRY(name, tool_name(tool, key_path(path, "name")));
  if (!c.tool_names.emplace(name).second)
    return invalid_message(key_path(path, "name"), key_path(path, "name") + " repeats the tool name \"" +
                                                       std::string(name) + "\"");
  JsonWriter w;
  w.begin_object().field("type", "function").key("function").begin_object().field("name", name);
  if (auto description = member(tool, "description")) {
    NORM_TRY(text, string(*description, key_path(path, "description")));
    w.field("description", text);
  }
  std::string schema_path = key_path(path, "input_schema");
  auto schema = member(tool, "input_schema");
  if (!schema) return invalid(schema_path, "an object (a JSON schema)", "nothing");
  NORM_CHECK(object(*schema, schema_path));
  w.field_raw("parameters", simdjson::minify(*schema)).end_object();
  if (auto cc = member(tool, "cache_control")) {
    NORM_CHECK(object(*cc, key_path(path, "cache_control")));
    w.field_raw("cache_control", simdjson::minify(*cc));
  }
  return w.end_object().take();
}

}  // namespace

// An empty list is no tools at all.
Status parse_tools(element e, Context& c) {
  NORM_TRY(tools, array(e, "tools"));
  std::string out = "[";
  size_t i = 0;
  for (element tool : tools) {
    NORM_TRY(json, function_tool(tool, index_path("tools", i), c));
    out.append(i++ ? "," : "").append(json);
  }
  if (i > 0) c.request.tools_json = out + "]";
  return {};
}

Status parse_tool_choice_deferred(element e, Context& c) {
  c.tool_choice = e;
  return {};
}

// {type: auto | any | tool (with name) | none, disable_parallel_tool_use}. any and tool need
// tools (and the name must be one of them); auto and none without tools say nothing.
Status parse_tool_choice(element e, Context& c) {
  NORM_TRY(choice, object(e, "tool_choice"));
  auto type_element = member(choice, "type");
  if (!type_element) return invalid("tool_choice.type", "one of auto, any, tool, none", "nothing");
  NORM_TRY(type, one_of(*type_element, "tool_choice.type", {"auto", "any", "tool", "none"}));
  std::optional<bool> disable_parallel;
  if (auto d = member(choice, "disable_parallel_tool_use")) {
    NORM_TRY(v, boolean(*d, "tool_choice.disable_parallel_tool_use"));
    disable_parallel = v;
  }
  if (c.tool_names.empty()) {
    if (type == "any" || type == "tool")
      return invalid_message("tool_choice", "tool_choice \"" + std::string(type) + "\" needs a non-empty tools list");
    return {};
  }
  if (type == "tool") {
    NORM_TRY(name, tool_name(choice, "tool_choice.name"));
    if (!c.tool_names.contains(std::string(name)))
      return invalid_message("tool_choice.name", "tool_choice.name \"" + std::string(name) + "\" is not one of the tools");
    JsonWriter w;
    w.begin_object().field("type", "function").key("function").begin_object().field("name", name).end_object();
    c.request.tool_choice_json = w.end_object().take();
  } else {
    c.request.tool_choice_json = json_quote(type == "any" ? "required" : type);
  }
  c.request.parameters_sent.emplace_back("tool_choice");
  if (disable_parallel == true && type != "none") {
    c.request.parallel_tool_calls = false;
    c.request.parameters_sent.emplace_back("parallel_tool_calls");
  }
  return {};
}

}  // namespace switchyard::proxy::anthropic::parse_detail
