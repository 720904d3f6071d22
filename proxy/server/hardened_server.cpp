#include "proxy/server/hardened_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "proxy/server/raw_response.h"

namespace switchyard::proxy {

namespace {

PeerAddress address_of(const sockaddr_storage& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  PeerAddress out;
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    out.port = ntohs(v4->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
    out.port = ntohs(v6->sin6_port);
  }
  out.ip = buf;
  return out;
}

PeerAddress local_address(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return {};
  return address_of(a);
}

}  // namespace

HardenedServer::~HardenedServer() { shutdown(); }

int HardenedServer::bind(const std::string& host, int port) {
  int bound = port;
  if (port == 0) bound = bind_to_any_port(host);
  else if (!bind_to_port(host, port)) bound = -1;
  if (bound <= 0) return -1;
  const int fd = svr_sock_;
  // httplib listens with a backlog of 5: a burst of connections would wait out SYN-ACK
  // retransmits (seconds). listen() again on a listening socket only changes its backlog.
  ::listen(fd, options_.listen_backlog);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  caps_ = std::make_unique<IpConnectionCaps>(options_.max_connections_per_ip);
  pool_ = std::make_unique<ElasticPool>(options_.pool);
  return bound;
}

void HardenedServer::serve() {
  const int listen_fd = svr_sock_;
  if (listen_fd < 0 || !pool_) return;
  serving_ = true;
  while (!stopping_) {
    pollfd p[2] = {{listen_fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    const int rc = ::poll(p, 2, -1);
    if (rc < 0 && errno != EINTR) break;
    if (stopping_) break;
    if (p[0].revents & POLLIN) accept_one(listen_fd);
  }
  serving_ = false;
}

void HardenedServer::accept_one(int listen_fd) {
  for (int burst = 0; burst < 64; ++burst) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC);
    if (fd < 0) {
      // Out of descriptors: let the kernel queue hold them a moment rather than spin.
      if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    PeerAddress remote = address_of(addr);
    if (!caps_->acquire(remote.ip)) {
      refuse_now(fd, 503, "Too many connections from your address");
      continue;
    }
    PeerAddress local = local_address(fd);
    const bool queued = pool_->submit([this, fd, remote, local] {
      serve_connection(fd, remote, local);
      caps_->release(remote.ip);
    });
    if (!queued) {
      caps_->release(remote.ip);
      refuse_now(fd, 503, "Server busy: every worker is in use");
    }
  }
}

// Written from the accept thread without reading the request: a short answer into an empty
// send buffer does not block.
void HardenedServer::refuse_now(int fd, int status, const std::string& message) {
  const std::string reply = raw_error_response(status, message, 1);
  (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

void HardenedServer::shutdown() {
  std::lock_guard lock(shutdown_mu_);
  if (stopping_.exchange(true)) return;
  if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
  while (serving_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const int fd = svr_sock_.exchange(INVALID_SOCKET);
  if (fd >= 0) {
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }
  if (pool_) pool_->shutdown();  // idle connections close at once; requests in flight finish
  for (int& w : wake_)
    if (w >= 0) ::close(std::exchange(w, -1));
}

}  // namespace switchyard::proxy
