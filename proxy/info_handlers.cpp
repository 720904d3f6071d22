#include "proxy/info_handlers.h"

#include <algorithm>
#include <set>

#include "providers/json_writer.h"
#include "proxy/http_error.h"

namespace switchyard::proxy {

namespace {

void write_error(httplib::Response& res, const Error& e) {
  res.status = http_status(e);
  res.set_content(error_body(e), kJsonContentType);
}

// Every parameter the proxy normalizes; an endpoint with no explicit list takes them all.
const std::vector<std::string>& all_parameters() {
  static const std::vector<std::string> all = {
      "max_tokens", "temperature", "top_p", "top_k", "min_p", "top_a", "frequency_penalty", "presence_penalty",
      "repetition_penalty", "seed", "stop", "logit_bias", "logprobs", "top_logprobs", "response_format", "tools",
      "tool_choice", "parallel_tool_calls", "n", "user", "stream_options"};
  return all;
}

// Per-token price in USD as OpenRouter prints it: a decimal string.
std::string per_token_usd(int64_t pico_per_token) { return pico_to_usd_string(pico_per_token); }

}  // namespace

std::vector<std::string> supported_parameters(const ModelConfig& model) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const auto& e : model.endpoints) {
    const auto& list = e.supported_parameters.empty() ? all_parameters() : e.supported_parameters;
    for (const auto& p : list)
      if (seen.insert(p).second) out.push_back(p);
  }
  return out;
}

void handle_models(App& app, const httplib::Request&, httplib::Response& res) {
  JsonWriter w;
  w.begin_object().key("data").begin_array();
  for (const auto& m : app.config().models) {
    // The cheapest endpoint's prices stand for the model, as OpenRouter lists them.
    const EndpointConfig* cheapest = nullptr;
    for (const auto& e : m.endpoints)
      if (!cheapest || e.pricing.prompt_pico_per_token + e.pricing.completion_pico_per_token <
                           cheapest->pricing.prompt_pico_per_token + cheapest->pricing.completion_pico_per_token)
        cheapest = &e;
    Pricing p = cheapest ? cheapest->pricing : Pricing{};
    w.begin_object();
    w.field("id", m.id).field("canonical_slug", m.id).field("name", m.name).field("created", m.created);
    w.field("description", m.description).field("context_length", m.context_length);
    w.field("object", "model").field("owned_by", m.id.substr(0, m.id.find('/')));
    w.key("architecture").begin_object().field("modality", "text->text");
    w.key("input_modalities").begin_array().value("text").end_array();
    w.key("output_modalities").begin_array().value("text").end_array();
    w.field("tokenizer", "Other").field_null("instruct_type").end_object();
    w.key("pricing").begin_object();
    w.field("prompt", per_token_usd(p.prompt_pico_per_token));
    w.field("completion", per_token_usd(p.completion_pico_per_token));
    w.field("request", pico_to_usd_string(p.request_pico));
    w.field("image", "0");
    if (p.cache_read_pico_per_token >= 0) w.field("input_cache_read", per_token_usd(p.cache_read_pico_per_token));
    if (p.cache_write_pico_per_token >= 0) w.field("input_cache_write", per_token_usd(p.cache_write_pico_per_token));
    w.end_object();
    w.key("top_provider").begin_object().field("context_length", m.context_length);
    if (m.max_completion_tokens > 0) w.field("max_completion_tokens", m.max_completion_tokens);
    else w.field_null("max_completion_tokens");
    w.field("is_moderated", false).end_object();
    w.field_null("per_request_limits");
    w.key("supported_parameters").begin_array();
    for (const auto& s : supported_parameters(m)) w.value(s);
    w.end_array();
    w.field("endpoint_count", static_cast<int64_t>(m.endpoints.size()));
    w.end_object();
  }
  w.end_array().end_object();
  res.set_content(w.take(), kJsonContentType);
}

void handle_generation(App& app, const httplib::Request& req, httplib::Response& res) {
  auto key = app.keys().authenticate(req.get_header_value("Authorization"));
  if (!key) return write_error(res, key.error());
  std::string id = req.get_param_value("id");
  if (id.empty())
    return write_error(res, Error{ErrorKind::invalid_argument, "Query parameter 'id' is required", 0, {}, 0});
  auto row = app.with_reader([&](db::Store& s) { return s.get_generation(id); });
  if (!row) return write_error(res, Error{ErrorKind::internal, "Cannot read the ledger", 0, {}, 0});
  // Another key's generation is as good as unknown: ids must not leak across keys.
  if (!*row || (*row)->key_hash != (*key)->key_hash)
    return write_error(res, Error{ErrorKind::not_found, "Generation '" + id + "' not found", 0, {}, 0});
  const db::UsageRecord& r = **row;
  JsonWriter w;
  w.begin_object().key("data").begin_object();
  w.field("id", r.generation_id).field("model", r.model).field("provider_name", r.provider);
  w.field("upstream_model", r.upstream_model);
  w.field("created_at_ms", r.created);
  w.field("tokens_prompt", r.prompt_tokens).field("tokens_completion", r.completion_tokens);
  w.field("native_tokens_prompt", r.prompt_tokens).field("native_tokens_completion", r.completion_tokens);
  w.field("native_tokens_cached", r.cached_tokens);
  w.field_raw("total_cost", pico_to_usd_string(r.cost_pico)).field("cost_picodollars", r.cost_pico);
  if (r.latency_ms) w.field("latency", *r.latency_ms);
  else w.field_null("latency");
  w.field("generation_time", r.generation_ms).field("total_time_ms", r.total_ms);
  w.field("streamed", r.streamed).field("cancelled", r.cancelled).field("status", int64_t{r.status});
  w.field("finish_reason", r.finish_reason).field("native_finish_reason", r.native_finish_reason);
  w.field("usage_estimated", r.usage_estimated);
  w.field("app", r.x_title).field("http_referer", r.http_referer);
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
  res.set_content(w.take(), kJsonContentType);
}

void handle_key(App& app, const httplib::Request& req, httplib::Response& res) {
  auto key = app.keys().authenticate(req.get_header_value("Authorization"));
  if (!key) return write_error(res, key.error());
  const KeyEntry& k = **key;
  int64_t usage = k.usage_pico.load();
  int64_t limit = k.limit_pico.load();
  JsonWriter w;
  w.begin_object().key("data").begin_object();
  w.field("label", k.label).field("name", k.name);
  w.field_raw("usage", pico_to_usd_string(usage));
  if (limit >= 0) {
    w.field_raw("limit", pico_to_usd_string(limit));
    w.field_raw("limit_remaining", pico_to_usd_string(std::max<int64_t>(0, limit - usage)));
  } else {
    w.field_null("limit").field_null("limit_remaining");
  }
  w.field("is_free_tier", false);
  w.end_object().end_object();
  res.set_content(w.take(), kJsonContentType);
}

}  // namespace switchyard::proxy
