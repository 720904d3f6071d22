// Per-key rate limits (operator API): requests per minute, tokens per minute and requests
// in flight, each optional.
//  * Windows slide: a request is admitted when fewer than `rpm` requests were admitted in
//    the last 60 s (a log of their times, not a fixed minute that lets 2x through at the
//    boundary), so no 60 s span ever holds more than rpm.
//  * Tokens: a request is admitted while the tokens of the last 60 s (each request counted
//    by its prompt estimate while in flight, by its real prompt + completion once done) plus
//    its own estimate stay within tpm; a window that holds nothing admits anyway, so one
//    request larger than the limit is not refused forever.
//  * Concurrency: at most max_concurrent admitted requests not yet finished.
// Over a limit: 429 with Retry-After (when the oldest entry leaves the window). Every
// admission carries the x-ratelimit-* header values (OpenAI's names) for its response.
// The clock is injected so the edges can be tested exactly. This is the instance-local
// limiter; a shared one (Redis) implements the same interface.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "providers/error.h"

namespace switchyard::proxy {

struct RateLimits {
  int64_t rpm = 0;  // 0 = no limit
  int64_t tpm = 0;
  int64_t max_concurrent = 0;
  bool any() const { return rpm > 0 || tpm > 0 || max_concurrent > 0; }
};

// One admitted request; hand it back to finish().
struct RateAdmission {
  std::string key_hash;
  uint64_t id = 0;               // its entry in the token log
  bool holds_slot = false;       // counted in max_concurrent
  std::vector<std::pair<std::string, std::string>> headers;  // x-ratelimit-*
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual Result<RateAdmission> admit(const std::string& key_hash, const RateLimits& limits,
                                      int64_t estimated_tokens) = 0;
  // The request ended having used `tokens` (prompt + completion).
  virtual void finish(const RateAdmission& admission, int64_t tokens) = 0;
};

class LocalRateLimiter final : public RateLimiter {
 public:
  explicit LocalRateLimiter(std::function<int64_t()> now_ms = {});
  Result<RateAdmission> admit(const std::string& key_hash, const RateLimits& limits, int64_t estimated_tokens) override;
  void finish(const RateAdmission& admission, int64_t tokens) override;

 private:
  struct TokenEntry {
    int64_t at_ms;
    int64_t tokens;
    uint64_t id;
  };
  struct KeyState {
    std::mutex mu;
    std::deque<int64_t> requests;   // admission times within the window
    std::deque<TokenEntry> tokens;  // within the window
    int64_t token_sum = 0;
    int64_t in_flight = 0;
  };
  KeyState& state_for(const std::string& key_hash);
  static void expire(KeyState& s, int64_t now);

  std::function<int64_t()> now_ms_;
  std::mutex map_mu_;
  std::unordered_map<std::string, std::unique_ptr<KeyState>> keys_;
  uint64_t next_id_ = 1;  // guarded by map_mu_
};

// OpenAI's reset format: "1s", "59.5s", "6m0s", "120ms".
std::string reset_duration(int64_t ms);

}  // namespace switchyard::proxy
