// UTC calendar for billing: budget windows (a key's limit may reset daily, weekly or
// monthly; weeks start on Monday; a reset starts a fresh window and never deletes usage)
// and the ISO 8601 times the API reads and writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::billing {

enum class LimitReset { never, daily, weekly, monthly };

// "" or "never" -> never; "daily" | "weekly" | "monthly"; nullopt for anything else.
std::optional<LimitReset> parse_limit_reset(std::string_view text);
const char* limit_reset_name(LimitReset r);  // "" for never (as stored), else the word

// The start (unix ms) of the window holding `now_ms`: 0 for never.
int64_t period_start(LimitReset reset, int64_t now_ms);
// Unix ms at 00:00 UTC of the day, of the Monday, and of the 1st of the month holding now_ms.
int64_t day_start(int64_t now_ms);
int64_t week_start(int64_t now_ms);
int64_t month_start(int64_t now_ms);

// "2026-12-01T09:30:00.250Z" (always UTC, milliseconds).
std::string format_iso8601(int64_t unix_ms);
// ISO 8601 in UTC or with an offset: "2026-12-01", "2026-12-01T09:30:00Z",
// "2026-12-01T09:30:00.250+01:00"; nullopt for anything else (including impossible dates).
std::optional<int64_t> parse_iso8601(std::string_view text);

}  // namespace switchyard::billing
