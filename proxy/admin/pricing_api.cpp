#include "proxy/admin/pricing_api.h"

#include "providers/json_writer.h"
#include "proxy/admin/json_body.h"
#include "proxy/api/common/json_fields.h"
#include "proxy/billing/periods.h"
#include "proxy/http/error.h"

namespace switchyard::proxy::admin {

using namespace json_fields;
using billing::Picodollars;

namespace {

// Picodollars per token -> USD per million tokens (picodollars per million / 1e12).
std::string per_million(int64_t pico_per_token) { return billing::usd_string(Picodollars(pico_per_token * 1'000'000)); }

void write_price(JsonWriter& w, const db::PriceRow& p) {
  w.begin_object().field("id", p.id);
  w.field("model", p.model).field("provider", p.provider).field("upstream_model", p.upstream_model);
  w.field_raw("prompt", per_million(p.prompt_pico)).field_raw("completion", per_million(p.completion_pico));
  w.field_raw("request", billing::usd_string(Picodollars(p.request_pico)));
  if (p.cache_read_pico) w.field_raw("input_cache_read", per_million(*p.cache_read_pico));
  else w.field_null("input_cache_read");
  if (p.cache_write_pico) w.field_raw("input_cache_write", per_million(*p.cache_write_pico));
  else w.field_null("input_cache_write");
  w.field("effective_from", billing::format_iso8601(p.effective_from));
  w.field("created_at", billing::format_iso8601(p.created));
  w.field("source", p.source).field("set_by", p.set_by);
  w.end_object();
}

// A token price: USD per million, exact to the micro-dollar per million.
Result<int64_t> token_price(element e, std::string_view param) {
  NORM_TRY(usd, number_in(e, param, Range{0, 1e6}));
  auto pico = billing::usd_per_million_to_pico_per_token(usd);
  if (!pico) return invalid(param, "a USD price per million tokens with at most 6 decimals", describe(e));
  return pico->pico();
}

Result<std::optional<int64_t>> token_price_or_null(element e, std::string_view param) {
  if (e.is_null()) return std::optional<int64_t>();
  NORM_TRY(v, token_price(e, param));
  return std::optional<int64_t>(v);
}

struct PriceRequest {
  db::PriceRow row;
  bool has_prompt = false, has_completion = false;
};

FieldTable price_fields(PriceRequest& r) {
  auto text = [](std::string& out, const char* name) {
    return [&out, name](element e) -> Result<void> {
      NORM_TRY(v, non_empty_string(e, name));
      out = std::string(v);
      return {};
    };
  };
  FieldTable t;
  t.emplace_back("model", text(r.row.model, "model"));
  t.emplace_back("provider", text(r.row.provider, "provider"));
  t.emplace_back("upstream_model", text(r.row.upstream_model, "upstream_model"));
  t.emplace_back("prompt", [&r](element e) -> Result<void> {
    NORM_TRY(v, token_price(e, "prompt"));
    r.row.prompt_pico = v;
    r.has_prompt = true;
    return {};
  });
  t.emplace_back("completion", [&r](element e) -> Result<void> {
    NORM_TRY(v, token_price(e, "completion"));
    r.row.completion_pico = v;
    r.has_completion = true;
    return {};
  });
  t.emplace_back("request", [&r](element e) -> Result<void> {
    NORM_TRY(v, usd_or_null(e, "request"));
    r.row.request_pico = v.value_or(0);
    return {};
  });
  t.emplace_back("input_cache_read", [&r](element e) -> Result<void> {
    NORM_TRY(v, token_price_or_null(e, "input_cache_read"));
    r.row.cache_read_pico = v;
    return {};
  });
  t.emplace_back("input_cache_write", [&r](element e) -> Result<void> {
    NORM_TRY(v, token_price_or_null(e, "input_cache_write"));
    r.row.cache_write_pico = v;
    return {};
  });
  t.emplace_back("effective_from", [&r](element e) -> Result<void> {
    NORM_TRY(v, time_or_null(e, "effective_from"));
    if (v) r.row.effective_from = *v;
    return {};
  });
  return t;
}

// The catalog endpoint the body names; upstream_model may be left out when it is unique.
Result<void> resolve_endpoint(const Config& config, db::PriceRow& row) {
  const ModelConfig* m = config.find_model(row.model);
  if (!m) return fail(ErrorKind::not_found, "Model '" + row.model + "' is not in the catalog");
  const EndpointConfig* found = nullptr;
  int matches = 0;
  for (const auto& e : m->endpoints)
    if (e.provider == row.provider && (row.upstream_model.empty() || e.upstream_model == row.upstream_model)) {
      found = &e;
      ++matches;
    }
  if (!found)
    return fail(ErrorKind::not_found, "Model '" + row.model + "' has no endpoint at provider '" + row.provider + "'" +
                                          (row.upstream_model.empty() ? "" : " for '" + row.upstream_model + "'"));
  if (matches > 1) return fail(ErrorKind::invalid_argument, "upstream_model is needed: provider '" + row.provider +
                                                                "' serves model '" + row.model + "' more than once",
                               "{\"param\":\"upstream_model\"}");
  row.upstream_model = found->upstream_model;
  return {};
}

Result<db::PriceRow> parse_price(std::string_view body, const Config& config, int64_t now_ms) {
  PriceRequest r;
  r.row.effective_from = now_ms;
  NORM_CHECK(read_object(body, price_fields(r)));
  if (r.row.model.empty()) return invalid("model", "a non-empty string", "nothing");
  if (r.row.provider.empty()) return invalid("provider", "a non-empty string", "nothing");
  if (!r.has_prompt) return invalid("prompt", "a USD price per million tokens", "nothing");
  if (!r.has_completion) return invalid("completion", "a USD price per million tokens", "nothing");
  NORM_CHECK(resolve_endpoint(config, r.row));
  return r.row;
}

}  // namespace

void handle_list_prices(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  auto catalog = s.catalog->current();
  int64_t now = s.now_ms();
  JsonWriter w;
  w.begin_object().key("data").begin_array();
  for (const auto& m : catalog->config->models)
    for (const auto& e : m.endpoints) {
      db::EndpointKey key{m.id, e.provider, e.upstream_model};
      auto history = s.prices->history(key);
      auto in_force = s.prices->at(key, now);
      w.begin_object().field("model", m.id).field("provider", e.provider).field("upstream_model", e.upstream_model);
      w.key("in_force");
      const db::PriceRow* current = nullptr;
      for (const auto& h : history)
        if (in_force && h.id == in_force->id) current = &h;
      if (current) write_price(w, *current);
      else w.null();
      w.key("history").begin_array();
      for (const auto& h : history) write_price(w, h);
      w.end_array().end_object();
    }
  w.end_array().end_object();
  send_json(res, w.take());
}

void handle_set_price(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  auto catalog = s.catalog->current();
  auto row = parse_price(req.body, *catalog->config, s.now_ms());
  if (!row) return send_error(res, row.error());
  row->source = "api";
  row->set_by = actor_of(**admin);
  JsonWriter details;
  write_price(details, *row);
  db::AuditEntry a{0, 0, row->set_by, "price.set", row->model + "|" + row->provider + "|" + row->upstream_model,
                   details.take()};
  auto stored = s.store->add_price(*row, &a);
  if (!stored) return send_error(res, Error{ErrorKind::internal, "store: " + stored.error().message, 0, {}, 0});
  s.prices->add(*stored);
  JsonWriter w;
  w.begin_object().key("data");
  write_price(w, *stored);
  w.end_object();
  send_json(res, w.take(), 201);
}

}  // namespace switchyard::proxy::admin
