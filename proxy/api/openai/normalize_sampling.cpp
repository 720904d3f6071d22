// Sampling and output-shape parameters: ranges follow the OpenAI/OpenRouter API reference.
#include <charconv>

#include "proxy/api/common/sampling_ranges.h"
#include "proxy/api/openai/normalize_detail.h"

namespace switchyard::proxy::normalize_detail {

namespace {

// For the fields that are a plain number in a range stored in one SamplingParams member.
Status number_into(element e, std::string_view param, Range range, double& out) {
  NORM_TRY(v, number_in(e, param, range));
  out = v;
  return {};
}

constexpr size_t kMaxStops = 16;  // OpenAI allows 4; OpenRouter and vLLM accept more

}  // namespace

Status parse_temperature(element e, Context& c) {
  return number_into(e, "temperature", sampling_ranges::temperature, c.request.sampling.temperature);
}
Status parse_top_p(element e, Context& c) {
  return number_into(e, "top_p", sampling_ranges::top_p, c.request.sampling.top_p);
}
Status parse_min_p(element e, Context& c) {
  return number_into(e, "min_p", sampling_ranges::min_p, c.request.sampling.min_p);
}
Status parse_top_a(element e, Context& c) {
  return number_into(e, "top_a", sampling_ranges::top_a, c.request.sampling.top_a);
}
Status parse_frequency_penalty(element e, Context& c) {
  return number_into(e, "frequency_penalty", sampling_ranges::frequency_penalty, c.request.sampling.frequency_penalty);
}
Status parse_presence_penalty(element e, Context& c) {
  return number_into(e, "presence_penalty", sampling_ranges::presence_penalty, c.request.sampling.presence_penalty);
}
Status parse_repetition_penalty(element e, Context& c) {
  return number_into(e, "repetition_penalty", sampling_ranges::repetition_penalty, c.request.sampling.repetition_penalty);
}

Status parse_top_k(element e, Context& c) {
  NORM_TRY(v, integer_in(e, "top_k", 0));
  c.request.sampling.top_k = v;
  return {};
}

Status parse_seed(element e, Context& c) {
  NORM_TRY(v, integer_in(e, "seed"));
  c.request.sampling.seed = v;
  return {};
}

// The two spellings are kept apart until the walk ends: max_completion_tokens wins.
Status parse_max_tokens(element e, Context& c) {
  NORM_TRY(v, integer_in(e, "max_tokens", 1));
  c.max_tokens = v;
  return {};
}
Status parse_max_completion_tokens(element e, Context& c) {
  NORM_TRY(v, integer_in(e, "max_completion_tokens", 1));
  c.max_completion_tokens = v;
  return {};
}

Status parse_stop(element e, Context& c) {
  static const std::string expected =
      "a non-empty string or an array of at most " + std::to_string(kMaxStops) + " non-empty strings";
  if (e.is_string()) {
    std::string_view s = e.get_string().value_unsafe();
    if (s.empty()) return invalid("stop", expected, "\"\"");
    c.request.sampling.stop = {std::string(s)};
    return {};
  }
  if (!e.is_array()) return invalid("stop", expected, type_name(e));
  if (size_t count = e.get_array().value_unsafe().size(); count > kMaxStops)
    return invalid("stop", expected, std::to_string(count) + " items");
  NORM_TRY(stops, string_array(e, "stop", kMaxStops));
  c.request.sampling.stop = std::move(stops);
  return {};
}

Status parse_n(element e, Context& c) {
  NORM_TRY(v, integer_in(e, "n", 1, 128));  // OpenAI's bound; each endpoint may allow fewer (the router)
  c.request.n = v;
  return {};
}

// Keys are token ids written as strings of digits ({"50256": -100}).
Status parse_logit_bias(element e, Context& c) {
  NORM_TRY(bias, object(e, "logit_bias"));
  std::vector<std::pair<int64_t, double>> out;
  for (auto [key, value] : bias) {
    int64_t token = 0;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), token);
    bool digits_only = !key.empty() && key.front() != '-' && key.front() != '+';
    if (!digits_only || ec != std::errc() || end != key.data() + key.size())
      return invalid("logit_bias", "an object whose keys are token ids (strings of digits)", quoted_excerpt(key));
    NORM_TRY(v, number_in(value, key_path("logit_bias", key), {-100, 100}));
    out.emplace_back(token, v);
  }
  c.request.sampling.logit_bias = std::move(out);
  return {};
}

// Chat: a boolean (with top_logprobs for alternatives). /v1/completions also takes the
// legacy integer 0..5: that many alternatives per position besides the sampled token.
Status parse_logprobs(element e, Context& c) {
  if (c.options.completion_endpoint && e.is_number()) {
    NORM_TRY(n, integer_in(e, "logprobs", 0, 5));
    c.request.sampling.logprobs = true;
    c.request.sampling.top_logprobs = n;
    c.legacy_logprobs_sent = true;
    return {};
  }
  if (c.options.completion_endpoint && !e.is_bool())
    return invalid("logprobs", "an integer from 0 to 5 (or a boolean)", describe(e));
  NORM_TRY(v, boolean(e, "logprobs"));
  c.request.sampling.logprobs = v;
  return {};
}

Status parse_top_logprobs(element e, Context& c) {
  NORM_TRY(v, integer_in(e, "top_logprobs", 0, 20));
  c.request.sampling.top_logprobs = v;
  c.top_logprobs_sent = true;
  return {};
}

Status parse_stream(element e, Context& c) {
  NORM_TRY(v, boolean(e, "stream"));
  c.request.stream = v;
  return {};
}

// Accepted without stream too (lenient; include_usage only matters when streaming).
Status parse_stream_options(element e, Context& c) {
  NORM_TRY(options, object(e, "stream_options"));
  element include_usage;
  if (options["include_usage"].get(include_usage) == simdjson::SUCCESS && !include_usage.is_null()) {
    NORM_TRY(v, boolean(include_usage, "stream_options.include_usage"));
    c.request.stream_include_usage = v;
  }
  return {};
}

Status parse_user(element e, Context& c) {
  NORM_TRY(v, string(e, "user"));
  c.request.user = v;
  return {};
}

Status parse_parallel_tool_calls(element e, Context& c) {
  NORM_TRY(v, boolean(e, "parallel_tool_calls"));
  c.request.parallel_tool_calls = v;
  return {};
}

}  // namespace switchyard::proxy::normalize_detail
