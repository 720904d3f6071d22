#include "proxy/http/chunked_body.h"

#include <algorithm>

namespace switchyard::proxy {

namespace {

constexpr size_t kMaxLine = 4096;  // a chunk-size line or a trailer line

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The line at `pos` without its CRLF (bare LF accepted), and where the next begins.
bool take_line(const std::string& in, size_t& pos, std::string_view& line) {
  const size_t nl = in.find('\n', pos);
  if (nl == std::string::npos) return false;
  line = std::string_view(in).substr(pos, nl - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos = nl + 1;
  return true;
}

}  // namespace

ChunkedBody::Status ChunkedBody::size_line(std::string& in, size_t& pos) {
  std::string_view line;
  if (!take_line(in, pos, line)) return in.size() - pos > kMaxLine ? Status::malformed : Status::need_more;
  const std::string_view size = line.substr(0, line.find_first_of(";\t "));
  if (size.empty() || size.size() > 16) return Status::malformed;
  uint64_t n = 0;
  for (char c : size) {
    const int d = hex_digit(c);
    if (d < 0) return Status::malformed;
    n = n * 16 + static_cast<uint64_t>(d);
  }
  if (n > max_bytes_ - body_.size()) return Status::too_large;
  left_ = n;
  state_ = n == 0 ? State::trailer : State::data;
  return Status::need_more;
}

ChunkedBody::Status ChunkedBody::feed(std::string& in) {
  size_t pos = 0;
  Status status = Status::need_more;
  while (status == Status::need_more && state_ != State::finished) {
    const size_t before = pos;
    switch (state_) {
      case State::size_line: status = size_line(in, pos); break;
      case State::data: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(left_, in.size() - pos));
        body_.append(in, pos, n);
        pos += n;
        left_ -= n;
        if (left_ == 0) state_ = State::data_crlf;
        break;
      }
      case State::data_crlf: {  // exactly CRLF (or a bare LF) after the data
        const std::string_view rest = std::string_view(in).substr(pos);
        if (rest.empty() || (rest == "\r")) break;
        if (rest.starts_with("\r\n")) pos += 2;
        else if (rest.starts_with("\n")) pos += 1;
        else {
          status = Status::malformed;
          break;
        }
        state_ = State::size_line;
        break;
      }
      case State::trailer: {
        std::string_view line;
        if (!take_line(in, pos, line)) {
          if (in.size() - pos > kMaxLine) status = Status::malformed;
          break;
        }
        if (line.empty()) state_ = State::finished;
        break;
      }
      case State::finished: break;
    }
    if (pos == before && status == Status::need_more && state_ != State::finished) break;  // wants more bytes
  }
  in.erase(0, pos);
  if (status != Status::need_more) return status;
  return state_ == State::finished ? Status::done : Status::need_more;
}

}  // namespace switchyard::proxy
