// Entry point of normalization: parse the body once, walk the top-level object in order
// dispatching each known field to its handler, keep unknown fields for passthrough, then
// check the rules that span several fields.
#include "proxy/api/openai/normalize.h"

#include <new>
#include <unordered_map>

#include "providers/json_parser.h"
#include "proxy/api/openai/normalize_detail.h"

namespace switchyard::proxy {

namespace {

using namespace normalize_detail;

struct Field {
  Handler handler;
  // Name recorded in parameters_sent, or empty for fields that pick the model or carry
  // the conversation (not "parameters" in OpenRouter's supported_parameters sense).
  std::string_view sent_as;
};

const std::unordered_map<std::string_view, Field>& known_fields() {
  static const std::unordered_map<std::string_view, Field> fields = {
      {"model", {parse_model, ""}},
      {"models", {parse_models, ""}},
      {"route", {parse_route, ""}},
      {"messages", {parse_messages, ""}},
      {"prompt", {parse_prompt, ""}},
      {"provider", {parse_provider, ""}},
      {"stream", {parse_stream, "stream"}},
      {"stream_options", {parse_stream_options, "stream_options"}},
      {"temperature", {parse_temperature, "temperature"}},
      {"top_p", {parse_top_p, "top_p"}},
      {"top_k", {parse_top_k, "top_k"}},
      {"min_p", {parse_min_p, "min_p"}},
      {"top_a", {parse_top_a, "top_a"}},
      {"frequency_penalty", {parse_frequency_penalty, "frequency_penalty"}},
      {"presence_penalty", {parse_presence_penalty, "presence_penalty"}},
      {"repetition_penalty", {parse_repetition_penalty, "repetition_penalty"}},
      {"seed", {parse_seed, "seed"}},
      {"max_tokens", {parse_max_tokens, "max_tokens"}},
      {"max_completion_tokens", {parse_max_completion_tokens, "max_tokens"}},  // one parameter, two names
      {"stop", {parse_stop, "stop"}},
      {"n", {parse_n, "n"}},
      {"logit_bias", {parse_logit_bias, "logit_bias"}},
      {"logprobs", {parse_logprobs, "logprobs"}},
      {"top_logprobs", {parse_top_logprobs, "top_logprobs"}},
      {"response_format", {parse_response_format, "response_format"}},
      {"tools", {parse_tools, "tools"}},
      {"tool_choice", {parse_tool_choice_deferred, "tool_choice"}},
      {"parallel_tool_calls", {parse_parallel_tool_calls, "parallel_tool_calls"}},
      {"user", {parse_user, "user"}},
  };
  return fields;
}

void note_sent(ChatRequest& request, std::string_view name) {
  for (const std::string& sent : request.parameters_sent)  // at most ~25 entries
    if (sent == name) return;
  request.parameters_sent.emplace_back(name);
}

// Rules that involve more than one field, or a field that must be there.
Status finish(Context& c) {
  ChatRequest& r = c.request;
  r.is_completion = c.options.completion_endpoint;
  if (r.is_completion && !c.prompt_sent)
    return invalid("prompt", "a string or an array of exactly one string", "nothing");
  if (!r.is_completion && !c.messages_sent)
    return invalid("messages", "a non-empty array of messages", "nothing");
  if (r.model.empty()) {
    if (r.models.empty())
      return invalid_message("model", "model must be a non-empty string (or models a non-empty array), got nothing");
    r.model = r.models.front();
  }
  if (c.max_completion_tokens) r.sampling.max_tokens = c.max_completion_tokens;
  else if (c.max_tokens) r.sampling.max_tokens = c.max_tokens;
  if (c.top_logprobs_sent && c.legacy_logprobs_sent)
    return invalid_message("top_logprobs", "send logprobs as an integer 0..5 or top_logprobs, not both");
  if (c.top_logprobs_sent && !r.sampling.logprobs)
    return invalid_message("top_logprobs", "top_logprobs requires logprobs to be true");
  if (c.tool_choice) NORM_CHECK(parse_tool_choice(*c.tool_choice, c));
  // A tools list that was sent empty is treated as absent, so it is not "sent" either.
  if (r.tools_json.empty())
    std::erase(r.parameters_sent, "tools");
  return {};
}

Result<ChatRequest> normalize(std::string_view body, const NormalizeOptions& options) {
  ParserLease parser;  // this thread's, unless lent already; large bodies are not kept
  NORM_TRY(top, body_object(*parser, body));

  ChatRequest request;
  Context c{request, options, {}, {}, false, false, false, false, {}, {}};
  const auto& fields = known_fields();
  std::unordered_set<std::string_view> seen;  // keys point into the parser, alive until return
  for (auto [key, value] : top) {
    NORM_CHECK(first_sight(seen, key));
    if (value.is_null()) continue;  // explicit null == absent (OpenAI SDKs send them)
    auto known = fields.find(key);
    if (known == fields.end()) {
      request.extra_fields.emplace_back(std::string(key), simdjson::minify(value));
      continue;
    }
    NORM_CHECK(known->second.handler(value, c));
    if (!known->second.sent_as.empty()) note_sent(request, known->second.sent_as);
  }
  NORM_CHECK(finish(c));
  return request;
}

}  // namespace

Result<ChatRequest> normalize_chat_request(std::string_view body, const NormalizeOptions& options) {
  // Nothing below throws on bad input; allocation failure is the one exception left.
  try {
    return normalize(body, options);
  } catch (const std::bad_alloc&) {
    return fail(ErrorKind::payload_too_large, "Request body too large to process");
  } catch (...) {
    return fail(ErrorKind::internal, "Internal error while reading the request body");
  }
}

}  // namespace switchyard::proxy
