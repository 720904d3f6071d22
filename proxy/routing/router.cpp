#include "proxy/routing/router.h"

#include <algorithm>
#include <cctype>

#include "providers/json_writer.h"

namespace switchyard::proxy {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains_ci(const std::vector<std::string>& list, const std::string& value) {
  std::string v = lower(value);
  return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return lower(s) == v; });
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Parameters the proxy itself handles whatever the endpoint says.
bool always_supported(const std::string& p) { return p == "stream" || p == "stream_options" || p == "user"; }

bool supports_all(const Attempt& a, const std::vector<std::string>& sent) {
  std::vector<std::string> supported = endpoint_parameters(*a.endpoint, a.kind);
  for (const auto& p : sent)
    if (!always_supported(p) && std::find(supported.begin(), supported.end(), p) == supported.end()) return false;
  return true;
}

thread_local std::mt19937_64 tls_rng{std::random_device{}()};

}  // namespace

std::vector<std::string> endpoint_parameters(const EndpointConfig& endpoint, const ProviderKind* kind) {
  if (!endpoint.supported_parameters.empty()) return endpoint.supported_parameters;
  return kind ? kind->capabilities.parameters : all_request_parameters();
}

ModelRef parse_model_ref(const std::string& sent) {
  auto colon = sent.rfind(':');
  if (colon != std::string::npos) {
    std::string suffix = sent.substr(colon + 1);
    if (suffix == "nitro" || suffix == "floor" || suffix == "free") return {sent.substr(0, colon), suffix};
  }
  return {sent, ""};
}

Router::Router(std::shared_ptr<const Config> config, std::shared_ptr<const ProviderRegistry> registry,
               const HealthTracker* health, const billing::PricingBook* prices, std::function<int64_t()> now_ms)
    : config_(std::move(config)),
      registry_(std::move(registry)),
      health_(health),
      prices_(prices),
      now_ms_(now_ms ? std::move(now_ms) : std::function<int64_t()>(db::now_unix_ms)) {}

std::optional<billing::PriceInForce> Router::price_of(const ModelConfig& model, const EndpointConfig& e) const {
  if (prices_) return prices_->at(EndpointId{model.id, e.provider, e.upstream_model}, now_ms_());
  if (!e.pricing) return std::nullopt;
  return billing::PriceInForce{0, *e.pricing, 0};
}

