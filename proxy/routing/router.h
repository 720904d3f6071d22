// Routing: which endpoints to try, in which order, for one request (DESIGN.md §1), the
// OpenRouter way: filter by the request's provider preferences and model suffix, then
// order cheapest-and-healthy first with price-weighted load balancing, the rest as
// fallbacks; several models (`models`) are tried in turn.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "providers/contract.h"
#include "proxy/billing/pricing_book.h"
#include "proxy/config/config.h"
#include "proxy/routing/health.h"
#include "proxy/routing/provider_registry.h"

namespace switchyard::proxy {

struct Attempt {
  const ModelConfig* model = nullptr;
  const EndpointConfig* endpoint = nullptr;
  const ProviderConfig* provider = nullptr;
  std::shared_ptr<Provider> impl;
  const ProviderKind* kind = nullptr;
  billing::PriceInForce price;  // what the endpoint charges now (the pricing book's row)
  EndpointId id() const { return EndpointId{model->id, provider->name, endpoint->upstream_model}; }
};

struct RoutePlan {
  std::vector<Attempt> attempts;  // in order; the first that yields a first event serves
};

// A model id as sent, split into the catalog id and its routing suffix.
struct ModelRef {
  std::string id;      // catalog id
  std::string suffix;  // "", nitro, floor, free
};
ModelRef parse_model_ref(const std::string& sent);

// The price the router compares: prompt + completion per token.
inline billing::Picodollars blended_price(const Attempt& a) { return a.price.pricing.blended(); }

// The parameters an endpoint honours: the catalog's list when it gives one, else its
// provider kind's (parameters the proxy itself handles, such as stream, are always fine).
std::vector<std::string> endpoint_parameters(const EndpointConfig& endpoint, const ProviderKind* kind);

class Router {
 public:
  // `health` may be null (no health-based ordering). `prices` may be null: endpoints are
  // then priced from the catalog's config prices (tests); `now_ms` is when prices are read.
  Router(std::shared_ptr<const Config> config, std::shared_ptr<const ProviderRegistry> registry,
         const HealthTracker* health = nullptr, const billing::PricingBook* prices = nullptr,
         std::function<int64_t()> now_ms = {});

  // 404 for an unknown model or when a filter leaves no endpoint (the message says which),
  // 503 when the model exists but none of its providers is usable. `rng` drives the
  // price-weighted choice (null: a per-thread generator).
  Result<RoutePlan> plan(const ChatRequest& request, std::mt19937_64* rng = nullptr) const;

  const Config& config() const { return *config_; }

 private:
  Result<std::vector<Attempt>> plan_model(const ChatRequest& request, const ModelRef& ref, const ModelConfig& model,
                                          std::mt19937_64& rng) const;
  std::vector<Attempt> order_default(std::vector<Attempt> candidates, std::mt19937_64& rng) const;
  void order_by(std::vector<Attempt>& candidates, const std::string& sort) const;

  std::shared_ptr<const Config> config_;
  std::optional<billing::PriceInForce> price_of(const ModelConfig& model, const EndpointConfig& endpoint) const;

  std::shared_ptr<const ProviderRegistry> registry_;
  const HealthTracker* health_;
  const billing::PricingBook* prices_;
  std::function<int64_t()> now_ms_;
};

}  // namespace switchyard::proxy
