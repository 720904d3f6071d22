// `input` (a string, or message / function_call / function_call_output items) and
// `instructions`, into chat messages.
#include <unordered_map>

#include "providers/json_writer.h"
#include "proxy/api/responses/request_parser_detail.h"

namespace switchyard::proxy::responses_detail {

namespace {

using JsonObject = simdjson::dom::object;  // not `object`: files share unity batches

constexpr size_t kMaxItems = 10000;  // as many as chat takes messages

// input_image -> {"type":"image_url","image_url":{"url","detail"}}; files are not stored
// here, so only image_url (an https or data: URL) can name the image.
Status write_image_part(JsonObject fields, const std::string& path, JsonWriter& parts) {
  auto url = member(fields, "image_url");
  if (!url && member(fields, "file_id"))
    return invalid_message(key_path(path, "file_id"),
                           key_path(path, "file_id") + " is not supported here (no files are stored); send image_url");
  if (!url) return invalid(key_path(path, "image_url"), "a non-empty string (an https or data: URL)", "nothing");
  NORM_TRY(url_text, non_empty_string(*url, key_path(path, "image_url")));
  parts.begin_object().field("type", "image_url").key("image_url").begin_object().field("url", url_text);
  if (auto detail = member(fields, "detail")) {
    NORM_TRY(detail_text, one_of(*detail, key_path(path, "detail"), {"auto", "low", "high", "original"}));
    parts.field("detail", detail_text);
  }
  parts.end_object().end_object();
  return {};
}

// A content array being converted: the chat parts written so far, and the text they add
// to the message.
struct ContentParts {
  Message& message;
  bool images;  // input_image allowed (not in a function_call_output)
  bool have_text = false;
  JsonWriter parts;
};

// One content part, as a chat part; its text joins Message::text.
Status write_part(element part, const std::string& path, ContentParts& out) {
  const std::string allowed = out.images ? "input_text, output_text or input_image" : "input_text or output_text";
  NORM_TRY(fields, json_fields::object(part, path));
  std::string type_path = key_path(path, "type");
  NORM_TRY(type_element, required(fields, "type", type_path, "one of " + allowed));
  NORM_TRY(type, string(type_element, type_path));
  if (type == "input_text" || type == "output_text") {
    NORM_TRY(text_element, required(fields, "text", key_path(path, "text"), "a string"));
    NORM_TRY(text, string(text_element, key_path(path, "text")));
    if (out.have_text) out.message.text += '\n';  // joined with a newline, as the chat parser joins text parts
    out.message.text += text;
    out.have_text = true;
    out.parts.begin_object().field("type", "text").field("text", text).end_object();
    return {};
  }
  if (type == "input_image" && out.images) return write_image_part(fields, path, out.parts);
  return invalid_message(type_path, type_path + " " + quoted_excerpt(type) + " is not supported here; send " + allowed);
}

// A string, or an array of parts (converted to chat parts).
Status parse_content(element content, const std::string& path, bool images, Message& m) {
  if (content.is_string()) {
    m.text = content.get_string().value_unsafe();
    m.content_json = simdjson::minify(content);
    return {};
  }
  if (!content.is_array()) return invalid(path, "a string or an array of content parts", type_name(content));
  ContentParts out{m, images};
  out.parts.begin_array();
  size_t i = 0;
  // Bound to a local first: value_unsafe() on a temporary result returns a reference into it.
  simdjson::dom::array list = content.get_array().value_unsafe();
  for (element part : list) NORM_CHECK(write_part(part, index_path(path, i++), out));
  out.parts.end_array();
  m.content_is_array = true;
  m.content_json = out.parts.take();
  return {};
}

Status parse_message_item(JsonObject fields, const std::string& path, Context& c) {
  std::string role_path = key_path(path, "role");
  NORM_TRY(role_element, required(fields, "role", role_path, "one of user, assistant, system, developer"));
  NORM_TRY(role, one_of(role_element, role_path, {"user", "assistant", "system", "developer"}));
  Message m;
  m.role = role == "developer" ? "system" : std::string(role);  // providers know system
  std::string content_path = key_path(path, "content");
  NORM_TRY(content, required(fields, "content", content_path, "a string or an array of content parts"));
  NORM_CHECK(parse_content(content, content_path, true, m));
  c.request.messages.push_back(std::move(m));
  return {};
}

Result<std::string_view> call_id(JsonObject fields, const std::string& id_path) {
  NORM_TRY(id, required(fields, "call_id", id_path, "a non-empty string"));
  return non_empty_string(id, id_path);
}

// Consecutive calls are one assistant turn with several tool_calls; a call right after an
// assistant message joins it (a replayed output: the text, then the calls it made).
Status parse_function_call_item(JsonObject fields, const std::string& path, Context& c) {
  ToolCall call;
  std::string id_path = key_path(path, "call_id");
  NORM_TRY(id, call_id(fields, id_path));
  if (!c.call_ids.emplace(id).second)
    return invalid_message(id_path, id_path + " repeats the call_id " + quoted_excerpt(id));
  call.id = id;
  NORM_TRY(name, function_name(member(fields, "name"), key_path(path, "name")));
  call.name = name;
  std::string arguments_path = key_path(path, "arguments");
  NORM_TRY(arguments_element, required(fields, "arguments", arguments_path, "a string (JSON text)"));
  NORM_TRY(arguments, string(arguments_element, arguments_path));
  call.arguments = arguments;

  auto& messages = c.request.messages;
  if (messages.empty() || messages.back().role != "assistant") {
    Message turn;
    turn.role = "assistant";
    turn.content_is_null = true;
    turn.content_json = "null";
    messages.push_back(std::move(turn));
  }
  messages.back().tool_calls.push_back(std::move(call));
  return {};
}

Status parse_function_call_output_item(JsonObject fields, const std::string& path, Context& c) {
  std::string id_path = key_path(path, "call_id");
  NORM_TRY(id, call_id(fields, id_path));
  if (!c.call_ids.contains(std::string(id)))
    return invalid_message(id_path, id_path + " " + quoted_excerpt(id) + " matches no function_call earlier in input");
  std::string output_path = key_path(path, "output");
  NORM_TRY(output, required(fields, "output", output_path, "a string or an array of input_text parts"));
  Message m;
  m.role = "tool";
  m.tool_call_id = id;
  NORM_CHECK(parse_content(output, output_path, false, m));
  c.request.messages.push_back(std::move(m));
  return {};
}

using ItemParser = Status (*)(JsonObject, const std::string&, Context&);

Status parse_item(element item, const std::string& path, Context& c) {
  static const std::unordered_map<std::string_view, ItemParser> parsers = {
      {"message", parse_message_item},
      {"function_call", parse_function_call_item},
      {"function_call_output", parse_function_call_output_item},
  };
  constexpr std::string_view kTypes = "one of message, function_call, function_call_output";
  NORM_TRY(fields, json_fields::object(item, path));
  std::string type_path = key_path(path, "type");
  std::string_view type = "message";  // the SDK allows leaving it out of a message
  if (auto type_element = member(fields, "type")) {
    NORM_TRY(sent, string(*type_element, type_path));
    type = sent;
  } else if (!member(fields, "role")) {
    return invalid(type_path, kTypes, "nothing");
  }
  auto parser = parsers.find(type);
  if (parser == parsers.end())
    return invalid_message(type_path, type_path + " " + quoted_excerpt(type) +
                                          " is not supported here; send message, function_call or function_call_output");
  return parser->second(fields, path, c);
}

}  // namespace

Message text_message(std::string role, std::string_view text) {
  Message m;
  m.role = std::move(role);
  m.text = text;
  m.content_json = json_quote(text);
  return m;
}

Status parse_input(element e, Context& c) {
  c.input_sent = true;
  const std::string expected = "a string or a non-empty array of at most " + std::to_string(kMaxItems) + " input items";
  if (e.is_string()) {
    c.request.messages.push_back(text_message("user", e.get_string().value_unsafe()));
    return {};
  }
  if (!e.is_array()) return invalid("input", expected, type_name(e));
  simdjson::dom::array items = e.get_array().value_unsafe();
  if (items.size() == 0) return invalid("input", expected, "an empty array");
  if (items.size() > kMaxItems) return invalid("input", expected, std::to_string(items.size()) + " items");
  c.request.messages.reserve(items.size() + 1);
  size_t i = 0;
  for (element item : items) NORM_CHECK(parse_item(item, index_path("input", i++), c));
  return {};
}

Status parse_instructions(element e, Context& c) { return store(string(e, "instructions"), c.instructions); }

}  // namespace switchyard::proxy::responses_detail
