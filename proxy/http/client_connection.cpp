#include "proxy/http/client_connection.h"

#include <poll.h>

namespace switchyard::proxy {

namespace {
thread_local int t_connection_fd = -1;
}  // namespace

CurrentConnection::CurrentConnection(int fd) : previous_(t_connection_fd) { t_connection_fd = fd; }
CurrentConnection::~CurrentConnection() { t_connection_fd = previous_; }

int current_connection_fd() { return t_connection_fd; }

bool peer_closed(int fd) {
  if (fd < 0) return false;
  pollfd p{fd, POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

std::function<bool()> current_client_probe() {
  const int fd = t_connection_fd;
  if (fd < 0) return {};
  return [fd] { return !peer_closed(fd); };
}

}  // namespace switchyard::proxy
