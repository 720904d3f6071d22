// A key's budget: reservations that hold under concurrency, windows that reset.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "proxy/auth/key_entry.h"

using namespace switchyard;
using namespace switchyard::proxy;
using billing::Picodollars;

namespace {
int64_t at(const char* iso) { return *billing::parse_iso8601(iso); }

KeySettings limited(int64_t limit, billing::LimitReset reset = billing::LimitReset::never) {
  KeySettings s;
  s.limit_pico = limit;
  s.limit_reset = reset;
  return s;
}
}  // namespace

TEST_CASE("a reservation fits only in what the window leaves, counting those in flight", "[auth][budget]") {
  int64_t now = at("2026-12-02T10:00:00Z");
  KeyEntry k("h", limited(100), 30, 30, now);
  auto a = k.reserve(Picodollars(50), now);
  REQUIRE(a);
  auto b = k.reserve(Picodollars(21), now);  // 30 + 50 + 21 > 100
  REQUIRE_FALSE(b);
  CHECK(b.error().kind == ErrorKind::payment_required);
  CHECK(b.error().message.find("limit $0.0000000001") != std::string::npos);
  CHECK(b.error().metadata_json.find("\"request_reservation_usd\":0.000000000021") != std::string::npos);
  CHECK(k.reserve(Picodollars(20), now));  // exactly fits
  k.settle(Picodollars(50), Picodollars(7), now);  // the real cost was lower: room comes back
  CHECK(k.budget(now).window_usage == 37);
  CHECK(k.budget(now).reserved == 20);
  CHECK(k.reserve(Picodollars(43), now));
  CHECK(k.remaining(now) == 63);
}

TEST_CASE("an unlimited key reserves nothing and still counts its spend", "[auth][budget]") {
  KeyEntry k("h", KeySettings{}, 0, 0, 0);
  auto r = k.reserve(Picodollars(1'000'000'000'000'000), 0);
  REQUIRE(r);
  CHECK(*r == billing::kZeroCost);
  k.settle(*r, Picodollars(9), 0);
  CHECK(k.budget(0).usage_total == 9);
  CHECK_FALSE(k.remaining(0));
}

TEST_CASE("a daily window starts fresh at midnight UTC and keeps the total", "[auth][budget]") {
  int64_t evening = at("2026-12-02T23:59:59.999Z");
  KeyEntry k("h", limited(100, billing::LimitReset::daily), 500, 90, evening);
  CHECK_FALSE(k.reserve(Picodollars(11), evening));
  int64_t midnight = at("2026-12-03T00:00:00Z");
  CHECK(k.budget(midnight).window_usage == 0);
  CHECK(k.budget(midnight).usage_total == 500);
  CHECK(k.reserve(Picodollars(100), midnight));
}

TEST_CASE("weekly and monthly windows roll at Monday and the 1st", "[auth][budget]") {
  int64_t sunday = at("2026-12-06T12:00:00Z");
  KeyEntry weekly("w", limited(10, billing::LimitReset::weekly), 10, 10, sunday);
  CHECK_FALSE(weekly.reserve(Picodollars(1), sunday));
  CHECK(weekly.reserve(Picodollars(10), at("2026-12-07T00:00:00Z")));
  int64_t end_of_month = at("2026-12-31T23:00:00Z");
  KeyEntry monthly("m", limited(10, billing::LimitReset::monthly), 10, 10, end_of_month);
  CHECK_FALSE(monthly.reserve(Picodollars(1), end_of_month));
  CHECK(monthly.reserve(Picodollars(10), at("2027-01-01T00:00:00Z")));
}

TEST_CASE("changing the reset period takes the new window's spend", "[auth][budget]") {
  int64_t now = at("2026-12-02T10:00:00Z");
  KeyEntry k("h", limited(100), 80, 80, now);
  k.update(limited(100, billing::LimitReset::daily), 5, now);
  CHECK(k.budget(now).window_usage == 5);
  k.update(limited(100), std::nullopt, now);  // back to never: the whole history counts
  CHECK(k.budget(now).window_usage == 80);
}

TEST_CASE("racing reservations never promise more than the limit", "[auth][budget]") {
  KeyEntry k("h", limited(10'000), 0, 0, 0);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        if (k.reserve(Picodollars(7), 0)) ++granted;
    });
  for (auto& t : threads) t.join();
  CHECK(granted.load() == 10'000 / 7);
  CHECK(k.budget(0).reserved == 7 * (10'000 / 7));
}
