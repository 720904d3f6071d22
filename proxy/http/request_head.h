// The head of one HTTP/1.1 request (request line and header fields), parsed strictly before
// any of the body is read (issue 16): the server loop decides from it alone whether to read
// the body at all. What is refused, and why (RFC 9112 / RFC 9110):
//   * two Content-Length fields that differ, or one that is not 1*DIGIT: 400 (smuggling:
//     a proxy in front may frame the request differently);
//   * Content-Length above max_body_bytes (-5 and 10^18 included): 413 at once;
//   * Transfer-Encoding other than exactly "chunked", or beside a Content-Length: 400;
//   * a field value holding a control character (NUL, CR, LF...; HTAB allowed), obs-fold
//     lines, whitespace before the colon, a field name that is not a token: 400;
//   * a request line that is not METHOD SP target SP HTTP/1.x: 400 (505 for HTTP/2+).
// Values are kept exactly as received (no percent-decoding); a POST without Content-Length
// or Transfer-Encoding has a body of length 0 (RFC 9112 §6.3).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::proxy {

struct HeadRefusal {
  int status = 400;
  std::string message;
};

struct RequestHead {
  std::string method, target, version;                      // version: "HTTP/1.1" | "HTTP/1.0"
  std::vector<std::pair<std::string, std::string>> fields;  // as received, in order
  uint64_t content_length = 0;                              // when not chunked
  bool chunked = false;
  std::string content_encoding;  // lower-case; "" = identity
  bool keep_alive = true;        // false: Connection: close, or HTTP/1.0 without keep-alive
  bool expect_continue = false;  // Expect: 100-continue

  // The first field of that name (case-insensitive), or nullptr.
  const std::string* field(std::string_view name) const;
  // The request path without the query.
  std::string_view path() const;
};

struct HeadLimits {
  uint64_t max_body_bytes = 10 * 1024 * 1024;
};

// Where the head ends in `buffer`: the offset just past the empty line, or nullopt when it
// has not all arrived yet.
std::optional<size_t> find_head_end(std::string_view buffer);

// `head`: the bytes up to and including the empty line.
std::expected<RequestHead, HeadRefusal> parse_request_head(std::string_view head, const HeadLimits& limits);

bool iequals(std::string_view a, std::string_view b);

}  // namespace switchyard::proxy
