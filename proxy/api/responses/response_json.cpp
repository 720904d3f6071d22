#include "proxy/api/responses/response_json.h"

namespace switchyard::proxy {

namespace {

// The client's own value for a field it sent, else `fallback` (already JSON).
std::string_view echoed(const ChatRequest& request, std::string_view field, std::string_view fallback) {
  for (const auto& [name, json] : request.echo_fields)
    if (name == field) return json;
  return fallback;
}

void write_usage(JsonWriter& w, const ResponseUsage& u) {
  w.begin_object();
  w.field("input_tokens", u.usage.prompt_tokens);
  w.key("input_tokens_details").begin_object().field("cached_tokens", u.usage.cached_tokens).end_object();
  w.field("output_tokens", u.usage.completion_tokens);
  w.key("output_tokens_details").begin_object().field("reasoning_tokens", int64_t{0}).end_object();
  w.field("total_tokens", u.usage.prompt_tokens + u.usage.completion_tokens);
  w.field_raw("cost", billing::usd_string(u.cost));  // OpenRouter's extra field, in dollars
  w.end_object();
}

// The request's settings, as the response object repeats them.
void write_settings(JsonWriter& w, const ChatRequest& r) {
  w.field_raw("instructions", echoed(r, "instructions", "null"));
  if (r.sampling.max_tokens) w.field("max_output_tokens", *r.sampling.max_tokens);
  else w.field_null("max_output_tokens");
  w.field_raw("metadata", echoed(r, "metadata", "{}"));
  w.field("parallel_tool_calls", r.parallel_tool_calls.value_or(true));
  w.field_null("previous_response_id");
  w.field_raw("reasoning", echoed(r, "reasoning", "null"));
  w.field("store", false);
  w.field("temperature", r.sampling.temperature);
  w.field_raw("text", echoed(r, "text", R"({"format":{"type":"text"}})"));
  w.field_raw("tool_choice", echoed(r, "tool_choice", R"("auto")"));
  w.field_raw("tools", echoed(r, "tools", "[]"));
  w.field("top_p", r.sampling.top_p);
  w.field("truncation", "disabled");
  if (r.user.empty()) w.field_null("user");
  else w.field("user", r.user);
}

}  // namespace

ResponseHead response_head(const ResponseStart& start, const ChatRequest& request) {
  return ResponseHead{id_from_generation("resp_", start.id), start.created, start.model, start.provider,
                      start.metadata_json, &request};
}

void write_output_text(JsonWriter& w, const std::string& text) {
  w.begin_object().field("type", "output_text").field("text", text);
  w.key("annotations").begin_array().end_array();
  w.end_object();
}

void write_output_item(JsonWriter& w, const OutputItem& item, bool as_added) {
  w.begin_object();
  w.field("id", item.id);
  const char* status = status_name(as_added ? OutputItem::Status::in_progress : item.status);
  if (item.type == OutputItem::Type::message) {
    w.field("type", "message").field("status", status).field("role", "assistant");
    w.key("content").begin_array();
    if (!as_added) write_output_text(w, item.text);
    w.end_array();
  } else {
    w.field("type", "function_call").field("status", status);
    w.field("call_id", item.call_id).field("name", item.name);
    w.field("arguments", as_added ? std::string() : item.arguments);
  }
  w.end_object();
}

void write_response_error(JsonWriter& w, const Error& error) {
  const char* code = error.kind == ErrorKind::rate_limited ? "rate_limit_exceeded" : "server_error";
  w.begin_object().field("code", code).field("message", error.message).end_object();
}

void write_response(JsonWriter& w, const ResponseHead& head, const ResponseSnapshot& s) {
  w.begin_object();
  w.field("id", head.id).field("object", "response").field("created_at", head.created_at);
  w.field("status", s.status);
  w.key("error");
  if (s.error) write_response_error(w, *s.error);
  else w.null();
  if (s.incomplete_reason) w.key("incomplete_details").begin_object().field("reason", *s.incomplete_reason).end_object();
  else w.field_null("incomplete_details");
  w.field("model", head.model).field("provider", head.provider);
  w.key("output").begin_array();
  for (const OutputItem& item : s.output) write_output_item(w, item);
  w.end_array();
  write_settings(w, *head.request);
  w.key("usage");
  if (s.usage) write_usage(w, *s.usage);
  else w.null();
  if (!head.routing_metadata_json.empty()) w.field_raw("routing_metadata", head.routing_metadata_json);
  w.end_object();
}

std::string response_json(const ResponseHead& head, const ResponseSnapshot& snapshot) {
  JsonWriter w;
  write_response(w, head, snapshot);
  return w.take();
}

}  // namespace switchyard::proxy
