#include "db/rollups.h"

#include "db/calendar.h"

namespace switchyard::db {

void RollupCounts::add(const RollupCounts& o) {
  requests += o.requests;
  prompt_tokens += o.prompt_tokens;
  completion_tokens += o.completion_tokens;
  cached_tokens += o.cached_tokens;
  reasoning_tokens += o.reasoning_tokens;
  cost_pico += o.cost_pico;
  errors += o.errors;
  latency_ms_sum += o.latency_ms_sum;
  latency_count += o.latency_count;
  generation_ms_sum += o.generation_ms_sum;
  for (size_t i = 0; i < kLatencyBuckets; ++i) {
    latency_hist[i] += o.latency_hist[i];
    generation_hist[i] += o.generation_hist[i];
  }
}

std::string app_of(const UsageRecord& r) { return r.x_title.empty() ? r.http_referer : r.x_title; }

std::string status_class_of(int status) {
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  if (status >= 300) return "3xx";
  return "2xx";
}

size_t latency_bucket(int64_t ms) {
  for (size_t i = 0; i < std::size(kLatencyEdgesMs); ++i)
    if (ms <= kLatencyEdgesMs[i]) return i;
  return kLatencyBuckets - 1;
}

const std::vector<Cube>& cubes() {
  static const std::vector<Cube> all = {
      {3, Grain::day, kDimModel | kDimProvider | kDimApi | kDimStatus},  // activity, spend over time
      {5, Grain::day, kDimApp | kDimApi | kDimStatus},                    // top apps
      {4, Grain::day, kDimKey | kDimModel | kDimProvider},                 // a key's activity, top keys
      {2, Grain::hour, kDimModel | kDimProvider | kDimApi | kDimStatus},  // hourly by model
      {1, Grain::day, kAllDims},
      {0, Grain::hour, kAllDims},
  };
  return all;
}

int64_t grain_ms(Grain g) { return g == Grain::hour ? 3'600'000 : 86'400'000; }

RollupKey rollup_key(const Cube& c, const UsageRecord& r) {
  auto keep = [&](unsigned dim, const std::string& v) { return (c.dims & dim) ? v : std::string(); };
  return RollupKey{c.id,
                   r.created / grain_ms(c.grain),
                   keep(kDimKey, r.key_hash),
                   keep(kDimModel, r.model),
                   keep(kDimProvider, r.provider),
                   keep(kDimProvider, r.upstream_model),
                   keep(kDimApp, app_of(r)),
                   keep(kDimApi, r.api),
                   keep(kDimStatus, status_class_of(r.status))};
}

RollupCounts rollup_counts(const UsageRecord& r) {
  RollupCounts c;
  c.requests = 1;
  c.prompt_tokens = r.prompt_tokens;
  c.completion_tokens = r.completion_tokens;
  c.cached_tokens = r.cached_tokens;
  c.reasoning_tokens = r.reasoning_tokens;
  c.cost_pico = r.cost_pico;
  c.errors = r.status >= 400 ? 1 : 0;
  if (r.latency_ms) {
    c.latency_ms_sum = *r.latency_ms;
    c.latency_count = 1;
    c.latency_hist[latency_bucket(*r.latency_ms)] = 1;
  }
  c.generation_ms_sum = r.generation_ms;
  c.generation_hist[latency_bucket(r.generation_ms)] = 1;
  return c;
}

std::map<RollupKey, RollupCounts> rollups_of(const std::vector<const UsageRecord*>& records) {
  std::map<RollupKey, RollupCounts> out;
  for (const UsageRecord* r : records) {
    RollupCounts counts = rollup_counts(*r);
    for (const Cube& c : cubes()) out[rollup_key(c, *r)].add(counts);
  }
  return out;
}

const char* group_field_name(GroupField f) {
  switch (f) {
    case GroupField::key: return "key";
    case GroupField::model: return "model";
    case GroupField::provider: return "provider";
    case GroupField::app: return "app";
    case GroupField::api: return "api";
    case GroupField::status: return "status";
  }
  return "key";
}

std::optional<GroupField> parse_group_field(std::string_view name) {
  for (GroupField f : {GroupField::key, GroupField::model, GroupField::provider, GroupField::app, GroupField::api,
                       GroupField::status})
    if (name == group_field_name(f)) return f;
  return std::nullopt;
}

const char* granularity_name(Granularity g) {
  switch (g) {
    case Granularity::hour: return "hour";
    case Granularity::day: return "day";
    case Granularity::week: return "week";
    case Granularity::month: return "month";
  }
  return "day";
}

std::optional<Granularity> parse_granularity(std::string_view name) {
  for (Granularity g : {Granularity::hour, Granularity::day, Granularity::week, Granularity::month})
    if (name == granularity_name(g)) return g;
  return std::nullopt;
}

unsigned dim_of(GroupField f) {
  switch (f) {
    case GroupField::key: return kDimKey;
    case GroupField::model: return kDimModel;
    case GroupField::provider: return kDimProvider;
    case GroupField::app: return kDimApp;
    case GroupField::api: return kDimApi;
    case GroupField::status: return kDimStatus;
  }
  return kAllDims;
}

UsageQuery whole_periods(UsageQuery q) {
  if (q.granularity == Granularity::hour) return q;
  q.from_ms = utc_day_start(q.from_ms);
  int64_t to_day = utc_day_start(q.to_ms);
  q.to_ms = to_day == q.to_ms ? to_day : to_day + 86'400'000;
  return q;
}

const Cube& cube_for(const UsageQuery& q) {
  unsigned needed = 0;
  for (GroupField f : q.group_by) needed |= dim_of(f);
  for (const auto& [f, v] : q.where) needed |= dim_of(f);
  // Day cubes hold whole UTC days: they serve day, week and month buckets over whole days.
  bool hours_needed = q.granularity == Granularity::hour || q.from_ms % 86'400'000 != 0 || q.to_ms % 86'400'000 != 0;
  for (const Cube& c : cubes())
    if ((c.dims & needed) == needed && (c.grain == Grain::hour || !hours_needed)) return c;
  return cubes().back();
}

int64_t period_floor(Granularity g, int64_t ms) {
  switch (g) {
    case Granularity::hour: return ms - ((ms % 3'600'000) + 3'600'000) % 3'600'000;
    case Granularity::day: return utc_day_start(ms);
    case Granularity::week: return utc_week_start(ms);
    case Granularity::month: return utc_month_start(ms);
  }
  return ms;
}

}  // namespace switchyard::db
