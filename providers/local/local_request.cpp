#include "providers/local/local_request.h"

#include <simdjson.h>

#include <algorithm>

namespace switchyard::providers::local {

namespace eng = switchyard::engine;
using simdjson::dom::element;
using simdjson::dom::object;

namespace {

std::unexpected<Error> bad(const std::string& field, const std::string& what) {
  return fail(ErrorKind::invalid_argument, field + ": " + what, "{\"param\":\"" + field + "\"}");
}

std::optional<element> member(element e, std::string_view key) {
  element v;
  if (!e.is_object() || e[key].get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
  return v;
}

std::string string_member(element e, std::string_view key) {
  auto v = member(e, key);
  return v && v->is_string() ? std::string(v->get_string().value_unsafe()) : std::string();
}

std::vector<eng::ChatMessage> messages_of(const ChatRequest& req) {
  std::vector<eng::ChatMessage> out;
  for (const Message& m : req.messages) {
    eng::ChatMessage c{m.role, m.text, {}, m.tool_call_id, m.name};
    for (const ToolCall& tc : m.tool_calls) c.tool_calls.push_back({tc.id, tc.name, tc.arguments});
    out.push_back(std::move(c));
  }
  return out;
}

eng::SamplingOptions sampling_of(const SamplingParams& s, int32_t n_vocab) {
  eng::SamplingOptions o;
  o.temperature = static_cast<float>(s.temperature);
  o.top_p = static_cast<float>(s.top_p);
  o.top_k = static_cast<int32_t>(std::min<int64_t>(s.top_k, n_vocab));
  o.min_p = static_cast<float>(s.min_p);
  o.top_a = static_cast<float>(s.top_a);
  o.frequency_penalty = static_cast<float>(s.frequency_penalty);
  o.presence_penalty = static_cast<float>(s.presence_penalty);
  o.repetition_penalty = static_cast<float>(s.repetition_penalty);
  if (s.seed) o.seed = static_cast<uint64_t>(*s.seed);
  for (const auto& [id, bias] : s.logit_bias)
    if (id >= 0 && id < n_vocab) o.logit_bias.emplace_back(static_cast<int32_t>(id), static_cast<float>(bias));
  o.logprobs = s.logprobs;
  o.top_logprobs = s.logprobs ? static_cast<int32_t>(s.top_logprobs) : 0;
  return o;
}

Result<eng::ResponseFormat> response_format_of(const std::string& json) {
  eng::ResponseFormat f;
  if (json.empty()) return f;
  simdjson::dom::parser parser;
  element e;
  if (parser.parse(json).get(e) != simdjson::SUCCESS || !e.is_object()) return bad("response_format", "not a JSON object");
  const std::string type = string_member(e, "type");
  if (type == "text") return f;
  if (type == "json_object") {
    f.kind = eng::ResponseFormat::Kind::json_object;
    return f;
  }
  if (type != "json_schema") return bad("response_format.type", "one of text, json_object, json_schema");
  f.kind = eng::ResponseFormat::Kind::json_schema;
  // Chat Completions nests the schema in json_schema; the Responses API's text.format has it at the top.
  const std::optional<element> holder = member(e, "json_schema");
  const std::optional<element> schema = member(holder ? *holder : e, "schema");
  f.schema_json = schema ? simdjson::minify(*schema) : "{}";
  return f;
}

Result<std::vector<eng::ToolSpec>> tools_of(const std::string& json) {
  std::vector<eng::ToolSpec> tools;
  if (json.empty()) return tools;
  simdjson::dom::parser parser;
  element e;
  if (parser.parse(json).get(e) != simdjson::SUCCESS || !e.is_array()) return bad("tools", "not a JSON array");
  size_t i = 0;
  for (element tool : simdjson::dom::array(e)) {
    // {type, function: {name, description, parameters}}, or the Responses API's flat form.
    const std::optional<element> fn = member(tool, "function");
    const element f = fn ? *fn : tool;
    eng::ToolSpec t{string_member(f, "name"), string_member(f, "description"), {}};
    if (auto params = member(f, "parameters")) t.parameters_json = simdjson::minify(*params);
    if (t.name.empty()) return bad("tools[" + std::to_string(i) + "].function.name", "missing");
    tools.push_back(std::move(t));
    ++i;
  }
  return tools;
}

Result<void> tool_choice_of(const std::string& json, eng::GenerationRequest& g) {
  if (json.empty()) return {};
  simdjson::dom::parser parser;
  element e;
  if (parser.parse(json).get(e) != simdjson::SUCCESS) return bad("tool_choice", "not valid JSON");
  if (e.is_string()) {
    const std::string_view mode = e.get_string().value_unsafe();
    if (mode == "auto") g.tool_choice = eng::ToolChoice::automatic;
    else if (mode == "none") g.tool_choice = eng::ToolChoice::none;
    else if (mode == "required") g.tool_choice = eng::ToolChoice::required;
    else return bad("tool_choice", "one of none, auto, required, or a function");
    return {};
  }
  const std::optional<element> fn = member(e, "function");  // Responses: {type, name}
  g.tool_choice = eng::ToolChoice::function;
  g.tool_choice_function = string_member(fn ? *fn : e, "name");
  if (g.tool_choice_function.empty()) return bad("tool_choice.function.name", "missing");
  return {};
}

}  // namespace

Result<engine::GenerationRequest> to_generation_request(const ChatRequest& req, int64_t max_tokens, int32_t n_vocab) {
  eng::GenerationRequest g;
  if (req.is_completion) g.prompt = req.prompt;
  else g.messages = messages_of(req);
  g.sampling = sampling_of(req.sampling, n_vocab);
  const int64_t mt = max_tokens > 0 ? max_tokens : req.sampling.max_tokens.value_or(0);
  g.max_tokens = static_cast<int>(std::clamp<int64_t>(mt, 0, 1 << 30));
  g.stop = req.sampling.stop;
  g.n = static_cast<int>(std::clamp<int64_t>(req.n, 0, 1 << 20));
  auto format = response_format_of(req.response_format_json);
  if (!format) return std::unexpected(format.error());
  g.response_format = std::move(*format);
  auto tools = tools_of(req.tools_json);
  if (!tools) return std::unexpected(tools.error());
  g.tools = std::move(*tools);
  if (auto r = tool_choice_of(req.tool_choice_json, g); !r) return std::unexpected(r.error());
  g.parallel_tool_calls = req.parallel_tool_calls.value_or(true);
  return g;
}

}  // namespace switchyard::providers::local
