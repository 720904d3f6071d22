#include "proxy/auth/key_entry.h"

#include "providers/json_writer.h"

namespace switchyard::proxy {

using billing::Picodollars;

KeySettings settings_from(const db::ApiKeyRow& r) {
  KeySettings s;
  s.name = r.name;
  s.label = r.label;
  s.management = r.management;
  s.disabled = r.disabled;
  s.deleted = r.deleted;
  s.limit_pico = r.limit_pico;
  s.limit_reset = billing::parse_limit_reset(r.limit_reset).value_or(billing::LimitReset::never);
  s.expires_at = r.expires_at;
  s.rpm = r.rpm;
  s.tpm = r.tpm;
  s.max_concurrent = r.max_concurrent;
  return s;
}

KeyEntry::KeyEntry(std::string hash, KeySettings settings, int64_t usage_total, int64_t window_usage, int64_t now_ms)
    : key_hash(std::move(hash)), settings_(std::move(settings)), usage_total_(usage_total) {
  window_start_ = billing::period_start(settings_.limit_reset, now_ms);
  window_usage_ = settings_.limit_reset == billing::LimitReset::never ? usage_total : window_usage;
}

KeySettings KeyEntry::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

void KeyEntry::update(KeySettings settings, std::optional<int64_t> window_usage, int64_t now_ms) {
  std::lock_guard lock(mu_);
  bool period_changed = settings.limit_reset != settings_.limit_reset;
  settings_ = std::move(settings);
  if (!period_changed) return;
  window_start_ = billing::period_start(settings_.limit_reset, now_ms);
  if (settings_.limit_reset == billing::LimitReset::never) window_usage_ = usage_total_;
  else if (window_usage) window_usage_ = *window_usage;
}

void KeyEntry::roll_window(int64_t now_ms) const {
  int64_t start = billing::period_start(settings_.limit_reset, now_ms);
  if (start == window_start_) return;
  window_start_ = start;
  window_usage_ = 0;  // a fresh window; the usage rows stay
}

BudgetView KeyEntry::budget(int64_t now_ms) const {
  std::lock_guard lock(mu_);
  roll_window(now_ms);
  return BudgetView{usage_total_, window_start_, window_usage_, reserved_};
}

std::optional<int64_t> KeyEntry::remaining(int64_t now_ms) const {
  BudgetView b = budget(now_ms);
  auto limit = settings().limit_pico;
  if (!limit) return std::nullopt;
  return std::max<int64_t>(0, *limit - b.window_usage);
}

Error over_budget(int64_t limit, int64_t usage, int64_t reserved, Picodollars worst_case, billing::LimitReset reset) {
  using billing::usd_string;
  std::string period = billing::limit_reset_name(reset);
  std::string message = "API key has reached its credit limit: limit $" + usd_string(Picodollars(limit)) + ", used $" +
                        usd_string(Picodollars(usage)) + (period.empty() ? "" : " this " + period + " window") +
                        ", $" + usd_string(Picodollars(reserved)) + " held by requests in flight, and this request may cost up to $" +
                        usd_string(worst_case);
  JsonWriter meta;
  meta.begin_object();
  meta.field_raw("limit_usd", usd_string(Picodollars(limit))).field_raw("usage_usd", usd_string(Picodollars(usage)));
  meta.field_raw("reserved_usd", usd_string(Picodollars(reserved)));
  meta.field_raw("request_reservation_usd", usd_string(worst_case));
  meta.field("limit_reset", period.empty() ? std::string("never") : period).end_object();
  return Error{ErrorKind::payment_required, std::move(message), 0, meta.take(), 0};
}

Result<Picodollars> KeyEntry::reserve(Picodollars worst_case, int64_t now_ms) {
  std::lock_guard lock(mu_);
  roll_window(now_ms);
  if (!settings_.limit_pico) return billing::kZeroCost;  // nothing to hold back
  int64_t limit = *settings_.limit_pico;
  if (window_usage_ + reserved_ + worst_case.pico() <= limit) {
    reserved_ += worst_case.pico();
    return worst_case;
  }
  return std::unexpected(over_budget(limit, window_usage_, reserved_, worst_case, settings_.limit_reset));
}

void KeyEntry::settle(Picodollars reserved, Picodollars actual, int64_t now_ms) {
  std::lock_guard lock(mu_);
  roll_window(now_ms);
  reserved_ -= reserved.pico();
  window_usage_ += actual.pico();
  usage_total_ += actual.pico();
}

void KeyEntry::record_spend(Picodollars actual, int64_t now_ms) {
  std::lock_guard lock(mu_);
  roll_window(now_ms);
  window_usage_ += actual.pico();
  usage_total_ += actual.pico();
}

}  // namespace switchyard::proxy
