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
  // No poll per chunk (httplib asks before every write): writes carry the write timeout and
  // fail when the client is gone.
  bool is_writable() const override { return !write_failed_; }
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  bool write_failed() const { return write_failed_; }
  // Sends a response head still held back (a response without body bytes); false when
  // the write failed. httplib's processing of the request has ended when this is called.
  bool flush();

 private:
  int fd_;
  std::string request_;
  size_t read_ = 0;
  std::chrono::milliseconds write_timeout_;
  PeerAddress remote_, local_;
  bool write_failed_ = false;
  // The response's status line and headers, held until its first body bytes so that both
  // leave in one send (one segment, one wake-up of the client) instead of two.
  std::string head_;
  bool wrote_ = false;  // anything of the response sent
};

// Writes all of `data` to `fd` within `timeout` (poll + send, no SIGPIPE); false on failure.
bool send_all(int fd, const char* data, size_t size, std::chrono::milliseconds timeout);

}  // namespace switchyard::proxy
