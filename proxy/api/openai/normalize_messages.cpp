// `messages` (chat) and `prompt` (completions): roles, content forms and tool turns.
#include "proxy/api/openai/normalize_detail.h"

namespace switchyard::proxy::normalize_detail {

namespace {

using JsonObject = simdjson::dom::object;  // not `object`: files share unity batches

// One content part. Non-text parts are only checked for their shape; they travel on in
// Message::content_json untouched.
Status check_part(element part, const std::string& path, Message& message, bool& have_text) {
  NORM_TRY(fields, json_fields::object(part, path));
  std::string type_path = key_path(path, "type");
  auto type_element = member(fields, "type");
  if (!type_element) return invalid(type_path, "one of text, image_url, input_audio, file", "nothing");
  NORM_TRY(type, one_of(*type_element, type_path, {"text", "image_url", "input_audio", "file"}));
  if (type == "text") {
    auto text = member(fields, "text");
    if (!text) return invalid(key_path(path, "text"), "a string", "nothing");
    NORM_TRY(s, string(*text, key_path(path, "text")));
    // Parts are joined with a newline, as vLLM does, so adjacent parts stay separate words.
    if (have_text) message.text += '\n';
    message.text += s;
    have_text = true;
  } else if (type == "image_url") {
    std::string image_path = key_path(path, "image_url");
    auto image = member(fields, "image_url");
    if (!image) return invalid(image_path, "an object with a url", "nothing");
    NORM_TRY(image_fields, json_fields::object(*image, image_path));
    auto url = member(image_fields, "url");
    if (!url) return invalid(key_path(image_path, "url"), "a non-empty string", "nothing");
    NORM_CHECK(non_empty_string(*url, key_path(image_path, "url")));
  } else {
    // input_audio / file: the payload object must be there; its inside is the upstream's business.
    std::string payload_path = key_path(path, type);
    auto payload = member(fields, type);
    if (!payload) return invalid(payload_path, "an object", "nothing");
    NORM_CHECK(json_fields::object(*payload, payload_path));
  }
  return {};
}

Status parse_content(std::optional<element> content, const std::string& path, Message& message) {
  std::string content_path = key_path(path, "content");
  if (!content) {
    message.content_is_null = true;
    message.content_json = "null";
    return {};
  }
  if (content->is_string()) {
    message.text = content->get_string().value_unsafe();
  } else if (content->is_array()) {
    message.content_is_array = true;
    bool have_text = false;
    size_t j = 0;
    simdjson::dom::array parts = content->get_array().value_unsafe();
    for (element part : parts) {
      NORM_CHECK(check_part(part, index_path(content_path, j), message, have_text));
      ++j;
    }
  } else {
    return invalid(content_path, "a string or an array of content parts", type_name(*content));
  }
  message.content_json = simdjson::minify(*content);
  return {};
}

Status parse_tool_calls(element e, const std::string& path, Message& message) {
  NORM_TRY(calls, array(e, path));
  size_t k = 0;
  for (element call : calls) {
    std::string call_path = index_path(path, k++);
    NORM_TRY(fields, json_fields::object(call, call_path));
    ToolCall tool_call;
    auto id = member(fields, "id");
    if (!id) return invalid(key_path(call_path, "id"), "a non-empty string", "nothing");
    NORM_TRY(id_text, non_empty_string(*id, key_path(call_path, "id")));
    tool_call.id = id_text;
    if (auto type = member(fields, "type")) NORM_CHECK(one_of(*type, key_path(call_path, "type"), {"function"}));
    std::string function_path = key_path(call_path, "function");
    auto function = member(fields, "function");
    if (!function) return invalid(function_path, "an object with name and arguments", "nothing");
    NORM_TRY(function_fields, json_fields::object(*function, function_path));
    auto name = member(function_fields, "name");
    if (!name) return invalid(key_path(function_path, "name"), "a non-empty string", "nothing");
    NORM_TRY(name_text, non_empty_string(*name, key_path(function_path, "name")));
    tool_call.name = name_text;
    auto arguments = member(function_fields, "arguments");
    if (!arguments) return invalid(key_path(function_path, "arguments"), "a string (JSON text)", "nothing");
    NORM_TRY(arguments_text, string(*arguments, key_path(function_path, "arguments")));
    tool_call.arguments = arguments_text;
    message.tool_calls.push_back(std::move(tool_call));
  }
  return {};
}

Result<Message> parse_message(element e, const std::string& path) {
  NORM_TRY(fields, json_fields::object(e, path));
  Message message;
  std::string role_path = key_path(path, "role");
  auto role = member(fields, "role");
  if (!role) return invalid(role_path, "one of system, user, assistant, tool, developer", "nothing");
  NORM_TRY(role_text, one_of(*role, role_path, {"system", "user", "assistant", "tool", "developer"}));
  // Providers know system; OpenAI's newer "developer" role means the same thing.
  message.role = role_text == "developer" ? "system" : std::string(role_text);

  if (auto name = member(fields, "name")) {
    NORM_TRY(name_text, string(*name, key_path(path, "name")));
    message.name = name_text;
  }
  if (auto calls = member(fields, "tool_calls")) {
    if (message.role != "assistant")
      return invalid_message(key_path(path, "tool_calls"),
                             key_path(path, "tool_calls") + " is only allowed on assistant messages");
    NORM_CHECK(parse_tool_calls(*calls, key_path(path, "tool_calls"), message));
  }
  if (message.role == "tool") {
    std::string id_path = key_path(path, "tool_call_id");
    auto id = member(fields, "tool_call_id");
    if (!id) return invalid(id_path, "a non-empty string (required for role tool)", "nothing");
    NORM_TRY(id_text, non_empty_string(*id, id_path));
    message.tool_call_id = id_text;
  }

  auto content = member(fields, "content");
  if (!content && !(message.role == "assistant" && !message.tool_calls.empty()))
    return invalid(key_path(path, "content"),
                   "a string or an array of content parts (null only for assistant messages with tool_calls)",
                   "nothing");
  NORM_CHECK(parse_content(content, path, message));
  return message;
}

}  // namespace

Status parse_messages(element e, Context& c) {
  if (c.options.completion_endpoint)
    return invalid_message("messages", "messages is not accepted on /v1/completions; send prompt");
  c.messages_sent = true;
  std::string expected = "a non-empty array of at most " + std::to_string(c.options.max_messages) + " messages";
  if (!e.is_array()) return invalid("messages", expected, type_name(e));
  simdjson::dom::array items = e.get_array().value_unsafe();
  size_t count = items.size();
  if (count == 0) return invalid("messages", expected, "an empty array");
  if (count > c.options.max_messages) return invalid("messages", expected, std::to_string(count) + " messages");
  c.request.messages.reserve(count);
  size_t i = 0;
  for (element item : items) {
    NORM_TRY(message, parse_message(item, index_path("messages", i++)));
    c.request.messages.push_back(std::move(message));
  }
  return {};
}

// A string, or an array holding exactly one string: several prompts would mean several
// independent completions in one request, which we do not serve.
Status parse_prompt(element e, Context& c) {
  if (!c.options.completion_endpoint)
    return invalid_message("prompt", "prompt is only accepted on /v1/completions; send messages");
  c.prompt_sent = true;
  constexpr std::string_view expected = "a string or an array of exactly one string";
  if (e.is_string()) {
    c.request.prompt = e.get_string().value_unsafe();
  } else if (e.is_array()) {
    simdjson::dom::array items = e.get_array().value_unsafe();
    if (items.size() != 1) return invalid("prompt", expected, "an array of " + std::to_string(items.size()));
    element only = items.at(0).value_unsafe();
    if (!only.is_string()) return invalid("prompt", expected, std::string("an array holding ") + type_name(only));
    c.request.prompt = only.get_string().value_unsafe();
  } else {
    return invalid("prompt", expected, type_name(e));
  }
  c.request.is_completion = true;
  return {};
}

}  // namespace switchyard::proxy::normalize_detail