// Default order (OpenRouter's): endpoints with significant failures in the last 30 s (or
// cooling down) go to the back; the rest are drawn at random weighted by 1 / price², so
// at $1 and $3 the first leads nine times as often. Free endpoints lead, in random order.
std::vector<Attempt> Router::order_default(std::vector<Attempt> candidates, std::mt19937_64& rng) const {
  std::vector<Attempt> healthy, ailing;
  for (auto& a : candidates) {
    bool bad = false;
    if (health_) {
      EndpointHealth h = health_->health(a.id());
      bad = h.significant_recent_failures || !health_->would_admit(a.id());
    }
    (bad ? ailing : healthy).push_back(std::move(a));
  }
  std::vector<Attempt> out;
  // Weighted draw without replacement.
  while (!healthy.empty()) {
    std::vector<size_t> free;
    for (size_t i = 0; i < healthy.size(); ++i)
      if (blended_price(healthy[i]) == billing::kZeroCost) free.push_back(i);
    size_t pick = 0;
    if (!free.empty()) {
      pick = free[std::uniform_int_distribution<size_t>(0, free.size() - 1)(rng)];
    } else {
      std::vector<double> weights;
      for (const auto& a : healthy) {
        double p = static_cast<double>(blended_price(a).pico());
        weights.push_back(1.0 / (p * p));
      }
      pick = std::discrete_distribution<size_t>(weights.begin(), weights.end())(rng);
    }
    out.push_back(std::move(healthy[pick]));
    healthy.erase(healthy.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  std::stable_sort(ailing.begin(), ailing.end(),
                   [](const Attempt& a, const Attempt& b) { return blended_price(a) < blended_price(b); });
  for (auto& a : ailing) out.push_back(std::move(a));
  return out;
}

// Explicit sorts are deterministic (no load balancing). Endpoints with no measurements
// yet sort after measured ones for throughput and latency.
void Router::order_by(std::vector<Attempt>& c, const std::string& sort) const {
  auto metric = [&](const Attempt& a) -> double {
    if (sort == "price") return static_cast<double>(blended_price(a).pico());
    if (!health_) return 0;
    EndpointHealth h = health_->health(a.id());
    if (sort == "throughput") return h.throughput_last_30m.empty ? 0 : -h.throughput_last_30m.p50;  // higher first
    return h.latency_last_30m.empty ? 1e18 : h.latency_last_30m.p50;                                // lower first
  };
  std::stable_sort(c.begin(), c.end(), [&](const Attempt& a, const Attempt& b) { return metric(a) < metric(b); });
  // Still keep endpoints that are cooling down behind the others.
  if (health_)
    std::stable_partition(c.begin(), c.end(), [&](const Attempt& a) { return health_->would_admit(a.id()); });
}

Result<std::vector<Attempt>> Router::plan_model(const ChatRequest& request, const ModelRef& ref,
                                                const ModelConfig& model, std::mt19937_64& rng) const {
  std::vector<Attempt> c;
  bool unpriced = false;
  for (const auto& e : model.endpoints) {
    auto impl = registry_->find(e.provider);
    const ProviderConfig* pc = config_->find_provider(e.provider);
    if (!impl || !pc) continue;
    auto price = price_of(model, e);
    if (!price) {
      unpriced = true;  // never billed $0 by accident: an endpoint needs a price to serve
      continue;
    }
    c.push_back(Attempt{&model, &e, pc, impl, registry_->kind_of(e.provider), *price});
  }
  if (c.empty() && unpriced)
    return fail(ErrorKind::no_route,
                "No endpoint of model '" + model.id + "' has a price: set one in config.yaml or with POST "
                "/api/v1/admin/pricing (a free endpoint is priced at 0 explicitly)",
                "{\"model\":" + json_quote(model.id) + ",\"reason\":\"price_missing\"}");
  if (c.empty()) {
    std::string why;
    for (const auto& [name, reason] : config_->skipped_providers) why += (why.empty() ? "" : "; ") + name + ": " + reason;
    return fail(ErrorKind::no_route, "No usable endpoint for model '" + model.id + "'" +
                                         (why.empty() ? std::string() : " (skipped providers: " + why + ")"));
  }

  // Each filter may empty the set; the 404 then names the filter that did it.
  auto apply = [&](const std::string& what, auto keep) -> Result<void> {
    std::erase_if(c, [&](const Attempt& a) { return !keep(a); });
    if (c.empty())
      return fail(ErrorKind::not_found, "No endpoints found for model '" + model.id + "' that match " + what,
                  "{\"model\":" + json_quote(model.id) + ",\"filter\":" + json_quote(what) + "}");
    return {};
  };
  // Several choices (n > 1) only from providers that answer that many in one request.
  if (request.n > 1) {
    int64_t most = 1;
    for (const Attempt& a : c) most = std::max(most, a.kind ? max_choices_of(*a.kind, *a.provider) : 1);
    std::erase_if(c, [&](const Attempt& a) { return !a.kind || max_choices_of(*a.kind, *a.provider) < request.n; });
    if (c.empty())
      return fail(ErrorKind::invalid_argument,
                  "n = " + std::to_string(request.n) + " is more than any endpoint of model '" + model.id +
                      "' answers in one request (at most " + std::to_string(most) + ")",
                  "{\"param\":\"n\"}");
  }
  if (ref.suffix == "free")
    if (auto r = apply(":free (zero-priced endpoints)", [](const Attempt& a) {
          return a.price.pricing.is_free();
        }); !r)
      return std::unexpected(r.error());

  const ProviderPreferences prefs = request.provider.value_or(ProviderPreferences{});
  if (!prefs.only.empty())
    if (auto r = apply("provider.only [" + join(prefs.only) + "]",
                       [&](const Attempt& a) { return contains_ci(prefs.only, a.provider->name); });
        !r)
      return std::unexpected(r.error());
  if (!prefs.ignore.empty())
    if (auto r = apply("provider.ignore [" + join(prefs.ignore) + "]",
                       [&](const Attempt& a) { return !contains_ci(prefs.ignore, a.provider->name); });
        !r)
      return std::unexpected(r.error());
  if (!prefs.quantizations.empty())
    if (auto r = apply("provider.quantizations [" + join(prefs.quantizations) + "]",
                       [&](const Attempt& a) { return contains_ci(prefs.quantizations, a.endpoint->quantization); });
        !r)
      return std::unexpected(r.error());
  if (prefs.require_parameters)
    if (auto r = apply("provider.require_parameters (every parameter sent: " + join(request.parameters_sent) + ")",
                       [&](const Attempt& a) { return supports_all(a, request.parameters_sent); });
        !r)
      return std::unexpected(r.error());
  if (prefs.data_collection == "deny")
    if (auto r = apply("provider.data_collection deny",
                       [](const Attempt& a) { return !a.provider->data_collection_allowed; });
        !r)
      return std::unexpected(r.error());
  // max_price: prompt/completion in USD per million tokens, request in USD per request;
  // converted once to picodollars, then compared as integers.
  if (prefs.max_price_prompt)
    if (auto r = apply("provider.max_price.prompt <= " + std::to_string(*prefs.max_price_prompt),
                       [ceiling = billing::max_price_per_token(*prefs.max_price_prompt)](const Attempt& a) {
                         return a.price.pricing.prompt <= ceiling;
                       });
        !r)
      return std::unexpected(r.error());
  if (prefs.max_price_completion)
    if (auto r = apply("provider.max_price.completion <= " + std::to_string(*prefs.max_price_completion),
                       [ceiling = billing::max_price_per_token(*prefs.max_price_completion)](const Attempt& a) {
                         return a.price.pricing.completion <= ceiling;
                       });
        !r)
      return std::unexpected(r.error());
  if (prefs.max_price_request)
    if (auto r = apply("provider.max_price.request <= " + std::to_string(*prefs.max_price_request),
                       [ceiling = billing::max_price_per_request(*prefs.max_price_request)](const Attempt& a) {
                         return a.price.pricing.request <= ceiling;
                       });
        !r)
      return std::unexpected(r.error());

  // Order.
  std::string sort = prefs.sort;
  if (ref.suffix == "nitro") sort = "throughput";
  if (ref.suffix == "floor") sort = "price";
  if (sort.empty()) c = order_default(std::move(c), rng);
  else order_by(c, sort);

  if (!prefs.order.empty()) {
    // Named providers first, in the given order; the others stay as fallbacks (or go).
    std::vector<Attempt> first, rest;
    for (const auto& name : prefs.order)
      for (auto& a : c)
        if (a.impl && lower(a.provider->name) == lower(name)) first.push_back(std::move(a));
    for (auto& a : c)
      if (a.impl) rest.push_back(std::move(a));
    if (!prefs.allow_fallbacks) {
      if (first.empty())
        return fail(ErrorKind::not_found,
                    "No endpoints found for model '" + model.id + "' that match provider.order [" + join(prefs.order) +
                        "] with allow_fallbacks false");
      return first;
    }
    for (auto& a : rest) first.push_back(std::move(a));
    c = std::move(first);
  } else if (!prefs.allow_fallbacks) {
    c.resize(1);  // the primary endpoint only
  }
  return c;
}

Result<RoutePlan> Router::plan(const ChatRequest& request, std::mt19937_64* rng_in) const {
  std::mt19937_64& rng = rng_in ? *rng_in : tls_rng;
  std::vector<std::string> sent_ids;
  if (!request.model.empty()) sent_ids.push_back(request.model);
  for (const auto& m : request.models)
    if (std::find(sent_ids.begin(), sent_ids.end(), m) == sent_ids.end()) sent_ids.push_back(m);

  RoutePlan plan;
  std::optional<Error> first_error;
  for (const auto& sent : sent_ids) {
    ModelRef ref = parse_model_ref(sent);
    const ModelConfig* model = config_->find_model(ref.id);
    if (!model) {
      if (!first_error)
        first_error = Error{ErrorKind::not_found, "Model '" + sent + "' is not available: see GET /v1/models", 0,
                            "{\"model\":" + json_quote(sent) + "}", 0};
      continue;  // a fallback list may name models this deployment lacks
    }
    auto attempts = plan_model(request, ref, *model, rng);
    if (!attempts) {
      if (!first_error || first_error->kind == ErrorKind::not_found) first_error = attempts.error();
      continue;
    }
    for (auto& a : *attempts) plan.attempts.push_back(std::move(a));
  }
  // provider.sort with partition "none": one ordering across every model's endpoints.
  if (request.provider && !request.provider->sort.empty() && request.provider->sort_partition == "none")
    order_by(plan.attempts, request.provider->sort);
  if (plan.attempts.empty()) return std::unexpected(first_error.value_or(Error{ErrorKind::no_route, "No route", 0, {}, 0}));
  return plan;
}

}  // namespace switchyard::proxy
