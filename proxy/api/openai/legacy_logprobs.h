// The legacy /v1/completions `logprobs` object: parallel arrays `tokens`, `token_logprobs`,
// `top_logprobs` (one {token: logprob} object per position, the sampled token included, so
// up to N+1 entries for logprobs: N) and `text_offset` (code points from the start of the
// choice's text). Built from the chat-form logprobs events the local engine and chat
// upstreams send ({"content": [{token, logprob, bytes, top_logprobs}]}) or from a legacy
// upstream's object (its offsets are recomputed, so a retry or a mix stays consistent).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::proxy {

class LegacyLogprobs {
 public:
  // Appends the positions of one logprobs event's JSON; malformed JSON adds nothing.
  void append(std::string_view logprobs_json);
  bool empty() const { return positions_.empty(); }
  // The object for every position appended so far.
  std::string to_json() const { return json_of(0); }
  // The object for the positions appended since the last call (one stream chunk's).
  std::string take_chunk_json();

 private:
  struct Position {
    std::string token;
    double logprob = 0;
    std::vector<std::pair<std::string, double>> top;  // the sampled token first
    int64_t text_offset = 0;
  };
  void add(std::string token, double logprob, std::vector<std::pair<std::string, double>> top, int64_t code_points);
  std::string json_of(size_t from) const;

  std::vector<Position> positions_;
  int64_t offset_ = 0;      // code points of the text so far
  size_t chunk_from_ = 0;   // first position not yet sent in a chunk
};

}  // namespace switchyard::proxy
