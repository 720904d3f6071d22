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
#include "proxy/api/openai/normalize.h"

namespace switchyard::proxy::normalize_detail {

using simdjson::dom::element;
using Status = Result<void>;

// Propagates the error of a Result-returning expression, else binds its value.
#define NORM_TRY(var, expr)                                          \
  auto var##_result = (expr);                                        \
  if (!var##_result) return std::unexpected(std::move(var##_result.error())); \
  auto var = std::move(*var##_result)
#define NORM_CHECK(expr)                                             \
  do {                                                               \
    auto norm_status_ = (expr);                                      \
    if (!norm_status_) return std::unexpected(std::move(norm_status_.error())); \
  } while (0)

// "<param> must be <expected>, got <got>" with metadata {"param":"<param>"}.
std::unexpected<Error> invalid(std::string_view param, std::string_view expected, std::string_view got);
// A quoted copy of a client string, shortened for error messages.
std::string quoted_excerpt(std::string_view s);
// A free-form message with the same metadata.
std::unexpected<Error> invalid_message(std::string_view param, std::string message);

// What an element is, for "got ...": a number prints itself, a string is quoted and
// shortened, anything else is its type name.
std::string describe(element e);
const char* type_name(element e);

// Paths for nested fields: "messages" + 2 -> "messages[2]", "provider" + "order" -> "provider.order".
std::string index_path(std::string_view base, size_t i);
std::string key_path(std::string_view base, std::string_view key);

struct Range {
  double lo, hi;
  bool lo_open = false, hi_open = false;
};
Result<double> number_in(element e, std::string_view param, Range range);
Result<double> number_at_least(element e, std::string_view param, double lo);
Result<int64_t> integer_in(element e, std::string_view param, int64_t lo = std::numeric_limits<int64_t>::min(),
                           int64_t hi = std::numeric_limits<int64_t>::max());
Result<bool> boolean(element e, std::string_view param);
Result<std::string_view> string(element e, std::string_view param);
Result<std::string_view> non_empty_string(element e, std::string_view param);
Result<std::string_view> one_of(element e, std::string_view param, std::initializer_list<std::string_view> allowed);
Result<simdjson::dom::object> object(element e, std::string_view param);
Result<simdjson::dom::array> array(element e, std::string_view param);
// An array of non-empty strings, at most max_items long.
Result<std::vector<std::string>> string_array(element e, std::string_view param, size_t max_items);

// State shared by the field handlers while one body is walked. Rules that involve two
// fields (n with stream, top_logprobs with logprobs, tool_choice with tools) are checked
// after the walk, because JSON key order is free.
struct Context {
  ChatRequest& request;
  const NormalizeOptions& options;
  std::optional<int64_t> max_tokens, max_completion_tokens;
  bool top_logprobs_sent = false;
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
