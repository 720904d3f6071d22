#include <catch2/catch.hpp>

#include "proxy/billing/periods.h"

using namespace switchyard::billing;

namespace {
int64_t at(const char* iso) { return *parse_iso8601(iso); }
}  // namespace

TEST_CASE("windows are UTC days, Monday weeks and calendar months", "[billing][periods]") {
  // 2026-12-02 is a Wednesday.
  int64_t wed = at("2026-12-02T15:04:05.123Z");
  CHECK(period_start(LimitReset::never, wed) == 0);
  CHECK(period_start(LimitReset::daily, wed) == at("2026-12-02T00:00:00Z"));
  CHECK(period_start(LimitReset::weekly, wed) == at("2026-11-30T00:00:00Z"));  // the Monday before
  CHECK(period_start(LimitReset::monthly, wed) == at("2026-12-01T00:00:00Z"));
  // A Monday is its own week's start; a Sunday belongs to the week before.
  CHECK(week_start(at("2026-11-30T00:00:00Z")) == at("2026-11-30T00:00:00Z"));
  CHECK(week_start(at("2026-12-06T23:59:59.999Z")) == at("2026-11-30T00:00:00Z"));
  CHECK(week_start(at("2026-12-07T00:00:00Z")) == at("2026-12-07T00:00:00Z"));
  // Month and year boundaries, a leap day.
  CHECK(month_start(at("2027-01-01T00:00:00Z")) == at("2027-01-01T00:00:00Z"));
  CHECK(month_start(at("2026-12-31T23:59:59.999Z")) == at("2026-12-01T00:00:00Z"));
  CHECK(day_start(at("2028-02-29T12:00:00Z")) == at("2028-02-29T00:00:00Z"));
}

TEST_CASE("limit_reset names parse and print", "[billing][periods]") {
  CHECK(parse_limit_reset("") == LimitReset::never);
  CHECK(parse_limit_reset("never") == LimitReset::never);
  CHECK(parse_limit_reset("weekly") == LimitReset::weekly);
  CHECK_FALSE(parse_limit_reset("hourly"));
  CHECK(std::string(limit_reset_name(LimitReset::monthly)) == "monthly");
  CHECK(std::string(limit_reset_name(LimitReset::never)).empty());
}

TEST_CASE("ISO 8601 times round-trip and bad ones are refused", "[billing][periods]") {
  CHECK(*parse_iso8601("1970-01-01T00:00:00Z") == 0);
  CHECK(*parse_iso8601("1970-01-02") == 86400000);
  CHECK(*parse_iso8601("2026-12-01T10:00:00+01:00") == *parse_iso8601("2026-12-01T09:00:00Z"));
  CHECK(*parse_iso8601("2026-12-01T09:00:00.5Z") == *parse_iso8601("2026-12-01T09:00:00Z") + 500);
  int64_t t = *parse_iso8601("2026-12-01T09:30:00.250Z");
  CHECK(format_iso8601(t) == "2026-12-01T09:30:00.250Z");
  CHECK(*parse_iso8601(format_iso8601(t)) == t);
  for (const char* bad : {"", "2026", "2026-13-01", "2026-02-30", "2026-12-01T25:00:00Z", "2026-12-01T10:00:00",
                          "2026-12-01T10:00Z", "2026-12-01T10:00:00+1", "2026-12-01T10:00:00Zjunk", "yesterday"}) {
    INFO(bad);
    CHECK_FALSE(parse_iso8601(bad));
  }
}
