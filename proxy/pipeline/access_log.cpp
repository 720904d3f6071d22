#include "proxy/pipeline/access_log.h"

#include <ctime>

#include "providers/json_writer.h"  // strings made valid UTF-8 there
#include "proxy/http/log_text.h"
#include "proxy/billing/money.h"

namespace switchyard::proxy {

namespace {

std::string iso_time(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

const std::string& app_of(const db::UsageRecord& r) { return r.x_title.empty() ? r.http_referer : r.x_title; }

// One line per value: escape_log_text (the one escaping of every log line) turns control
// bytes and invalid UTF-8 into \n, \xNN...; a value with spaces, quotes or '=' is quoted.
std::string text_value(const std::string& v) {
  if (v.empty()) return "-";
  std::string escaped = escape_log_text(v);
  if (escaped.find_first_of(" \"=") == std::string::npos) return escaped;
  std::string out = "\"";
  for (char c : escaped) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string format_access_text(const db::UsageRecord& r, const AccessContext& ctx) {
  std::string line = iso_time(r.created) + " " + text_value(r.generation_id) + " status=" + std::to_string(r.status);
  line += " key=" + text_value(ctx.key_name) + " app=" + text_value(app_of(r)) + " ip=" + text_value(ctx.client_ip);
  line += " api=" + text_value(r.api) + " model=" + text_value(r.model);
  line += " provider=" + text_value(r.provider) + " upstream=" + text_value(r.upstream_model);
  line += " tokens=" + std::to_string(r.prompt_tokens) + "+" + std::to_string(r.completion_tokens);
  line += " cost=$" + billing::usd_string(billing::Picodollars(r.cost_pico));
  line += " ttfb_ms=" + (r.latency_ms ? std::to_string(*r.latency_ms) : std::string("-"));
  line += " total_ms=" + std::to_string(r.total_ms) + " attempts=" + std::to_string(r.attempts.size());
  if (r.streamed) line += " stream";
  if (r.cancelled) line += " cancelled";
  if (r.usage_estimated) line += " estimated";
  if (r.insured) line += " insured";
  if (!r.error_message.empty()) line += " error=" + text_value(r.error_message);
  return line + "\n";
}

std::string format_access_json(const db::UsageRecord& r, const AccessContext& ctx) {
  JsonWriter w;
  w.begin_object();
  w.field("time", iso_time(r.created)).field("generation_id", r.generation_id);
  w.field("status", r.status).field("key", ctx.key_name).field("app", app_of(r));
  w.field("client_ip", ctx.client_ip).field("api", r.api).field("model", r.model);
  w.field("provider", r.provider).field("upstream_model", r.upstream_model);
  w.field("prompt_tokens", r.prompt_tokens).field("completion_tokens", r.completion_tokens);
  w.key("cost").raw(billing::usd_string(billing::Picodollars(r.cost_pico)));  // USD, a JSON number
  if (r.latency_ms) w.field("ttfb_ms", *r.latency_ms);
  else w.field_null("ttfb_ms");
  w.field("total_ms", r.total_ms).field("attempts", static_cast<int64_t>(r.attempts.size()));
  w.field("streamed", r.streamed).field("cancelled", r.cancelled).field("usage_estimated", r.usage_estimated);
  if (!r.error_message.empty()) w.field("error", r.error_message);
  w.end_object();
  return w.take() + "\n";
}

void AccessLog::write(const db::UsageRecord& row, const AccessContext& ctx) {
  std::string line = json_ ? format_access_json(row, ctx) : format_access_text(row, ctx);
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace switchyard::proxy
