// The HTTP server under hostile clients (issue 16). Debian's cpp-httplib is a compiled
// library with fixed limits (listen backlog 5, a fixed thread pool with an unbounded queue,
// one worker per connection held through header reads and keep-alive waits, no body limit
// on chunked bodies, request bodies inflated without a cap, header values percent-decoded,
// the first of two Content-Lengths believed). So the socket side is ours and the HTTP
// semantics stay httplib's:
//
//   ours (this class, connection_loop.cpp, http/request_head.h, http/chunked_body.h,
//   http/body_inflate.h, elastic_pool.h, ip_connection_caps.h):
//     accepting; per-IP connection caps; the elastic worker pool and its bounded queue
//     (full: 503 + Retry-After at once); a header-read deadline; idle keep-alive connections
//     closed when work is waiting; strict parsing of the request head and its framing;
//     reading the body (Content-Length or chunked, capped while reading); Content-Encoding
//     refused or inflated with a cap; admission from the head before the body is read
//     (HeadPolicy: an unauthenticated completion request is answered without reading its
//     body; completions beyond max_completions get a 503 so health, metrics and admin keep
//     answering); dropping a request whose client left while it queued.
//   httplib's (process_request on a RequestStream holding the checked request):
//     request-line and header parsing of the already-validated head, routing and handlers,
//     pre/post-routing hooks, the error handler, response writing, chunked content
//     providers (SSE), Range, response compression.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "proxy/http/request_head.h"
#include "proxy/server/elastic_pool.h"
#include "proxy/server/ip_connection_caps.h"
#include "proxy/server/request_stream.h"

namespace switchyard::proxy {

struct HardenedServerOptions {
  uint64_t max_body_bytes = 10 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{10000};      // the whole head, from its first byte
  std::chrono::milliseconds read_timeout{30000};        // silence while reading a body
  std::chrono::milliseconds write_timeout{600000};
  std::chrono::milliseconds keep_alive_timeout{5000};   // idle between requests
  size_t keep_alive_max_count = 100000;
  bool request_decompression = false;                   // gzip/deflate request bodies (capped)
  size_t max_connections_per_ip = 256;                  // 0 = no cap
  size_t max_completions = 4064;                        // completion requests in flight at once
  int listen_backlog = 4096;
  ElasticPoolOptions pool;
};

// What the head alone says about a request (the App knows its routes and keys).
struct HeadVerdict {
  bool completion = false;       // counts against max_completions
  bool unauthenticated = false;  // authentication will fail: answer without reading the body
};
using HeadPolicy = std::function<HeadVerdict(const RequestHead&)>;

class HardenedServer : public httplib::Server {
 public:
  HardenedServer() = default;
  ~HardenedServer() override;

  void configure(HardenedServerOptions options) { options_ = options; }
  void set_head_policy(HeadPolicy policy) { policy_ = std::move(policy); }

  // Binds host:port (0: any free port); the bound port, or -1.
  int bind(const std::string& host, int port);
  // Accepts until shutdown(); blocking.
  void serve();
  // Stops accepting, closes idle connections, waits for requests in flight. Idempotent.
  void shutdown();

  size_t completions_in_flight() const { return completions_.load(); }

 private:
  void accept_one(int listen_fd);
  void refuse_now(int fd, int status, const std::string& message);
  void serve_connection(int fd, const PeerAddress& remote, const PeerAddress& local);
  struct Conn;
  bool serve_request(Conn& c, bool first);
  bool wait_for_request(Conn& c, bool first);
  bool dispatch(Conn& c, const RequestHead& head, std::string body, bool close);

  HardenedServerOptions options_;
  HeadPolicy policy_;
  std::unique_ptr<ElasticPool> pool_;
  std::unique_ptr<IpConnectionCaps> caps_;
  std::atomic<size_t> completions_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> serving_{false};
  int wake_[2] = {-1, -1};
  std::mutex shutdown_mu_;
};

}  // namespace switchyard::proxy
