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
// The logs keep one entry per millisecond with admissions (a count), so a key's memory is
// bounded by the window (60,000 entries at most) however high its limits. The clock is
// injected so the edges can be tested exactly. This is the instance-local limiter; a
// shared one (Redis) implements the same interface.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
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
  void* state = nullptr;         // the limiter's per-key state (opaque)
  int64_t at_ms = 0;             // when it was admitted
  int64_t tokens_charged = 0;    // its estimate in the token log
  int64_t ticket = 0;            // a shared limiter's id for it (0: admitted by a local one)
  bool holds_slot = false;       // counted in max_concurrent
  // For the x-ratelimit-* headers (rate_limit_headers); a limit of 0 sends none of its trio.
  int64_t rpm = 0, requests_remaining = 0, requests_reset_ms = 0;
  int64_t tpm = 0, tokens_remaining = 0, tokens_reset_ms = 0;
};

// x-ratelimit-{limit,remaining,reset}-{requests,tokens}, as OpenAI names them.
std::vector<std::pair<std::string, std::string>> rate_limit_headers(const RateAdmission& a);

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
  struct Entry {
    int64_t at_ms;
    int64_t amount;  // requests admitted, or tokens charged, in that millisecond
  };
  struct Log {
    std::deque<Entry> entries;  // oldest first, within the window
    int64_t sum = 0;
    void add(int64_t at_ms, int64_t amount);
    void expire(int64_t now_ms);
    void adjust(int64_t at_ms, int64_t delta);  // the entry of at_ms, if still in the window
  };
  struct KeyState {
    std::mutex mu;
    Log requests, tokens;
    int64_t in_flight = 0;
  };
  KeyState& state_for(const std::string& key_hash);

  std::function<int64_t()> now_ms_;
  std::shared_mutex map_mu_;
  std::unordered_map<std::string, std::unique_ptr<KeyState>> keys_;  // never removed: states stay valid
};

// OpenAI's reset format: "1s", "59.5s", "6m0s", "120ms".
std::string reset_duration(int64_t ms);

// The 429s every limiter answers: `what` (requests | tokens) over `limit` per minute, free
// again in `wait_ms`; too many in flight.
Error over_limit(const std::string& what, int64_t limit, int64_t wait_ms);
Error too_concurrent(int64_t limit);

}  // namespace switchyard::proxy
