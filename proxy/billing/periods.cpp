#include "proxy/billing/periods.h"

#include <chrono>
#include <cstdio>

namespace switchyard::billing {

namespace {
using namespace std::chrono;
sys_days day_of(int64_t ms) { return floor<days>(sys_time<milliseconds>(milliseconds(ms))); }
int64_t ms_of(sys_days d) { return duration_cast<milliseconds>(d.time_since_epoch()).count(); }
}  // namespace

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

int64_t day_start(int64_t now_ms) { return ms_of(day_of(now_ms)); }

int64_t week_start(int64_t now_ms) {
  sys_days d = day_of(now_ms);
  return ms_of(d - (weekday(d) - Monday));  // weekday difference is always 0..6 days
}

int64_t month_start(int64_t now_ms) {
  year_month_day ymd(day_of(now_ms));
  return ms_of(sys_days(ymd.year() / ymd.month() / 1));
}

int64_t period_start(LimitReset reset, int64_t now_ms) {
  switch (reset) {
    case LimitReset::never: return 0;
    case LimitReset::daily: return day_start(now_ms);
    case LimitReset::weekly: return week_start(now_ms);
    case LimitReset::monthly: return month_start(now_ms);
  }
  return 0;
}

std::string format_iso8601(int64_t unix_ms) {
  sys_days d = day_of(unix_ms);
  year_month_day ymd(d);
  int64_t in_day = unix_ms - ms_of(d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(in_day / 3600000), static_cast<long long>(in_day / 60000 % 60),
                static_cast<long long>(in_day / 1000 % 60), static_cast<long long>(in_day % 1000));
  return buf;
}

namespace {

// Reads exactly `n` digits at `pos`.
std::optional<int> digits(std::string_view t, size_t& pos, size_t n) {
  if (pos + n > t.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = t[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool take(std::string_view t, size_t& pos, char c) {
  if (pos < t.size() && t[pos] == c) return ++pos, true;
  return false;
}

// "Z", "+HH:MM" or "-HH:MM" at pos -> the offset in ms east of UTC.
std::optional<int64_t> zone_offset(std::string_view t, size_t& pos) {
  if (take(t, pos, 'Z') || take(t, pos, 'z')) return 0;
  int sign = take(t, pos, '+') ? 1 : take(t, pos, '-') ? -1 : 0;
  if (!sign) return std::nullopt;
  auto h = digits(t, pos, 2);
  if (!h || !take(t, pos, ':')) return std::nullopt;
  auto m = digits(t, pos, 2);
  if (!m || *h > 23 || *m > 59) return std::nullopt;
  return sign * (int64_t{*h} * 3600000 + int64_t{*m} * 60000);
}

// "HH:MM:SS[.fff...]" at pos -> ms into the day.
std::optional<int64_t> time_of_day(std::string_view t, size_t& pos) {
  auto h = digits(t, pos, 2);
  if (!h || !take(t, pos, ':')) return std::nullopt;
  auto m = digits(t, pos, 2);
  if (!m || !take(t, pos, ':')) return std::nullopt;
  auto s = digits(t, pos, 2);
  if (!s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
  int64_t ms = int64_t{*h} * 3600000 + int64_t{*m} * 60000 + int64_t{*s} * 1000;
  if (take(t, pos, '.')) {
    int scale = 100, n = 0;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      ms += (t[pos++] - '0') * scale;
      scale /= 10;
      ++n;
    }
    if (n == 0) return std::nullopt;
  }
  return ms;
}

}  // namespace

std::optional<int64_t> parse_iso8601(std::string_view t) {
  size_t pos = 0;
  auto y = digits(t, pos, 4);
  if (!y || !take(t, pos, '-')) return std::nullopt;
  auto mo = digits(t, pos, 2);
  if (!mo || !take(t, pos, '-')) return std::nullopt;
  auto d = digits(t, pos, 2);
  if (!d) return std::nullopt;
  year_month_day ymd{year(*y), month(static_cast<unsigned>(*mo)), day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  int64_t ms = ms_of(sys_days(ymd));
  if (pos == t.size()) return ms;  // a date alone: its midnight UTC
  if (!take(t, pos, 'T') && !take(t, pos, 't') && !take(t, pos, ' ')) return std::nullopt;
  auto tod = time_of_day(t, pos);
  if (!tod) return std::nullopt;
  auto offset = zone_offset(t, pos);
  if (!offset || pos != t.size()) return std::nullopt;
  return ms + *tod - *offset;
}

}  // namespace switchyard::billing
