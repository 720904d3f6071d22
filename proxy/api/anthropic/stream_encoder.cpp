#include "proxy/api/anthropic/stream_encoder.h"

#include "providers/json_writer.h"
#include "proxy/api/anthropic/errors.h"

namespace switchyard::proxy::anthropic {

std::string sse_event(std::string_view type, std::string_view json) {
  std::string out;
  out.reserve(type.size() + json.size() + 16);
  out.append("event: ").append(type).append("\ndata: ").append(json).append("\n\n");
  return out;
}

namespace {

std::string block_event(std::string_view type, int64_t index, std::string_view key = {}, std::string_view json = {}) {
  JsonWriter w;
  w.begin_object().field("type", type).field("index", index);
  if (!key.empty()) w.field_raw(key, json);
  return sse_event(type, w.end_object().take());
}

std::string delta_json(std::string_view delta_type, std::string_view key, std::string_view value) {
  JsonWriter w;
  return w.begin_object().field("type", delta_type).field(key, value).end_object().take();
}

}  // namespace

std::string StreamEncoder::start() {
  JsonWriter w;
  w.begin_object().field("type", "message_start");
  w.field_raw("message", message_json(meta_, "[]", "", Usage{}));
  return sse_event("message_start", w.end_object().take());
}

std::string StreamEncoder::open_block(std::string_view block_json) {
  std::string out = close_block();
  open_ = next_index_++;
  return out + block_event("content_block_start", *open_, "content_block", block_json);
}

std::string StreamEncoder::close_block() {
  if (!open_) return {};
  int64_t index = *open_;
  open_.reset();
  return block_event("content_block_stop", index);
}

std::string StreamEncoder::text(const std::string& delta) {
  if (delta.empty()) return {};
  std::string out;
  if (!open_ || !open_is_text_) {
    out = open_block(R"({"type":"text","text":""})");
    open_is_text_ = true;
  }
  return out + block_event("content_block_delta", *open_, "delta", delta_json("text_delta", "text", delta));
}

// A call's first delta opens its block; a later delta of an earlier call (upstreams stream
// calls one after another, but nothing promises it) still goes to that call's index.
std::string StreamEncoder::tool_call(const ToolCallDelta& delta) {
  std::string out;
  auto it = tool_blocks_.find(delta.index);
  if (it == tool_blocks_.end()) {
    JsonWriter w;
    w.begin_object().field("type", "tool_use").field("id", tool_use_id(meta_, delta)).field("name", delta.name);
    out = open_block(w.field_raw("input", "{}").end_object().take());
    open_is_text_ = false;
    it = tool_blocks_.emplace(delta.index, *open_).first;
  }
  if (delta.arguments.empty()) return out;
  return out + block_event("content_block_delta", it->second, "delta",
                           delta_json("input_json_delta", "partial_json", delta.arguments));
}

std::string StreamEncoder::on_event(const Event& e) {
  if (e.choice_index != 0) return {};
  switch (e.kind) {
    case EventKind::content: return text(e.text);
    case EventKind::tool_call: return tool_call(e.tool_call);
    case EventKind::finish:
      finish_reason_ = e.finish_reason;
      native_finish_reason_ = e.native_finish_reason;
      return close_block();
    default: return {};  // role (message_start said it), logprobs, usage and error (the pipeline's)
  }
}

std::string StreamEncoder::finish(const ResponseEnd& end) {
  if (end.failure) return sse_event("error", error_body(*end.failure));
  std::string out = close_block();
  const std::string reason = stop_reason(finish_reason_, native_finish_reason_);
  JsonWriter w;
  w.begin_object().field("type", "message_delta");
  w.key("delta").begin_object().field("stop_reason", reason).field_raw("stop_sequence", stop_sequence_json(reason, meta_));
  w.end_object().field_raw("usage", usage_json(end.usage));
  out += sse_event("message_delta", w.end_object().take());
  return out + sse_event("message_stop", R"({"type":"message_stop"})");
}

}  // namespace switchyard::proxy::anthropic
