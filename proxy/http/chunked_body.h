// A chunked request body (RFC 9112 §7.1), decoded as it arrives so that max_body_bytes
// holds while reading (issue 16, finding 2): the decoder refuses the chunk that would pass
// the limit before its data is read. Chunk extensions are skipped; trailer fields are read
// and dropped. Incremental: feed() takes whatever arrived and says whether it needs more.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::proxy {

class ChunkedBody {
 public:
  enum class Status { need_more, done, malformed, too_large };

  explicit ChunkedBody(uint64_t max_bytes) : max_bytes_(max_bytes) {}

  // Consumes bytes from the front of `in` (what it used is removed from `in`), appending the
  // decoded data to body(). After done, `in` holds what follows the body (pipelining).
  Status feed(std::string& in);
  const std::string& body() const { return body_; }
  std::string take() { return std::move(body_); }

 private:
  enum class State { size_line, data, data_crlf, trailer, finished };
  Status size_line(std::string& in, size_t& pos);

  uint64_t max_bytes_;
  State state_ = State::size_line;
  uint64_t left_ = 0;  // data bytes left in the current chunk
  std::string body_;
};

}  // namespace switchyard::proxy
