// Entry point of the Responses request parser: parse the body once, walk the top-level
// object dispatching each known field to its handler (an unknown one is a 400), then apply
// the rules that span several fields.
#include "proxy/api/responses/request_parser.h"

#include <new>
#include <unordered_map>

#include "providers/json_parser.h"
#include "proxy/api/responses/request_parser_detail.h"

namespace switchyard::proxy {

namespace {

using namespace responses_detail;

struct Field {
  Handler handler;
  // The chat parameter name recorded in parameters_sent, or empty (tools and text are
  // recorded after the walk, only when they turned into something to send).
  std::string_view sent_as;
  bool echoed = false;  // kept as sent in echo_fields, for the response object
};

const std::unordered_map<std::string_view, Field>& known_fields() {
  static const std::unordered_map<std::string_view, Field> fields = {
      {"model", {parse_model, ""}},
      {"input", {parse_input, ""}},
      {"instructions", {parse_instructions, "", true}},
      {"stream", {parse_stream, "stream"}},
      {"temperature", {parse_temperature, "temperature"}},
      {"top_p", {parse_top_p, "top_p"}},
      {"max_output_tokens", {parse_max_output_tokens, "max_tokens"}},
      {"tools", {parse_tools, "", true}},
      {"tool_choice", {parse_tool_choice_deferred, "tool_choice", true}},
      {"parallel_tool_calls", {parse_parallel_tool_calls, "parallel_tool_calls"}},
      {"text", {parse_text, "", true}},
      {"user", {parse_user, "user"}},
      {"metadata", {parse_metadata, "", true}},
      {"reasoning", {parse_reasoning, "", true}},
      {"store", {parse_store, ""}},
      {"previous_response_id", {parse_previous_response_id, ""}},
      {"truncation", {parse_truncation, ""}},
  };
  return fields;
}

void note_sent(ChatRequest& request, std::string_view name) {
  if (!request.sent(std::string(name))) request.parameters_sent.emplace_back(name);
}

Status finish(Context& c) {
  ChatRequest& r = c.request;
  if (r.model.empty()) return invalid("model", "a non-empty string", "nothing");
  if (!c.input_sent) return invalid("input", "a string or a non-empty array of input items", "nothing");
  if (c.instructions && !c.instructions->empty())
    r.messages.insert(r.messages.begin(), text_message("system", *c.instructions));
  if (c.tool_choice) NORM_CHECK(parse_tool_choice(*c.tool_choice, c));
  if (!r.tools_json.empty()) note_sent(r, "tools");
  if (!r.response_format_json.empty()) note_sent(r, "response_format");
  return {};
}

Result<ChatRequest> parse(std::string_view body) {
  ParserLease parser;  // this thread's, unless lent already; large bodies are not kept
  NORM_TRY(top, body_object(*parser, body));
  ChatRequest request;
  Context c{request, {}, false, {}, {}, {}};
  const auto& fields = known_fields();
  std::unordered_set<std::string_view> seen;  // keys point into the parser, alive until return
  for (auto [key, value] : top) {
    if (!seen.insert(key).second)
      return invalid_message(key, "The field " + quoted_excerpt(key) + " appears more than once");
    if (value.is_null()) continue;  // explicit null == absent
    auto known = fields.find(key);
    if (known == fields.end())
      return invalid_message(key, "Unknown parameter " + quoted_excerpt(key) + " for /v1/responses");
    NORM_CHECK(known->second.handler(value, c));
    if (!known->second.sent_as.empty()) note_sent(request, known->second.sent_as);
    if (known->second.echoed) request.echo_fields.emplace_back(std::string(key), simdjson::minify(value));
  }
  NORM_CHECK(finish(c));
  return request;
}

}  // namespace

Result<ChatRequest> parse_responses_request(std::string_view body) {
  // Nothing below throws on bad input; allocation failure is the one exception left.
  try {
    return parse(body);
  } catch (const std::bad_alloc&) {
    return fail(ErrorKind::payload_too_large, "Request body too large to process");
  } catch (...) {
    return fail(ErrorKind::internal, "Internal error while reading the request body");
  }
}

}  // namespace switchyard::proxy
