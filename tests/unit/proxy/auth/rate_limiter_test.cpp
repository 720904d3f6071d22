// The instance-local rate limiter on a controlled clock: exact at the window's edges.
#include <catch2/catch.hpp>

#include "proxy/auth/rate_limiter.h"

using namespace switchyard;
using namespace switchyard::proxy;

namespace {
struct Clock {
  int64_t now = 1'000'000;
  std::function<int64_t()> fn() {
    return [this] { return now; };
  }
};
std::string header(const RateAdmission& a, const std::string& name) {
  for (const auto& [k, v] : rate_limit_headers(a))
    if (k == name) return v;
  return {};
}
}  // namespace

TEST_CASE("rpm slides: no 60 s span ever admits more than the limit", "[auth][ratelimit]") {
  Clock clock;
  LocalRateLimiter limiter(clock.fn());
  RateLimits limits{3, 0, 0};
  auto a = limiter.admit("k", limits, 0);
  REQUIRE(a);
  CHECK(header(*a, "x-ratelimit-limit-requests") == "3");
  CHECK(header(*a, "x-ratelimit-remaining-requests") == "2");
  CHECK(header(*a, "x-ratelimit-reset-requests") == "1m0s");
  clock.now += 59'000;
  REQUIRE(limiter.admit("k", limits, 0));
  REQUIRE(limiter.admit("k", limits, 0));
  auto refused = limiter.admit("k", limits, 0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::rate_limited);
  CHECK(refused.error().retry_after_seconds == 1);  // the first admission leaves in 1 s
  // At a fixed minute boundary a naive limiter would let 3 more through here.
  clock.now += 999;
  CHECK_FALSE(limiter.admit("k", limits, 0));
  clock.now += 1;  // exactly 60 s after the first: it has left the window
  auto later = limiter.admit("k", limits, 0);
  REQUIRE(later);
  CHECK(header(*later, "x-ratelimit-remaining-requests") == "0");
  CHECK(limiter.admit("other-key", limits, 0));  // per key
}

TEST_CASE("tpm counts estimates in flight and real totals once done", "[auth][ratelimit]") {
  Clock clock;
  LocalRateLimiter limiter(clock.fn());
  RateLimits limits{0, 100, 0};
  auto big = limiter.admit("k", limits, 500);  // an empty window admits even a large request
  REQUIRE(big);
  CHECK_FALSE(limiter.admit("k", limits, 1));
  limiter.finish(*big, 60);  // it really used 60
  auto a = limiter.admit("k", limits, 40);
  REQUIRE(a);
  CHECK(header(*a, "x-ratelimit-remaining-tokens") == "0");
  CHECK_FALSE(limiter.admit("k", limits, 1));
  clock.now += 60'000;
  CHECK(limiter.admit("k", limits, 100));
}

TEST_CASE("max_concurrent holds a slot until finish", "[auth][ratelimit]") {
  Clock clock;
  LocalRateLimiter limiter(clock.fn());
  RateLimits limits{0, 0, 2};
  auto a = limiter.admit("k", limits, 0);
  auto b = limiter.admit("k", limits, 0);
  REQUIRE(a);
  REQUIRE(b);
  auto c = limiter.admit("k", limits, 0);
  REQUIRE_FALSE(c);
  CHECK(c.error().message.find("at most 2") != std::string::npos);
  limiter.finish(*a, 0);
  CHECK(limiter.admit("k", limits, 0));
}

TEST_CASE("no limits admits without keeping state", "[auth][ratelimit]") {
  LocalRateLimiter limiter;
  auto a = limiter.admit("k", RateLimits{}, 10);
  REQUIRE(a);
  CHECK(rate_limit_headers(*a).empty());
  CHECK(reset_duration(1500) == "1.5s");
  CHECK(reset_duration(120) == "120ms");
  CHECK(reset_duration(361000) == "6m1s");
}
