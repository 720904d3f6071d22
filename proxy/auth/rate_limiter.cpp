#include "proxy/auth/rate_limiter.h"

#include <algorithm>
#include <cstdio>

#include "db/records.h"

namespace switchyard::proxy {

namespace {
constexpr int64_t kWindowMs = 60000;

int seconds_until(int64_t ms) { return static_cast<int>(std::max<int64_t>(1, (ms + 999) / 1000)); }
}  // namespace

Error over_limit(const std::string& what, int64_t limit, int64_t wait_ms) {
  return Error{ErrorKind::rate_limited,
               "Rate limit exceeded: " + what + " (" + std::to_string(limit) + " per minute for this key); retry in " +
                   std::to_string(seconds_until(wait_ms)) + " s",
               0, "{\"limit\":" + std::to_string(limit) + "}", seconds_until(wait_ms)};
}

Error too_concurrent(int64_t limit) {
  return Error{ErrorKind::rate_limited,
               "Too many concurrent requests for this key (at most " + std::to_string(limit) + " at once)", 0,
               "{\"max_concurrent\":" + std::to_string(limit) + "}", 1};
}

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

std::vector<std::pair<std::string, std::string>> rate_limit_headers(const RateAdmission& a) {
  std::vector<std::pair<std::string, std::string>> h;
  if (a.rpm > 0) {
    h.emplace_back("x-ratelimit-limit-requests", std::to_string(a.rpm));
    h.emplace_back("x-ratelimit-remaining-requests", std::to_string(a.requests_remaining));
    h.emplace_back("x-ratelimit-reset-requests", reset_duration(a.requests_reset_ms));
  }
  if (a.tpm > 0) {
    h.emplace_back("x-ratelimit-limit-tokens", std::to_string(a.tpm));
    h.emplace_back("x-ratelimit-remaining-tokens", std::to_string(a.tokens_remaining));
    h.emplace_back("x-ratelimit-reset-tokens", reset_duration(a.tokens_reset_ms));
  }
  return h;
}

void LocalRateLimiter::Log::add(int64_t at_ms, int64_t amount) {
  if (!entries.empty() && entries.back().at_ms == at_ms) entries.back().amount += amount;
  else entries.push_back(Entry{at_ms, amount});
  sum += amount;
}

void LocalRateLimiter::Log::expire(int64_t now_ms) {
  while (!entries.empty() && entries.front().at_ms <= now_ms - kWindowMs) {
    sum -= entries.front().amount;
    entries.pop_front();
  }
}

void LocalRateLimiter::Log::adjust(int64_t at_ms, int64_t delta) {
  auto it = std::lower_bound(entries.begin(), entries.end(), at_ms,
                             [](const Entry& e, int64_t t) { return e.at_ms < t; });
  if (it == entries.end() || it->at_ms != at_ms) return;  // it has left the window
  it->amount += delta;
  sum += delta;
}

LocalRateLimiter::LocalRateLimiter(std::function<int64_t()> now_ms)
    : now_ms_(now_ms ? std::move(now_ms) : std::function<int64_t()>(db::now_unix_ms)) {}

LocalRateLimiter::KeyState& LocalRateLimiter::state_for(const std::string& key_hash) {
  {
    std::shared_lock lock(map_mu_);
    if (auto it = keys_.find(key_hash); it != keys_.end()) return *it->second;
  }
  std::unique_lock lock(map_mu_);
  auto& s = keys_[key_hash];
  if (!s) s = std::make_unique<KeyState>();
  return *s;
}

Result<RateAdmission> LocalRateLimiter::admit(const std::string& key_hash, const RateLimits& limits,
                                              int64_t estimated_tokens) {
  RateAdmission a;
  a.key_hash = key_hash;
  if (!limits.any()) return a;
  KeyState& s = state_for(key_hash);
  const int64_t now = now_ms_();
  std::lock_guard lock(s.mu);
  s.requests.expire(now);
  s.tokens.expire(now);
  if (limits.rpm > 0 && s.requests.sum >= limits.rpm)
    return std::unexpected(over_limit("requests", limits.rpm, s.requests.entries.front().at_ms + kWindowMs - now));
  if (limits.tpm > 0 && s.tokens.sum > 0 && s.tokens.sum + estimated_tokens > limits.tpm)
    return std::unexpected(over_limit("tokens", limits.tpm, s.tokens.entries.front().at_ms + kWindowMs - now));
  if (limits.max_concurrent > 0 && s.in_flight >= limits.max_concurrent)
    return std::unexpected(too_concurrent(limits.max_concurrent));
  a.state = &s;
  a.at_ms = now;
  if (limits.rpm > 0) {
    s.requests.add(now, 1);
    a.rpm = limits.rpm;
    a.requests_remaining = limits.rpm - s.requests.sum;
    a.requests_reset_ms = s.requests.entries.front().at_ms + kWindowMs - now;
  }
  if (limits.tpm > 0) {
    s.tokens.add(now, estimated_tokens);
    a.tokens_charged = estimated_tokens;
    a.tpm = limits.tpm;
    a.tokens_remaining = std::max<int64_t>(0, limits.tpm - s.tokens.sum);
    a.tokens_reset_ms = s.tokens.entries.front().at_ms + kWindowMs - now;
  }
  if (limits.max_concurrent > 0) {
    ++s.in_flight;
    a.holds_slot = true;
  }
  return a;
}

void LocalRateLimiter::finish(const RateAdmission& a, int64_t tokens) {
  if (!a.state) return;
  auto& s = *static_cast<KeyState*>(a.state);
  std::lock_guard lock(s.mu);
  if (a.holds_slot) --s.in_flight;
  // The estimate becomes the real count, if its entry is still in the window.
  if (a.tokens_charged || tokens) s.tokens.adjust(a.at_ms, tokens - a.tokens_charged);
}

}  // namespace switchyard::proxy
