// The Responses request's scalar options: model, stream, sampling, output length, user,
// metadata, and the stateful features this stateless endpoint refuses by name.
#include "proxy/api/common/sampling_ranges.h"
#include "proxy/api/responses/request_parser_detail.h"

namespace switchyard::proxy::responses_detail {

namespace {

// OpenAI's metadata limits: 16 pairs, keys up to 64 characters, values up to 512.
constexpr size_t kMetadataPairs = 16, kMetadataKeyChars = 64, kMetadataValueChars = 512;

}  // namespace

Status parse_model(element e, Context& c) {
  return store(non_empty_string(e, "model"), c.request.model);
}

Status parse_stream(element e, Context& c) {
  return store(boolean(e, "stream"), c.request.stream);
}

Status parse_temperature(element e, Context& c) {
  return store(number_in(e, "temperature", sampling_ranges::temperature), c.request.sampling.temperature);
}

Status parse_top_p(element e, Context& c) {
  return store(number_in(e, "top_p", sampling_ranges::top_p), c.request.sampling.top_p);
}

Status parse_max_output_tokens(element e, Context& c) {
  return store(integer_in(e, "max_output_tokens", 1), c.request.sampling.max_tokens);
}

Status parse_parallel_tool_calls(element e, Context& c) {
  return store(boolean(e, "parallel_tool_calls"), c.request.parallel_tool_calls);
}

Status parse_user(element e, Context& c) {
  return store(string(e, "user"), c.request.user);
}

// Only checked: the value is echoed in the response (echo_fields) and goes nowhere else.
Status parse_metadata(element e, Context&) {
  const std::string expected = "an object of at most " + std::to_string(kMetadataPairs) + " string values";
  NORM_TRY(pairs, json_fields::object(e, "metadata"));
  if (pairs.size() > kMetadataPairs) return invalid("metadata", expected, std::to_string(pairs.size()) + " pairs");
  for (auto [key, value] : pairs) {
    std::string path = key_path("metadata", key);
    if (key.size() > kMetadataKeyChars)
      return invalid_message(path, "metadata keys must be at most " + std::to_string(kMetadataKeyChars) +
                                       " characters, got " + std::to_string(key.size()));
    NORM_TRY(text, string(value, path));
    if (text.size() > kMetadataValueChars)
      return invalid(path, "a string of at most " + std::to_string(kMetadataValueChars) + " characters",
                     std::to_string(text.size()) + " characters");
  }
  return {};
}

// Echoed, not forwarded: there is no chat parameter every upstream reads it from.
Status parse_reasoning(element e, Context&) {
  NORM_CHECK(json_fields::object(e, "reasoning"));
  return {};
}

Status parse_store(element e, Context&) {
  NORM_TRY(store, boolean(e, "store"));
  if (store)
    return invalid_message("store", "store: true is not supported: responses are not stored here; "
                                    "send store: false or leave it out");
  return {};
}

Status parse_previous_response_id(element, Context&) {
  return invalid_message("previous_response_id",
                         "previous_response_id is not supported: responses are not stored here, so send the "
                         "whole conversation in input");
}

Status parse_truncation(element e, Context&) {
  NORM_TRY(mode, one_of(e, "truncation", {"disabled", "auto"}));
  if (mode == "auto")
    return invalid_message("truncation", "truncation \"auto\" is not supported: input is never dropped here; "
                                         "send \"disabled\" or leave it out");
  return {};
}

}  // namespace switchyard::proxy::responses_detail
