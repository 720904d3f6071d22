#include "proxy/server/request_stream.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace switchyard::proxy {

bool send_all(int fd, const char* data, size_t size, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL))) return false;
  }
  return true;
}

ssize_t RequestStream::read(char* ptr, size_t size) {
  const size_t n = std::min(size, request_.size() - read_);
  if (n == 0) return -1;  // httplib asks only for what the request holds
  std::memcpy(ptr, request_.data() + read_, n);
  read_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t RequestStream::write(const char* ptr, size_t size) {
  if (write_failed_) return -1;
  const std::string_view bytes(ptr, size);
  if (!wrote_ && head_.empty() && bytes.starts_with("HTTP/") && bytes.ends_with("\r\n\r\n")) {
    head_.assign(bytes);  // httplib writes the whole head at once, before any body byte
    return static_cast<ssize_t>(size);
  }
  bool sent = false;
  if (!head_.empty()) {
    head_.append(bytes);
    sent = send_all(fd_, head_.data(), head_.size(), write_timeout_);
    head_.clear();
  } else {
    sent = send_all(fd_, ptr, size, write_timeout_);
  }
  wrote_ = true;
  if (!sent) {
    write_failed_ = true;
    return -1;
  }
  return static_cast<ssize_t>(size);
}

bool RequestStream::flush() {
  if (head_.empty()) return !write_failed_;
  wrote_ = true;
  if (!send_all(fd_, head_.data(), head_.size(), write_timeout_)) write_failed_ = true;
  head_.clear();
  return !write_failed_;
}

void RequestStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = remote_.ip;
  port = remote_.port;
}

void RequestStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip = local_.ip;
  port = local_.port;
}

}  // namespace switchyard::proxy
