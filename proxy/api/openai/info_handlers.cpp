#include "proxy/api/openai/info_handlers.h"

#include "proxy/routing/health_json.h"
#include "proxy/routing/router.h"

#include <algorithm>
#include <set>

#include "providers/json_writer.h"
#include "proxy/billing/money.h"
#include "proxy/http/error.h"

namespace switchyard::proxy {

namespace {


// OpenRouter's pricing object: USD per token (and per request) as decimal strings.
void write_pricing(JsonWriter& w, const billing::Pricing& p) {
  w.begin_object();
  w.field("prompt", billing::usd_string(p.prompt));
  w.field("completion", billing::usd_string(p.completion));
  w.field("request", billing::usd_string(p.request));
  w.field("image", "0");
  if (p.cache_read) w.field("input_cache_read", billing::usd_string(*p.cache_read));
  if (p.cache_write) w.field("input_cache_write", billing::usd_string(*p.cache_write));
  w.end_object();
}

}  // namespace

std::vector<std::string> supported_parameters(const ModelConfig& model, const ProviderRegistry& registry) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const auto& e : model.endpoints) {
    const auto list = endpoint_parameters(e, registry.kind_of(e.provider));
    for (const auto& p : list)
      if (seen.insert(p).second) out.push_back(p);
  }
  return out;
}

namespace {

// The price in force now; nullopt for an endpoint nobody priced (it is not routed).
std::optional<billing::Pricing> price_now(const InfoServices& s, const ModelConfig& m, const EndpointConfig& e) {
  auto p = s.prices->at(EndpointId{m.id, e.provider, e.upstream_model}, s.now_ms());
  if (!p) return std::nullopt;
  return p->pricing;
}

// The cheapest priced endpoint's prices stand for the model, as OpenRouter lists them.
std::optional<billing::Pricing> cheapest_price(const InfoServices& s, const ModelConfig& m) {
  std::optional<billing::Pricing> best;
  for (const auto& e : m.endpoints)
    if (auto p = price_now(s, m, e); p && (!best || p->blended() < best->blended())) best = p;
  return best;
}

}  // namespace

namespace {

// Why nothing can serve a model: every provider skipped (no secret set), or no price.
std::string unavailable_reason(const Config& config, const ModelConfig& m) {
  if (m.endpoints.empty()) {
    std::string why = "no provider of this model is configured";
    if (!config.skipped_providers.empty()) why += " (skipped: " + config.skipped_providers.front().second + ")";
    return why;
  }
  return "no endpoint of this model has a price";
}

// One model object in OpenRouter's shape; an unavailable one has pricing null and says why.
void write_model(JsonWriter& w, const InfoServices& s, const Catalog& catalog, const ModelConfig& m) {
  auto price = cheapest_price(s, m);
  w.begin_object();
  w.field("id", m.id).field("canonical_slug", m.id).field("name", m.name).field("created", m.created);
  w.field("description", m.description).field("context_length", m.context_length);
  w.field("object", "model").field("owned_by", m.id.substr(0, m.id.find('/')));
  w.key("architecture").begin_object().field("modality", "text->text");
  w.key("input_modalities").begin_array().value("text").end_array();
  w.key("output_modalities").begin_array().value("text").end_array();
  w.field("tokenizer", "Other").field_null("instruct_type").end_object();
  w.key("pricing");
  if (price) write_pricing(w, *price);
  else w.null();  // never "0": an unpriced model is not free, it cannot be served
  w.field("status", price ? "available" : "unavailable");
  if (!price) w.field("unavailable_reason", unavailable_reason(*catalog.config, m));
  w.key("top_provider").begin_object().field("context_length", m.context_length);
  if (m.max_completion_tokens > 0) w.field("max_completion_tokens", m.max_completion_tokens);
  else w.field_null("max_completion_tokens");
  w.field("is_moderated", false).end_object();
  w.field_null("per_request_limits");
  w.key("supported_parameters").begin_array();
  for (const auto& p : supported_parameters(m, *catalog.providers)) w.value(p);
  w.end_array();
  w.field("endpoint_count", static_cast<int64_t>(m.endpoints.size()));
  w.end_object();
}

}  // namespace

void handle_models(const InfoServices& s, const httplib::Request&, httplib::Response& res) {
  auto catalog = s.catalog->current();
  const bool list_unavailable = catalog->config->server.list_unavailable_models;
  JsonWriter w;
  w.begin_object().field("object", "list").key("data").begin_array();
  for (const auto& m : catalog->config->models)
    if (list_unavailable || cheapest_price(s, m)) write_model(w, s, *catalog, m);
  w.end_array().end_object();
  send_json(res, w.take());
}

void handle_model(const InfoServices& s, const httplib::Request& req, httplib::Response& res) {
  auto catalog = s.catalog->current();
  ModelRef ref = parse_model_ref(req.matches[1]);  // "a/b:nitro" is model a/b
  const ModelConfig* m = catalog->config->find_model(ref.id);
  bool shown = m && (catalog->config->server.list_unavailable_models || cheapest_price(s, *m));
  if (!shown)
    return send_error(res, Error{ErrorKind::not_found, "Model '" + std::string(req.matches[1]) + "' not found", 0,
                                 "{\"param\":\"model\"}", 0});
  JsonWriter w;
  write_model(w, s, *catalog, *m);
  send_json(res, w.take());
}

