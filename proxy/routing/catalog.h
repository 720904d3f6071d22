// The live catalog (DESIGN.md §3 "immutable config, built once and shared"): one
// configuration with the providers and the router built from it, swapped whole on reload.
// A request takes the current Catalog when it starts and holds it to the end, so a reload
// never changes the models, prices or providers under a request in flight.
#pragma once

#include <atomic>
#include <memory>

#include "proxy/config/config.h"
#include "proxy/routing/health.h"
#include "proxy/routing/provider_registry.h"
#include "proxy/routing/router.h"

namespace switchyard::proxy {

struct Catalog {
  std::shared_ptr<const Config> config;
  std::shared_ptr<const ProviderRegistry> providers;
  std::shared_ptr<const Router> router;
};

struct CatalogServices {
  ProviderRegistry::Factory factory;             // empty: each kind's own
  const HealthTracker* health = nullptr;         // may be null
  const billing::PricingBook* prices = nullptr;  // null: the config's prices (tests)
  std::function<int64_t()> now_ms;               // when prices are read
};

// Builds the providers (a local engine loads here unless an identical one is already
// running) and the router over them.
Result<std::shared_ptr<const Catalog>> build_catalog(std::shared_ptr<const Config> config, const CatalogServices& s);

class CatalogHolder {
 public:
  explicit CatalogHolder(std::shared_ptr<const Catalog> initial) : current_(std::move(initial)) {}
  std::shared_ptr<const Catalog> current() const { return current_.load(std::memory_order_acquire); }
  void replace(std::shared_ptr<const Catalog> next) { current_.store(std::move(next), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<const Catalog>> current_;
};

}  // namespace switchyard::proxy
