#include "proxy/billing/periods.h"

#include "db/calendar.h"

namespace switchyard::billing {

std::optional<LimitReset> parse_limit_reset(std::string_view t) {
  if (t.empty() || t == "never") return LimitReset::never;
  if (t == "daily") return LimitReset::daily;
  if (t == "weekly") return LimitReset::weekly;
  if (t == "monthly") return LimitReset::monthly;
  return std::nullopt;
}

const char* limit_reset_name(LimitReset r) {
  switch (r) {
    case LimitReset::never: return "";
    case LimitReset::daily: return "daily";
    case LimitReset::weekly: return "weekly";
    case LimitReset::monthly: return "monthly";
  }
  return "";
}

int64_t day_start(int64_t now_ms) { return db::utc_day_start(now_ms); }
int64_t week_start(int64_t now_ms) { return db::utc_week_start(now_ms); }
int64_t month_start(int64_t now_ms) { return db::utc_month_start(now_ms); }

int64_t period_start(LimitReset reset, int64_t now_ms) {
  switch (reset) {
    case LimitReset::never: return 0;
    case LimitReset::daily: return day_start(now_ms);
    case LimitReset::weekly: return week_start(now_ms);
    case LimitReset::monthly: return month_start(now_ms);
  }
  return 0;
}

std::string format_iso8601(int64_t unix_ms) { return db::format_iso8601(unix_ms); }
std::optional<int64_t> parse_iso8601(std::string_view text) { return db::parse_iso8601(text); }

}  // namespace switchyard::billing
