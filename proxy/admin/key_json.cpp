#include "proxy/admin/key_json.h"

#include "proxy/billing/money.h"
#include "proxy/billing/periods.h"

namespace switchyard::proxy::admin {

namespace {

using billing::Picodollars;

void usd_field(JsonWriter& w, std::string_view name, int64_t pico) {
  w.field_raw(name, billing::usd_string(Picodollars(pico)));
}

void optional_int(JsonWriter& w, std::string_view name, const std::optional<int64_t>& v) {
  if (v) w.field(name, *v);
  else w.field_null(name);
}

void optional_time(JsonWriter& w, std::string_view name, const std::optional<int64_t>& ms) {
  if (ms) w.field(name, billing::format_iso8601(*ms));
  else w.field_null(name);
}

}  // namespace

Result<KeyUsage> key_usage(db::KeyStore& store, const db::ApiKeyRow& row, int64_t now_ms) {
  KeyUsage u;
  u.total = row.usage_pico;
  struct Window {
    int64_t since;
    int64_t* out;
  };
  for (Window w : {Window{billing::day_start(now_ms), &u.daily}, Window{billing::week_start(now_ms), &u.weekly},
                   Window{billing::month_start(now_ms), &u.monthly}}) {
    auto v = store.key_usage_since(row.key_hash, w.since);
    if (!v) return fail(ErrorKind::internal, "cannot read usage: " + v.error().message);
    *w.out = *v;
  }
  auto reset = billing::parse_limit_reset(row.limit_reset).value_or(billing::LimitReset::never);
  u.window = reset == billing::LimitReset::daily     ? u.daily
             : reset == billing::LimitReset::weekly  ? u.weekly
             : reset == billing::LimitReset::monthly ? u.monthly
                                                      : u.total;
  return u;
}

void write_key(JsonWriter& w, const db::ApiKeyRow& r, const KeyUsage& u) {
  w.begin_object();
  w.field("hash", r.key_hash).field("name", r.name).field("label", r.label).field("disabled", r.disabled);
  if (r.limit_pico) {
    usd_field(w, "limit", *r.limit_pico);
    usd_field(w, "limit_remaining", std::max<int64_t>(0, *r.limit_pico - u.window));
  } else {
    w.field_null("limit").field_null("limit_remaining");
  }
  if (r.limit_reset.empty()) w.field_null("limit_reset");
  else w.field("limit_reset", r.limit_reset);
  usd_field(w, "usage", u.total);
  usd_field(w, "usage_daily", u.daily);
  usd_field(w, "usage_weekly", u.weekly);
  usd_field(w, "usage_monthly", u.monthly);
  w.field("created_at", billing::format_iso8601(r.created));
  w.field("updated_at", billing::format_iso8601(r.updated));
  optional_time(w, "expires_at", r.expires_at);
  w.field("is_management_key", r.management);
  w.key("rate_limits").begin_object();
  optional_int(w, "rpm", r.rpm);
  optional_int(w, "tpm", r.tpm);
  optional_int(w, "max_concurrent", r.max_concurrent);
  w.end_object();
  w.end_object();
}

}  // namespace switchyard::proxy::admin
