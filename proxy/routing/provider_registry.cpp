#include "proxy/routing/provider_registry.h"

namespace switchyard::proxy {

Result<std::shared_ptr<ProviderRegistry>> ProviderRegistry::build(const Config& config, const Factory& factory) {
  auto registry = std::make_shared<ProviderRegistry>();
  for (const auto& pc : config.providers) {
    const ProviderKind* kind = find_provider_kind(pc.kind);
    if (!kind) return fail(ErrorKind::internal, "provider '" + pc.name + "': kind '" + pc.kind + "' is not available");
    auto p = factory ? factory(pc) : kind->make(pc);
    if (!p) return std::unexpected(p.error());
    registry->providers_[pc.name] = Entry{std::move(*p), kind};
  }
  return registry;
}

std::shared_ptr<Provider> ProviderRegistry::find(const std::string& name) const {
  auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : it->second.impl;
}

const ProviderKind* ProviderRegistry::kind_of(const std::string& name) const {
  auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : it->second.kind;
}

}  // namespace switchyard::proxy
