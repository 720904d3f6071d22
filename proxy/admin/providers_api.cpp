#include "proxy/admin/providers_api.h"

#include "providers/json_writer.h"
#include "proxy/billing/money.h"
#include "proxy/http/error.h"
#include "proxy/routing/health_json.h"

namespace switchyard::proxy::admin {

namespace {

// USD per million tokens, as operators set prices.
std::string per_million(billing::Picodollars per_token) {
  return billing::usd_string(billing::Picodollars(per_token.pico() * 1'000'000));
}

void write_price(JsonWriter& w, const std::optional<billing::PriceInForce>& p) {
  if (!p) {
    w.null();
    return;
  }
  w.begin_object().field("id", p->id).field_raw("prompt", per_million(p->pricing.prompt));
  w.field_raw("completion", per_million(p->pricing.completion));
  w.field_raw("request", billing::usd_string(p->pricing.request)).end_object();
}

}  // namespace

void handle_providers(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  auto catalog = s.catalog->current();
  JsonWriter w;
  w.begin_object().key("data").begin_array();
  for (const auto& m : catalog->config->models)
    for (const auto& e : m.endpoints) {
      EndpointId id{m.id, e.provider, e.upstream_model};
      const ProviderKind* kind = catalog->providers->kind_of(e.provider);
      w.begin_object().field("model", m.id).field("provider", e.provider).field("upstream_model", e.upstream_model);
      w.field("kind", kind ? kind->name : std::string()).field("quantization", e.quantization);
      w.key("price");
      write_price(w, s.prices->at(id, s.now_ms()));
      write_health_fields(w, s.health->health(id));
      w.end_object();
    }
  w.end_array().end_object();
  send_json(res, w.take());
}

}  // namespace switchyard::proxy::admin
