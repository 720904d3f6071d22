// A raw TCP client for HTTP tests that must send what no HTTP library would (two
// Content-Lengths, a half request line, a body that never comes) and time the answer.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace switchyard::testing {

inline std::string final_response(const std::string& r);

class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  ~RawConnection() { close(); }
  RawConnection(RawConnection&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  RawConnection(const RawConnection&) = delete;

  // false when the peer no longer takes bytes.
  bool send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads until one whole response (head + Content-Length body) arrived, the peer closed,
  // or `timeout` passed; returns what arrived.
  std::string read_response(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!complete() && wait_readable(deadline)) {
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got_.append(buf, static_cast<size_t>(n));
    }
    std::string out = std::move(got_);
    got_.clear();
    return out;
  }
  // True when the peer closed the connection within `timeout` (bytes before the close are dropped).
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (wait_readable(deadline)) {
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
    return false;
  }
  // Something (or the close) arrived and waits to be read.
  bool readable() {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }
  bool peer_closed() const { return closed_; }

 private:
  bool wait_readable(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  }
  bool complete() const {
    const std::string r = final_response(got_);
    const size_t end = r.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    const std::string head = r.substr(0, end);
    size_t cl = head.find("Content-Length: ");
    if (cl == std::string::npos) cl = head.find("content-length: ");
    if (cl == std::string::npos) return false;  // chunked or unframed: read to the close
    return r.size() >= end + 4 + std::stoull(head.substr(cl + 16));
  }

  int fd_ = -1;
  std::string got_;
  bool closed_ = false;
};

// The response after an interim "100 Continue", if any.
inline std::string final_response(const std::string& r) {
  if (r.rfind("HTTP/1.1 100", 0) != 0) return r;
  const size_t end = r.find("\r\n\r\n");
  return end == std::string::npos ? "" : r.substr(end + 4);
}

// The status code of a raw response ("HTTP/1.1 413 ..." -> 413), 0 when none.
inline int status_of(const std::string& response) {
  const std::string r = final_response(response);
  if (r.size() < 12 || r.rfind("HTTP/1.", 0) != 0) return 0;
  return std::stoi(r.substr(9, 3));
}

inline std::string body_of(const std::string& response) {
  const std::string r = final_response(response);
  const size_t end = r.find("\r\n\r\n");
  return end == std::string::npos ? "" : r.substr(end + 4);
}

}  // namespace switchyard::testing
