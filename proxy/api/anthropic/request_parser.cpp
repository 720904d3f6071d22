// The walk: parse the body once, dispatch each known top-level field to its handler in body
// order, ignore the others, then check what spans several fields.
#include "proxy/api/anthropic/request_parser.h"

#include <new>
#include <unordered_map>

#include "providers/json_parser.h"
#include "proxy/api/anthropic/parse_detail.h"

namespace switchyard::proxy::anthropic {

namespace {

using namespace parse_detail;

struct Field {
  Handler handler;
  std::string_view sent_as;  // the OpenAI parameter it is, for parameters_sent ("" : none or its own)
};

const std::unordered_map<std::string_view, Field>& known_fields() {
  static const std::unordered_map<std::string_view, Field> fields = {
      {"model", {parse_model, ""}},
      {"max_tokens", {parse_max_tokens, "max_tokens"}},
      {"system", {parse_system, ""}},
      {"messages", {parse_messages, ""}},
      {"temperature", {parse_temperature, "temperature"}},
      {"top_p", {parse_top_p, "top_p"}},
      {"top_k", {parse_top_k, "top_k"}},
      {"stop_sequences", {parse_stop_sequences, "stop"}},
      {"stream", {parse_stream, "stream"}},
      {"metadata", {parse_metadata, ""}},                      // notes "user" itself
      {"tools", {parse_tools, "tools"}},
      {"tool_choice", {parse_tool_choice_deferred, ""}},       // notes its own, after the walk
  };
  return fields;
}

Status finish(Context& c) {
  ChatRequest& r = c.request;
  if (!c.messages_sent) return invalid("messages", "a non-empty array of messages", "nothing");
  if (r.model.empty()) return invalid("model", "a non-empty string", "nothing");
  if (c.options.require_max_tokens && !c.max_tokens_sent) return invalid("max_tokens", "an integer >= 1", "nothing");
  if (c.tool_choice) NORM_CHECK(parse_tool_choice(*c.tool_choice, c));
  if (c.system) r.messages.insert(r.messages.begin(), std::move(*c.system));
  // Sent empty is not sent: an empty list means nothing upstream.
  if (r.sampling.stop.empty()) std::erase(r.parameters_sent, "stop");
  if (r.tools_json.empty()) std::erase(r.parameters_sent, "tools");
  return {};
}

Result<ChatRequest> parse(std::string_view body, const ParseOptions& options) {
  ParserLease parser;  // this thread's, unless lent already; large bodies are not kept
  NORM_TRY(top, body_object(*parser, body));
  ChatRequest request;
  Context c{request, options, false, false, {}, {}, {}};
  const auto& fields = known_fields();
  std::unordered_set<std::string_view> seen;
  for (auto [key, value] : top) {
    NORM_CHECK(first_sight(seen, key));
    if (value.is_null()) continue;
    auto known = fields.find(key);
    if (known == fields.end()) continue;  // Anthropic's other fields: ignored, never sent upstream
    NORM_CHECK(known->second.handler(value, c));
    if (!known->second.sent_as.empty()) request.parameters_sent.emplace_back(known->second.sent_as);
  }
  NORM_CHECK(finish(c));
  return request;
}

}  // namespace

Result<ChatRequest> parse_messages_request(std::string_view body, const ParseOptions& options) {
  // Nothing below throws on bad input; allocation failure is the one exception left.
  try {
    return parse(body, options);
  } catch (const std::bad_alloc&) {
    return fail(ErrorKind::payload_too_large, "Request body too large to process");
  } catch (...) {
    return fail(ErrorKind::internal, "Internal error while reading the request body");
  }
}

}  // namespace switchyard::proxy::anthropic
