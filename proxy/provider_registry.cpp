#include "proxy/provider_registry.h"

namespace switchyard::proxy {

Result<std::shared_ptr<Provider>> make_provider(const ProviderConfig& config) {
  // Wired to each provider kind as it lands (openai_compat, anthropic, local).
  return fail(ErrorKind::internal, "provider '" + config.name + "': kind '" + config.kind + "' is not available");
}

Result<std::shared_ptr<ProviderRegistry>> ProviderRegistry::build(const Config& config, const Factory& factory) {
  auto registry = std::make_shared<ProviderRegistry>();
  for (const auto& pc : config.providers) {
    auto p = factory ? factory(pc) : make_provider(pc);
    if (!p) return std::unexpected(p.error());
    registry->providers_[pc.name] = std::move(*p);
  }
  return registry;
}

std::shared_ptr<Provider> ProviderRegistry::find(const std::string& name) const {
  auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : it->second;
}

}  // namespace switchyard::proxy
