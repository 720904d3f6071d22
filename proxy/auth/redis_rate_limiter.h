// Rate limits shared by every instance (issue 12): the same sliding windows as
// LocalRateLimiter (rate_limiter.h), with the counters in Redis. Each admission is one Lua
// script run atomically by Redis (requests and tokens as sorted sets of the last 60 s,
// scored by Redis's own clock so instances' clocks do not matter; requests in flight as a
// sorted set scored by when their slot expires, so an instance that dies mid-request frees
// its slots after slot_ttl_ms). So a 60 RPM limit across 3 instances lets at most 60 through
// per sliding minute.
//
// Redis down or slow (connect and command timeouts are short, never a hang): fail open
// (admit, limiting on this instance alone meanwhile) or closed (503), as configured; a log
// line when Redis goes away and when it is back; a down Redis is retried at most once a
// second, so requests do not each wait out a timeout.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "proxy/auth/rate_limiter.h"

struct redisContext;

namespace switchyard::proxy {

enum class RedisFailure { open, closed };

struct RedisLimiterOptions {
  std::string url;  // redis://host:port (optionally redis://:password@host:port)
  RedisFailure on_failure = RedisFailure::open;
  int connections = 8;          // requests admitted at once
  int timeout_ms = 250;         // connect and each command
  int64_t slot_ttl_ms = 600000;  // a concurrency slot no instance finished frees itself after this
};

class RedisRateLimiter final : public RateLimiter {
 public:
  explicit RedisRateLimiter(RedisLimiterOptions options);
  ~RedisRateLimiter() override;
  Result<RateAdmission> admit(const std::string& key_hash, const RateLimits& limits, int64_t estimated_tokens) override;
  void finish(const RateAdmission& admission, int64_t tokens) override;
  bool reachable();  // connects if it can (startup check)

 private:
  struct Conn;
  Conn* take();  // a connected context, or nullptr while Redis is away
  void give_back(Conn* c, bool broken);
  void note_failure(const std::string& what);
  Result<RateAdmission> when_down(const std::string& key_hash, const RateLimits& limits, int64_t estimated_tokens);

  RedisLimiterOptions options_;
  std::string host_, password_;
  int port_ = 6379;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;
  int open_ = 0;
  std::atomic<int64_t> retry_after_ms_{0};  // steady ms before which Redis is not tried again
  std::atomic<bool> down_{false};
  LocalRateLimiter local_;  // fail-open fallback
};

}  // namespace switchyard::proxy
