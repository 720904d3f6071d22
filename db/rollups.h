// Hourly usage rollups (DESIGN.md §5): the ledger keeps, in the same transaction as its rows,
// one row per hour x key x model x provider x upstream model x app x API x status class with
// the sums exports and the dashboard read, so they stay fast on millions of raw rows. The
// mapping from raw rows to rollup deltas lives here, the same for every store.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "db/records.h"

namespace switchyard::db {

struct RollupKey {
  int64_t hour = 0;  // unix ms / 3,600,000 (UTC hours)
  std::string key_hash, model, provider, upstream_model;
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
RollupKey rollup_key(const UsageRecord& r);
RollupCounts rollup_counts(const UsageRecord& r);
size_t latency_bucket(int64_t ms);
// The deltas a batch of newly written rows adds, by rollup row.
std::map<RollupKey, RollupCounts> rollups_of(const std::vector<const UsageRecord*>& records);

// ---- reading them back

enum class Granularity { hour, day, week, month };  // UTC; weeks start on Monday
enum class GroupField { key, model, provider, app, api, status };

struct UsageQuery {
  int64_t from_ms = 0;  // rollup hours overlapping [from_ms, to_ms)
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

}  // namespace switchyard::db
