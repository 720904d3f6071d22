#include "providers/anthropic/stream_translator.h"

#include <string>

#include "providers/anthropic/detail.h"
#include "providers/json_writer.h"

namespace switchyard::anthropic {

using simdjson::dom::element;

void StreamTranslator::emit_error(Error error, std::vector<Event>& out) {
  Event e = detail::make_event(EventKind::error);
  e.error = std::move(error);
  out.push_back(std::move(e));
  done_ = true;
}

PartialUsage StreamTranslator::partial_usage() const {
  if (!started_ || !usage_.input_tokens) return {};
  Usage u = to_usage(usage_);
  return PartialUsage{u.prompt_tokens, u.cached_tokens, std::nullopt};
}

void StreamTranslator::emit_usage(std::vector<Event>& out) {
  if (usage_emitted_ || !started_) return;
  Event e = detail::make_event(EventKind::usage);
  e.usage = to_usage(usage_);
  out.push_back(std::move(e));
  usage_emitted_ = true;
}

void StreamTranslator::on_event(std::string_view event_name, std::string_view data, std::vector<Event>& out) {
  if (done_) return;
  if (event_name == "ping") return;
  element doc;
  if (parser_.parse(data.data(), data.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    JsonWriter meta;
    meta.begin_object().field("provider_name", provider_name_).field("raw", detail::utf8_prefix(data, 4096)).end_object();
    emit_error(Error{ErrorKind::upstream_error, "anthropic: stream event is not JSON", 0, meta.take(), 0}, out);
    return;
  }
  std::string_view type = event_name;
  std::string_view s;
  if (doc["type"].get(s) == simdjson::SUCCESS) type = s;

  if (type == "message_start") {
    if (started_) return;
    started_ = true;
    Event role = detail::make_event(EventKind::role);
    if (doc["message"]["id"].get(s) == simdjson::SUCCESS) role.upstream_id = s;
    element usage;
    if (doc["message"]["usage"].get(usage) == simdjson::SUCCESS) detail::merge_usage(usage_, detail::read_usage(usage));
    out.push_back(std::move(role));
  } else if (type == "content_block_start") {
    int64_t index = 0;
    element block;
    if (doc["index"].get(index) != simdjson::SUCCESS || doc["content_block"].get(block) != simdjson::SUCCESS) return;
    std::string_view block_type;
    if (block["type"].get(block_type) != simdjson::SUCCESS) return;
    if (block_type == "text") {
      // Usually "", but nothing promises that.
      if (block["text"].get(s) == simdjson::SUCCESS && !s.empty())
        out.push_back(detail::make_event(EventKind::content, std::string(s)));
    } else if (block_type == "tool_use") {
      ToolBlock& tb = tool_blocks_[index];
      tb.tool_index = next_tool_index_++;
      // OpenAI's first tool-call delta carries id and name with empty arguments.
      Event e = detail::make_event(EventKind::tool_call);
      e.tool_call.index = tb.tool_index;
      if (block["id"].get(s) == simdjson::SUCCESS) e.tool_call.id = s;
      if (block["name"].get(s) == simdjson::SUCCESS) e.tool_call.name = s;
      out.push_back(std::move(e));
    }
    // thinking / redacted_thinking / server tool blocks: no place in the contract.
  } else if (type == "content_block_delta") {
    int64_t index = 0;
    element delta;
    if (doc["index"].get(index) != simdjson::SUCCESS || doc["delta"].get(delta) != simdjson::SUCCESS) return;
    std::string_view delta_type;
    if (delta["type"].get(delta_type) != simdjson::SUCCESS) return;
    if (delta_type == "text_delta") {
      if (delta["text"].get(s) == simdjson::SUCCESS && !s.empty())
        out.push_back(detail::make_event(EventKind::content, std::string(s)));
    } else if (delta_type == "input_json_delta") {
      auto it = tool_blocks_.find(index);
      if (it == tool_blocks_.end() || delta["partial_json"].get(s) != simdjson::SUCCESS || s.empty()) return;
      it->second.has_arguments = true;
      Event e = detail::make_event(EventKind::tool_call);
      e.tool_call.index = it->second.tool_index;
      e.tool_call.arguments = s;
      out.push_back(std::move(e));
    }
  } else if (type == "content_block_stop") {
    int64_t index = 0;
    if (doc["index"].get(index) != simdjson::SUCCESS) return;
    auto it = tool_blocks_.find(index);
    // A tool without parameters streams no partial_json; "{}" keeps the concatenated
    // arguments valid JSON, as OpenAI clients expect.
    if (it != tool_blocks_.end() && !it->second.has_arguments) {
      it->second.has_arguments = true;
      Event e = detail::make_event(EventKind::tool_call);
      e.tool_call.index = it->second.tool_index;
      e.tool_call.arguments = "{}";
      out.push_back(std::move(e));
    }
  } else if (type == "message_delta") {
    element usage;
    if (doc["usage"].get(usage) == simdjson::SUCCESS) detail::merge_usage(usage_, detail::read_usage(usage));
    if (doc["delta"]["stop_reason"].get(s) == simdjson::SUCCESS && !finished_) {
      finished_ = true;
      Event e = detail::make_event(EventKind::finish);
      e.finish_reason = map_stop_reason(s);
      e.native_finish_reason = s;
      out.push_back(std::move(e));
    }
  } else if (type == "message_stop") {
    if (!finished_) {  // defensive: a message_delta without stop_reason
      finished_ = true;
      Event e = detail::make_event(EventKind::finish);
      e.finish_reason = "stop";
      out.push_back(std::move(e));
    }
    emit_usage(out);
    done_ = true;
  } else if (type == "error") {
    abort(upstream_error(ErrorContext{provider_name_, 200, 0}, data), out);
  }
  // Unknown event types are ignored: Anthropic's versioning policy allows adding them.
}

void StreamTranslator::abort(Error error, std::vector<Event>& out) {
  if (done_) return;
  emit_usage(out);  // what was generated before the failure is still billed
  emit_error(std::move(error), out);
}

void StreamTranslator::finish(std::vector<Event>& out) {
  JsonWriter meta;
  meta.begin_object().field("provider_name", provider_name_).end_object();
  abort(Error{ErrorKind::upstream_error,
              started_ ? "anthropic: stream truncated before message_stop" : "anthropic: stream ended before message_start",
              0, meta.take(), 0},
        out);
}

}  // namespace switchyard::anthropic
