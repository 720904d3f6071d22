#include "proxy/pipeline/access_log.h"

#include <ctime>

#include "providers/json_writer.h"
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

// Bytes outside printable ASCII are escaped (\n, \t, \xNN), so a value is always one line
// and valid in any encoding; a value with spaces, quotes or '=' is quoted.
std::string text_value(const std::string& v) {
  if (v.empty()) return "-";
  bool quote = false;
  std::string out;
  for (unsigned char c : v) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c >= 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      if (c == ' ' || c == '"' || c == '=' || c == '\\') quote = true;
      if (c == '"' || c == '\\') out += '\\';
      out += static_cast<char>(c);
    }
  }
  return quote ? "\"" + out + "\"" : out;
}

// JSON strings must be valid UTF-8: bytes that are not become U+FFFD.
std::string valid_utf8(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
    if (ok && len > 1 && c < 0xc2) ok = false;  // overlong 2-byte forms
    if (!ok) {
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    out.append(s, i, len);
    i += len;
  }
  return out;
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
  w.field("time", iso_time(r.created)).field("generation_id", valid_utf8(r.generation_id));
  w.field("status", r.status).field("key", valid_utf8(ctx.key_name)).field("app", valid_utf8(app_of(r)));
  w.field("client_ip", valid_utf8(ctx.client_ip)).field("api", valid_utf8(r.api)).field("model", valid_utf8(r.model));
  w.field("provider", valid_utf8(r.provider)).field("upstream_model", valid_utf8(r.upstream_model));
  w.field("prompt_tokens", r.prompt_tokens).field("completion_tokens", r.completion_tokens);
  w.key("cost").raw(billing::usd_string(billing::Picodollars(r.cost_pico)));  // USD, a JSON number
  if (r.latency_ms) w.field("ttfb_ms", *r.latency_ms);
  else w.field_null("ttfb_ms");
  w.field("total_ms", r.total_ms).field("attempts", static_cast<int64_t>(r.attempts.size()));
  w.field("streamed", r.streamed).field("cancelled", r.cancelled).field("usage_estimated", r.usage_estimated);
  if (!r.error_message.empty()) w.field("error", valid_utf8(r.error_message));
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
