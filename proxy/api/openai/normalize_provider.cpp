// Model selection (`model`, `models`, `route`) and OpenRouter `provider` preferences.
#include "proxy/api/openai/normalize_detail.h"

namespace switchyard::proxy::normalize_detail {

Status parse_model(element e, Context& c) {
  NORM_TRY(v, non_empty_string(e, "model"));
  c.request.model = v;
  return {};
}

Status parse_models(element e, Context& c) {
  NORM_TRY(models, string_array(e, "models", c.options.max_models));
  if (models.empty())
    return invalid("models", "an array of at most " + std::to_string(c.options.max_models) + " non-empty strings",
                   "an empty array");
  c.request.models = std::move(models);
  return {};
}

Status parse_route(element e, Context& c) {
  NORM_TRY(v, one_of(e, "route", {"fallback"}));
  c.request.route = v;
  return {};
}

namespace {

// `sort` is "price" or {by: "price", partition: "model"|"none"} (OpenRouter's newer form).
Status parse_sort(element e, ProviderPreferences& prefs) {
  if (e.is_string()) {
    NORM_TRY(by, one_of(e, "provider.sort", {"price", "throughput", "latency"}));
    prefs.sort = by;
    return {};
  }
  if (!e.is_object()) return invalid("provider.sort", "one of price, throughput, latency, or an object", type_name(e));
  simdjson::dom::object fields = e.get_object().value_unsafe();
  for (auto [key, value] : fields) {
    if (value.is_null()) continue;
    if (key == "by") {
      NORM_TRY(by, one_of(value, "provider.sort.by", {"price", "throughput", "latency"}));
      prefs.sort = by;
    } else if (key == "partition") {
      NORM_TRY(partition, one_of(value, "provider.sort.partition", {"model", "none"}));
      prefs.sort_partition = partition;
    }
  }
  return {};
}

// Prices are USD per million tokens (prompt, completion) or per request/image, >= 0.
// `image` is validated but not stored: ProviderPreferences has no slot for it yet.
Status parse_max_price(element e, ProviderPreferences& prefs) {
  NORM_TRY(prices, object(e, "provider.max_price"));
  for (auto [key, value] : prices) {
    if (value.is_null()) continue;
    std::optional<double>* slot = nullptr;
    if (key == "prompt") slot = &prefs.max_price_prompt;
    else if (key == "completion") slot = &prefs.max_price_completion;
    else if (key == "request") slot = &prefs.max_price_request;
    else if (key != "image") continue;  // unknown price kinds are ignored, like unknown provider keys
    NORM_TRY(price, number_at_least(value, key_path("provider.max_price", key), 0));
    if (slot) *slot = price;
  }
  return {};
}

Status string_list(element value, std::string_view param, std::vector<std::string>& out) {
  // Lists name providers or quantizations; 256 is far above either catalogue.
  NORM_TRY(list, string_array(value, param, 256));
  out = std::move(list);
  return {};
}

Status bool_into(element value, std::string_view param, bool& out) {
  NORM_TRY(v, boolean(value, param));
  out = v;
  return {};
}

}  // namespace

// Unknown keys are ignored (lenient): OpenRouter keeps adding preferences (zdr,
// preferred_min_throughput, ...) and a client written for them should still route here.
Status parse_provider(element e, Context& c) {
  NORM_TRY(fields, object(e, "provider"));
  ProviderPreferences prefs;
  for (auto [key, value] : fields) {
    if (value.is_null()) continue;
    std::string param = key_path("provider", key);
    if (key == "order") NORM_CHECK(string_list(value, param, prefs.order));
    else if (key == "only") NORM_CHECK(string_list(value, param, prefs.only));
    else if (key == "ignore") NORM_CHECK(string_list(value, param, prefs.ignore));
    else if (key == "quantizations") NORM_CHECK(string_list(value, param, prefs.quantizations));
    else if (key == "allow_fallbacks") NORM_CHECK(bool_into(value, param, prefs.allow_fallbacks));
    else if (key == "require_parameters") NORM_CHECK(bool_into(value, param, prefs.require_parameters));
    else if (key == "sort") NORM_CHECK(parse_sort(value, prefs));
    else if (key == "max_price") NORM_CHECK(parse_max_price(value, prefs));
    else if (key == "data_collection") {
      NORM_TRY(policy, one_of(value, param, {"allow", "deny"}));
      prefs.data_collection = policy;
    }
  }
  c.request.provider = std::move(prefs);
  return {};
}

}  // namespace switchyard::proxy::normalize_detail
