#include <catch2/catch.hpp>

#include "proxy/billing/money.h"
#include "proxy/billing/pricing.h"

using namespace switchyard;
using namespace switchyard::billing;

TEST_CASE("picodollars print as exact dollars", "[billing]") {
  CHECK(usd_string(Picodollars(0)) == "0");
  CHECK(usd_string(Picodollars(650000)) == "0.00000065");
  CHECK(usd_string(Picodollars(1000000000000)) == "1");
  CHECK(usd_string(Picodollars(1234567890123)) == "1.234567890123");
  CHECK(usd_string(Picodollars(-5)) == "-0.000000000005");
}

TEST_CASE("USD text parses exactly, with clear refusals", "[billing]") {
  CHECK(*parse_usd("0") == Picodollars(0));
  CHECK(*parse_usd("0.30") == Picodollars(300000000000));
  CHECK(*parse_usd("12.000000000001") == Picodollars(12000000000001));
  CHECK(*parse_usd("-1.5", true) == Picodollars(-1500000000000));
  for (const char* bad : {"", ".", "1.", ".5", "1e3", "-1", "1.0000000000001", "abc", "1,5", "9999999999"}) {
    INFO(bad);
    auto r = parse_usd(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::invalid_argument);
  }
}

TEST_CASE("USD per million converts exactly to picodollars per token", "[billing]") {
  CHECK(*usd_per_million_to_pico_per_token(0.65) == Picodollars(650000));
  CHECK(*usd_per_million_to_pico_per_token(0.000001) == Picodollars(1));
  CHECK(*usd_per_million_to_pico_per_token(15) == Picodollars(15000000));
  CHECK_FALSE(usd_per_million_to_pico_per_token(0.0000001));
  CHECK_FALSE(usd_per_million_to_pico_per_token(-1));
  CHECK(*usd_to_pico(0.001) == Picodollars(1000000000));
  CHECK_FALSE(usd_to_pico(-0.5));
  CHECK_FALSE(usd_to_pico(std::numeric_limits<double>::quiet_NaN()));
}

TEST_CASE("client price ceilings become integer picodollars, rounded down", "[billing]") {
  CHECK(max_price_per_token(0.65) == Picodollars(650000));
  CHECK(max_price_per_token(1) == Picodollars(1000000));
  CHECK(max_price_per_token(0.0000015) == Picodollars(1));
  CHECK(max_price_per_request(0.001) == Picodollars(1000000000));
  CHECK(max_price_per_token(-3) == Picodollars(0));
}

TEST_CASE("cost arithmetic in picodollars", "[billing]") {
  Pricing p;
  p.prompt = Picodollars(650000);      // $0.65/M
  p.completion = Picodollars(620000);  // $0.62/M
  Usage u;
  u.prompt_tokens = 1000;
  u.completion_tokens = 500;
  CHECK(cost_of(u, p) == Picodollars(1000 * 650000 + 500 * 620000));
  p.request = Picodollars(5);
  CHECK(cost_of(u, p) == Picodollars(1000 * 650000 + 500 * 620000 + 5));
  // Cache reads and writes at their own prices; the prompt price when none is given.
  u.cached_tokens = 400;
  u.cache_write_tokens = 100;
  CHECK(cost_of(u, p) == Picodollars(1000 * 650000 + 500 * 620000 + 5));
  p.cache_read = Picodollars(65000);
  p.cache_write = Picodollars(800000);
  CHECK(cost_of(u, p) == Picodollars(500 * 650000 + 400 * 65000 + 100 * 800000 + 500 * 620000 + 5));
  // A million tokens at $0.65/M is exactly $0.65.
  Usage million;
  million.prompt_tokens = 1000000;
  Pricing q;
  q.prompt = Picodollars(650000);
  CHECK(cost_of(million, q) == Picodollars(650000000000));
  CHECK(q.blended() == Picodollars(650000));
  CHECK_FALSE(q.is_free());
  CHECK(Pricing{}.is_free());
}