void handle_generation(const InfoServices& s, const httplib::Request& req, httplib::Response& res) {
  auto key = s.keys->authenticate(req.get_header_value("Authorization"));
  if (!key) return send_error(res, key.error());
  std::string id = req.get_param_value("id");
  if (id.empty()) return send_error(res, Error{ErrorKind::invalid_argument, "Query parameter 'id' is required", 0, {}, 0});
  auto row = s.usage->get_generation(id);
  if (row && !*row) {
    // Rows are written asynchronously: a client asking right after its response may be
    // ahead of the writer. Wait for what is queued, then look once more.
    s.ledger->flush();
    row = s.usage->get_generation(id);
  }
  if (!row) return send_error(res, Error{ErrorKind::internal, "Cannot read the ledger", 0, {}, 0});
  // Another key's generation is as good as unknown: ids must not leak across keys.
  if (!*row || (*row)->key_hash != (*key)->key_hash)
    return send_error(res, Error{ErrorKind::not_found, "Generation '" + id + "' not found", 0, {}, 0});
  const db::UsageRecord& r = **row;
  JsonWriter w;
  w.begin_object().key("data").begin_object();
  w.field("id", r.generation_id).field("model", r.model).field("provider_name", r.provider);
  w.field("upstream_model", r.upstream_model);
  w.field("created_at_ms", r.created);
  w.field("tokens_prompt", r.prompt_tokens).field("tokens_completion", r.completion_tokens);
  w.field("native_tokens_prompt", r.prompt_tokens).field("native_tokens_completion", r.completion_tokens);
  w.field("native_tokens_cached", r.cached_tokens);
  w.field_raw("total_cost", billing::usd_string(billing::Picodollars(r.cost_pico))).field("cost_picodollars", r.cost_pico);
  if (r.latency_ms) w.field("latency", *r.latency_ms);
  else w.field_null("latency");
  w.field("generation_time", r.generation_ms).field("total_time_ms", r.total_ms);
  w.field("streamed", r.streamed).field("cancelled", r.cancelled).field("status", int64_t{r.status});
  w.field("finish_reason", r.finish_reason).field("native_finish_reason", r.native_finish_reason);
  w.field("usage_estimated", r.usage_estimated);
  w.field("app", r.x_title).field("http_referer", r.http_referer).field("api", r.api);
  if (!r.error_message.empty()) w.field("error", r.error_message);
  w.key("attempts").begin_array();
  for (const auto& a : r.attempts) {
    w.begin_object().field("provider", a.provider).field("model", a.upstream_model).field("status", int64_t{a.status});
    if (a.latency_ms) w.field("latency_ms", *a.latency_ms);
    if (!a.error_message.empty()) w.field("error", a.error_message);
    w.end_object();
  }
  w.end_array();
  w.end_object().end_object();
  send_json(res, w.take());
}

void handle_key(const InfoServices& s, const httplib::Request& req, httplib::Response& res) {
  auto key = s.keys->authenticate(req.get_header_value("Authorization"));
  if (!key) return send_error(res, key.error());
  const KeyEntry& k = **key;
  KeySettings ks = k.settings();
  BudgetView b = k.budget(s.now_ms());
  JsonWriter w;
  w.begin_object().key("data").begin_object();
  w.field("label", ks.label).field("name", ks.name);
  w.field_raw("usage", billing::usd_string(billing::Picodollars(b.usage_total)));
  if (ks.limit_pico) {
    w.field_raw("limit", billing::usd_string(billing::Picodollars(*ks.limit_pico)));
    w.field_raw("limit_remaining",
                billing::usd_string(billing::Picodollars(std::max<int64_t>(0, *ks.limit_pico - b.window_usage))));
  } else {
    w.field_null("limit").field_null("limit_remaining");
  }
  if (ks.limit_reset == billing::LimitReset::never) w.field_null("limit_reset");
  else w.field("limit_reset", billing::limit_reset_name(ks.limit_reset));
  if (ks.expires_at) w.field("expires_at", billing::format_iso8601(*ks.expires_at));
  else w.field_null("expires_at");
  w.field("is_free_tier", false).field("is_management_key", ks.management);
  w.end_object().end_object();
  send_json(res, w.take());
}

}  // namespace switchyard::proxy

namespace switchyard::proxy {


void handle_endpoints(const InfoServices& s, const httplib::Request& req, httplib::Response& res) {
  std::string id = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
  auto catalog = s.catalog->current();
  const ModelConfig* m = catalog->config->find_model(id);
  if (!m) return send_error(res, Error{ErrorKind::not_found, "Model '" + id + "' not found", 0, {}, 0});
  JsonWriter w;
  w.begin_object().key("data").begin_object();
  w.field("id", m->id).field("name", m->name).field("created", m->created).field("description", m->description);
  w.key("architecture").begin_object().field("modality", "text->text").field("tokenizer", "Other");
  w.field_null("instruct_type").end_object();
  w.key("endpoints").begin_array();
  for (const auto& e : m->endpoints) {
    EndpointHealth h = s.health->health(EndpointId{m->id, e.provider, e.upstream_model});
    w.begin_object();
    w.field("name", e.provider + " | " + e.upstream_model);
    w.field("model_name", m->name).field("provider_name", e.provider).field("upstream_model", e.upstream_model);
    w.field("tag", e.provider + "/" + e.quantization).field("quantization", e.quantization);
    w.field("context_length", e.context_length);
    if (e.max_completion_tokens > 0) w.field("max_completion_tokens", e.max_completion_tokens);
    else w.field_null("max_completion_tokens");
    w.field_null("max_prompt_tokens");
    w.key("pricing");
    if (auto p = price_now(s, *m, e)) write_pricing(w, *p);
    else w.null();
    w.key("supported_parameters").begin_array();
    ModelConfig single = *m;
    single.endpoints = {e};
    for (const auto& p : supported_parameters(single, *catalog->providers)) w.value(p);
    w.end_array();
    write_health_fields(w, h);
    w.end_object();
  }
  w.end_array().end_object().end_object();
  send_json(res, w.take());
}

}  // namespace switchyard::proxy
