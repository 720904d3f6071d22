// `system` and `messages`: Anthropic turns into OpenAI messages (request_parser.h).
#include "providers/json_writer.h"
#include "proxy/api/anthropic/parse_detail.h"

namespace switchyard::proxy::anthropic::parse_detail {

namespace {

std::string parts_json(const std::vector<std::string>& parts) {
  std::string out = "[";
  for (const std::string& p : parts) out.append(out.size() > 1 ? "," : "").append(p);
  return out + "]";
}

Message text_message(std::string role, std::string_view text) {
  Message m;
  m.role = std::move(role);
  m.text = text;
  m.content_json = json_quote(text);
  return m;
}

Message parts_message(std::string role, Turn& turn) {
  Message m;
  m.role = std::move(role);
  m.text = std::move(turn.text);
  m.content_is_array = true;
  m.content_json = parts_json(turn.parts);
  return m;
}

// A user turn: its tool results first (OpenAI wants them right after the tool calls), then
// whatever else it said.
void emit_user(Turn& turn, std::vector<Message>& out) {
  for (Message& tool : turn.tool_results) out.push_back(std::move(tool));
  if (!turn.parts.empty()) out.push_back(parts_message("user", turn));
}

// An assistant turn: its text as a string (every OpenAI-compatible server takes that), its
// tool calls; a turn that was only thinking leaves nothing.
void emit_assistant(Turn& turn, std::vector<Message>& out) {
  if (!turn.have_text && turn.tool_calls.empty()) return;
  Message m = text_message("assistant", turn.text);
  if (!turn.have_text) {
    m.content_is_null = true;
    m.content_json = "null";
  }
  m.tool_calls = std::move(turn.tool_calls);
  out.push_back(std::move(m));
}

Status parse_turn(element e, const std::string& path, std::vector<Message>& out) {
  NORM_TRY(fields, json_fields::object(e, path));
  std::string role_path = key_path(path, "role");
  auto role_element = member(fields, "role");
  if (!role_element) return invalid(role_path, "one of user, assistant", "nothing");
  NORM_TRY(role, one_of(*role_element, role_path, {"user", "assistant"}));
  std::string content_path = key_path(path, "content");
  constexpr std::string_view kContent = "a string or a non-empty array of content blocks";
  auto content = member(fields, "content");
  if (!content) return invalid(content_path, kContent, "nothing");
  if (content->is_string()) {
    out.push_back(text_message(std::string(role), content->get_string().value_unsafe()));
    return {};
  }
  if (!content->is_array()) return invalid(content_path, kContent, type_name(*content));
  simdjson::dom::array blocks = content->get_array().value_unsafe();
  if (blocks.size() == 0) return invalid(content_path, kContent, "an empty array");
  Turn turn{std::string(role), {}, {}, {}, false, {}};
  size_t j = 0;
  for (element block : blocks) NORM_CHECK(parse_block(block, index_path(content_path, j++), turn));
  if (role == "user") emit_user(turn, out);
  else emit_assistant(turn, out);
  return {};
}

}  // namespace

// A string or text blocks; an empty one is no system prompt at all.
Status parse_system(element e, Context& c) {
  constexpr std::string_view kSystem = "a string or an array of text blocks";
  if (e.is_string()) {
    std::string_view text = e.get_string().value_unsafe();
    if (!text.empty()) c.system = text_message("system", text);
    return {};
  }
  if (!e.is_array()) return invalid("system", kSystem, type_name(e));
  Turn turn{"system", {}, {}, {}, false, {}};
  size_t i = 0;
  simdjson::dom::array items = e.get_array().value_unsafe();  // a copy: the temporary result dies here
  for (element item : items) {
    std::string path = index_path("system", i++);
    NORM_TRY(block, json_fields::object(item, path));
    auto type = member(block, "type");
    if (!type) return invalid(key_path(path, "type"), "one of text", "nothing");
    NORM_CHECK(one_of(*type, key_path(path, "type"), {"text"}));
    NORM_CHECK(add_text_block(block, path, turn));
  }
  if (!turn.parts.empty()) c.system = parts_message("system", turn);
  return {};
}

Status parse_messages(element e, Context& c) {
  c.messages_sent = true;
  std::string expected = "a non-empty array of at most " + std::to_string(c.options.max_messages) + " messages";
  if (!e.is_array()) return invalid("messages", expected, type_name(e));
  simdjson::dom::array items = e.get_array().value_unsafe();
  if (items.size() == 0) return invalid("messages", expected, "an empty array");
  if (items.size() > c.options.max_messages)
    return invalid("messages", expected, std::to_string(items.size()) + " messages");
  c.request.messages.reserve(items.size() + 1);
  size_t i = 0;
  for (element item : items) NORM_CHECK(parse_turn(item, index_path("messages", i++), c.request.messages));
  return {};
}

}  // namespace switchyard::proxy::anthropic::parse_detail
