// The httplib::Stream that httplib's request processing sees for one request: reads come
// from the request we already read and checked (server/connection_loop.h), writes go to the
// client socket with a write timeout. httplib never reads from the socket itself, so its
// own framing (no body limit on chunked bodies, percent-decoded header values, an unbounded
// gzip inflate, the first of two Content-Lengths) never applies to client bytes.
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>

namespace switchyard::proxy {

struct PeerAddress {
  std::string ip;
  int port = 0;
};

class RequestStream : public httplib::Stream {
 public:
  RequestStream(int fd, std::string request, std::chrono::milliseconds write_timeout, PeerAddress remote,
                PeerAddress local)
      : fd_(fd), request_(std::move(request)), write_timeout_(write_timeout), remote_(std::move(remote)),
        local_(std::move(local)) {}

  bool is_readable() const override { return read_ < request_.size(); }
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  bool write_failed() const { return write_failed_; }

 private:
  int fd_;
  std::string request_;
  size_t read_ = 0;
  std::chrono::milliseconds write_timeout_;
  PeerAddress remote_, local_;
  bool write_failed_ = false;
};

// Writes all of `data` to `fd` within `timeout` (poll + send, no SIGPIPE); false on failure.
bool send_all(int fd, const char* data, size_t size, std::chrono::milliseconds timeout);

}  // namespace switchyard::proxy
