#include "db/rollup_columns.h"

namespace switchyard::db {

const std::vector<std::string>& rollup_count_columns() {
  static const std::vector<std::string> columns = [] {
    std::vector<std::string> c = {"requests",  "prompt_tokens",  "completion_tokens", "cached_tokens",
                                  "reasoning_tokens", "cost_pico", "errors", "latency_ms_sum",
                                  "latency_count", "generation_ms_sum"};
    for (const char* prefix : {"lat_", "gen_"})
      for (size_t i = 0; i < kLatencyBuckets; ++i) c.push_back(prefix + std::to_string(i));
    return c;
  }();
  return columns;
}

std::vector<int64_t*> rollup_counts_fields(RollupCounts& c) {
  std::vector<int64_t*> f = {&c.requests,  &c.prompt_tokens, &c.completion_tokens, &c.cached_tokens,
                             &c.reasoning_tokens, &c.cost_pico, &c.errors, &c.latency_ms_sum,
                             &c.latency_count, &c.generation_ms_sum};
  for (auto& v : c.latency_hist) f.push_back(&v);
  for (auto& v : c.generation_hist) f.push_back(&v);
  return f;
}

const char* rollup_column(GroupField f) {
  switch (f) {
    case GroupField::key: return "key_hash";
    case GroupField::model: return "model";
    case GroupField::provider: return "provider";
    case GroupField::app: return "app";
    case GroupField::api: return "api";
    case GroupField::status: return "status_class";
  }
  return "key_hash";
}

const char* raw_column(GroupField f) {
  switch (f) {
    case GroupField::app: return "(CASE WHEN x_title <> '' THEN x_title ELSE http_referer END)";
    case GroupField::status:
      return "(CASE WHEN status >= 500 THEN '5xx' WHEN status >= 400 THEN '4xx' WHEN status >= 300 THEN '3xx' ELSE '2xx' END)";
    default: return rollup_column(f);
  }
}

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

}  // namespace switchyard::db
