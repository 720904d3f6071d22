// One client connection, request after request (hardened_server.h says what is ours here
// and what httplib does): wait for a request, read and check its head, admit it from the
// head, read its body within the limits, hand the checked request to httplib.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "proxy/http/body_inflate.h"
#include "proxy/http/chunked_body.h"
#include "proxy/http/client_connection.h"
#include "proxy/server/hardened_server.h"
#include "proxy/server/raw_response.h"

namespace switchyard::proxy {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxHeadBytes = 64 * 1024;
constexpr auto kSlice = std::chrono::milliseconds(50);  // how often an idle wait looks up

enum class Read { data, eof, timeout };

// One recv into `buf`, waiting until `deadline`.
Read recv_some(int fd, std::string& buf, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Read::timeout;
    pollfd p{fd, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) return Read::timeout;
    if (rc < 0) return Read::eof;
    char chunk[65536];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      buf.append(chunk, static_cast<size_t>(n));
      return Read::data;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    return Read::eof;
  }
}

// Half-close, then read and drop what the client still sends for a moment, then close: a
// close with unread bytes would reset the connection, and the client might lose our answer.
void lingering_close(int fd) {
  ::shutdown(fd, SHUT_WR);
  std::string sink;
  const auto until = Clock::now() + std::chrono::milliseconds(500);
  size_t dropped = 0;
  while (dropped < (1u << 20) && recv_some(fd, sink, until) == Read::data) {
    dropped += sink.size();
    sink.clear();
  }
  ::close(fd);
}

// `value` such that httplib's percent-decoding of header values gives it back unchanged.
std::string percent_shielded(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '%') out += "%25";
    else out += c;
  }
  return out;
}

bool framing_field(const std::string& name) {
  for (const char* f : {"Content-Length", "Transfer-Encoding", "Content-Encoding", "Expect"})
    if (iequals(name, f)) return true;
  return false;
}

// The checked request as httplib reads it: the head as received but for its framing, which
// now says exactly the body we read (decoded), and that body.
std::string forwarded_request(const RequestHead& h, const std::string& body) {
  std::string out = h.method + " " + h.target + " " + h.version + "\r\n";
  for (const auto& [name, value] : h.fields) {
    if (framing_field(name)) continue;
    out += name;
    out += ": ";
    out += percent_shielded(value);
    out += "\r\n";
  }
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

}  // namespace

struct HardenedServer::Conn {
  int fd;
  PeerAddress remote, local;
  std::string buf;  // bytes received and not yet used (the next request when pipelined)
  size_t served = 0;
};

void HardenedServer::serve_connection(int fd, const PeerAddress& remote, const PeerAddress& local) {
  Conn c{fd, remote, local, {}, 0};
  bool first = true;
  while (!stopping_ && serve_request(c, first)) first = false;
  lingering_close(fd);
}

// Until the first byte of the next request: false when the client closed, the wait timed
// out, the server stops, or (for an idle keep-alive connection) other connections wait with
// no worker free to take them.
bool HardenedServer::wait_for_request(Conn& c, bool first) {
  if (!c.buf.empty()) return true;
  const auto deadline = Clock::now() + (first ? options_.header_timeout : options_.keep_alive_timeout);
  while (Clock::now() < deadline) {
    if (stopping_) return false;
    if (!first && pool_ && pool_->starved() > 0) return false;
    switch (recv_some(c.fd, c.buf, std::min(deadline, Clock::now() + kSlice))) {
      case Read::data: return true;
      case Read::eof: return false;
      case Read::timeout: break;
    }
  }
  return false;
}

