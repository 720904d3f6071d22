// The shared rate limiter against a real Redis (SWITCHYARD_TEST_REDIS_URL, started by
// scripts/test.sh): several limiters are several instances. Set and unreachable: these fail;
// unset: they say so and stop. Redis down is a dead port: never a hang, open or closed.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "proxy/auth/redis_rate_limiter.h"
#include "support/test_servers.h"

using namespace switchyard;
using namespace switchyard::proxy;
using switchyard::testing::redis_server_url;

namespace {

bool have_redis() {
  if (!redis_server_url().empty()) return true;
  WARN("SWITCHYARD_TEST_REDIS_URL is not set: not run (scripts/test.sh starts Redis)");
  return false;
}

std::string fresh_key() {
  std::random_device rd;
  std::string k;
  for (int i = 0; i < 8; ++i) k += std::to_string(rd() % 10000);
  return k;
}

std::unique_ptr<RedisRateLimiter> limiter(RedisFailure f = RedisFailure::open, std::string url = redis_server_url()) {
  return std::make_unique<RedisRateLimiter>(RedisLimiterOptions{url, f, 4, 250, 600000});
}

// A port nothing listens on: bound, then closed.
int dead_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("60 RPM across 3 instances lets at most 60 through", "[auth][ratelimit][redis]") {
  if (!have_redis()) return;
  std::vector<std::unique_ptr<RedisRateLimiter>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(limiter());
  REQUIRE(instances[0]->reachable());
  const std::string key = fresh_key();
  std::atomic<int> admitted{0}, refused{0}, malformed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, i] {
        for (int n = 0; n < 10; ++n) {
          auto a = instances[i]->admit(key, RateLimits{60, 0, 0}, 0);
          if (a) {
            ++admitted;
            instances[i]->finish(*a, 0);
          } else {  // checked on the main thread below (Catch2 v2)
            if (a.error().kind != ErrorKind::rate_limited || a.error().retry_after_seconds <= 0) ++malformed;
            ++refused;
          }
        }
      });
  for (auto& th : threads) th.join();
  CHECK(admitted == 60);
  CHECK(refused == 3 * 8 * 10 - 60);
  CHECK(malformed == 0);  // every refusal is rate_limited with a Retry-After
}

TEST_CASE("shared concurrency slots and token windows", "[auth][ratelimit][redis]") {
  if (!have_redis()) return;
  auto a = limiter(), b = limiter();
  const std::string key = fresh_key();
  SECTION("max_concurrent counts requests in flight on every instance") {
    auto first = a->admit(key, RateLimits{0, 0, 2}, 0);
    auto second = b->admit(key, RateLimits{0, 0, 2}, 0);
    REQUIRE(first);
    REQUIRE(second);
    auto third = a->admit(key, RateLimits{0, 0, 2}, 0);
    REQUIRE_FALSE(third);
    CHECK(third.error().message.find("concurrent") != std::string::npos);
    b->finish(*second, 0);
    CHECK(a->admit(key, RateLimits{0, 0, 2}, 0));
  }
  SECTION("tokens: estimates count while in flight, then the real count") {
    auto first = a->admit(key, RateLimits{0, 1000, 0}, 600);
    REQUIRE(first);
    CHECK(first->tokens_remaining == 400);
    CHECK_FALSE(b->admit(key, RateLimits{0, 1000, 0}, 600));  // 600 + 600 > 1000
    a->finish(*first, 100);                                   // it used only 100
    auto second = b->admit(key, RateLimits{0, 1000, 0}, 600);
    REQUIRE(second);
    CHECK(second->tokens_remaining == 300);
  }
}

TEST_CASE("Redis down: fail open admits at once, fail closed refuses at once, never a hang", "[auth][ratelimit][redis]") {
  const std::string url = "redis://127.0.0.1:" + std::to_string(dead_port());
  auto start = std::chrono::steady_clock::now();
  auto open = limiter(RedisFailure::open, url);
  for (int i = 0; i < 2; ++i) CHECK(open->admit("k", RateLimits{2, 0, 0}, 0));
  CHECK_FALSE(open->admit("k", RateLimits{2, 0, 0}, 0));  // open = this instance limits alone
  auto closed = limiter(RedisFailure::closed, url);
  auto r = closed->admit("k", RateLimits{100, 0, 0}, 0);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::no_route);
  CHECK(closed->admit("k", RateLimits{}, 0));  // no limits: nothing to check
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}
