#include "proxy/http/request_head.h"

#include <algorithm>
#include <cctype>

namespace switchyard::proxy {

namespace {

using Refused = std::unexpected<HeadRefusal>;

Refused refuse(int status, std::string message) { return Refused(HeadRefusal{status, std::move(message)}); }

bool is_tchar(unsigned char c) {
  return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

// Field values: visible characters, spaces, HTAB and obs-text; no other control character.
bool valid_value(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The lines of the head, each without its line ending; a bare CR inside a line is refused.
std::expected<std::vector<std::string_view>, HeadRefusal> split_lines(std::string_view head) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos) return refuse(400, "Bare CR in the request head");
    lines.push_back(line);
    pos = nl + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::expected<void, HeadRefusal> parse_request_line(std::string_view line, RequestHead& h) {
  const size_t a = line.find(' ');
  const size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
  if (b == std::string_view::npos || line.find(' ', b + 1) != std::string_view::npos)
    return refuse(400, "Malformed request line");
  h.method = std::string(line.substr(0, a));
  h.target = std::string(line.substr(a + 1, b - a - 1));
  h.version = std::string(line.substr(b + 1));
  if (!is_token(h.method)) return refuse(400, "Malformed request method");
  if (h.target.empty() || !std::all_of(h.target.begin(), h.target.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) != 0x7f;
      }))
    return refuse(400, "Malformed request target");
  if (h.version != "HTTP/1.1" && h.version != "HTTP/1.0") {
    if (h.version.rfind("HTTP/", 0) == 0 && h.version.size() > 5 && h.version[5] >= '2' && h.version[5] <= '9')
      return refuse(505, "HTTP version not supported");
    return refuse(400, "Malformed HTTP version");
  }
  h.keep_alive = h.version == "HTTP/1.1";
  return {};
}

std::expected<uint64_t, HeadRefusal> parse_length(std::string_view v, const HeadLimits& limits) {
  if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return refuse(400, "Malformed Content-Length: " + std::string(v.substr(0, 40)));
  uint64_t n = 0;
  for (char c : v) {
    if (n > limits.max_body_bytes) break;  // absurd lengths stop here, before overflowing
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

// Content-Length, Transfer-Encoding, Content-Encoding, Connection, Expect.
std::expected<void, HeadRefusal> apply_framing_field(std::string_view name, std::string_view value,
                                                     const HeadLimits& limits, RequestHead& h,
                                                     std::optional<uint64_t>& length, bool& has_te) {
  if (iequals(name, "Content-Length")) {
    auto n = parse_length(value, limits);
    if (!n) return std::unexpected(n.error());
    if (length && *length != *n) return refuse(400, "Conflicting Content-Length fields");
    length = *n;
  } else if (iequals(name, "Transfer-Encoding")) {
    if (has_te || !iequals(value, "chunked")) return refuse(400, "Unsupported Transfer-Encoding (only 'chunked')");
    has_te = true;
  } else if (iequals(name, "Content-Encoding")) {
    if (!h.content_encoding.empty()) return refuse(400, "More than one Content-Encoding field");
    h.content_encoding = lower(value);
    if (h.content_encoding == "identity") h.content_encoding.clear();
  } else if (iequals(name, "Connection")) {
    const std::string v = lower(value);
    if (v.find("close") != std::string::npos) h.keep_alive = false;
    else if (v.find("keep-alive") != std::string::npos) h.keep_alive = true;
  } else if (iequals(name, "Expect")) {
    if (!iequals(value, "100-continue")) return refuse(417, "Unsupported Expect field");
    h.expect_continue = true;
  }
  return {};
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

const std::string* RequestHead::field(std::string_view name) const {
  for (const auto& [n, v] : fields)
    if (iequals(n, name)) return &v;
  return nullptr;
}

std::string_view RequestHead::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::optional<size_t> find_head_end(std::string_view buffer) {
  // Leading empty lines before a request line are allowed (RFC 9112 §2.2); they are part of
  // the head here and skipped by the parser.
  for (size_t pos = buffer.find('\n'); pos != std::string_view::npos; pos = buffer.find('\n', pos + 1)) {
    if (pos + 1 < buffer.size() && buffer[pos + 1] == '\n') return pos + 2;
    if (pos + 2 < buffer.size() && buffer[pos + 1] == '\r' && buffer[pos + 2] == '\n') return pos + 3;
  }
  return std::nullopt;
}

std::expected<RequestHead, HeadRefusal> parse_request_head(std::string_view head, const HeadLimits& limits) {
  while (head.starts_with("\r\n") || head.starts_with("\n")) head.remove_prefix(head[0] == '\r' ? 2 : 1);
  auto lines = split_lines(head);
  if (!lines) return std::unexpected(lines.error());
  if (lines->empty()) return refuse(400, "Empty request");
  RequestHead h;
  if (auto ok = parse_request_line(lines->front(), h); !ok) return std::unexpected(ok.error());
  std::optional<uint64_t> length;
  bool has_te = false;
  for (size_t i = 1; i < lines->size(); ++i) {
    std::string_view line = (*lines)[i];
    if (line.empty()) return refuse(400, "Empty line inside the request head");
    if (line.front() == ' ' || line.front() == '\t') return refuse(400, "Folded header lines are not accepted");
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return refuse(400, "Malformed header line");
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_token(name)) return refuse(400, "Malformed header name");
    if (!valid_value(value)) return refuse(400, "Control character in the value of header " + std::string(name));
    if (auto ok = apply_framing_field(name, value, limits, h, length, has_te); !ok) return std::unexpected(ok.error());
    h.fields.emplace_back(std::string(name), std::string(value));
  }
  if (has_te && length) return refuse(400, "Both Content-Length and Transfer-Encoding");
  if (has_te && h.version == "HTTP/1.0") return refuse(400, "Transfer-Encoding in an HTTP/1.0 request");
  h.chunked = has_te;
  h.content_length = length.value_or(0);
  if (h.content_length > limits.max_body_bytes)
    return refuse(413, "Request body too large: the limit is " + std::to_string(limits.max_body_bytes) + " bytes");
  return h;
}

}  // namespace switchyard::proxy