// One request; false when the connection ends after it.
bool HardenedServer::serve_request(Conn& c, bool first) {
  if (!wait_for_request(c, first)) return false;
  auto reply = [&](int status, const std::string& message, int retry_after = 0) {
    const std::string r = raw_error_response(status, message, retry_after);
    send_all(c.fd, r.data(), r.size(), std::chrono::milliseconds(1000));
    return false;
  };
  // The head: all of it within header_timeout of its first byte.
  const auto head_deadline = Clock::now() + options_.header_timeout;
  std::optional<size_t> end;
  while (!(end = find_head_end(c.buf))) {
    if (c.buf.size() > kMaxHeadBytes) return reply(431, "Request head too large");
    if (recv_some(c.fd, c.buf, head_deadline) != Read::data) return false;
  }
  if (*end > kMaxHeadBytes) return reply(431, "Request head too large");
  auto head = parse_request_head(std::string_view(c.buf).substr(0, *end), HeadLimits{options_.max_body_bytes});
  if (!head) return reply(head.error().status, head.error().message);
  c.buf.erase(0, *end);
  const bool has_body = head->chunked || head->content_length > 0;
  const HeadVerdict verdict = policy_ ? policy_(*head) : HeadVerdict{};
  struct Slot {
    std::atomic<size_t>* n = nullptr;
    ~Slot() { if (n) n->fetch_sub(1); }
  } slot;
  if (verdict.completion) {
    if (completions_.fetch_add(1) >= options_.max_completions) {
      completions_.fetch_sub(1);
      return reply(503, "Server busy: too many completion requests in flight", 1);
    }
    slot.n = &completions_;
  }
  // Authentication will fail: httplib's handler answers it (its format, CORS) from the head
  // alone; the body is never read, so the connection closes after.
  if (verdict.unauthenticated) return dispatch(c, *head, {}, true) && false;
  if (!head->content_encoding.empty() && (!options_.request_decompression || !inflatable_encoding(head->content_encoding)))
    return reply(415, "Content-Encoding " + head->content_encoding + " is not accepted on requests");

  if (head->expect_continue && has_body && c.buf.empty()) {
    static const std::string go = "HTTP/1.1 100 Continue\r\n\r\n";
    if (!send_all(c.fd, go.data(), go.size(), options_.write_timeout)) return false;
  }
  std::string body;
  if (head->chunked) {
    ChunkedBody decoder(options_.max_body_bytes);
    for (;;) {
      const auto status = decoder.feed(c.buf);
      if (status == ChunkedBody::Status::done) break;
      if (status == ChunkedBody::Status::malformed) return reply(400, "Malformed chunked body");
      if (status == ChunkedBody::Status::too_large)
        return reply(413, "Request body too large: the limit is " + std::to_string(options_.max_body_bytes) + " bytes");
      if (recv_some(c.fd, c.buf, Clock::now() + options_.read_timeout) != Read::data) return false;
    }
    body = decoder.take();
  } else {
    while (c.buf.size() < head->content_length)
      if (recv_some(c.fd, c.buf, Clock::now() + options_.read_timeout) != Read::data) return false;
    body = c.buf.substr(0, head->content_length);
    c.buf.erase(0, head->content_length);
  }
  if (!head->content_encoding.empty()) {
    auto inflated = inflate_body(body, head->content_encoding, options_.max_body_bytes);
    if (!inflated) return reply(inflated.error().status, inflated.error().message);
    body = std::move(*inflated);
  }
  // The client left while the request waited for a worker: nothing goes upstream for it.
  // Only a connection's first request can have waited (the worker stays with it after);
  // later, the providers' keep_going probe notices a client that leaves.
  if (first && c.buf.empty() && peer_closed(c.fd)) return false;
  const bool keep = head->keep_alive && ++c.served < options_.keep_alive_max_count && !stopping_;
  return dispatch(c, *head, std::move(body), !keep) && keep;
}

bool HardenedServer::dispatch(Conn& c, const RequestHead& head, std::string body, bool close) {
  RequestStream stream(c.fd, forwarded_request(head, body), options_.write_timeout, c.remote, c.local);
  body.clear();
  CurrentConnection current(c.fd);
  bool connection_closed = false;
  const bool ok = process_request(stream, close, connection_closed, nullptr);
  const bool flushed = stream.flush();
  return ok && flushed && !connection_closed;
}

}  // namespace switchyard::proxy
