// Content blocks: text, image, tool_use, tool_result (and thinking, dropped), each into the
// OpenAI parts, tool calls or tool messages of its turn.
#include "providers/json_writer.h"
#include "proxy/api/anthropic/parse_detail.h"

namespace switchyard::proxy::anthropic::parse_detail {

namespace {

using JsonObject = simdjson::dom::object;  // not `object`: files share unity batches

Result<std::string_view> required_string(JsonObject o, std::string_view key, const std::string& path) {
  auto e = member(o, key);
  if (!e) return invalid(key_path(path, key), "a non-empty string", "nothing");
  return non_empty_string(*e, key_path(path, key));
}

void append_text(Turn& turn, std::string_view text) {
  // Joined with a newline, as the OpenAI parser joins text parts.
  if (turn.have_text) turn.text += '\n';
  turn.text += text;
  turn.have_text = true;
}

Result<std::string_view> text_of(JsonObject block, const std::string& path) {
  auto text = member(block, "text");
  if (!text) return invalid(key_path(path, "text"), "a string", "nothing");
  return string(*text, key_path(path, "text"));
}

// Closes a part with the block's cache_control (an object, kept for providers that cache).
Result<std::string> end_part(JsonWriter& w, JsonObject block, const std::string& path) {
  if (auto cc = member(block, "cache_control")) {
    NORM_CHECK(json_fields::object(*cc, key_path(path, "cache_control")));
    w.field_raw("cache_control", simdjson::minify(*cc));
  }
  return w.end_object().take();
}

// source {type: base64, media_type, data} -> a data: URL; {type: url, url} -> the URL.
Result<std::string> image_url(JsonObject block, const std::string& path) {
  std::string source_path = key_path(path, "source");
  auto source = member(block, "source");
  if (!source) return invalid(source_path, "an object with type base64 or url", "nothing");
  NORM_TRY(fields, json_fields::object(*source, source_path));
  std::string type_path = key_path(source_path, "type");
  auto type = member(fields, "type");
  if (!type) return invalid(type_path, "one of base64, url", "nothing");
  NORM_TRY(kind, one_of(*type, type_path, {"base64", "url"}));
  if (kind == "url") {
    NORM_TRY(url, required_string(fields, "url", source_path));
    return std::string(url);
  }
  std::string media_path = key_path(source_path, "media_type");
  auto media = member(fields, "media_type");
  if (!media) return invalid(media_path, "one of image/jpeg, image/png, image/gif, image/webp", "nothing");
  NORM_TRY(media_type, one_of(*media, media_path, {"image/jpeg", "image/png", "image/gif", "image/webp"}));
  NORM_TRY(data, required_string(fields, "data", source_path));
  std::string url = "data:";
  url.append(media_type).append(";base64,").append(data);
  return url;
}

Result<std::string> image_part(JsonObject block, const std::string& path) {
  NORM_TRY(url, image_url(block, path));
  JsonWriter w;
  w.begin_object().field("type", "image_url").key("image_url").begin_object().field("url", url).end_object();
  return end_part(w, block, path);
}

Result<std::string_view> block_type(JsonObject block, const std::string& path,
                                    std::initializer_list<std::string_view> allowed) {
  std::string type_path = key_path(path, "type");
  auto type = member(block, "type");
  if (type) return one_of(*type, type_path, allowed);
  std::string expected = "one of ";
  for (std::string_view a : allowed) expected.append(expected.size() > 7 ? ", " : "").append(a);
  return invalid(type_path, expected, "nothing");
}

Status parse_tool_use(JsonObject block, const std::string& path, Turn& turn) {
  NORM_TRY(id, required_string(block, "id", path));
  NORM_TRY(name, required_string(block, "name", path));
  std::string input_path = key_path(path, "input");
  auto input = member(block, "input");
  if (!input) return invalid(input_path, "an object", "nothing");
  NORM_CHECK(json_fields::object(*input, input_path));
  turn.tool_calls.push_back(ToolCall{std::string(id), "function", std::string(name), simdjson::minify(*input)});
  return {};
}

// content: a string, or text and image blocks; images go on to the turn's user message.
Status parse_tool_result(JsonObject block, const std::string& path, Turn& turn) {
  NORM_TRY(id, required_string(block, "tool_use_id", path));
  Message tool;
  tool.role = "tool";
  tool.tool_call_id = id;
  std::string content_path = key_path(path, "content");
  if (auto content = member(block, "content"); content && content->is_string()) {
    tool.text = content->get_string().value_unsafe();
  } else if (content) {
    if (!content->is_array()) return invalid(content_path, "a string or an array of text and image blocks", type_name(*content));
    Turn inner{"tool", {}, {}, {}, false, {}};
    size_t i = 0;
    simdjson::dom::array items = content->get_array().value_unsafe();  // a copy: the temporary result dies here
    for (element item : items) {
      std::string item_path = index_path(content_path, i++);
      NORM_TRY(fields, json_fields::object(item, item_path));
      NORM_TRY(type, block_type(fields, item_path, {"text", "image"}));
      if (type == "image") {
        NORM_TRY(part, image_part(fields, item_path));
        turn.parts.push_back(std::move(part));
        continue;
      }
      NORM_TRY(text, text_of(fields, item_path));
      append_text(inner, text);
    }
    tool.text = std::move(inner.text);
  }
  if (auto is_error = member(block, "is_error")) {
    NORM_TRY(failed, boolean(*is_error, key_path(path, "is_error")));
    if (failed) tool.text = tool.text.empty() ? "Error" : "Error: " + tool.text;
  }
  tool.content_json = json_quote(tool.text);
  turn.tool_results.push_back(std::move(tool));
  return {};
}

}  // namespace

Status add_text_block(JsonObject block, const std::string& path, Turn& turn) {
  NORM_TRY(text, text_of(block, path));
  JsonWriter w;
  w.begin_object().field("type", "text").field("text", text);
  NORM_TRY(part, end_part(w, block, path));
  append_text(turn, text);
  turn.parts.push_back(std::move(part));
  return {};
}

Status parse_block(element e, const std::string& path, Turn& turn) {
  NORM_TRY(block, json_fields::object(e, path));
  NORM_TRY(type, block_type(block, path, {"text", "image", "tool_use", "tool_result", "thinking", "redacted_thinking"}));
  const bool user = turn.role == "user";
  const bool allowed = type == "text" || (user ? (type == "image" || type == "tool_result")
                                                : (type == "tool_use" || type == "thinking" || type == "redacted_thinking"));
  if (!allowed)
    return invalid_message(key_path(path, "type"), key_path(path, "type") + " \"" + std::string(type) +
                                                       "\" is not allowed in a" + (user ? " user" : "n assistant") +
                                                       " message");
  if (type == "text") {
    NORM_CHECK(add_text_block(block, path, turn));
  } else if (type == "image") {
    NORM_TRY(part, image_part(block, path));
    turn.parts.push_back(std::move(part));
  } else if (type == "tool_use") {
    NORM_CHECK(parse_tool_use(block, path, turn));
  } else if (type == "tool_result") {
    NORM_CHECK(parse_tool_result(block, path, turn));
  }
  // thinking / redacted_thinking: dropped (request_parser.h says why).
  return {};
}

}  // namespace switchyard::proxy::anthropic::parse_detail
