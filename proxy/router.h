// Routing: which endpoints to try, in which order, for one request (DESIGN.md §1).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "providers/contract.h"
#include "proxy/config.h"
#include "proxy/provider_registry.h"

namespace switchyard::proxy {

struct Attempt {
  const ModelConfig* model = nullptr;
  const EndpointConfig* endpoint = nullptr;
  const ProviderConfig* provider = nullptr;
  std::shared_ptr<Provider> impl;
};

struct RoutePlan {
  std::vector<Attempt> attempts;  // in order; the first that yields a first event serves
};

class Router {
 public:
  Router(std::shared_ptr<const Config> config, std::shared_ptr<const ProviderRegistry> registry);

  // 404 for an unknown model, 503 when the model exists but no endpoint is usable.
  Result<RoutePlan> plan(const ChatRequest& request) const;

  const Config& config() const { return *config_; }

 private:
  std::shared_ptr<const Config> config_;
  std::shared_ptr<const ProviderRegistry> registry_;
};

}  // namespace switchyard::proxy
