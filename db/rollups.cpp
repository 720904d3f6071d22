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

RollupKey rollup_key(const UsageRecord& r) {
  return RollupKey{r.created / 3'600'000, r.key_hash, r.model, r.provider, r.upstream_model,
                   app_of(r),             r.api,      status_class_of(r.status)};
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
  for (const UsageRecord* r : records) out[rollup_key(*r)].add(rollup_counts(*r));
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
