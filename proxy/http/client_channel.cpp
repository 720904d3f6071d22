#include "proxy/http/client_channel.h"

namespace switchyard::proxy {

bool ClientChannel::write(const std::string& bytes) {
  if (gone_ || !sink_) return false;
  if (!bytes.empty() && !sink_->write(bytes.data(), bytes.size())) gone_ = true;
  last_write_ = std::chrono::steady_clock::now();
  return !gone_;
}

bool ClientChannel::keep_going() {
  if (gone_) return false;
  if (connected_ && !connected_()) {
    gone_ = true;
    return false;
  }
  if (!sink_ || std::chrono::steady_clock::now() - last_write_ < interval_) return true;
  return write(keep_alive_);
}

}  // namespace switchyard::proxy
