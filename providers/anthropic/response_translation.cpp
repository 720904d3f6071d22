#include "providers/anthropic/response_translation.h"

#include <charconv>

#include "providers/anthropic/detail.h"
#include "providers/json_writer.h"

namespace switchyard::anthropic {
namespace {

using simdjson::dom::element;

// Error metadata keeps the upstream's body for debugging, but bounded: a proxy in front of
// Anthropic can answer with a whole HTML page.
constexpr size_t kMaxRawBytes = 4096;

ErrorKind kind_for_status(int status) {
  switch (status) {
    case 400: return ErrorKind::invalid_argument;
    case 413: return ErrorKind::payload_too_large;
    case 422: return ErrorKind::unprocessable;
    case 429: return ErrorKind::rate_limited;
    // 401/403/404 mean *our* key or model name is wrong, not the client's request; 529 is
    // Anthropic's "overloaded". All are the upstream's failure: 502, and the router retries.
    default: return ErrorKind::upstream_error;
  }
}

// In-stream errors arrive after HTTP 200, so only error.type tells what happened.
ErrorKind kind_for_type(std::string_view type) {
  if (type == "invalid_request_error") return ErrorKind::invalid_argument;
  if (type == "request_too_large") return ErrorKind::payload_too_large;
  if (type == "rate_limit_error") return ErrorKind::rate_limited;
  return ErrorKind::upstream_error;
}

}  // namespace

std::string map_stop_reason(std::string_view native) {
  if (native == "end_turn" || native == "stop_sequence" || native == "pause_turn") return "stop";
  if (native == "max_tokens" || native == "model_context_window_exceeded") return "length";
  if (native == "tool_use") return "tool_calls";
  if (native == "refusal") return "content_filter";
  return "stop";
}

Usage to_usage(const UsageFields& u) {
  Usage out;
  out.cached_tokens = u.cache_read.value_or(0);
  out.cache_write_tokens = u.cache_write.value_or(0);
  out.prompt_tokens = u.input_tokens.value_or(0) + out.cached_tokens + out.cache_write_tokens;
  out.completion_tokens = u.output_tokens.value_or(0);
  return out;
}

Result<MessageResponse> parse_message_response(std::string_view body, std::string_view provider_name) {
  simdjson::dom::parser parser;
  element doc;
  auto garbage = [&](const char* what) {
    JsonWriter meta;
    meta.begin_object().field("provider_name", provider_name).field("upstream_status", int64_t{200});
    meta.field("raw", detail::utf8_prefix(body, kMaxRawBytes)).end_object();
    return fail(ErrorKind::upstream_error, std::string("anthropic: ") + what, meta.take());
  };
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS || !doc.is_object())
    return garbage("response is not JSON");
  simdjson::dom::array content;
  if (doc["content"].get(content) != simdjson::SUCCESS) return garbage("response has no content array");

  MessageResponse out;
  std::string_view s;
  if (doc["id"].get(s) == simdjson::SUCCESS) out.id = s;
  if (doc["stop_reason"].get(s) == simdjson::SUCCESS) out.stop_reason = s;
  element usage;
  if (doc["usage"].get(usage) == simdjson::SUCCESS) out.usage = to_usage(detail::read_usage(usage));

  for (element block : content) {
    std::string_view type;
    if (block["type"].get(type) != simdjson::SUCCESS) continue;
    if (type == "text") {
      if (block["text"].get(s) == simdjson::SUCCESS) out.text += s;
    } else if (type == "tool_use") {
      ToolCall call;
      if (block["id"].get(s) == simdjson::SUCCESS) call.id = s;
      if (block["name"].get(s) == simdjson::SUCCESS) call.name = s;
      element input;
      call.arguments = block["input"].get(input) == simdjson::SUCCESS ? simdjson::minify(input) : "{}";
      out.tool_calls.push_back(std::move(call));
    }
    // thinking, redacted_thinking, server tool blocks: the contract has no place for them.
  }
  return out;
}

std::vector<Event> message_events(const MessageResponse& message) {
  std::vector<Event> events;
  Event role = detail::make_event(EventKind::role);
  role.upstream_id = message.id;
  events.push_back(std::move(role));
  if (!message.text.empty()) events.push_back(detail::make_event(EventKind::content, message.text));
  for (size_t i = 0; i < message.tool_calls.size(); ++i) {
    const ToolCall& c = message.tool_calls[i];
    Event e = detail::make_event(EventKind::tool_call);
    e.tool_call = ToolCallDelta{static_cast<int64_t>(i), c.id, c.name, c.arguments};
    events.push_back(std::move(e));
  }
  Event finish = detail::make_event(EventKind::finish);
  finish.finish_reason = map_stop_reason(message.stop_reason);
  finish.native_finish_reason = message.stop_reason;
  events.push_back(std::move(finish));
  Event usage = detail::make_event(EventKind::usage);
  usage.usage = message.usage;
  events.push_back(std::move(usage));
  return events;
}

int parse_retry_after(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) value.remove_suffix(1);
  double seconds = 0;  // Anthropic sends integers, but a fraction costs nothing to accept
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || !(seconds > 0)) return 0;
  if (seconds > 86400) return 86400;
  return static_cast<int>(seconds + 0.999);  // round up: retrying early is pointless
}

Error upstream_error(const ErrorContext& context, std::string_view body) {
  std::string type, message;
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS) {
    std::string_view s;
    if (doc["error"]["type"].get(s) == simdjson::SUCCESS) type = s;
    if (doc["error"]["message"].get(s) == simdjson::SUCCESS) message = s;
  }
  Error e;
  const bool in_stream = context.upstream_status == 200 || context.upstream_status == 0;
  e.kind = in_stream ? kind_for_type(type) : kind_for_status(context.upstream_status);
  if (message.empty()) {
    message = in_stream ? "upstream stream error" : "upstream returned HTTP " + std::to_string(context.upstream_status);
  }
  if (context.upstream_status == 529 || type == "overloaded_error") message = "upstream overloaded: " + message;
  e.message = std::move(message);
  e.retry_after_seconds = context.retry_after_seconds;
  JsonWriter meta;
  meta.begin_object()
      .field("provider_name", context.provider_name)
      .field("upstream_status", static_cast<int64_t>(context.upstream_status))
      .field("raw", detail::utf8_prefix(body, kMaxRawBytes))
      .end_object();
  e.metadata_json = meta.take();
  return e;
}

}  // namespace switchyard::anthropic
