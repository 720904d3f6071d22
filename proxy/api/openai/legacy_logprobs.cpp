#include "proxy/api/openai/legacy_logprobs.h"

#include <simdjson.h>

#include <algorithm>

#include "providers/json_writer.h"

namespace switchyard::proxy {

namespace {

using simdjson::dom::element;

int64_t code_points(std::string_view utf8) {
  int64_t n = 0;
  for (unsigned char b : utf8) n += (b & 0xC0) != 0x80;  // count every byte but continuations
  return n;
}

// A chat-form entry's text length: from its raw `bytes` when given (a token may hold half
// a character, which `token` shows as U+FFFD), else from `token`.
int64_t entry_code_points(element entry, std::string_view token) {
  simdjson::dom::array bytes;
  if (entry["bytes"].get_array().get(bytes)) return code_points(token);
  int64_t n = 0;
  for (auto b : bytes) {
    int64_t v = 0;
    if (!b.get_int64().get(v)) n += (v & 0xC0) != 0x80;
  }
  return n;
}

std::string_view string_or_empty(element e) {
  std::string_view s;
  return e.get_string().get(s) ? std::string_view() : s;
}

double number_or_zero(element e) {
  double d = 0;
  return e.get_double().get(d) ? 0 : d;
}

}  // namespace

void LegacyLogprobs::add(std::string token, double logprob, std::vector<std::pair<std::string, double>> top,
                         int64_t cps) {
  // One key per token (two alternatives can print alike once sanitized), sampled first.
  std::vector<std::pair<std::string, double>> keys{{token, logprob}};
  for (auto& alt : top)
    if (std::none_of(keys.begin(), keys.end(), [&](const auto& k) { return k.first == alt.first; }))
      keys.push_back(std::move(alt));
  positions_.push_back(Position{std::move(token), logprob, std::move(keys), offset_});
  offset_ += cps;
}

void LegacyLogprobs::append(std::string_view logprobs_json) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(logprobs_json).get(doc)) return;
  simdjson::dom::array content, tokens;
  if (!doc["content"].get_array().get(content)) {
    for (element entry : content) {
      std::string token(string_or_empty(entry["token"]));
      std::vector<std::pair<std::string, double>> top;
      simdjson::dom::array alts;
      if (!entry["top_logprobs"].get_array().get(alts))
        for (element alt : alts) top.emplace_back(string_or_empty(alt["token"]), number_or_zero(alt["logprob"]));
      const int64_t cps = entry_code_points(entry, token);
      add(std::move(token), number_or_zero(entry["logprob"]), std::move(top), cps);
    }
  } else if (!doc["tokens"].get_array().get(tokens)) {
    simdjson::dom::array lps, tops;
    const bool has_lps = !doc["token_logprobs"].get_array().get(lps);
    const bool has_tops = !doc["top_logprobs"].get_array().get(tops);
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string token(string_or_empty(tokens.at(i).value_unsafe()));
      const double lp = has_lps && i < lps.size() ? number_or_zero(lps.at(i).value_unsafe()) : 0;
      std::vector<std::pair<std::string, double>> top;
      simdjson::dom::object alts;
      if (has_tops && i < tops.size() && !tops.at(i).get_object().get(alts))
        for (auto field : alts) top.emplace_back(std::string(field.key), number_or_zero(field.value));
      const int64_t cps = code_points(token);
      add(std::move(token), lp, std::move(top), cps);
    }
  }
}

std::string LegacyLogprobs::json_of(size_t from) const {
  JsonWriter w;
  w.begin_object();
  w.key("tokens").begin_array();
  for (size_t i = from; i < positions_.size(); ++i) w.value(positions_[i].token);
  w.end_array().key("token_logprobs").begin_array();
  for (size_t i = from; i < positions_.size(); ++i) w.value(positions_[i].logprob);
  w.end_array().key("top_logprobs").begin_array();
  for (size_t i = from; i < positions_.size(); ++i) {
    w.begin_object();
    for (const auto& [t, lp] : positions_[i].top) w.field(t, lp);
    w.end_object();
  }
  w.end_array().key("text_offset").begin_array();
  for (size_t i = from; i < positions_.size(); ++i) w.value(positions_[i].text_offset);
  w.end_array().end_object();
  return w.take();
}

std::string LegacyLogprobs::take_chunk_json() {
  std::string out = json_of(chunk_from_);
  chunk_from_ = positions_.size();
  return out;
}

}  // namespace switchyard::proxy
