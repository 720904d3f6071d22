// The scalar fields: model, max_tokens, sampling (ranges as Anthropic documents them),
// stop_sequences, stream and metadata.
#include "proxy/api/anthropic/parse_detail.h"

namespace switchyard::proxy::anthropic::parse_detail {

namespace {

constexpr size_t kMaxStopSequences = 16;  // SamplingParams::stop holds at most 16

}  // namespace

Status parse_model(element e, Context& c) {
  NORM_TRY(model, non_empty_string(e, "model"));
  c.request.model = model;
  return {};
}

Status parse_max_tokens(element e, Context& c) {
  NORM_TRY(v, integer_in(e, "max_tokens", 1));
  c.request.sampling.max_tokens = v;
  c.max_tokens_sent = true;
  return {};
}

Status parse_temperature(element e, Context& c) {
  NORM_TRY(v, number_in(e, "temperature", {0, 1}));
  c.request.sampling.temperature = v;
  return {};
}

Status parse_top_p(element e, Context& c) {
  NORM_TRY(v, number_in(e, "top_p", {0, 1, true, false}));
  c.request.sampling.top_p = v;
  return {};
}

// 0 is accepted and means off, as in SamplingParams.
Status parse_top_k(element e, Context& c) {
  NORM_TRY(v, integer_in(e, "top_k", 0));
  c.request.sampling.top_k = v;
  return {};
}

Status parse_stop_sequences(element e, Context& c) {
  NORM_TRY(stops, string_array(e, "stop_sequences", kMaxStopSequences));
  c.request.sampling.stop = std::move(stops);
  return {};
}

Status parse_stream(element e, Context& c) {
  NORM_TRY(v, boolean(e, "stream"));
  c.request.stream = v;
  return {};
}

// Only user_id means something to us; Anthropic defines no other key.
Status parse_metadata(element e, Context& c) {
  NORM_TRY(metadata, object(e, "metadata"));
  if (auto user = member(metadata, "user_id")) {
    NORM_TRY(v, string(*user, "metadata.user_id"));
    c.request.user = v;
    c.request.parameters_sent.emplace_back("user");
  }
  return {};
}

}  // namespace switchyard::proxy::anthropic::parse_detail
