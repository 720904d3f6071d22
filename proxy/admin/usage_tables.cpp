#include "proxy/admin/usage_tables.h"

#include "db/calendar.h"
#include "providers/json_writer.h"
#include "proxy/billing/money.h"

namespace switchyard::proxy::admin {

namespace {
Cell usd(int64_t pico) { return Number{billing::usd_string(billing::Picodollars(pico))}; }

std::string attempts_json(const db::UsageRecord& r) {
  JsonWriter w;
  w.begin_array();
  for (const auto& a : r.attempts) {
    w.begin_object().field("attempt", int64_t{a.attempt}).field("provider", a.provider);
    w.field("upstream_model", a.upstream_model).field("status", int64_t{a.status});
    if (a.latency_ms) w.field("latency_ms", *a.latency_ms);
    else w.field_null("latency_ms");
    if (!a.error_kind.empty()) w.field("error_kind", a.error_kind).field("error", a.error_message);
    w.end_object();
  }
  w.end_array();
  return w.take();
}
}  // namespace

std::vector<std::string> usage_columns(const std::vector<db::GroupField>& group_by) {
  std::vector<std::string> c = {"period_start"};
  for (auto f : group_by) c.push_back(db::group_field_name(f));
  for (const char* n : {"requests", "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens",
                        "cost_usd", "errors", "latency_ms_sum", "latency_count", "generation_ms_sum"})
    c.push_back(n);
  return c;
}

std::vector<Cell> usage_cells(const db::UsageBucket& b, const std::vector<db::GroupField>& group_by) {
  std::vector<Cell> c = {db::format_iso8601(b.period_start_ms)};
  for (auto f : group_by) c.push_back(b.group.at(f));
  const auto& n = b.counts;
  for (Cell v : {Cell{n.requests}, Cell{n.prompt_tokens}, Cell{n.completion_tokens}, Cell{n.cached_tokens},
                 Cell{n.reasoning_tokens}, usd(n.cost_pico), Cell{n.errors}, Cell{n.latency_ms_sum},
                 Cell{n.latency_count}, Cell{n.generation_ms_sum}})
    c.push_back(std::move(v));
  return c;
}

std::vector<std::string> generation_columns() {
  return {"id",          "generation_id", "created_at", "key_hash",      "model",           "provider",
          "upstream_model", "api",        "app",        "http_referer",  "x_title",         "status",
          "streamed",    "cancelled",     "finish_reason", "prompt_tokens", "completion_tokens", "cached_tokens",
          "reasoning_tokens", "cost_usd", "insured",    "waived_usd",    "latency_ms",      "generation_ms",
          "total_ms",    "error",         "attempts"};
}

std::vector<Cell> generation_cells(const db::UsageRow& row) {
  const db::UsageRecord& r = row.record;
  return {row.id,
          r.generation_id,
          db::format_iso8601(r.created),
          r.key_hash,
          r.model,
          r.provider,
          r.upstream_model,
          r.api,
          db::app_of(r),
          r.http_referer,
          r.x_title,
          int64_t{r.status},
          int64_t{r.streamed},
          int64_t{r.cancelled},
          r.finish_reason,
          r.prompt_tokens,
          r.completion_tokens,
          r.cached_tokens,
          r.reasoning_tokens,
          usd(r.cost_pico),
          int64_t{r.insured},
          usd(r.waived_pico),
          r.latency_ms ? Cell{*r.latency_ms} : Cell{nullptr},
          r.generation_ms,
          r.total_ms,
          r.error_message,
          Json{attempts_json(r)}};
}

}  // namespace switchyard::proxy::admin
