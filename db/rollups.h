// Usage rollups (DESIGN.md §5): the ledger keeps, in the same transaction as its rows, sums
// that exports and the dashboard read instead of raw rows, so they stay fast on millions of
// rows. A raw row adds to one row of each *cube*: a grain (UTC hour or day) and a set of
// dimensions (key, model, provider with upstream model, app, API, status class) it is
// grouped by, the others left empty. The full cube (hour x every dimension) can answer any
// question; the narrower ones answer the common ones (the dashboard's overview, activity, a
// month by model) from a few thousand rows. A query reads the smallest cube that has every
// field it groups or filters by, at a grain no coarser than it asks. The mapping from raw
// rows to deltas and the choice of cube live here, the same for every store.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "db/records.h"

namespace switchyard::db {

enum class Grain { hour, day };
// Dimensions a cube keeps (a bit set).
enum Dim : unsigned { kDimKey = 1, kDimModel = 2, kDimProvider = 4, kDimApp = 8, kDimApi = 16, kDimStatus = 32 };
inline constexpr unsigned kAllDims = 63;

struct Cube {
  int id;        // stored with each rollup row
  Grain grain;
  unsigned dims;
};
// Every cube, smallest (fewest rows) first; the last is the full one.
const std::vector<Cube>& cubes();

struct RollupKey {
  int cube = 0;
  int64_t period = 0;  // unix ms / 3,600,000 (hour cubes) or / 86,400,000 (day cubes)
  std::string key_hash, model, provider, upstream_model;  // "" when the cube drops the dimension
  std::string app;           // X-Title, else HTTP-Referer, else ""
  std::string api;           // chat | completions | messages | responses
  std::string status_class;  // 2xx | 4xx | 5xx (a cancelled 499 is 4xx)
  auto operator<=>(const RollupKey&) const = default;
};

struct RollupCounts {
  int64_t requests = 0;
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0, reasoning_tokens = 0;
  int64_t cost_pico = 0;
  int64_t errors = 0;  // status >= 400
  int64_t latency_ms_sum = 0, latency_count = 0;  // to first byte, for rows that have one
  int64_t generation_ms_sum = 0;
  // Bucket i counts values <= kLatencyEdgesMs[i]; the last bucket counts the rest.
  std::array<int64_t, kLatencyBuckets> latency_hist{};
  std::array<int64_t, kLatencyBuckets> generation_hist{};
  void add(const RollupCounts& o);
  bool operator==(const RollupCounts&) const = default;
};

struct RollupRow {
  RollupKey key;
  RollupCounts counts;
};

std::string app_of(const UsageRecord& r);
std::string status_class_of(int status);
RollupKey rollup_key(const Cube& cube, const UsageRecord& r);
RollupCounts rollup_counts(const UsageRecord& r);
size_t latency_bucket(int64_t ms);
// The deltas a batch of newly written rows adds, by rollup row, for every cube.
std::map<RollupKey, RollupCounts> rollups_of(const std::vector<const UsageRecord*>& records);

// ---- reading them back

enum class Granularity { hour, day, week, month };  // UTC; weeks start on Monday
enum class GroupField { key, model, provider, app, api, status };

struct UsageQuery {
  int64_t from_ms = 0;  // the cube's periods (hours or days) overlapping [from_ms, to_ms)
  int64_t to_ms = 0;
  Granularity granularity = Granularity::day;
  std::vector<GroupField> group_by;
  // Filters on the same fields; empty = any.
  std::map<GroupField, std::string> where;
};

struct UsageBucket {
  int64_t period_start_ms = 0;
  std::map<GroupField, std::string> group;  // the group_by fields' values
  RollupCounts counts;
};

const char* group_field_name(GroupField f);  // key, model, provider, app, api, status
std::optional<GroupField> parse_group_field(std::string_view name);
const char* granularity_name(Granularity g);
std::optional<Granularity> parse_granularity(std::string_view name);
// The start of the period (UTC) holding `unix_ms`.
int64_t period_floor(Granularity g, int64_t unix_ms);
// Day, week and month buckets hold whole UTC days: their ranges widen to day boundaries.
UsageQuery whole_periods(UsageQuery q);
// The smallest cube that can answer `q` (after whole_periods).
const Cube& cube_for(const UsageQuery& q);
unsigned dim_of(GroupField f);
int64_t grain_ms(Grain g);  // 3,600,000 or 86,400,000

}  // namespace switchyard::db
