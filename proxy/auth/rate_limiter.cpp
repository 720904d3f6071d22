#include "proxy/auth/rate_limiter.h"

#include <algorithm>
#include <cstdio>

#include "db/records.h"

namespace switchyard::proxy {

namespace {
constexpr int64_t kWindowMs = 60000;

int seconds_until(int64_t ms) { return static_cast<int>(std::max<int64_t>(1, (ms + 999) / 1000)); }

Error over_limit(const std::string& what, int64_t limit, int64_t wait_ms) {
  return Error{ErrorKind::rate_limited,
               "Rate limit exceeded: " + what + " (" + std::to_string(limit) + " per minute for this key); retry in " +
                   std::to_string(seconds_until(wait_ms)) + " s",
               0, "{\"limit\":" + std::to_string(limit) + "}", seconds_until(wait_ms)};
}
}  // namespace

std::string reset_duration(int64_t ms) {
  if (ms <= 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  char buf[32];
  if (ms < 60000) {
    std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(ms) / 1000.0);
    return std::string(buf) + "s";
  }
  std::snprintf(buf, sizeof buf, "%lldm%llds", static_cast<long long>(ms / 60000),
                static_cast<long long>(ms % 60000 / 1000));
  return buf;
}

LocalRateLimiter::LocalRateLimiter(std::function<int64_t()> now_ms)
    : now_ms_(now_ms ? std::move(now_ms) : std::function<int64_t()>(db::now_unix_ms)) {}

LocalRateLimiter::KeyState& LocalRateLimiter::state_for(const std::string& key_hash) {
  std::lock_guard lock(map_mu_);
  auto& s = keys_[key_hash];
  if (!s) s = std::make_unique<KeyState>();
  return *s;
}

void LocalRateLimiter::expire(KeyState& s, int64_t now) {
  while (!s.requests.empty() && s.requests.front() <= now - kWindowMs) s.requests.pop_front();
  while (!s.tokens.empty() && s.tokens.front().at_ms <= now - kWindowMs) {
    s.token_sum -= s.tokens.front().tokens;
    s.tokens.pop_front();
  }
}

Result<RateAdmission> LocalRateLimiter::admit(const std::string& key_hash, const RateLimits& limits,
                                              int64_t estimated_tokens) {
  RateAdmission a;
  a.key_hash = key_hash;
  if (!limits.any()) return a;
  KeyState& s = state_for(key_hash);
  {
    std::lock_guard lock(map_mu_);
    a.id = next_id_++;
  }
  int64_t now = now_ms_();
  std::lock_guard lock(s.mu);
  expire(s, now);
  if (limits.rpm > 0 && static_cast<int64_t>(s.requests.size()) >= limits.rpm)
    return std::unexpected(over_limit("requests", limits.rpm, s.requests.front() + kWindowMs - now));
  if (limits.tpm > 0 && !s.tokens.empty() && s.token_sum + estimated_tokens > limits.tpm)
    return std::unexpected(over_limit("tokens", limits.tpm, s.tokens.front().at_ms + kWindowMs - now));
  if (limits.max_concurrent > 0 && s.in_flight >= limits.max_concurrent)
    return std::unexpected(Error{ErrorKind::rate_limited,
                                 "Too many concurrent requests for this key (at most " +
                                     std::to_string(limits.max_concurrent) + " at once)",
                                 0, "{\"max_concurrent\":" + std::to_string(limits.max_concurrent) + "}", 1});
  if (limits.rpm > 0) {
    s.requests.push_back(now);
    a.headers.emplace_back("x-ratelimit-limit-requests", std::to_string(limits.rpm));
    a.headers.emplace_back("x-ratelimit-remaining-requests", std::to_string(limits.rpm - s.requests.size()));
    a.headers.emplace_back("x-ratelimit-reset-requests", reset_duration(s.requests.front() + kWindowMs - now));
  }
  if (limits.tpm > 0) {
    s.tokens.push_back(TokenEntry{now, estimated_tokens, a.id});
    s.token_sum += estimated_tokens;
    a.headers.emplace_back("x-ratelimit-limit-tokens", std::to_string(limits.tpm));
    a.headers.emplace_back("x-ratelimit-remaining-tokens", std::to_string(std::max<int64_t>(0, limits.tpm - s.token_sum)));
    a.headers.emplace_back("x-ratelimit-reset-tokens", reset_duration(s.tokens.front().at_ms + kWindowMs - now));
  }
  if (limits.max_concurrent > 0) {
    ++s.in_flight;
    a.holds_slot = true;
  }
  return a;
}

void LocalRateLimiter::finish(const RateAdmission& a, int64_t tokens) {
  if (a.id == 0) return;
  KeyState& s = state_for(a.key_hash);
  std::lock_guard lock(s.mu);
  if (a.holds_slot) --s.in_flight;
  // Replace the estimate by the real count, if the entry is still in the window.
  for (auto it = s.tokens.rbegin(); it != s.tokens.rend(); ++it)
    if (it->id == a.id) {
      s.token_sum += tokens - it->tokens;
      it->tokens = tokens;
      break;
    }
}

}  // namespace switchyard::proxy
