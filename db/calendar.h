// UTC calendar arithmetic shared by the store (rollup periods) and the proxy (budget
// windows, the API's times): days, Monday weeks, months, and ISO 8601 text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::db {

// Unix ms at 00:00 UTC of the day, of the Monday, and of the 1st of the month holding ms.
int64_t utc_day_start(int64_t unix_ms);
int64_t utc_week_start(int64_t unix_ms);
int64_t utc_month_start(int64_t unix_ms);

// "2026-12-01T09:30:00.250Z" (always UTC, milliseconds).
std::string format_iso8601(int64_t unix_ms);
// ISO 8601 in UTC or with an offset: "2026-12-01", "2026-12-01T09:30:00Z",
// "2026-12-01T09:30:00.250+01:00"; nullopt for anything else (including impossible dates).
std::optional<int64_t> parse_iso8601(std::string_view text);

}  // namespace switchyard::db
