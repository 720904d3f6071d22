// Open connections per client IP, capped (issue 16, finding 3): one address cannot take
// every worker with idle or half-sent requests. 0 = no cap.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace switchyard::proxy {

class IpConnectionCaps {
 public:
  explicit IpConnectionCaps(size_t per_ip) : per_ip_(per_ip) {}
  bool acquire(const std::string& ip) {
    std::lock_guard lock(mu_);
    size_t& n = open_[ip];
    if (per_ip_ && n >= per_ip_) {
      if (n == 0) open_.erase(ip);
      return false;
    }
    ++n;
    return true;
  }
  void release(const std::string& ip) {
    std::lock_guard lock(mu_);
    auto it = open_.find(ip);
    if (it != open_.end() && --it->second == 0) open_.erase(it);
  }

 private:
  size_t per_ip_;
  std::mutex mu_;
  std::unordered_map<std::string, size_t> open_;
};

}  // namespace switchyard::proxy
