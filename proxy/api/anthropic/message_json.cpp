#include "proxy/api/anthropic/message_json.h"

#include <simdjson.h>

#include <algorithm>

#include "providers/json_writer.h"

namespace switchyard::proxy::anthropic {

std::string stop_reason(std::string_view finish_reason, std::string_view native) {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  if (native == "stop_sequence" || native == "stop_string") return "stop_sequence";
  return "end_turn";
}

std::string stop_sequence_json(std::string_view stop_reason, const MessageMeta& meta) {
  if (stop_reason != "stop_sequence" || meta.stop_sequences.size() != 1) return "null";
  return json_quote(meta.stop_sequences.front());
}

std::string usage_json(const Usage& u) {
  const int64_t input = std::max<int64_t>(0, u.prompt_tokens - u.cached_tokens - u.cache_write_tokens);
  JsonWriter w;
  w.begin_object().field("input_tokens", input);
  w.field("cache_creation_input_tokens", u.cache_write_tokens).field("cache_read_input_tokens", u.cached_tokens);
  return w.field("output_tokens", u.completion_tokens).end_object().take();
}

std::string tool_input_json(std::string_view arguments) {
  if (arguments.find_first_not_of(" \t\r\n") == std::string_view::npos) return "{}";
  simdjson::dom::parser parser;
  simdjson::dom::element input;
  if (parser.parse(arguments.data(), arguments.size()).get(input) == simdjson::SUCCESS && input.is_object())
    return simdjson::minify(input);
  JsonWriter w;
  return w.begin_object().field("raw_arguments", arguments).end_object().take();
}

std::string tool_use_id(const MessageMeta& meta, const ToolCallDelta& call) {
  if (!call.id.empty()) return call.id;
  return "toolu_" + meta.id + "_" + std::to_string(call.index);
}

std::string message_json(const MessageMeta& meta, std::string_view content_json, std::string_view reason,
                         const Usage& usage) {
  JsonWriter w;
  w.begin_object().field("id", meta.id).field("type", "message").field("role", "assistant");
  w.field("model", meta.model).field_raw("content", content_json);
  if (reason.empty()) w.field_null("stop_reason");
  else w.field("stop_reason", reason);
  w.field_raw("stop_sequence", reason.empty() ? "null" : stop_sequence_json(reason, meta));
  w.field_raw("usage", usage_json(usage));
  if (!meta.metadata_json.empty()) w.field_raw("metadata", meta.metadata_json);
  return w.end_object().take();
}

void MessageCollector::add(const Event& e) {
  if (e.choice_index != 0) return;
  switch (e.kind) {
    case EventKind::content:
      if (e.text.empty()) break;
      if (blocks_.empty() || blocks_.back().is_tool) blocks_.push_back(Block{});
      blocks_.back().text += e.text;
      break;
    case EventKind::tool_call: {
      auto [it, added] = tool_blocks_.try_emplace(e.tool_call.index, blocks_.size());
      if (added) blocks_.push_back(Block{true, {}, ToolCallDelta{e.tool_call.index, {}, {}, {}}});
      ToolCallDelta& t = blocks_[it->second].tool;
      if (!e.tool_call.id.empty()) t.id = e.tool_call.id;
      t.name += e.tool_call.name;
      t.arguments += e.tool_call.arguments;
      break;
    }
    case EventKind::finish:
      finish_reason_ = e.finish_reason;
      native_finish_reason_ = e.native_finish_reason;
      break;
    default: break;  // role, logprobs (Anthropic has none), usage and error (the pipeline's)
  }
}

std::string MessageCollector::to_json(const MessageMeta& meta, const Usage& usage) const {
  JsonWriter w;
  w.begin_array();
  for (const Block& b : blocks_) {
    w.begin_object();
    if (b.is_tool) {
      w.field("type", "tool_use").field("id", tool_use_id(meta, b.tool)).field("name", b.tool.name);
      w.field_raw("input", tool_input_json(b.tool.arguments));
    } else {
      w.field("type", "text").field("text", b.text);
    }
    w.end_object();
  }
  w.end_array();
  return message_json(meta, w.str(), stop_reason(finish_reason_, native_finish_reason_), usage);
}

}  // namespace switchyard::proxy::anthropic
