// The client side of a response, as providers see it through keep_going (DESIGN.md §1).
// While the upstream is silent, the format's keep-alive bytes (an SSE comment, or an
// Anthropic `ping` event) go out every interval once a stream has started: they keep
// proxies between us and the client from timing out, and a failed write is how we learn the
// client left. Before anything was written (a plain request, a stream waiting for the
// upstream's first byte) the connection probe tells instead (client_connection.h), so the
// provider can cancel its upstream transfer or local generation within a poll interval.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <string>

namespace switchyard::proxy {

class ClientChannel {
 public:
  explicit ClientChannel(std::string keep_alive_bytes,
                         std::chrono::milliseconds interval = std::chrono::milliseconds(500),
                         std::function<bool()> connected = {})
      : keep_alive_(std::move(keep_alive_bytes)), interval_(interval), connected_(std::move(connected)) {}

  // The DataSink of httplib's content provider, while it runs (nullptr: not attached).
  void attach(httplib::DataSink* sink) { sink_ = sink; }
  // false once a write failed: the client is gone.
  bool write(const std::string& bytes);
  // The providers' keep_going: false when the client is gone; sends the keep-alive when due.
  bool keep_going();
  bool gone() const { return gone_; }

 private:
  std::string keep_alive_;
  std::chrono::milliseconds interval_;
  std::function<bool()> connected_;  // empty: only failed writes tell
  httplib::DataSink* sink_ = nullptr;
  bool gone_ = false;
  std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();
};

}  // namespace switchyard::proxy
