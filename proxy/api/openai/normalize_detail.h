// Internal helpers shared by the normalize_*.cpp files: typed getters over simdjson DOM
// elements that turn every mismatch into an invalid_argument Error naming the field path.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "providers/contract.h"
#include "providers/error.h"
#include "proxy/api/common/json_fields.h"
#include "proxy/api/openai/normalize.h"

namespace switchyard::proxy::normalize_detail {

using namespace json_fields;

// State shared by the field handlers while one body is walked. Rules that involve two
// fields (n with stream, top_logprobs with logprobs, tool_choice with tools) are checked
// after the walk, because JSON key order is free.
struct Context {
  ChatRequest& request;
  const NormalizeOptions& options;
  std::optional<int64_t> max_tokens, max_completion_tokens;
  bool top_logprobs_sent = false;
  bool legacy_logprobs_sent = false;  // /v1/completions' integer logprobs
  bool messages_sent = false, prompt_sent = false;
  std::optional<element> tool_choice;   // parsed last, against tool_names
  std::unordered_set<std::string> tool_names;  // function names from `tools`
};
using Handler = Status (*)(element, Context&);

// One handler per known top-level field (normalize_sampling.cpp, normalize_messages.cpp,
// normalize_provider.cpp, normalize_tools.cpp). Each sees a non-null value.
Status parse_temperature(element e, Context& c);
Status parse_top_p(element e, Context& c);
Status parse_top_k(element e, Context& c);
Status parse_min_p(element e, Context& c);
Status parse_top_a(element e, Context& c);
Status parse_frequency_penalty(element e, Context& c);
Status parse_presence_penalty(element e, Context& c);
Status parse_repetition_penalty(element e, Context& c);
Status parse_seed(element e, Context& c);
Status parse_max_tokens(element e, Context& c);
Status parse_max_completion_tokens(element e, Context& c);
Status parse_stop(element e, Context& c);
Status parse_n(element e, Context& c);
Status parse_logit_bias(element e, Context& c);
Status parse_logprobs(element e, Context& c);
Status parse_top_logprobs(element e, Context& c);
Status parse_stream(element e, Context& c);
Status parse_stream_options(element e, Context& c);
Status parse_user(element e, Context& c);
Status parse_parallel_tool_calls(element e, Context& c);

Status parse_messages(element e, Context& c);
Status parse_prompt(element e, Context& c);
Status parse_model(element e, Context& c);
Status parse_models(element e, Context& c);
Status parse_route(element e, Context& c);
Status parse_provider(element e, Context& c);
Status parse_tools(element e, Context& c);
Status parse_tool_choice_deferred(element e, Context& c);  // only remembers the element
Status parse_tool_choice(element e, Context& c);           // run after the walk
Status parse_response_format(element e, Context& c);

}  // namespace switchyard::proxy::normalize_detail
