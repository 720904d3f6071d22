#include "providers/openai_compat/request_body.h"

#include <set>

#include "providers/json_writer.h"

namespace switchyard::providers::openai_compat {

namespace {

void write_message(JsonWriter& w, const Message& m) {
  w.begin_object().field("role", m.role);
  w.key("content");
  const bool tool_call_turn = m.role == "assistant" && !m.tool_calls.empty();
  if (m.content_is_null || (tool_call_turn && m.text.empty() && m.content_json.empty()))
    w.null();
  else if (!m.content_json.empty())
    w.raw(m.content_json);  // keeps multimodal parts and cache_control as the client sent them
  else
    w.value(m.text);
  if (!m.name.empty()) w.field("name", m.name);
  if (!m.tool_calls.empty()) {
    w.key("tool_calls").begin_array();
    for (const auto& tc : m.tool_calls) {
      w.begin_object().field("id", tc.id).field("type", tc.type.empty() ? std::string("function") : tc.type);
      w.key("function").begin_object().field("name", tc.name).field("arguments", tc.arguments).end_object();
      w.end_object();
    }
    w.end_array();
  }
  if (!m.tool_call_id.empty()) w.field("tool_call_id", m.tool_call_id);
  w.end_object();
}

}  // namespace

std::string build_request_body(const OpenParams& params) {
  const ChatRequest& r = *params.request;
  const SamplingParams& s = r.sampling;
  std::set<std::string> written;  // an extra field must not duplicate a key we wrote
  JsonWriter w;
  auto key = [&](const char* k) -> JsonWriter& {
    written.insert(k);
    return w.key(k);
  };
  w.begin_object();
  key("model").value(params.endpoint->upstream_model.empty() ? r.model : params.endpoint->upstream_model);
  if (r.is_completion) {
    key("prompt").value(r.prompt);
  } else {
    key("messages").begin_array();
    for (const auto& m : r.messages) write_message(w, m);
    w.end_array();
  }
  key("stream").value(r.stream);
  // Always ask for usage when streaming: the ledger wants real counts, not estimates.
  if (r.stream) key("stream_options").begin_object().field("include_usage", true).end_object();

  if (r.sent("temperature")) key("temperature").value(s.temperature);
  if (r.sent("top_p")) key("top_p").value(s.top_p);
  if (r.sent("top_k")) key("top_k").value(s.top_k);
  if (r.sent("min_p")) key("min_p").value(s.min_p);
  if (r.sent("top_a")) key("top_a").value(s.top_a);
  if (r.sent("frequency_penalty")) key("frequency_penalty").value(s.frequency_penalty);
  if (r.sent("presence_penalty")) key("presence_penalty").value(s.presence_penalty);
  if (r.sent("repetition_penalty")) key("repetition_penalty").value(s.repetition_penalty);
  if (r.sent("seed") && s.seed) key("seed").value(*s.seed);
  if (r.sent("max_tokens") || r.sent("max_completion_tokens") || params.endpoint->default_max_tokens > 0) {
    // The proxy's resolved value already respects the endpoint's context and limits.
    const int64_t max_tokens = params.max_tokens > 0 ? params.max_tokens : s.max_tokens.value_or(0);
    if (max_tokens > 0) key("max_tokens").value(max_tokens);
  }
  if (r.sent("stop") && !s.stop.empty()) {
    key("stop").begin_array();
    for (const auto& stop : s.stop) w.value(stop);
    w.end_array();
  }
  if (r.sent("n")) key("n").value(r.n);
  if (r.sent("logit_bias")) {
    key("logit_bias").begin_object();
    for (const auto& [token, bias] : s.logit_bias) w.field(std::to_string(token), bias);
    w.end_object();
  }
  if (r.is_completion) {  // the legacy endpoint takes one integer: alternatives per position
    if (r.sent("logprobs") && s.logprobs) key("logprobs").value(s.top_logprobs);
  } else {
    if (r.sent("logprobs")) key("logprobs").value(s.logprobs);
    if (r.sent("top_logprobs")) key("top_logprobs").value(s.top_logprobs);
  }
  if (r.sent("response_format") && !r.response_format_json.empty()) key("response_format").raw(r.response_format_json);
  if (r.sent("tools") && !r.tools_json.empty()) key("tools").raw(r.tools_json);
  if (r.sent("tool_choice") && !r.tool_choice_json.empty()) key("tool_choice").raw(r.tool_choice_json);
  if (r.sent("parallel_tool_calls") && r.parallel_tool_calls) key("parallel_tool_calls").value(*r.parallel_tool_calls);
  if (r.sent("user") && !r.user.empty()) key("user").value(r.user);

  for (const auto& [name, json] : r.extra_fields)
    if (!json.empty() && written.insert(name).second) w.field_raw(name, json);
  w.end_object();
  return w.take();
}

}  // namespace switchyard::providers::openai_compat
